use orderflow_platform::FieldViolation;

use super::order::OrderState;

/// A business precondition that does not hold, e.g. a missing phone number
/// at confirmation; becomes a `google.rpc.PreconditionFailure` violation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmet {
    /// A short machine-readable kind, e.g. `SHIP_TO_INCOMPLETE`.
    pub kind: &'static str,
    /// What it is about, e.g. `ship_to.phone`.
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

#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    #[error("invalid request: {}", render(.0))]
    InvalidInput(Vec<FieldViolation>),
    #[error("{resource} {id} not found")]
    NotFound { resource: &'static str, id: String },
    #[error("an order in state {from} cannot be {action}")]
    IllegalTransition {
        from: OrderState,
        action: &'static str,
    },
    #[error("{}", .0.iter().map(|u| u.description.as_str()).collect::<Vec<_>>().join("; "))]
    PreconditionFailed(Vec<Unmet>),
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{0}")]
    Conflict(String),
    /// A peer service needed for the answer cannot be reached; retrying later
    /// may succeed.
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl OrderError {
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

    pub fn not_found(resource: &'static str, id: impl Into<String>) -> Self {
        Self::NotFound {
            resource,
            id: id.into(),
        }
    }
}

impl From<orderflow_platform::validation::InvalidInput> for OrderError {
    fn from(invalid: orderflow_platform::validation::InvalidInput) -> Self {
        Self::InvalidInput(invalid.0)
    }
}

impl From<sea_orm::DbErr> for OrderError {
    fn from(error: sea_orm::DbErr) -> Self {
        Self::Internal(anyhow::Error::new(error).context("database error"))
    }
}

fn render(violations: &[FieldViolation]) -> String {
    violations
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl From<orderflow_platform::db::idempotency::IdempotencyError> for OrderError {
    fn from(error: orderflow_platform::db::idempotency::IdempotencyError) -> Self {
        use orderflow_platform::db::idempotency::IdempotencyError;
        match error {
            IdempotencyError::Reused(_) => Self::invalid("request_id", error.to_string()),
            IdempotencyError::Database(error) => error.into(),
        }
    }
}
