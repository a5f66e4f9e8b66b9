//! Test support: a throw-away `nats-server -js` per test, a fresh database per
//! test (SQLite always; PostgreSQL when `ORDERFLOW_TEST_DATABASE_URL` names a
//! server), and development tokens.
//!
//! [`Spawned`] starts any service of the repository that way for a test.
//!
//! [`backend_tests!`](crate::backend_tests) turns `async fn name(backend)`
//! into two tests, `name::sqlite` and `name::postgres`.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Statement};
use secrecy::SecretString;

use crate::auth::{self, AuthConfig};
use crate::db::Database;

mod nats;
mod pki;
mod spawn;
pub use nats::{NatsStopper, TestNats, nats_server_binary};
pub use pki::TestPki;
pub use spawn::{Spawned, Starter, starter, utc};

/// The HS256 secret of test tokens.
pub const TEST_SECRET: &str = "orderflow-test-secret-0123456789abcdef";

pub fn auth_config() -> AuthConfig {
    AuthConfig::with_secret(TEST_SECRET)
}

/// The environment every service under test starts with: any free port on
/// loopback, its own database, the test's NATS server, the test secret and
/// a small pool. Add what one test needs with [`Env::with`].
pub fn service_env(database_url: &str, nats_url: &str) -> crate::config::Env {
    crate::config::Env::from_pairs([
        ("GRPC_ADDR", "127.0.0.1:0"),
        ("DATABASE_URL", database_url),
        ("DATABASE_MAX_CONNECTIONS", "8"),
        ("NATS_URL", nats_url),
        ("ORDERFLOW_JWT_SECRET", TEST_SECRET),
    ])
}

pub fn token(subject: &str, roles: &[&str]) -> String {
    let roles: Vec<String> = roles.iter().map(|role| (*role).to_owned()).collect();
    auth::mint_hs256(
        &SecretString::from(TEST_SECRET.to_owned()),
        subject,
        &roles,
        Duration::from_secs(3600),
    )
    .unwrap_or_else(|error| panic!("cannot mint a test token: {error}"))
}

/// A development token for a person of the partner `partner` (a supplier,
/// manufacturer or store).
pub fn partner_token(subject: &str, roles: &[&str], partner: &str) -> String {
    let roles: Vec<String> = roles.iter().map(|role| (*role).to_owned()).collect();
    auth::mint_hs256_for(
        &SecretString::from(TEST_SECRET.to_owned()),
        subject,
        &roles,
        Some(partner),
        Duration::from_secs(3600),
    )
    .unwrap_or_else(|error| panic!("cannot mint a test token: {error}"))
}

/// Puts a bearer token on every call of a test client; `None` calls
/// anonymously.
#[derive(Clone, Debug)]
pub struct Bearer(Option<tonic::metadata::MetadataValue<tonic::metadata::Ascii>>);

impl Bearer {
    /// A development token for `subject` with `roles`.
    pub fn token(subject: &str, roles: &[&str]) -> Self {
        let value = format!("Bearer {}", token(subject, roles))
            .parse()
            .unwrap_or_else(|_| panic!("a token is not a header value"));
        Self(Some(value))
    }

    /// A development token for a person of the partner `partner`.
    pub fn partner(subject: &str, roles: &[&str], partner: &str) -> Self {
        let value = format!("Bearer {}", partner_token(subject, roles, partner))
            .parse()
            .unwrap_or_else(|_| panic!("a token is not a header value"));
        Self(Some(value))
    }

    pub fn anonymous() -> Self {
        Self(None)
    }
}

impl tonic::service::Interceptor for Bearer {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

/// A connection whose calls carry a [`Bearer`].
pub type Authorized =
    tonic::service::interceptor::InterceptedService<tonic::transport::Channel, Bearer>;

/// A connection to a service under test.
pub async fn channel(address: std::net::SocketAddr) -> tonic::transport::Channel {
    tonic::transport::Channel::from_shared(format!("http://{address}"))
        .unwrap_or_else(|error| panic!("{error}"))
        .connect()
        .await
        .unwrap_or_else(|error| panic!("cannot connect to {address}: {error}"))
}

/// A connection to `address` whose calls carry a development token for
/// `subject` with `roles`.
pub async fn authorized(
    address: std::net::SocketAddr,
    subject: &str,
    roles: &[&str],
) -> Authorized {
    tonic::service::interceptor::InterceptedService::new(
        channel(address).await,
        Bearer::token(subject, roles),
    )
}

/// A connection acting as a person of the partner `partner` (a supplier,
/// manufacturer or store).
pub async fn authorized_partner(
    address: std::net::SocketAddr,
    subject: &str,
    roles: &[&str],
    partner: &str,
) -> Authorized {
    tonic::service::interceptor::InterceptedService::new(
        channel(address).await,
        Bearer::partner(subject, roles, partner),
    )
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or_else(|error| panic!("no free port: {error}"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const POSTGRES_URL_VARIABLE: &str = "ORDERFLOW_TEST_DATABASE_URL";

pub fn postgres_configured() -> bool {
    std::env::var(POSTGRES_URL_VARIABLE).is_ok_and(|url| url.starts_with("postgres"))
}

/// The backends a test that loops over them runs on: SQLite, and PostgreSQL
/// when it is configured.
pub fn backends() -> Vec<Backend> {
    let mut backends = vec![Backend::Sqlite];
    if postgres_configured() {
        backends.push(Backend::Postgres);
    }
    backends
}

/// A database of the test's own; a PostgreSQL one is dropped afterwards.
#[derive(Debug)]
pub struct TestDatabase {
    pub url: String,
    pub backend: Backend,
    _directory: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub async fn create(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let directory =
                    tempfile::tempdir().unwrap_or_else(|error| panic!("no temp dir: {error}"));
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    directory.path().join("test.db").display()
                );
                Self {
                    url,
                    backend,
                    _directory: Some(directory),
                    postgres: None,
                }
            }
            Backend::Postgres => {
                let admin_url = std::env::var(POSTGRES_URL_VARIABLE)
                    .unwrap_or_else(|_| panic!("{POSTGRES_URL_VARIABLE} is not set"));
                let name = format!("orderflow_test_{}", uuid::Uuid::now_v7().simple());
                let admin = Database::connect(&admin_url, 1)
                    .await
                    .unwrap_or_else(|error| panic!("cannot reach PostgreSQL: {error:#}"));
                admin
                    .connection()
                    .execute_raw(Statement::from_string(
                        admin.backend(),
                        format!("CREATE DATABASE \"{name}\""),
                    ))
                    .await
                    .unwrap_or_else(|error| panic!("cannot create database {name}: {error}"));
                admin.close().await;
                Self {
                    url: crate::db::with_database_name(&admin_url, &name),
                    backend,
                    _directory: None,
                    postgres: Some((admin_url, name)),
                }
            }
        }
    }

    pub async fn connect(&self) -> Database {
        Database::connect(&self.url, 8)
            .await
            .unwrap_or_else(|error| panic!("cannot connect to the test database: {error:#}"))
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside any runtime we could borrow: use a small one.
        let dropper = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async move {
                    if let Ok(admin) = Database::connect(&admin_url, 1).await {
                        let _ = admin
                            .connection()
                            .execute_raw(Statement::from_string(
                                admin.backend(),
                                format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                            ))
                            .await;
                        admin.close().await;
                    }
                });
            }
        });
        let _ = dropper.join();
    }
}

/// Serves a test's fake of a peer service (a tonic server of its own on
/// a free loopback port) until `shutdown`; its address.
pub async fn serve_fake(
    routes: tonic::service::Routes,
    shutdown: crate::shutdown::Shutdown,
) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("cannot bind a fake service: {e}"));
    let address = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("no address: {e}"));
    let incoming = tonic::transport::server::TcpIncoming::from(listener);
    tokio::spawn(async move {
        let _ = tonic::transport::Server::builder()
            .add_routes(routes)
            .serve_with_incoming_shutdown(incoming, async move { shutdown.wait().await })
            .await;
    });
    address
}

/// What the broker knows of the durable `consumer` of `stream` now
/// (delivered, pending, redelivered, acknowledged); `None` while it does
/// not exist or the broker does not answer.
pub async fn consumer_info(
    nats: &TestNats,
    stream: &str,
    consumer: &str,
) -> Option<async_nats::jetstream::consumer::Info> {
    async_nats::jetstream::new(nats.client().await)
        .get_stream(stream)
        .await
        .ok()?
        .consumer_info(consumer)
        .await
        .ok()
}

/// Publishes `payload` on `subject` as `service` would: on its stream
/// (declared as the service declares it), with a fresh message id.
pub async fn publish_event(nats: &TestNats, service: &str, subject: &str, payload: Vec<u8>) {
    let mut headers = async_nats::HeaderMap::new();
    headers.insert(
        crate::bus::headers::MESSAGE_ID,
        uuid::Uuid::now_v7().to_string().as_str(),
    );
    publish_message(nats, service, subject, headers, payload.into()).await;
}

/// Publishes a message with the given headers (which carry its message id)
/// on `service`'s stream, declared as the service declares it.
///
/// The service under test declares the same stream while it starts; for a
/// moment after that the server may know the stream but not route its
/// subjects yet ("no stream found"), so that answer is retried. A retry
/// carries the same message id: the stream keeps one copy.
pub async fn publish_message(
    nats: &TestNats,
    service: &str,
    subject: &str,
    headers: async_nats::HeaderMap,
    payload: bytes::Bytes,
) {
    use async_nats::jetstream::context::PublishErrorKind;
    let context = async_nats::jetstream::new(nats.client().await);
    let config = crate::bus::stream_config(service, 1);
    if let Err(error) = context.get_or_create_stream(config.clone()).await {
        // A service's relay or consumer may have declared it in between
        // (the create then fails as overlapping): the stream is there.
        context
            .get_stream(&config.name)
            .await
            .unwrap_or_else(|_| panic!("cannot declare the {service} stream: {error}"));
    }
    let mut attempts = 0;
    loop {
        let acknowledged = context
            .publish_with_headers(subject.to_owned(), headers.clone(), payload.clone())
            .await
            .unwrap_or_else(|error| panic!("cannot publish {subject}: {error}"))
            .await;
        match acknowledged {
            Ok(_) => return,
            Err(error) if error.kind() == PublishErrorKind::StreamNotFound && attempts < 50 => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => panic!("{subject} was not acknowledged: {error}"),
        }
    }
}

/// The orders service reporting `order` on `orders.order.<event>`, as it
/// publishes it (for the tests of the services that follow orders).
pub async fn publish_order_event(
    nats: &TestNats,
    event: &str,
    order: &orderflow_proto::orders::v1::Order,
) {
    use prost::Message;
    let message = orderflow_proto::orders::v1::OrderEvent {
        event_id: uuid::Uuid::now_v7().to_string(),
        occur_time: order.update_time,
        actor: "orders".to_owned(),
        reason: String::new(),
        from_state: 0,
        order: Some(order.clone()),
    };
    publish_event(
        nats,
        "orders",
        &format!("orders.order.{event}"),
        message.encode_to_vec(),
    )
    .await;
}

/// `order` moved to `state`, a second after its last version (later
/// versions win in the services that keep a copy).
pub fn order_moved(
    order: &orderflow_proto::orders::v1::Order,
    state: orderflow_proto::orders::v1::OrderState,
) -> orderflow_proto::orders::v1::Order {
    let mut next = order.clone();
    next.state = state.into();
    let seconds = order.update_time.map_or(0, |t| t.seconds) + 1;
    next.update_time = Some(prost_types::Timestamp { seconds, nanos: 0 });
    next
}

/// The messages on `subject` in the stream `stream` so far, oldest first.
pub async fn stream_messages(
    nats: &TestNats,
    stream: &str,
    subject: &str,
) -> Vec<async_nats::jetstream::message::StreamMessage> {
    let context = async_nats::jetstream::new(nats.client().await);
    let Ok(mut stream) = context.get_stream(stream).await else {
        return Vec::new();
    };
    let last = stream
        .info()
        .await
        .map(|info| info.state.last_sequence)
        .unwrap_or(0);
    let mut found = Vec::new();
    for sequence in 1..=last {
        if let Ok(message) = stream.get_raw_message(sequence).await
            && message.subject.as_str() == subject
        {
            found.push(message);
        }
    }
    found
}

/// Waits until `count` messages on `subject` are in the stream `stream`;
/// them, oldest first.
pub async fn wait_for_messages(
    nats: &TestNats,
    stream: &str,
    subject: &str,
    count: usize,
) -> Vec<async_nats::jetstream::message::StreamMessage> {
    eventually(
        Duration::from_secs(20),
        &format!("{count} × {subject}"),
        || async {
            let found = stream_messages(nats, stream, subject).await;
            (found.len() >= count).then_some(found)
        },
    )
    .await
}

/// Waits until nothing is in flight between the services under test: every
/// durable consumer on `nats` has had everything delivered and acknowledged,
/// and the outboxes of `databases` are empty — seen twice in a row. What a
/// test checks after this cannot still be on its way, so "X was announced
/// once" or "the gate stayed closed" needs no fixed sleep. Consumers named
/// in `ignoring` are not waited for (one that keeps retrying a peer the test
/// does not run).
pub async fn quiescent(nats: &TestNats, databases: &[&TestDatabase], ignoring: &[&str]) {
    let jetstream = crate::bus::jetstream(nats.client().await);
    let mut connected = Vec::with_capacity(databases.len());
    for database in databases {
        // One connection is all a backlog count needs.
        connected.push(
            Database::connect(&database.url, 1)
                .await
                .unwrap_or_else(|error| panic!("cannot connect to the test database: {error:#}")),
        );
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut calm = 0;
    while calm < 2 {
        if idle(&jetstream, &connected, ignoring).await {
            calm += 1;
        } else {
            calm = 0;
        }
        if Instant::now() > deadline {
            panic!("the services under test were still busy after 30 s");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    for database in connected {
        database.close().await;
    }
}

/// What a test database holds, table by table (row count and a digest of
/// every row's values), for "this changed nothing" checks: two snapshots are
/// equal when no row was inserted, updated or deleted. The transport's
/// bookkeeping (`outbox`, `inbox`) and the migrations table are left out:
/// published events and handled ones are checked through the streams.
pub async fn contents(database: &TestDatabase) -> std::collections::BTreeMap<String, String> {
    let connected = Database::connect(&database.url, 1)
        .await
        .unwrap_or_else(|error| panic!("cannot connect to the test database: {error:#}"));
    let connection = connected.connection();
    let backend = connection.get_database_backend();
    let strings = |sql: String| async move {
        connection
            .query_all_raw(Statement::from_string(backend, sql.clone()))
            .await
            .unwrap_or_else(|error| panic!("{sql}: {error}"))
            .into_iter()
            .map(|row| {
                row.try_get_by_index::<Option<String>>(0)
                    .unwrap_or_else(|error| panic!("{sql}: {error}"))
                    .unwrap_or_default()
            })
            .collect::<Vec<String>>()
    };
    let tables = strings(match database.backend {
        Backend::Postgres => {
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()".to_owned()
        }
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                .to_owned()
        }
    })
    .await;
    let mut contents = std::collections::BTreeMap::new();
    for table in tables {
        if ["outbox", "inbox", "seaql_migrations"].contains(&table.as_str()) {
            continue;
        }
        let rows = match database.backend {
            Backend::Postgres => format!(
                "SELECT count(*)::text || ':' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{table}\" t"
            ),
            Backend::Sqlite => {
                let columns =
                    strings(format!("SELECT name FROM pragma_table_info('{table}')")).await;
                let values = columns
                    .iter()
                    .map(|column| format!("quote(\"{column}\")"))
                    .collect::<Vec<_>>()
                    .join(" || ',' || ");
                format!(
                    "SELECT count(*) || ':' || coalesce(group_concat(row, '|' ORDER BY row), '') FROM (SELECT {values} AS row FROM \"{table}\")"
                )
            }
        };
        let digest = strings(rows).await.concat();
        contents.insert(table, digest);
    }
    connected.close().await;
    contents
}

/// No consumer has anything pending or unacknowledged, and no outbox holds a
/// row (false also when one of them cannot be asked).
async fn idle(
    jetstream: &async_nats::jetstream::Context,
    databases: &[Database],
    ignoring: &[&str],
) -> bool {
    use futures::TryStreamExt;
    let Ok(streams) = jetstream.streams().try_collect::<Vec<_>>().await else {
        return false;
    };
    for info in streams {
        let Ok(stream) = jetstream.get_stream(&info.config.name).await else {
            return false;
        };
        let Ok(consumers) = stream.consumers().try_collect::<Vec<_>>().await else {
            return false;
        };
        if consumers.iter().any(|consumer| {
            !ignoring.contains(&consumer.name.as_str())
                && (consumer.num_pending > 0 || consumer.num_ack_pending > 0)
        }) {
            return false;
        }
    }
    for database in databases {
        match crate::bus::outbox::backlog(database.connection()).await {
            Ok(0) => {}
            _ => return false,
        }
    }
    true
}

/// Polls `check` until it returns `Some`, or panics after `timeout`.
pub async fn eventually<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if Instant::now() > deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The refusal a call must end in: the status, or a panic naming `why`
/// when the call succeeded.
pub trait Refused {
    fn refused(self, why: &str) -> tonic::Status;
}

impl<T> Refused for Result<T, tonic::Status> {
    fn refused(self, why: &str) -> tonic::Status {
        match self {
            Ok(_) => panic!("expected a refusal ({why}), the call succeeded"),
            Err(status) => status,
        }
    }
}

/// The fields an `INVALID_ARGUMENT` status names in its `BadRequest`
/// details, in the order given (panics on another code).
pub fn violated_fields(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt;
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    status
        .get_error_details()
        .bad_request()
        .map(|bad| {
            bad.field_violations
                .iter()
                .map(|violation| violation.field.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// The (type, subject) of each violation of a FAILED_PRECONDITION.
pub fn unmet_preconditions(status: &tonic::Status) -> Vec<(String, String)> {
    assert_eq!(status.code(), tonic::Code::FailedPrecondition, "{status:?}");
    unmet_described(status)
        .into_iter()
        .map(|(kind, subject, _)| (kind, subject))
        .collect()
}

/// The (type, subject, description) of each unmet precondition a status
/// carries (none for a status without them).
pub fn unmet_described(status: &tonic::Status) -> Vec<(String, String, String)> {
    use tonic_types::StatusExt;
    status
        .get_error_details()
        .precondition_failure()
        .map(|failure| {
            failure
                .violations
                .iter()
                .map(|v| (v.r#type.clone(), v.subject.clone(), v.description.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// The one idempotency rule of every mutating RPC (architecture.md §3),
/// checked through `call(request_id, variant)`, which makes the call with
/// that request id and a body chosen by `variant` (0 and 1 give different
/// bodies) and answers with the id of what the call produced:
/// - a repeat with the same request id returns the first result;
/// - two identical requests at once return the same result;
/// - the same request id with another body is refused with
///   `INVALID_ARGUMENT` naming `request_id`.
///
/// Returns the ids produced (the first call's, the concurrent pair's), so
/// that the caller can check that nothing more changed (no second row, no
/// second event).
pub async fn assert_idempotent<F, Fut>(what: &str, call: F) -> (String, String)
where
    F: Fn(String, u8) -> Fut,
    Fut: std::future::Future<Output = Result<String, tonic::Status>>,
{
    let first = call(format!("{what}-1"), 0)
        .await
        .unwrap_or_else(|status| panic!("{what}: first call failed: {status:?}"));
    let again = call(format!("{what}-1"), 0)
        .await
        .unwrap_or_else(|status| panic!("{what}: repeat failed: {status:?}"));
    assert_eq!(again, first, "{what}: a repeat returns the first result");

    let (left, right) = tokio::join!(call(format!("{what}-2"), 0), call(format!("{what}-2"), 0));
    let left = left.unwrap_or_else(|status| panic!("{what}: concurrent call failed: {status:?}"));
    let right = right.unwrap_or_else(|status| panic!("{what}: concurrent call failed: {status:?}"));
    assert_eq!(
        left, right,
        "{what}: concurrent identical requests get one result"
    );

    let reused = call(format!("{what}-1"), 1)
        .await
        .err()
        .unwrap_or_else(|| panic!("{what}: a reused request id with another body was accepted"));
    assert_eq!(violated_fields(&reused), ["request_id"], "{what}");
    (first, left)
}

/// Declares `async fn name(backend: Backend)` as two tests, `name::sqlite`
/// and `name::postgres`; the PostgreSQL one says it is skipped when
/// `ORDERFLOW_TEST_DATABASE_URL` is not set (CI always sets it).
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::testing::Backend::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if !$crate::testing::postgres_configured() {
                        eprintln!("skipped: {} is not set", $crate::testing::POSTGRES_URL_VARIABLE);
                        return;
                    }
                    super::$name($crate::testing::Backend::Postgres).await;
                }
            }
        )*
    };
}
