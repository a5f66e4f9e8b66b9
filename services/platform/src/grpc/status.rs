//! Building `tonic::Status` values with rich details (`google.rpc.*`).

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::FieldViolation;

/// D6 (issue 17): an error lists at most this many faults ...
pub const MAX_REPORTED: usize = 20;
/// ... and at most this many characters of any one text in it, so that no
/// bad request, however large, makes a large error (clients commonly cap
/// metadata at 16 KiB) or has its input echoed back.
pub const MAX_TEXT_CHARS: usize = 200;

/// `text`, cut to [`MAX_TEXT_CHARS`] characters with an ellipsis.
pub fn bounded(text: &str) -> String {
    match text.char_indices().nth(MAX_TEXT_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// `INVALID_ARGUMENT` with one `BadRequest` field violation per bad field
/// (the first [`MAX_REPORTED`], then one saying how many more).
pub fn invalid_argument(violations: &[FieldViolation]) -> Status {
    let mut details = ErrorDetails::new();
    let mut reported: Vec<FieldViolation> = violations
        .iter()
        .take(MAX_REPORTED)
        .map(|violation| {
            FieldViolation::new(bounded(&violation.field), bounded(&violation.description))
        })
        .collect();
    if violations.len() > MAX_REPORTED {
        reported.push(FieldViolation::new(
            "request",
            format!("{} more faults not listed", violations.len() - MAX_REPORTED),
        ));
    }
    for violation in &reported {
        details.add_bad_request_violation(violation.field.clone(), violation.description.clone());
    }
    let summary = reported
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
    let mut descriptions = Vec::new();
    for item in unmet.iter().take(MAX_REPORTED) {
        let description = bounded(&item.description);
        details.add_precondition_failure_violation(
            item.kind,
            bounded(&item.subject),
            description.clone(),
        );
        descriptions.push(description);
    }
    if unmet.len() > MAX_REPORTED {
        descriptions.push(format!(
            "{} more unmet preconditions not listed",
            unmet.len() - MAX_REPORTED
        ));
    }
    let message = descriptions.join("; ");
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
    Status::permission_denied(bounded(message))
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

    #[test]
    fn d6_a_huge_bad_request_gets_a_small_error_that_does_not_echo_it() {
        let street = "x".repeat(20_000);
        let violations: Vec<FieldViolation> = (0..1_000)
            .map(|index| {
                FieldViolation::new(
                    format!("lines[{index}].sku"),
                    format!("{street} is not known"),
                )
            })
            .collect();
        let status = invalid_argument(&violations);
        let size = status.message().len() + status.details().len();
        assert!(size < 16 * 1024, "{size} bytes");
        let listed = status
            .get_error_details()
            .bad_request()
            .map(|bad| bad.field_violations.len())
            .unwrap_or_default();
        assert_eq!(listed, MAX_REPORTED + 1, "twenty, then how many more");
        assert!(status.message().contains("980 more faults not listed"));
        assert_eq!(bounded("短い"), "短い");
        assert_eq!(
            bounded(&"é".repeat(300)).chars().count(),
            MAX_TEXT_CHARS + 1
        );

        let unmet: Vec<crate::error::Unmet> = (0..100)
            .map(|_| crate::error::Unmet::new("STOCK_SHORT", "x", street.clone()))
            .collect();
        let status = failed_preconditions(&unmet);
        assert!(status.message().len() + status.details().len() < 16 * 1024);
        assert!(permission_denied(&street).message().len() < 1024);
    }
}
