//! The event bus (architecture.md §4).
//!
//! - [`outbox`]: events are written in the same transaction as the state
//!   change that causes them, with the trace context of the moment.
//! - [`relay`]: publishes outbox rows to JetStream with `Nats-Msg-Id`, awaits
//!   every ack, then deletes the rows; woken at once after a commit and also
//!   polling; several replicas share the work on PostgreSQL.
//! - [`consumer`]: durable pull consumers with explicit ack, an inbox for
//!   effectively-once handling, redelivery with back-off, and a dead-letter
//!   stream for messages that still fail.
//!
//! Streams: one per producing service (`ORDERS` holds `orders.>`), plus
//! `DEADLETTER` (`deadletter.>`). They are declared idempotently from
//! [`stream_config`] by whoever needs them first, and never modified by a
//! running service, so pods of two versions cannot fight over them.

pub mod consumer;
pub mod dead_letters;
pub mod decisions;
pub mod outbox;
pub mod permissions;
pub mod relay;

use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream;

/// Headers every event carries besides `Nats-Msg-Id` and the trace context.
pub mod headers {
    pub const MESSAGE_ID: &str = "Nats-Msg-Id";
    pub const EVENT_TYPE: &str = "Orderflow-Event-Type";
    pub const DEAD_LETTER_REASON: &str = "Orderflow-Dead-Letter-Reason";
    pub const DEAD_LETTER_CONSUMER: &str = "Orderflow-Dead-Letter-Consumer";
    pub const DEAD_LETTER_SUBJECT: &str = "Orderflow-Dead-Letter-Subject";
    pub const DEAD_LETTER_DELIVERIES: &str = "Orderflow-Dead-Letter-Deliveries";
}

pub const DEAD_LETTER_STREAM: &str = "DEADLETTER";
pub const DEAD_LETTER_PREFIX: &str = "deadletter";

/// The NATS client name of `service` (`orderflow-orders`), which also
/// names its reply subjects ([`permissions::inbox_prefix`]).
pub fn client_name(service: &str) -> String {
    format!("orderflow-{service}")
}

/// Connects to NATS. Returns at once even when NATS is down: the client keeps
/// reconnecting in the background, the relay and consumers retry, and health
/// reports NOT_SERVING meanwhile.
pub async fn connect(url: &str, client_name: &str) -> anyhow::Result<async_nats::Client> {
    connect_secured(url, client_name, &crate::config::NatsSecurity::default()).await
}

/// [`connect`] with a user, credentials and TLS as `security` says.
pub async fn connect_secured(
    url: &str,
    client_name: &str,
    security: &crate::config::NatsSecurity,
) -> anyhow::Result<async_nats::Client> {
    use secrecy::ExposeSecret;
    let mut options = match &security.credentials_file {
        Some(path) => async_nats::ConnectOptions::with_credentials_file(path)
            .await
            .with_context(|| format!("NATS_CREDS_FILE {}", path.display()))?,
        None => async_nats::ConnectOptions::new(),
    };
    if let Some((user, password)) = &security.user {
        options = options.user_and_password(user.clone(), password.expose_secret().to_owned());
    }
    if let Some(ca) = &security.ca_file {
        options = options.add_root_certificates(ca.clone()).require_tls(true);
    }
    if let Some((cert, key)) = &security.client_certificate {
        options = options.add_client_certificate(cert.clone(), key.clone());
    }
    options
        .name(client_name)
        .custom_inbox_prefix(permissions::inbox_prefix(client_name))
        .retry_on_initial_connect()
        .max_reconnects(None)
        .connection_timeout(Duration::from_secs(5))
        .connect(url)
        .await
        .with_context(|| format!("cannot connect to NATS at {url}"))
}

pub fn jetstream(client: async_nats::Client) -> jetstream::Context {
    jetstream::ContextBuilder::new()
        .timeout(Duration::from_secs(5))
        .build(client)
}

/// `orders` → `ORDERS`.
pub fn stream_name(service: &str) -> String {
    service.to_ascii_uppercase()
}

/// How long a service's stream keeps its events: a message can be delivered
/// (again) only this long, which bounds how long its inbox row must stay
/// ([`crate::db::retention`]).
pub const STREAM_MAX_AGE: Duration = Duration::from_secs(30 * 24 * 3600);

/// The one definition of a service's event stream.
pub fn stream_config(service: &str, replicas: usize) -> jetstream::stream::Config {
    jetstream::stream::Config {
        name: stream_name(service),
        description: Some(format!("events published by the {service} service")),
        subjects: vec![format!("{service}.>")],
        storage: jetstream::stream::StorageType::File,
        retention: jetstream::stream::RetentionPolicy::Limits,
        discard: jetstream::stream::DiscardPolicy::Old,
        max_age: STREAM_MAX_AGE,
        duplicate_window: Duration::from_secs(120),
        num_replicas: replicas,
        ..Default::default()
    }
}

pub fn dead_letter_stream_config(replicas: usize) -> jetstream::stream::Config {
    jetstream::stream::Config {
        name: DEAD_LETTER_STREAM.to_owned(),
        description: Some("events that consumers could not handle".to_owned()),
        subjects: vec![format!("{DEAD_LETTER_PREFIX}.>")],
        storage: jetstream::stream::StorageType::File,
        retention: jetstream::stream::RetentionPolicy::Limits,
        max_age: Duration::from_secs(90 * 24 * 3600),
        duplicate_window: Duration::from_secs(120),
        num_replicas: replicas,
        ..Default::default()
    }
}

/// Creates the stream if it does not exist; leaves an existing one alone.
pub async fn ensure_stream(
    context: &jetstream::Context,
    config: jetstream::stream::Config,
) -> anyhow::Result<jetstream::stream::Stream> {
    let name = config.name.clone();
    context
        .get_or_create_stream(config)
        .await
        .with_context(|| format!("cannot declare stream {name}"))
}
