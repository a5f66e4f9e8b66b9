//! The one error type of every service's use cases, and its one mapping to a
//! gRPC status with details (architecture.md §3).
//!
//! Each service names it (`pub type OrderError = Error;`) and builds it with
//! the constructors below; the API layer turns it into a `tonic::Status`
//! with `?`. Conversions from the infrastructure's errors (the database, the
//! idempotency keys, validation) live here, so a service's domain never
//! imports the database crate.

use crate::FieldViolation;
use crate::db::idempotency::IdempotencyError;
use crate::grpc::status;
use crate::validation::InvalidInput;

/// A business precondition that does not hold, e.g. a missing phone number at
/// confirmation; becomes a `google.rpc.PreconditionFailure` violation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmet {
    /// A short machine-readable kind, e.g. `SHIP_TO_INCOMPLETE`.
    pub kind: &'static str,
    /// What it is about, e.g. `ship_to.phone` or `orders/<id>`.
    pub subject: String,
    pub description: String,
}

impl Unmet {
    pub fn new(
        kind: &'static str,
        subject: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            subject: subject.into(),
            description: description.into(),
        }
    }
}

/// The precondition kind of [`Error::ahead_of_order`].
pub const AHEAD_OF_ORDER: &str = "REPORT_AHEAD_OF_ORDER";

/// Why a use case refused or failed. Each variant has exactly one gRPC code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `INVALID_ARGUMENT` with one `BadRequest` violation per bad field.
    #[error("{}", InvalidInput(.0.clone()))]
    InvalidInput(Vec<FieldViolation>),
    /// `NOT_FOUND` with `ResourceInfo`.
    #[error("{resource} {id} not found")]
    NotFound { resource: &'static str, id: String },
    /// `ALREADY_EXISTS`.
    #[error("{resource} {id} already exists")]
    AlreadyExists { resource: &'static str, id: String },
    /// `FAILED_PRECONDITION` with one `PreconditionFailure` violation each.
    #[error("{}", .0.iter().map(|unmet| unmet.description.as_str()).collect::<Vec<_>>().join("; "))]
    PreconditionFailed(Vec<Unmet>),
    /// `PERMISSION_DENIED`: a business rule about who may act.
    #[error("{0}")]
    PermissionDenied(String),
    /// `ABORTED`: a concurrent change won; retrying may succeed.
    #[error("{0}")]
    Conflict(String),
    /// `UNAVAILABLE`: a peer needed for the answer cannot be asked now.
    #[error("{0}")]
    Unavailable(String),
    /// `INTERNAL`: bugs and infrastructure failures (logged in full).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self::InvalidInput(vec![FieldViolation::new(field, description)])
    }

    pub fn precondition(
        kind: &'static str,
        subject: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Self::PreconditionFailed(vec![Unmet::new(kind, subject, description)])
    }

    /// Issue 17: a service learns of an order from the orders service's
    /// events, so an order it has no record of may simply not have reached it
    /// yet. It says so (`FAILED_PRECONDITION ORDER_NOT_KNOWN`), rather than a
    /// `NOT_FOUND` that a caller would take as "no such order". `news` is the
    /// event the service waits for ("its creation", "its confirmation").
    pub fn order_not_known(service: &str, order_id: impl std::fmt::Display, news: &str) -> Self {
        Self::precondition(
            "ORDER_NOT_KNOWN",
            format!("orders/{order_id}"),
            format!(
                "{service} has not heard of this order: it does not exist, or {news} has not \
                 reached {service} yet (if it just happened, try again shortly)"
            ),
        )
    }

    pub fn not_found(resource: &'static str, id: impl Into<String>) -> Self {
        Self::NotFound {
            resource,
            id: id.into(),
        }
    }

    pub fn already_exists(resource: &'static str, id: impl Into<String>) -> Self {
        Self::AlreadyExists {
            resource,
            id: id.into(),
        }
    }

    /// Issue 17: an event that overtook the one it follows (another
    /// service's report handled before this service's own earlier step, by
    /// a replica beside it). A consumer waits for the order to catch up:
    /// the event is redelivered with back-off, beyond `max_deliver`, since
    /// dropping it would leave the order behind for good; only after
    /// `CONSUMER_MAX_WAIT_SECS` is it dead-lettered as stuck.
    pub fn ahead_of_order(
        order_id: impl std::fmt::Display,
        description: impl Into<String>,
    ) -> Self {
        Self::precondition(AHEAD_OF_ORDER, format!("orders/{order_id}"), description)
    }

    /// Whether this is [`Self::ahead_of_order`]'s refusal only.
    pub fn is_ahead_of_order(&self) -> bool {
        let kinds = self.precondition_kinds();
        !kinds.is_empty() && kinds.iter().all(|kind| *kind == AHEAD_OF_ORDER)
    }

    /// The kinds of the unmet preconditions (empty for other errors).
    pub fn precondition_kinds(&self) -> Vec<&'static str> {
        match self {
            Self::PreconditionFailed(unmet) => unmet.iter().map(|unmet| unmet.kind).collect(),
            _ => Vec::new(),
        }
    }
}

impl From<InvalidInput> for Error {
    fn from(invalid: InvalidInput) -> Self {
        Self::InvalidInput(invalid.0)
    }
}

impl From<sea_orm::DbErr> for Error {
    /// D3 (issue 17): a database that cannot be reached is `UNAVAILABLE`
    /// (clients retry that), not `INTERNAL`, which stays for bugs.
    fn from(error: sea_orm::DbErr) -> Self {
        // D5 (issue 17): a NUL character that no validation caught is the
        // request's fault; nothing was stored.
        if crate::db::is_unstorable_text(&error) {
            return Self::invalid(
                "request",
                "text fields must not contain NUL or other characters the store cannot keep",
            );
        }
        // Issue 17: the request would produce an event the broker cannot
        // carry; refused before anything was written.
        if let Some(reason) = crate::bus::outbox::too_large(&error) {
            return Self::invalid("request", format!("too large: {reason}"));
        }
        if crate::db::is_unavailable(&error) {
            tracing::warn!(%error, "database unavailable");
            return Self::Unavailable(
                "the database cannot be reached just now; try again shortly".to_owned(),
            );
        }
        Self::Internal(anyhow::Error::new(error).context("database error"))
    }
}

impl From<IdempotencyError> for Error {
    fn from(error: IdempotencyError) -> Self {
        match error {
            IdempotencyError::Reused(_) => Self::invalid("request_id", error.to_string()),
            IdempotencyError::Database(error) => error.into(),
        }
    }
}

impl From<Error> for tonic::Status {
    fn from(error: Error) -> Self {
        match error {
            Error::InvalidInput(violations) => status::invalid_argument(&violations),
            Error::NotFound { resource, id } => status::not_found(resource, &id),
            Error::AlreadyExists { resource, id } => {
                tonic::Status::already_exists(format!("{resource} {id} already exists"))
            }
            Error::PreconditionFailed(unmet) => status::failed_preconditions(&unmet),
            Error::PermissionDenied(message) => status::permission_denied(&message),
            Error::Conflict(message) => tonic::Status::aborted(message),
            Error::Unavailable(message) => status::unavailable(&message),
            Error::Internal(error) => status::internal(&error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Code;
    use tonic_types::StatusExt;

    #[test]
    fn each_error_has_its_code_and_details() {
        let cases: Vec<(Error, Code)> = vec![
            (Error::invalid("name", "is required"), Code::InvalidArgument),
            (Error::not_found("order", "o-1"), Code::NotFound),
            (
                Error::already_exists("item", "PUMP-100"),
                Code::AlreadyExists,
            ),
            (
                Error::precondition("NOT_HELD", "orders/o-1", "not held"),
                Code::FailedPrecondition,
            ),
            (
                Error::PermissionDenied("not yours".into()),
                Code::PermissionDenied,
            ),
            (Error::Conflict("retry".into()), Code::Aborted),
            (
                Error::Unavailable("inventory is down".into()),
                Code::Unavailable,
            ),
            (Error::Internal(anyhow::anyhow!("boom")), Code::Internal),
            (
                sea_orm::DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::Timeout).into(),
                Code::Unavailable,
            ),
            (
                sea_orm::DbErr::Custom("a bug in a query".to_owned()).into(),
                Code::Internal,
            ),
            (
                IdempotencyError::Reused("r-1".into()).into(),
                Code::InvalidArgument,
            ),
        ];
        for (error, code) in cases {
            assert_eq!(tonic::Status::from(error).code(), code);
        }
        let status = tonic::Status::from(Error::PreconditionFailed(vec![
            Unmet::new("A", "x", "first"),
            Unmet::new("B", "y", "second"),
        ]));
        let kinds: Vec<String> = status
            .get_error_details()
            .precondition_failure()
            .map(|failure| {
                failure
                    .violations
                    .iter()
                    .map(|v| v.r#type.clone())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(kinds, ["A", "B"]);
        assert_eq!(status.message(), "first; second");
    }
}
