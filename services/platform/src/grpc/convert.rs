//! Conversions every API layer needs: timestamps and money.

use chrono::{DateTime, Utc};
use orderflow_proto::common::v1 as common;

use crate::money::Money;

pub fn timestamp(at: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: i32::try_from(at.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

pub fn from_timestamp(at: &prost_types::Timestamp) -> Option<DateTime<Utc>> {
    let nanos = u32::try_from(at.nanos).ok()?;
    DateTime::from_timestamp(at.seconds, nanos)
}

pub fn money(money: Money) -> common::Money {
    common::Money {
        currency_code: money.currency.code().to_owned(),
        minor_units: money.minor_units,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip() {
        let at = DateTime::from_timestamp(1_767_225_600, 123_000_000).unwrap_or_default();
        assert_eq!(from_timestamp(&timestamp(at)), Some(at));
        let negative = prost_types::Timestamp {
            seconds: 0,
            nanos: -1,
        };
        assert_eq!(from_timestamp(&negative), None);
    }
}
