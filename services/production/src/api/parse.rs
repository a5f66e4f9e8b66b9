//! Request fields the production RPCs share, checked into domain values.

use chrono::{NaiveDate, Weekday};
use orderflow_platform::validation::Violations;
use orderflow_proto::production::v1 as pb;

use crate::domain::order::PreShipmentKind;
use crate::domain::schedule::{CapacityUnit, WorkCentre};

pub(super) fn optional_day(
    field: &str,
    raw: &str,
    violations: &mut Violations,
) -> Option<NaiveDate> {
    if raw.trim().is_empty() {
        return None;
    }
    violations.date(field, raw)
}

pub(super) fn texts(field: &str, values: &[String], violations: &mut Violations) -> Vec<String> {
    if values.len() > 50 {
        violations.add(field, "at most 50 entries");
    }
    values
        .iter()
        .enumerate()
        .map(|(index, value)| violations.required(&format!("{field}[{index}]"), value, 200))
        .collect()
}

/// PRD-3: a work centre as the request describes it.
pub(super) fn work_centre(raw: &pb::WorkCentre, violations: &mut Violations) -> WorkCentre {
    let code = violations
        .required("work_centre.code", &raw.code, 20)
        .to_uppercase();
    if !code
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        violations.add("work_centre.code", "letters, digits, '-' and '_' only");
    }
    let name = violations.required("work_centre.name", &raw.name, 100);
    let unit = match pb::CapacityUnit::try_from(raw.unit) {
        Ok(pb::CapacityUnit::Units) => CapacityUnit::Units,
        Ok(pb::CapacityUnit::Minutes) => CapacityUnit::Minutes,
        _ => {
            violations.add("work_centre.unit", "UNITS or MINUTES");
            CapacityUnit::Units
        }
    };
    if !(1..=1_000_000).contains(&raw.daily_capacity) {
        violations.add(
            "work_centre.daily_capacity",
            "must be 1 to 1000000 per working day",
        );
    }
    let mut days_off = Vec::new();
    for (index, day) in raw.days_off.iter().enumerate() {
        match u8::try_from(*day)
            .ok()
            .filter(|day| (1..=7).contains(day))
            .and_then(|day| Weekday::try_from(day - 1).ok())
        {
            Some(day) if !days_off.contains(&day) => days_off.push(day),
            Some(_) => {}
            None => violations.add(
                format!("work_centre.days_off[{index}]"),
                "an ISO weekday, 1 (Monday) to 7 (Sunday)",
            ),
        }
    }
    if days_off.len() == 7 {
        violations.add("work_centre.days_off", "a work centre works on some day");
    }
    if raw.holidays.len() > 400 {
        violations.add("work_centre.holidays", "at most 400 dates");
    }
    let holidays = raw
        .holidays
        .iter()
        .enumerate()
        .filter_map(|(index, day)| violations.date(&format!("work_centre.holidays[{index}]"), day))
        .collect();
    WorkCentre {
        code,
        name,
        unit,
        daily_capacity: raw.daily_capacity,
        days_off,
        holidays,
    }
}

pub(super) fn inspection_kind(raw: i32) -> Option<PreShipmentKind> {
    match pb::PreShipmentInspectionKind::try_from(raw) {
        Ok(pb::PreShipmentInspectionKind::OwnQc) => Some(PreShipmentKind::OwnQc),
        Ok(pb::PreShipmentInspectionKind::Customer) => Some(PreShipmentKind::Customer),
        Ok(pb::PreShipmentInspectionKind::ThirdParty) => Some(PreShipmentKind::ThirdParty),
        _ => None,
    }
}

/// A comment required when saying no.
pub(super) fn reason_if(
    refused: bool,
    field: &str,
    raw: &str,
    violations: &mut Violations,
) -> String {
    if refused {
        violations.required(field, raw, 2000)
    } else {
        violations.optional(field, raw, 2000)
    }
}
