//! Order numbers (ORD-2): the business date `YYYYMMDD` followed by an 8-digit
//! sequence of that day, e.g. `2013072200000819`.

use chrono::NaiveDate;

pub const MAX_DAILY_SEQUENCE: i64 = 99_999_999;

/// Formats a number; `None` when the day's sequence is exhausted.
pub fn format(prefix: &str, day: NaiveDate, sequence: i64) -> Option<String> {
    (1..=MAX_DAILY_SEQUENCE)
        .contains(&sequence)
        .then(|| format!("{prefix}{}{sequence:08}", day.format("%Y%m%d")))
}

/// Whether `number` is well-formed: `prefix`, a real date, 8 digits.
pub fn is_well_formed(prefix: &str, number: &str) -> bool {
    let Some(rest) = number.strip_prefix(prefix) else {
        return false;
    };
    rest.len() == 16
        && rest.chars().all(|c| c.is_ascii_digit())
        && NaiveDate::parse_from_str(&rest[..8], "%Y%m%d").is_ok()
        && rest[8..] != *"00000000"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ord_2_numbers_are_the_business_date_and_an_eight_digit_sequence() {
        let day = NaiveDate::from_ymd_opt(2013, 7, 22).unwrap_or_default();
        assert_eq!(format("", day, 819).as_deref(), Some("2013072200000819"));
        assert!(is_well_formed("", "2013072200000819"));
        assert!(!is_well_formed("", "2013132200000819"));
        assert!(!is_well_formed("", "201307220000081"));
        assert_eq!(format("", day, 0), None);
        assert_eq!(format("", day, MAX_DAILY_SEQUENCE + 1), None);
        assert_eq!(format("PI", day, 1).as_deref(), Some("PI2013072200000001"));
    }
}
