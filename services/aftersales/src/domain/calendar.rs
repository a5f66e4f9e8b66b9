//! Working days (SLA-7): Monday to Friday, less the configured holidays.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    pub holidays: Vec<NaiveDate>,
}

impl Calendar {
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&day)
    }

    /// The end of the `days`-th working day after `day` (the day itself
    /// does not count): a request on Friday with 2 working days is due at
    /// the end of Tuesday.
    pub fn add_working_days(&self, day: NaiveDate, days: u32) -> NaiveDate {
        let mut current = day;
        let mut left = days;
        while left > 0 {
            current += Duration::days(1);
            if self.is_working_day(current) {
                left -= 1;
            }
        }
        current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn sla_7_two_working_days_skip_the_weekend_and_holidays() {
        let calendar = Calendar {
            holidays: vec![day("2027-01-19")],
        };
        // Friday 2027-01-15 → Monday 18, (Tuesday 19 a holiday) → Wednesday 20.
        assert_eq!(
            calendar.add_working_days(day("2027-01-15"), 2),
            day("2027-01-20")
        );
        // Wednesday 2027-01-13 → Friday 15.
        assert_eq!(
            calendar.add_working_days(day("2027-01-13"), 2),
            day("2027-01-15")
        );
        // A Saturday request counts from Monday.
        assert_eq!(
            Calendar::default().add_working_days(day("2027-01-16"), 2),
            day("2027-01-19")
        );
    }
}
