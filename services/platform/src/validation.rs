//! Request validation that reports every bad field at once: text, ids,
//! dates, phone numbers, request ids. Services turn [`InvalidInput`] into
//! their own error; the API edge turns it into `INVALID_ARGUMENT` with one
//! field violation per bad field.

use chrono::NaiveDate;

use crate::FieldViolation;
use crate::ids::{OrderId, Parse, Quantity, RequestId};

/// Every field violation of one request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid request: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct InvalidInput(pub Vec<FieldViolation>);

impl From<InvalidInput> for tonic::Status {
    fn from(invalid: InvalidInput) -> Self {
        crate::grpc::status::invalid_argument(&invalid.0)
    }
}

/// The one field of a request that has no other: `raw` parsed as `T`, or
/// `INVALID_ARGUMENT` naming `field`.
pub fn single_field<T: Parse>(field: &str, raw: &str) -> Result<T, InvalidInput> {
    T::parse(raw).map_err(|problem| InvalidInput(vec![FieldViolation::new(field, problem)]))
}

/// The largest amount any request may carry, in minor units: 10^15, ten
/// trillion of a currency with cents. Beyond any order of this company, and
/// far enough from `i64::MAX` that totals of many cannot overflow.
pub const MAX_MINOR_UNITS: i64 = 1_000_000_000_000_000;

/// Which amounts a field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountRule {
    /// Payments, prices, limits.
    Positive,
    /// Approval amounts, estimated costs.
    NonNegative,
}

/// Collects the field violations of one request.
#[derive(Debug, Default)]
pub struct Violations(Vec<FieldViolation>);

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.0.push(FieldViolation::new(field, description));
    }

    pub fn extend(&mut self, other: Violations) {
        self.0.extend(other.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was violated.
    pub fn finish<T>(self, value: T) -> Result<T, InvalidInput> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(InvalidInput(self.0))
        }
    }

    pub fn into_vec(self) -> Vec<FieldViolation> {
        self.0
    }

    /// A required text field: trimmed, not empty, at most `max` characters.
    pub fn required(&mut self, field: &str, value: &str, max: usize) -> String {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            self.add(field, "is required");
        } else {
            self.max_len(field, trimmed, max);
        }
        trimmed.to_owned()
    }

    /// An optional text field: trimmed, at most `max` characters.
    pub fn optional(&mut self, field: &str, value: &str, max: usize) -> String {
        let trimmed = value.trim();
        self.max_len(field, trimmed, max);
        trimmed.to_owned()
    }

    fn max_len(&mut self, field: &str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
        }
        if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            self.add(field, "must not contain control characters");
        }
    }

    /// A typed value ([`OrderId`], [`Sku`](crate::ids::Sku), …) parsed from
    /// `raw`; `None`, with the violation noted, when `raw` is not one.
    pub fn field<T: Parse>(&mut self, field: impl Into<String>, raw: &str) -> Option<T> {
        T::parse(raw)
            .map_err(|problem| self.add(field, problem))
            .ok()
    }

    /// [`Self::field`] for an optional field: `None` without a violation
    /// when `raw` is blank.
    pub fn optional_field<T: Parse>(&mut self, field: impl Into<String>, raw: &str) -> Option<T> {
        if raw.trim().is_empty() {
            return None;
        }
        self.field(field, raw)
    }

    /// A quantity of units, 1 to [`Quantity::MAX`].
    pub fn quantity(&mut self, field: impl Into<String>, raw: i64) -> Option<Quantity> {
        Quantity::parse(raw)
            .map_err(|problem| self.add(field, problem))
            .ok()
    }

    /// The order a request names. When `raw` is not an order id, the
    /// violation is noted and a blank id returned in its place: `finish`
    /// then refuses the request, so the blank never passes the edge.
    pub fn order_id(&mut self, field: impl Into<String>, raw: &str) -> OrderId {
        self.field(field, raw).unwrap_or_else(OrderId::blank)
    }

    /// An amount of a known currency, required, within `rule` and
    /// [`MAX_MINOR_UNITS`]; violations name `<field>.currency_code` and
    /// `<field>.minor_units`.
    pub fn amount(
        &mut self,
        field: &str,
        raw: Option<&orderflow_proto::common::v1::Money>,
        rule: AmountRule,
    ) -> Option<crate::money::Money> {
        let Some(raw) = raw else {
            self.add(field, "is required");
            return None;
        };
        let currency = crate::money::Currency::parse(&raw.currency_code)
            .map_err(|problem| self.add(format!("{field}.currency_code"), problem))
            .ok();
        let minor_units = raw.minor_units;
        let problem = match rule {
            AmountRule::Positive if minor_units <= 0 => {
                Some("must be greater than zero".to_owned())
            }
            AmountRule::NonNegative if minor_units < 0 => Some("must not be negative".to_owned()),
            _ if minor_units > MAX_MINOR_UNITS => {
                Some(format!("must be at most {MAX_MINOR_UNITS} minor units"))
            }
            _ => None,
        };
        if let Some(problem) = problem {
            self.add(format!("{field}.minor_units"), problem);
            return None;
        }
        Some(crate::money::Money::new(currency?, minor_units))
    }

    /// A business date `YYYY-MM-DD`.
    pub fn date(&mut self, field: &str, value: &str) -> Option<NaiveDate> {
        match NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) if value.trim().is_empty() => {
                self.add(field, "is required (YYYY-MM-DD)");
                None
            }
            Err(_) => {
                self.add(field, "must be a date YYYY-MM-DD");
                None
            }
        }
    }

    /// An optional id given as a UUID.
    pub fn optional_id(&mut self, field: &str, value: &str) -> Option<String> {
        if value.trim().is_empty() {
            return None;
        }
        crate::ids::canonical_uuid(value, "an")
            .map_err(|_| self.add(field, "must be an id returned by this service"))
            .ok()
    }

    pub fn required_id(&mut self, field: &str, value: &str) -> String {
        if value.trim().is_empty() {
            self.add(field, "is required");
            return String::new();
        }
        self.optional_id(field, value).unwrap_or_default()
    }

    /// An optional request id (AIP-155).
    pub fn request_id(&mut self, value: &str) -> Option<String> {
        RequestId::parse_optional(value)
            .map_err(|problem| self.add("request_id", problem))
            .ok()
            .flatten()
            .map(RequestId::into_string)
    }

    /// The idempotency key of a mutating call (architecture.md §3): the
    /// request id validated as [`Self::request_id`], scoped by `operation`
    /// and the caller, with `message` fingerprinted so that a reused request
    /// id with another body is refused. `None` when no request id was sent.
    pub fn request_key(
        &mut self,
        operation: &str,
        caller: &str,
        request_id: &str,
        message: &impl prost::Message,
    ) -> Option<crate::db::idempotency::RequestKey> {
        self.request_id(request_id).map(|request_id| {
            crate::db::idempotency::RequestKey::of_message(operation, caller, &request_id, message)
        })
    }

    /// A phone number: digits with optional `+`, spaces, dashes, dots and
    /// parentheses; 5 to 20 digits.
    pub fn phone(&mut self, field: &str, value: &str) -> String {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return String::new();
        }
        let allowed = trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'));
        let digits = trimmed.chars().filter(char::is_ascii_digit).count();
        if !allowed || !(5..=20).contains(&digits) || trimmed[1..].contains('+') {
            self.add(
                field,
                "must be a phone number (digits, optional +, spaces, dashes)",
            );
        }
        trimmed.to_owned()
    }
}

/// The caller, the request key and the message of a call that changes
/// something, once `check` found nothing wrong with it (architecture.md §3:
/// every bad field reported at once; the request id validated and scoped
/// by `operation` and the caller). For the services whose RPCs share this
/// shape.
pub fn checked_command<M: prost::Message>(
    request: tonic::Request<M>,
    operation: &str,
    request_id: impl Fn(&M) -> &str,
    check: impl FnOnce(&M, &mut Violations),
) -> Result<
    (
        crate::auth::Caller,
        Option<crate::db::idempotency::RequestKey>,
        M,
    ),
    tonic::Status,
> {
    let actor = crate::auth::Caller::of(&request)?;
    let message = request.into_inner();
    let mut violations = Violations::new();
    let key = violations.request_key(operation, &actor.subject, request_id(&message), &message);
    check(&message, &mut violations);
    violations.finish(())?;
    Ok((actor, key, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_checked_loosely_but_really() {
        let mut violations = Violations::new();
        violations.phone("p", "+86 138-0013-8000");
        violations.phone("p", "(0571) 8888 6666");
        assert!(violations.is_empty());
        violations.phone("p", "call me");
        violations.phone("p", "123");
        violations.phone("p", "12+345678");
        assert_eq!(violations.into_vec().len(), 3);
    }

    #[test]
    fn amounts_are_a_known_currency_within_their_rule_and_a_sane_maximum() {
        let money = |code: &str, minor_units| orderflow_proto::common::v1::Money {
            currency_code: code.to_owned(),
            minor_units,
        };
        let mut violations = Violations::new();
        assert!(
            violations
                .amount("a", Some(&money("CNY", 1)), AmountRule::Positive)
                .is_some()
        );
        assert!(
            violations
                .amount("b", Some(&money("CNY", 0)), AmountRule::NonNegative)
                .is_some()
        );
        assert!(violations.is_empty());
        violations.amount("c", Some(&money("CNY", 0)), AmountRule::Positive);
        violations.amount("d", Some(&money("CNY", i64::MAX)), AmountRule::Positive);
        violations.amount("e", Some(&money("XXQ", 5)), AmountRule::Positive);
        violations.amount("f", None, AmountRule::NonNegative);
        let fields: Vec<String> = violations.into_vec().into_iter().map(|v| v.field).collect();
        assert_eq!(
            fields,
            ["c.minor_units", "d.minor_units", "e.currency_code", "f"]
        );
    }

    #[test]
    fn dates_must_be_iso() {
        let mut violations = Violations::new();
        assert!(violations.date("d", "2026-02-28").is_some());
        assert!(violations.date("d", "2026-02-30").is_none());
        assert!(violations.date("d", "28/02/2026").is_none());
        assert_eq!(violations.into_vec().len(), 2);
    }
}
