//! The `orderflow-orders` binary itself: configuration from the environment,
//! JSON logs with trace ids, a clear error naming a bad variable, and a clean
//! exit on SIGTERM.

use std::process::Stdio;
use std::time::Duration;

use orderflow_platform::testing::{self, Backend, TestDatabase, TestNats};
use orderflow_proto::orders::v1 as pb;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::support::*;

const BINARY: &str = env!("CARGO_BIN_EXE_orderflow-orders");

/// Once the binary accepts connections on `address`.
async fn listening(address: std::net::SocketAddr) {
    testing::eventually(Duration::from_secs(30), "the binary to listen", || async {
        tokio::net::TcpStream::connect(address).await.ok()
    })
    .await;
}

/// A client of the binary listening on `address`, once it serves: the
/// customer it created to prove so.
async fn serving(
    address: std::net::SocketAddr,
    customer: &str,
) -> (
    pb::order_service_client::OrderServiceClient<testing::Authorized>,
    pb::Customer,
) {
    listening(address).await;
    let client = pb::order_service_client::OrderServiceClient::new(
        testing::authorized(address, "alice", &["sales"]).await,
    );
    let customer = testing::eventually(Duration::from_secs(30), "the binary to serve", || {
        let mut client = client.clone();
        async move {
            let request = pb::CreateCustomerRequest {
                name: customer.to_owned(),
                ..Default::default()
            };
            client
                .create_customer(request)
                .await
                .ok()
                .map(tonic::Response::into_inner)
        }
    })
    .await;
    (client, customer)
}

/// The binary with nothing from this environment but `PATH`, on
/// `database` and `nats`, with the test secret.
fn binary(database: &TestDatabase, nats: &TestNats) -> Command {
    let mut command = Command::new(BINARY);
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &database.url)
        .env("NATS_URL", nats.url())
        .env("ORDERFLOW_JWT_SECRET", testing::TEST_SECRET)
        .kill_on_drop(true);
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_logs_json_with_trace_ids_and_stops_on_sigterm() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let nats = TestNats::start().await;
    let port = testing::free_port();
    let mut child = binary(&database, &nats)
        .env("GRPC_ADDR", format!("127.0.0.1:{port}"))
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut lines =
        BufReader::new(child.stdout.take().unwrap_or_else(|| panic!("no stdout"))).lines();
    let address: std::net::SocketAddr = format!("127.0.0.1:{port}")
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));

    let serving = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.contains("serving gRPC") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(serving.ok(), Some(true), "the binary did not start");

    let mut client = pb::order_service_client::OrderServiceClient::new(channel(address).await);
    let mut request = tonic::Request::new(pb::CreateCustomerRequest {
        name: "Json Logs Ltd".to_owned(),
        ..Default::default()
    });
    let token = testing::token("alice", &["sales"]);
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {token}")
            .parse()
            .unwrap_or_else(|_| panic!("header")),
    );
    let customer = client
        .create_customer(request)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let mut order = standard_order(&customer.id);
    // This binary runs on the wall clock.
    order.requested_delivery_date = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let mut request = tonic::Request::new(order);
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {token}")
            .parse()
            .unwrap_or_else(|_| panic!("header")),
    );
    let response = client
        .create_order(request)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let trace_id = response
        .metadata()
        .get("x-trace-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_default();

    let logged = tokio::time::timeout(Duration::from_secs(10), async {
        while let Ok(Some(line)) = lines.next_line().await {
            let Ok(json) = serde_json::from_str::<serde_json::Value>(&line) else {
                panic!("a log line that is not JSON: {line}");
            };
            if json["fields"]["message"] == "order created" {
                return Some(json);
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
    .unwrap_or_else(|| panic!("no 'order created' log line"));
    let spans = logged["spans"].as_array().cloned().unwrap_or_default();
    assert!(
        spans
            .iter()
            .any(|span| span["trace_id"] == trace_id.as_str()),
        "the log line carries the call's trace id {trace_id}: {logged}"
    );
    // At the top level too, with the span's id, for a log search to join.
    assert_eq!(logged["trace_id"], trace_id.as_str(), "{logged}");
    assert!(
        logged["span_id"]
            .as_str()
            .is_some_and(|id| id.len() == 16 && id.chars().all(|c| c.is_ascii_hexdigit())),
        "{logged}"
    );

    let status = terminate(&mut child).await;
    assert!(status.success(), "{status:?}");
}

/// Sends SIGTERM and waits for the exit.
async fn terminate(child: &mut tokio::process::Child) -> std::process::ExitStatus {
    let pid = child.id().unwrap_or_else(|| panic!("no pid"));
    let killed = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .await;
    assert!(killed.is_ok_and(|status| status.success()));
    tokio::time::timeout(Duration::from_secs(60), child.wait())
        .await
        .unwrap_or_else(|_| panic!("no exit after SIGTERM"))
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn a_bad_variable_is_named_at_start_up() {
    let output = Command::new(BINARY)
        .env_clear()
        .env("ORDERFLOW_JWT_SECRET", testing::TEST_SECRET)
        .env("BUSINESS_TIME_ZONE", "Mars/Olympus")
        .output()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("BUSINESS_TIME_ZONE"), "{stderr}");
}

/// Upgrade and rollback: `orderflow-orders migrate` is the migration step;
/// the binary then serves on a schema a later release has expanded (a
/// rollback), and a pod that may not migrate refuses a schema too old for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_migrates_as_a_step_and_serves_on_the_next_releases_schema() {
    use sea_orm::ConnectionTrait;

    for backend in testing::backends() {
        let nats = TestNats::start().await;
        let base = |database: &TestDatabase| {
            let mut command = binary(database, &nats);
            command.env("MIGRATE_ON_START", "false");
            command
        };

        // A pod that may not migrate refuses an empty database.
        let empty = TestDatabase::create(backend).await;
        let output = base(&empty)
            .env("GRPC_ADDR", format!("127.0.0.1:{}", testing::free_port()))
            .output()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            !output.status.success(),
            "{backend:?}: started on an empty schema"
        );
        let said = String::from_utf8_lossy(&output.stdout).to_string()
            + &String::from_utf8_lossy(&output.stderr);
        assert!(said.contains("older than this binary needs"), "{said}");

        // The migration step, then a later release's expand migration.
        let database = TestDatabase::create(backend).await;
        let migrated = base(&database)
            .arg("migrate")
            .output()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(migrated.status.success(), "{migrated:?}");
        let connection = database.connect().await;
        for statement in [
            "ALTER TABLE orders ADD COLUMN customs_note TEXT",
            "CREATE TABLE export_licences (id TEXT PRIMARY KEY)",
            "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m9000_next_release', 0)",
        ] {
            connection
                .connection()
                .execute_unprepared(statement)
                .await
                .unwrap_or_else(|e| panic!("{statement}: {e}"));
        }
        connection.close().await;

        // Rolled back: this binary starts on that schema and takes orders.
        let port = testing::free_port();
        let mut child = base(&database)
            .env("GRPC_ADDR", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        let address: std::net::SocketAddr = format!("127.0.0.1:{port}")
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        let (mut client, customer) = serving(address, "Rollback Ltd").await;
        let mut order = standard_order(&customer.id);
        // This binary runs on the wall clock.
        order.requested_delivery_date = (chrono::Utc::now() + chrono::Duration::days(30))
            .format("%Y-%m-%d")
            .to_string();
        let created = client
            .create_order(order)
            .await
            .unwrap_or_else(|s| panic!("{backend:?}: {s:?}"))
            .into_inner();
        assert_eq!(created.state, pb::OrderState::Draft as i32);
        child.kill().await.unwrap_or_else(|e| panic!("{e}"));
    }
}

/// Issue 16: SIGTERM under load. Readiness goes first, then the listener;
/// in-flight calls finish, the consumers stop, and only then does the relay
/// make its last pass: every order whose creation committed has its event
/// in the stream, and no outbox row is left for the next start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_leaves_no_committed_event_unpublished() {
    use sea_orm::{ConnectionTrait, Statement};

    for backend in testing::backends() {
        let database = TestDatabase::create(backend).await;
        let nats = TestNats::start().await;
        let port = testing::free_port();
        let mut child = binary(&database, &nats)
            .env("GRPC_ADDR", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        let address: std::net::SocketAddr = format!("127.0.0.1:{port}")
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        let (client, customer) = serving(address, "Drain Ltd").await;

        // Eight callers create orders as fast as they can until refused.
        let mut callers = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let mut client = client.clone();
            let mut order = standard_order(&customer.id);
            order.requested_delivery_date = (chrono::Utc::now() + chrono::Duration::days(30))
                .format("%Y-%m-%d")
                .to_string();
            callers.spawn(async move {
                let mut created = 0_u64;
                while client.create_order(order.clone()).await.is_ok() {
                    created += 1;
                }
                created
            });
        }
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        let status = terminate(&mut child).await;
        assert!(status.success(), "{backend:?}: {status:?}");
        let mut answered = 0;
        while let Some(created) = callers.join_next().await {
            answered += created.unwrap_or_else(|e| panic!("{e}"));
        }

        let connection = database.connect().await;
        let count = |sql: &'static str| {
            let connection = connection.connection().clone();
            async move {
                let row = connection
                    .query_one_raw(Statement::from_string(
                        connection.get_database_backend(),
                        sql,
                    ))
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
                    .unwrap_or_else(|| panic!("{sql}: no row"));
                row.try_get_by_index::<i64>(0)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
        };
        let orders = count("SELECT COUNT(*) FROM orders").await;
        let left = count("SELECT COUNT(*) FROM outbox").await;
        connection.close().await;
        let published = testing::stream_messages(&nats, "ORDERS", "orders.order.created")
            .await
            .len();
        assert!(
            answered > 0,
            "{backend:?}: no order was created before SIGTERM"
        );
        assert!(orders >= i64::try_from(answered).unwrap_or(i64::MAX));
        assert_eq!(
            left, 0,
            "{backend:?}: {left} committed events left unpublished ({orders} orders)"
        );
        assert_eq!(
            i64::try_from(published).unwrap_or(i64::MAX),
            orders,
            "{backend:?}: {orders} orders, {published} created events"
        );
    }
}

/// Issue 17: the listener speaks TLS with GRPC_TLS_CERT_FILE/KEY_FILE; with
/// GRPC_TLS_CLIENT_AUTH=required only a caller with a certificate from
/// GRPC_TLS_CA_FILE's CA gets an answer (mutual TLS between services).
/// HEALTH_ADDR serves health alone in plaintext, for the kubelet's probes:
/// the service's API is not there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_over_tls_and_with_client_auth_only_to_certificate_holders() {
    use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity};
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_client::HealthClient;

    let pki = testing::TestPki::new();
    let (server_cert, server_key) = pki.issue("orders", &["localhost", "127.0.0.1"]);
    let (client_cert, client_key) = pki.issue("finance", &["finance"]);
    let pem = |path: &std::path::Path| std::fs::read(path).unwrap_or_else(|e| panic!("{e}"));
    let database = TestDatabase::create(Backend::Sqlite).await;
    let nats = TestNats::start().await;
    for client_auth in ["none", "required"] {
        let port = testing::free_port();
        let health_port = testing::free_port();
        let _child = binary(&database, &nats)
            .env("GRPC_ADDR", format!("127.0.0.1:{port}"))
            .env("HEALTH_ADDR", format!("127.0.0.1:{health_port}"))
            .env("GRPC_TLS_CERT_FILE", &server_cert)
            .env("GRPC_TLS_KEY_FILE", &server_key)
            .env("GRPC_TLS_CA_FILE", &pki.ca)
            .env("GRPC_TLS_CLIENT_AUTH", client_auth)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        let address: std::net::SocketAddr = format!("127.0.0.1:{port}")
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        listening(address).await;
        let check = |tls: Option<ClientTlsConfig>| async move {
            let scheme = if tls.is_some() { "https" } else { "http" };
            let mut endpoint = Endpoint::from_shared(format!("{scheme}://localhost:{port}"))
                .unwrap_or_else(|e| panic!("{e}"))
                .timeout(Duration::from_secs(3));
            if let Some(tls) = tls {
                endpoint = endpoint.tls_config(tls).unwrap_or_else(|e| panic!("{e}"));
            }
            let channel = endpoint.connect().await.ok()?;
            HealthClient::new(channel)
                .check(HealthCheckRequest {
                    service: "liveness".to_owned(),
                })
                .await
                .ok()
        };
        let trusted = || ClientTlsConfig::new().ca_certificate(Certificate::from_pem(pem(&pki.ca)));
        let with_certificate =
            || trusted().identity(Identity::from_pem(pem(&client_cert), pem(&client_key)));
        let answered = testing::eventually(Duration::from_secs(30), "a TLS answer", || {
            check(Some(with_certificate()))
        })
        .await;
        assert_eq!(answered.into_inner().status, 1, "{client_auth}: SERVING");
        assert!(
            check(None).await.is_none(),
            "{client_auth}: plaintext answered"
        );
        let without_certificate = check(Some(trusted())).await;
        assert_eq!(
            without_certificate.is_some(),
            client_auth == "none",
            "{client_auth}: a caller without a certificate"
        );

        let plaintext = Endpoint::from_shared(format!("http://127.0.0.1:{health_port}"))
            .unwrap_or_else(|e| panic!("{e}"))
            .timeout(Duration::from_secs(3))
            .connect()
            .await
            .unwrap_or_else(|e| panic!("{client_auth}: health port: {e}"));
        for service in ["", "liveness", "orderflow.orders.v1.OrderService"] {
            let status = testing::eventually(Duration::from_secs(30), "plaintext health", || {
                let mut health = HealthClient::new(plaintext.clone());
                async move {
                    let answer = health
                        .check(HealthCheckRequest {
                            service: service.to_owned(),
                        })
                        .await
                        .ok()?;
                    (answer.get_ref().status == 1).then_some(answer)
                }
            })
            .await;
            assert_eq!(status.into_inner().status, 1, "{client_auth}: {service:?}");
        }
        let api = pb::order_service_client::OrderServiceClient::new(plaintext)
            .get_order(pb::GetOrderRequest::default())
            .await
            .err()
            .unwrap_or_else(|| panic!("{client_auth}: the API answered on the health port"));
        assert_eq!(api.code(), tonic::Code::Unimplemented, "{api:?}");
    }
}
