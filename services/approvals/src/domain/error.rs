use orderflow_platform::FieldViolation;
use orderflow_platform::validation::InvalidInput;

#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    #[error("{}", InvalidInput(.0.clone()))]
    InvalidInput(Vec<FieldViolation>),
    #[error("{resource} {id} not found")]
    NotFound { resource: &'static str, id: String },
    #[error("{resource} {id} already exists")]
    AlreadyExists { resource: &'static str, id: String },
    /// A business precondition: `kind` is machine-readable, e.g. `NOT_ITS_TURN`.
    #[error("{description}")]
    PreconditionFailed {
        kind: &'static str,
        subject: String,
        description: String,
    },
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApprovalError {
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self::InvalidInput(vec![FieldViolation::new(field, description)])
    }

    pub fn precondition(
        kind: &'static str,
        subject: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Self::PreconditionFailed {
            kind,
            subject: subject.into(),
            description: description.into(),
        }
    }

    pub fn not_found(resource: &'static str, id: impl Into<String>) -> Self {
        Self::NotFound {
            resource,
            id: id.into(),
        }
    }
}

impl From<InvalidInput> for ApprovalError {
    fn from(invalid: InvalidInput) -> Self {
        Self::InvalidInput(invalid.0)
    }
}

impl From<sea_orm::DbErr> for ApprovalError {
    fn from(error: sea_orm::DbErr) -> Self {
        Self::Internal(anyhow::Error::new(error).context("database error"))
    }
}

impl From<orderflow_platform::db::idempotency::IdempotencyError> for ApprovalError {
    fn from(error: orderflow_platform::db::idempotency::IdempotencyError) -> Self {
        use orderflow_platform::db::idempotency::IdempotencyError;
        match error {
            IdempotencyError::Reused(_) => Self::invalid("request_id", error.to_string()),
            IdempotencyError::Database(error) => error.into(),
        }
    }
}
