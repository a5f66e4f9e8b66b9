//! Issue 16: a service talks to a NATS that requires a user and TLS (as the
//! prod overlay's does), with the CA, user and password from the
//! environment; a wrong password or an unknown CA gets nowhere.

use std::process::Stdio;
use std::time::Duration;

use orderflow_platform::bus;
use orderflow_platform::config::{Env, NatsSecurity};
use orderflow_platform::testing;
use tokio::process::Command;

/// The NATS security of the `orders` service given these variables.
fn read(pairs: &[(&str, &str)]) -> Result<NatsSecurity, orderflow_platform::config::ConfigError> {
    NatsSecurity::from_env(
        &Env::from_pairs(
            pairs
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned())),
        ),
        "orders",
    )
}

/// Whether a JetStream call gets through within a few seconds (the
/// client connects in the background, so the first tries may fail).
async fn jetstream_answers(client: async_nats::Client) -> bool {
    let context = bus::jetstream(client);
    tokio::time::timeout(Duration::from_secs(3), async {
        while context
            .get_or_create_stream(bus::stream_config("orders", 1))
            .await
            .is_err()
        {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn a_service_reaches_a_nats_that_requires_a_user_and_tls_and_nothing_less_does() {
    let directory = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let pki = testing::TestPki::new();
    let (cert, key) = pki.issue("nats", &["127.0.0.1", "localhost"]);
    let (ca, cert, key) = (
        pki.ca.display().to_string(),
        cert.display().to_string(),
        key.display().to_string(),
    );
    let port = testing::free_port();
    let store = directory.path().join("jetstream");
    let config = directory.path().join("nats.conf");
    std::fs::write(
        &config,
        format!(
            r#"
listen: 127.0.0.1:{port}
jetstream {{ store_dir: "{store}" }}
tls {{ cert_file: "{cert}", key_file: "{key}", timeout: 2 }}
authorization {{ users: [ {{ user: orders, password: "orders-secret" }} ] }}
"#,
            store = store.display()
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut server = Command::new(testing::nats_server_binary())
        .arg("-c")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let address: std::net::SocketAddr = format!("127.0.0.1:{port}")
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
    testing::eventually(Duration::from_secs(10), "nats-server to listen", || async {
        tokio::net::TcpStream::connect(address).await.ok()
    })
    .await;
    let url = format!("nats://127.0.0.1:{port}");
    let security = |pairs: &[(&str, &str)]| read(pairs).unwrap_or_else(|e| panic!("{e}"));
    let connect = |security: NatsSecurity| {
        let url = url.clone();
        async move {
            bus::connect_secured(&url, "orderflow-orders", &security)
                .await
                .unwrap_or_else(|e| panic!("{e:#}"))
        }
    };

    let granted = connect(security(&[
        ("NATS_USER", "orders"),
        ("NATS_PASSWORD", "orders-secret"),
        ("NATS_CA_FILE", &ca),
    ]))
    .await;
    assert!(jetstream_answers(granted).await, "the right user over TLS");

    let wrong_password = connect(security(&[
        ("NATS_USER", "orders"),
        ("NATS_PASSWORD", "guessed"),
        ("NATS_CA_FILE", &ca),
    ]))
    .await;
    assert!(!jetstream_answers(wrong_password).await, "a wrong password");
    let unknown_ca = connect(security(&[
        ("NATS_USER", "orders"),
        ("NATS_PASSWORD", "orders-secret"),
    ]))
    .await;
    assert!(
        !jetstream_answers(unknown_ca).await,
        "no CA for the certificate"
    );
    let _ = server.kill().await;
}

#[test]
fn nats_security_variables_are_checked_and_named() {
    let refused = |pairs: &[(&str, &str)]| {
        read(pairs)
            .err()
            .map(|error| error.to_string())
            .unwrap_or_default()
    };
    assert!(refused(&[("NATS_USER", "orders")]).contains("NATS_PASSWORD"));
    assert!(
        refused(&[("NATS_PASSWORD", "x"), ("NATS_CREDS_FILE", "/etc/hosts")])
            .contains("NATS_CREDS_FILE")
    );
    assert!(refused(&[("NATS_CA_FILE", "/no/such/ca.pem")]).contains("NATS_CA_FILE"));
    assert!(refused(&[("NATS_KEY_FILE", "/no/such/key.pem")]).contains("NATS_KEY_FILE"));
    let none = NatsSecurity::from_env(&Env::from_pairs(Vec::<(String, String)>::new()), "orders")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(none.user.is_none() && none.ca_file.is_none());
    // The service's name is the user when only a password is given (the
    // prod Deployments set only NATS_PASSWORD).
    let by_name = NatsSecurity::from_env(&Env::from_pairs([("NATS_PASSWORD", "x")]), "finance")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        by_name.user.map(|(user, _)| user).as_deref(),
        Some("finance")
    );
}
