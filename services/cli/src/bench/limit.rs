//! The machine's own limit (issue 18): what PostgreSQL itself sustains on
//! this machine, measured with `pgbench` at the same client count as the
//! benchmark, so that our figures can be given as a ratio to it (absolute
//! figures on a shared two-core machine vary from run to run).
//!
//! Two custom transactions on a scratch database, each for `seconds`:
//! - **insert**: one `INSERT` (what one `CreateOrder` commit must at least do);
//! - **insert + update**: one `INSERT` and one `UPDATE` of a random row in
//!   one transaction (the shape of a state change written with its outbox
//!   row).

use std::process::Command;

use anyhow::Context as _;
use orderflow_platform::db::Database;
use serde::Serialize;

/// pgbench's figures, transactions per second.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Limit {
    pub clients: usize,
    pub seconds: u64,
    pub insert_tps: f64,
    pub insert_update_tps: f64,
}

const DATABASE: &str = "orderflow_bench_limit";

const INSERT: &str =
    "INSERT INTO events (payload) VALUES ('an order of some length, as an event would be');\n";

const INSERT_UPDATE: &str = "\\set id random(1, 10000)
BEGIN;
INSERT INTO events (payload) VALUES ('an order of some length, as an event would be');
UPDATE counters SET n = n + 1 WHERE id = :id;
END;
";

/// Measures both transactions with `clients` connections for `seconds`
/// each, on a scratch database of the server `admin_url` points at (created
/// and dropped here).
pub async fn measure(admin_url: &str, clients: usize, seconds: u64) -> anyhow::Result<Limit> {
    let admin = Database::connect(admin_url, 1).await?;
    let drop = format!("DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)");
    admin.execute_unprepared(&drop).await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {DATABASE}"))
        .await?;
    let url = orderflow_platform::db::with_database_name(admin_url, DATABASE);
    let scratch = Database::connect(&url, 1).await?;
    for sql in [
        "CREATE TABLE events (id bigserial PRIMARY KEY, payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())",
        "CREATE TABLE counters (id int PRIMARY KEY, n bigint NOT NULL)",
        "INSERT INTO counters SELECT g, 0 FROM generate_series(1, 10000) g",
    ] {
        scratch.execute_unprepared(sql).await?;
    }
    scratch.close().await;
    let insert_tps = pgbench(&url, INSERT, clients, seconds)?;
    let insert_update_tps = pgbench(&url, INSERT_UPDATE, clients, seconds)?;
    admin.execute_unprepared(&drop).await?;
    admin.close().await;
    Ok(Limit {
        clients,
        seconds,
        insert_tps,
        insert_update_tps,
    })
}

/// Runs pgbench with `script` and returns its tps.
fn pgbench(url: &str, script: &str, clients: usize, seconds: u64) -> anyhow::Result<f64> {
    let path = std::env::temp_dir().join(format!("orderflow-pgbench-{}.sql", uuid::Uuid::now_v7()));
    std::fs::write(&path, script)?;
    let output = Command::new("pgbench")
        .args(["-n", "-M", "prepared", "-c"])
        .arg(clients.to_string())
        .arg("-j")
        .arg(clients.min(2).to_string())
        .arg("-T")
        .arg(seconds.to_string())
        .arg("-f")
        .arg(&path)
        .arg(url)
        .output();
    let _ = std::fs::remove_file(&path);
    let output = output.context("cannot run pgbench (is it on PATH? Debian: postgresql-client)")?;
    let text = String::from_utf8_lossy(&output.stdout);
    anyhow::ensure!(
        output.status.success(),
        "pgbench failed: {}{}",
        text,
        String::from_utf8_lossy(&output.stderr)
    );
    tps(&text).with_context(|| format!("no tps in pgbench's output:\n{text}"))
}

/// `tps = 1234.56 (without initial connection time)` → 1234.56.
fn tps(output: &str) -> Option<f64> {
    output
        .lines()
        .find_map(|line| line.trim().strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|number| number.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pgbench_output_is_read() {
        let output = "number of failed transactions: 0 (0.000%)\nlatency average = 3.2 ms\ninitial connection time = 12.1 ms\ntps = 9876.543210 (without initial connection time)\n";
        assert_eq!(tps(output), Some(9876.543210));
        assert_eq!(tps("nothing"), None);
    }
}
