//! Values that cross the API edge already checked: ids, order numbers, SKUs,
//! quantities and request ids. Each is parsed once, where a request enters a
//! service, and then travels typed: a function that takes an [`OrderId`]
//! cannot be handed a SKU, and nothing below the edge checks it again.
//!
//! `parse` says what is wrong in words fit for a field violation;
//! [`Violations::field`](crate::validation::Violations::field) and
//! [`Violations::quantity`](crate::validation::Violations::quantity) collect
//! them with the rest of a request's faults.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A value parsed from the text of one request field.
pub trait Parse: Sized {
    /// The value, or what is wrong with `raw` (a field violation's
    /// description).
    fn parse(raw: &str) -> Result<Self, String>;
}

/// Declares an id newtype over a UUID in its canonical form (lowercase,
/// hyphenated), issued by the service that owns `$what`:
///
/// ```
/// orderflow_platform::uuid_id!(
///     /// A shipment, as logistics issued it.
///     ShipmentId, "shipment"
/// );
/// let id = ShipmentId::new();
/// assert_eq!(id.as_str().len(), 36);
/// ```
#[macro_export]
macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash,
            ::serde::Serialize, ::serde::Deserialize,
        )]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// A new id (UUID v7: time-ordered, so rows are written in key order).
            #[allow(clippy::new_without_default)]
            pub fn new() -> Self {
                Self(::uuid::Uuid::now_v7().to_string())
            }

            /// The stand-in for a refused id while the rest of a request
            /// is checked; see [`Violations::order_id`](crate::validation::Violations::order_id).
            #[doc(hidden)]
            pub fn blank() -> Self {
                Self(String::new())
            }

            /// An id this system wrote itself and reads back (a row of its
            /// store, an idempotency record): not checked again.
            pub fn from_stored(id: String) -> Self {
                Self(id)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl From<&$name> for String {
            fn from(id: &$name) -> String {
                id.0.clone()
            }
        }

        impl $crate::ids::Parse for $name {
            fn parse(raw: &str) -> Result<Self, String> {
                $crate::ids::canonical_uuid(raw, $what).map(Self)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = String;
            fn from_str(raw: &str) -> Result<Self, String> {
                <Self as $crate::ids::Parse>::parse(raw)
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(raw: String) -> Result<Self, String> {
                <Self as $crate::ids::Parse>::parse(&raw)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        /// Read-only access to the text, so that the id goes wherever a
        /// `&str` is wanted (queries, event payloads) without conversions.
        impl ::std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, formatter: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                formatter.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }
    };
}

/// `raw` as a canonical UUID, or why it is not one.
#[doc(hidden)]
pub fn canonical_uuid(raw: &str, what: &str) -> Result<String, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err("is required".to_owned());
    }
    uuid::Uuid::parse_str(trimmed)
        .map(|id| id.to_string())
        .map_err(|_| format!("must be a {what} id returned by this system"))
}

uuid_id!(
    /// An order, as the orders service issued it (its UUID, not its number).
    OrderId,
    "order"
);

/// Implements the text conversions of a newtype over a checked `String`.
macro_rules! text_value {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(raw: String) -> Result<Self, String> {
                Self::parse(&raw)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(&self.0)
            }
        }
    };
}

/// An order's number (ORD-2): the business date `YYYYMMDD` and an 8-digit
/// sequence of that day, e.g. `2013072200000819`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrderNumber(String);

impl OrderNumber {
    /// The number of the `sequence`-th order of `day`; `None` when the day's
    /// numbers are used up.
    pub fn of_day(day: NaiveDate, sequence: i64) -> Option<Self> {
        numbered("", day, sequence).map(Self)
    }
}

impl Parse for OrderNumber {
    fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err("is required".to_owned());
        }
        if is_numbered("", trimmed) {
            Ok(Self(trimmed.to_owned()))
        } else {
            Err("must be an order number: the date YYYYMMDD and 8 digits".to_owned())
        }
    }
}
text_value!(OrderNumber);

/// The largest daily sequence of a business-date number.
pub const MAX_DAILY_SEQUENCE: i64 = 99_999_999;

/// `prefix`, the date `YYYYMMDD` and the 8-digit `sequence` of that day;
/// `None` when the sequence is out of range. Order numbers have no prefix,
/// documents of an order have one (`PI…`).
pub fn numbered(prefix: &str, day: NaiveDate, sequence: i64) -> Option<String> {
    (1..=MAX_DAILY_SEQUENCE)
        .contains(&sequence)
        .then(|| format!("{prefix}{}{sequence:08}", day.format("%Y%m%d")))
}

/// Whether `number` is `prefix`, a real date and a sequence of 8 digits.
pub fn is_numbered(prefix: &str, number: &str) -> bool {
    let Some(rest) = number.strip_prefix(prefix) else {
        return false;
    };
    rest.len() == 16
        && rest.chars().all(|c| c.is_ascii_digit())
        && NaiveDate::parse_from_str(&rest[..8], "%Y%m%d").is_ok()
        && rest[8..] != *"00000000"
}

/// A stock keeping unit: 1 to 64 characters, no spaces.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sku(String);

impl Sku {
    pub const MAX_CHARS: usize = 64;
}

impl Parse for Sku {
    fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            Err("is required".to_owned())
        } else if trimmed.chars().count() > Self::MAX_CHARS {
            Err(format!("must be at most {} characters", Self::MAX_CHARS))
        } else if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            Err("must not contain spaces".to_owned())
        } else {
            Ok(Self(trimmed.to_owned()))
        }
    }
}
text_value!(Sku);

/// A quantity of units on a line, a movement or a work order: 1 to
/// [`Quantity::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Quantity(i64);

impl Quantity {
    /// A billion units: more than any line of this company, few enough that
    /// a line's total in minor units cannot overflow.
    pub const MAX: i64 = 1_000_000_000;

    pub fn parse(raw: i64) -> Result<Self, String> {
        if (1..=Self::MAX).contains(&raw) {
            Ok(Self(raw))
        } else if raw <= 0 {
            Err("must be greater than zero".to_owned())
        } else {
            Err(format!("must be at most {}", Self::MAX))
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl TryFrom<i64> for Quantity {
    type Error = String;
    fn try_from(raw: i64) -> Result<Self, String> {
        Self::parse(raw)
    }
}

impl From<Quantity> for i64 {
    fn from(quantity: Quantity) -> i64 {
        quantity.0
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}", self.0)
    }
}

/// The client's id of one mutating call (AIP-155): at most 128 printable
/// characters. Repeating the call with the same id returns the first result
/// (architecture.md §3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestId(String);

impl RequestId {
    pub const MAX_LEN: usize = 128;

    /// `None` when the client sent none (the call is then not deduplicated).
    pub fn parse_optional(raw: &str) -> Result<Option<Self>, String> {
        if raw.trim().is_empty() {
            Ok(None)
        } else {
            Self::parse(raw).map(Some)
        }
    }
}

impl Parse for RequestId {
    fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            Err("is required".to_owned())
        } else if trimmed.len() > Self::MAX_LEN || trimmed.chars().any(char::is_control) {
            Err(format!(
                "must be at most {} printable characters",
                Self::MAX_LEN
            ))
        } else {
            Ok(Self(trimmed.to_owned()))
        }
    }
}
text_value!(RequestId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_ids_are_canonical_uuids() {
        let id = OrderId::new();
        let shouted = id.as_str().to_uppercase();
        assert_eq!(OrderId::parse(&format!(" {shouted} ")), Ok(id.clone()));
        assert_eq!(OrderId::parse(""), Err("is required".to_owned()));
        assert!(
            OrderId::parse("2013072200000819").is_err(),
            "a number is not an id"
        );
        let json = serde_json::to_string(&id).unwrap_or_default();
        assert_eq!(serde_json::from_str::<OrderId>(&json).ok(), Some(id));
        assert!(serde_json::from_str::<OrderId>("\"SKU-1\"").is_err());
    }

    #[test]
    fn ord_2_order_numbers_are_the_business_date_and_an_eight_digit_sequence() {
        let day = NaiveDate::from_ymd_opt(2013, 7, 22).unwrap_or_default();
        let number = OrderNumber::of_day(day, 819).map(OrderNumber::into_string);
        assert_eq!(number.as_deref(), Some("2013072200000819"));
        assert!(OrderNumber::parse("2013072200000819").is_ok());
        for bad in [
            "2013132200000819",
            "201307220000081",
            "2013072200000000",
            "x",
        ] {
            assert!(OrderNumber::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(OrderNumber::of_day(day, 0), None);
        assert_eq!(OrderNumber::of_day(day, MAX_DAILY_SEQUENCE + 1), None);
        assert_eq!(
            numbered("PI", day, 1).as_deref(),
            Some("PI2013072200000001")
        );
        assert!(is_numbered("PI", "PI2013072200000001"));
    }

    #[test]
    fn skus_are_short_words_without_spaces() {
        assert_eq!(
            Sku::parse(" PUMP-100 ").map(Sku::into_string),
            Ok("PUMP-100".into())
        );
        assert!(Sku::parse("PUMP 100").is_err());
        assert!(Sku::parse("").is_err());
        assert!(Sku::parse(&"X".repeat(65)).is_err());
        assert!(Sku::parse("泵-100").is_ok(), "non-Latin SKUs are fine");
    }

    #[test]
    fn quantities_are_one_to_a_billion() {
        assert_eq!(Quantity::parse(1).map(Quantity::get), Ok(1));
        assert_eq!(
            Quantity::parse(Quantity::MAX).map(i64::from),
            Ok(Quantity::MAX)
        );
        assert!(Quantity::parse(0).is_err());
        assert!(Quantity::parse(-3).is_err());
        assert!(Quantity::parse(Quantity::MAX + 1).is_err());
        assert!(serde_json::from_str::<Quantity>("0").is_err());
    }

    #[test]
    fn request_ids_are_optional_but_bounded() {
        assert_eq!(RequestId::parse_optional("  "), Ok(None));
        assert!(RequestId::parse_optional("retry-1").is_ok_and(|id| id.is_some()));
        assert!(RequestId::parse(&"r".repeat(129)).is_err());
        assert!(RequestId::parse("a\u{7}b").is_err());
    }
}
