//! What every Orderflow service shares. Small and boring; no business rules.
//!
//! - [`config`]: environment with local defaults, validated at start-up.
//! - [`telemetry`]: tracing subscriber, OTLP export, W3C trace context across
//!   gRPC and NATS.
//! - [`db`]: database connection (SQLite or PostgreSQL), migrations, write
//!   transactions, idempotency keys.
//! - [`bus`]: the event bus: transactional outbox and relay, streams, durable
//!   consumers with an inbox and a dead-letter stream.
//! - [`auth`]: bearer JWT verification, per-RPC role tables, service identity.
//! - [`grpc`]: server bootstrap (health, reflection, auth, tracing, graceful
//!   shutdown), status helpers and page tokens.
//! - [`error`]: the one error type of the services' use cases and its gRPC
//!   status mapping.
//! - [`ids`]: ids, order numbers, SKUs, quantities and request ids, parsed
//!   once at the API edge and typed from there on.
//! - [`money`]: currencies and amounts in minor units.
//! - [`clock`]: a clock that tests can set.
//! - [`validation`]: request validation reporting every bad field.
//! - [`testing`] (feature `testing`): throw-away NATS servers and databases.

pub mod address;
pub mod auth;
pub mod base;
pub mod bus;
pub mod clock;
pub mod config;
pub mod db;
pub mod error;
pub mod grpc;
pub mod ids;
pub mod metrics;
pub mod money;
pub mod pdf;
pub mod service;
pub mod shutdown;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
pub mod validation;

/// A field of a request and what is wrong with it; becomes a
/// `google.rpc.BadRequest` field violation at the API edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    pub field: String,
    pub description: String,
}

impl FieldViolation {
    pub fn new(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            description: description.into(),
        }
    }
}

impl std::fmt::Display for FieldViolation {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}: {}", self.field, self.description)
    }
}
