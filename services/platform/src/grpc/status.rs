//! Building `tonic::Status` values with rich details (`google.rpc.*`).

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::FieldViolation;

/// `INVALID_ARGUMENT` with one `BadRequest` field violation per bad field.
pub fn invalid_argument(violations: &[FieldViolation]) -> Status {
    let mut details = ErrorDetails::new();
    for violation in violations {
        details.add_bad_request_violation(violation.field.clone(), violation.description.clone());
    }
    let summary = violations
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    Status::with_error_details(
        Code::InvalidArgument,
        format!("invalid request: {summary}"),
        details,
    )
}

impl From<FieldViolation> for Status {
    fn from(violation: FieldViolation) -> Self {
        invalid_argument(&[violation])
    }
}

/// `FAILED_PRECONDITION` with a `PreconditionFailure` violation.
pub fn failed_precondition(kind: &str, subject: &str, description: &str) -> Status {
    let mut details = ErrorDetails::new();
    details.add_precondition_failure_violation(kind, subject, description);
    Status::with_error_details(Code::FailedPrecondition, description.to_owned(), details)
}

/// `FAILED_PRECONDITION` with one `PreconditionFailure` violation per unmet
/// precondition; the message joins their descriptions.
pub fn failed_preconditions(unmet: &[crate::error::Unmet]) -> Status {
    let mut details = ErrorDetails::new();
    for item in unmet {
        details.add_precondition_failure_violation(
            item.kind,
            item.subject.clone(),
            item.description.clone(),
        );
    }
    let message = unmet
        .iter()
        .map(|item| item.description.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    Status::with_error_details(Code::FailedPrecondition, message, details)
}

/// `NOT_FOUND` with `ResourceInfo`.
pub fn not_found(resource_type: &str, resource_name: &str) -> Status {
    let details = ErrorDetails::with_resource_info(
        resource_type,
        resource_name,
        "",
        format!("{resource_type} {resource_name} does not exist"),
    );
    Status::with_error_details(
        Code::NotFound,
        format!("{resource_type} {resource_name} not found"),
        details,
    )
}

/// `PERMISSION_DENIED` for a business rule about who may act (the domain's
/// "not your role", "not your own request").
pub fn permission_denied(message: &str) -> Status {
    Status::permission_denied(message.to_owned())
}

/// `INTERNAL` for real bugs and infrastructure failures: the full chain goes to
/// the log, the caller sees only the message and the trace id.
pub fn internal(error: &anyhow::Error) -> Status {
    tracing::error!(error = %format!("{error:#}"), "internal error");
    Status::internal(format!(
        "internal error{}",
        crate::telemetry::current_trace_id()
            .map(|id| format!(" (trace {id})"))
            .unwrap_or_default()
    ))
}

/// `UNAVAILABLE`: the caller may retry (database unreachable, contention).
pub fn unavailable(message: &str) -> Status {
    Status::unavailable(message.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_argument_carries_one_violation_per_field() {
        let status = invalid_argument(&[
            FieldViolation::new("lines[0].quantity", "must be positive"),
            FieldViolation::new("currency_code", "unknown currency"),
        ]);
        assert_eq!(status.code(), Code::InvalidArgument);
        let details = status.get_error_details();
        let fields: Vec<String> = details
            .bad_request()
            .map(|bad| {
                bad.field_violations
                    .iter()
                    .map(|v| v.field.clone())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(fields, vec!["lines[0].quantity", "currency_code"]);
    }
}
