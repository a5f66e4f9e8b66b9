//! The development JWT secret shared by the local services: from
//! `ORDERFLOW_JWT_SECRET`, else the file `ORDERFLOW_JWT_SECRET_FILE`
//! (default `data/jwt-secret`), created once by `orderflow up`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;
use rand::RngCore;
use secrecy::SecretString;

pub fn path() -> PathBuf {
    std::env::var("ORDERFLOW_JWT_SECRET_FILE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("data/jwt-secret"))
}

/// The secret, without creating one.
pub fn load() -> anyhow::Result<SecretString> {
    if let Ok(secret) = std::env::var("ORDERFLOW_JWT_SECRET")
        && !secret.trim().is_empty()
    {
        return Ok(SecretString::from(secret.trim().to_owned()));
    }
    let path = path();
    let contents = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "no development secret: set ORDERFLOW_JWT_SECRET or run `orderflow up` once to create {}",
            path.display()
        )
    })?;
    Ok(SecretString::from(contents.trim().to_owned()))
}

/// The secret, created (random, readable by the owner only) if missing.
pub fn load_or_create() -> anyhow::Result<SecretString> {
    if let Ok(secret) = load() {
        return Ok(secret);
    }
    let path = path();
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(secret.as_bytes())?;
    eprintln!("created a development JWT secret in {}", path.display());
    Ok(SecretString::from(secret))
}
