//! PRD-6: pre-shipment inspections. Our own QC inspects every order; the
//! customer's inspector and a third-party agency do when the review meeting
//! recorded that the contract asks for them. Each is booked by its day —
//! the delivery date less 7 (own QC), 7 (customer) or 14 (third party)
//! days, configurable — and an unbooked one past its day is flagged once.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{ProductionOrder, State, unmet};
use crate::domain::ProductionError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PreShipmentKind {
    OwnQc,
    Customer,
    ThirdParty,
}

impl PreShipmentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PreShipmentKind::OwnQc => "own QC",
            PreShipmentKind::Customer => "customer",
            PreShipmentKind::ThirdParty => "third-party",
        }
    }
}

/// How many days before delivery each inspection is booked by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InspectionDays {
    pub own_qc: i64,
    pub customer: i64,
    pub third_party: i64,
}

impl InspectionDays {
    pub fn of(self, kind: PreShipmentKind) -> i64 {
        match kind {
            PreShipmentKind::OwnQc => self.own_qc,
            PreShipmentKind::Customer => self.customer,
            PreShipmentKind::ThirdParty => self.third_party,
        }
    }
}

impl Default for InspectionDays {
    fn default() -> Self {
        Self {
            own_qc: 7,
            customer: 7,
            third_party: 14,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreShipment {
    pub kind: PreShipmentKind,
    /// Booked by this day; `None` while the delivery date is unknown.
    pub book_by: Option<NaiveDate>,
    pub inspection_date: Option<NaiveDate>,
    pub inspector: String,
    pub booked_by: String,
    pub overdue: bool,
}

impl ProductionOrder {
    /// PRD-6: the inspections to book — own QC and those `kinds` the
    /// review meeting recorded — with their days from the delivery date.
    pub fn plan_inspections(&mut self, kinds: &[PreShipmentKind], days: InspectionDays) {
        let mut wanted = vec![PreShipmentKind::OwnQc];
        wanted.extend(kinds.iter().copied());
        wanted.sort();
        wanted.dedup();
        for kind in wanted {
            if self.pre_shipment.iter().any(|planned| planned.kind == kind) {
                continue;
            }
            self.pre_shipment.push(PreShipment {
                kind,
                book_by: None,
                inspection_date: None,
                inspector: String::new(),
                booked_by: String::new(),
                overdue: false,
            });
        }
        self.date_inspections(days);
    }

    /// The booking days from the delivery date, once it is known.
    pub fn date_inspections(&mut self, days: InspectionDays) {
        let Some(due) = self.demand.due_date else {
            return;
        };
        for planned in &mut self.pre_shipment {
            planned.book_by = Some(due - Duration::days(days.of(planned.kind)));
        }
    }

    /// PRD-6: an inspection booked for a day no later than the delivery.
    pub fn book_inspection(
        &mut self,
        kind: PreShipmentKind,
        date: NaiveDate,
        inspector: &str,
        booked_by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ProductionError> {
        self.require(
            &[
                State::Ready,
                State::Scheduled,
                State::InProgress,
                State::Completed,
            ],
            "book a pre-shipment inspection",
        )?;
        if let Some(due) = self.demand.due_date.filter(|due| date > *due) {
            return Err(ProductionError::invalid(
                "inspection_date",
                format!("{date} is after the delivery date {due}; inspect before shipping"),
            ));
        }
        let subject = self.id.to_string();
        let Some(planned) = self
            .pre_shipment
            .iter_mut()
            .find(|planned| planned.kind == kind)
        else {
            return Err(unmet(
                self,
                "INSPECTION_NOT_REQUIRED",
                format!(
                    "the review meeting did not record a {} inspection for this order",
                    kind.as_str()
                ),
            ));
        };
        planned.inspection_date = Some(date);
        planned.inspector = inspector.to_owned();
        planned.booked_by = booked_by.to_owned();
        tracing::debug!(production_order = %subject, kind = kind.as_str(), "inspection booked");
        self.updated_at = now;
        Ok(())
    }

    /// The earliest day an unbooked, not yet flagged inspection must be
    /// booked by: what the sweeper looks at.
    pub fn next_booking_due(&self) -> Option<NaiveDate> {
        if matches!(self.state, State::Cancelled | State::Closed) {
            return None;
        }
        self.pre_shipment
            .iter()
            .filter(|planned| planned.inspection_date.is_none() && !planned.overdue)
            .filter_map(|planned| planned.book_by)
            .min()
    }

    pub fn inspection_overdue(&self) -> bool {
        self.pre_shipment
            .iter()
            .any(|planned| planned.overdue && planned.inspection_date.is_none())
    }

    /// PRD-6: flags the inspections not booked by their day (before
    /// `today`); returns them, each flagged once.
    pub fn flag_unbooked_inspections(
        &mut self,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Vec<PreShipmentKind> {
        if matches!(self.state, State::Cancelled | State::Closed) {
            return Vec::new();
        }
        let mut flagged = Vec::new();
        for planned in &mut self.pre_shipment {
            let late = planned.book_by.is_some_and(|day| day < today);
            if late && planned.inspection_date.is_none() && !planned.overdue {
                planned.overdue = true;
                flagged.push(planned.kind);
            }
        }
        if !flagged.is_empty() {
            self.updated_at = now;
        }
        flagged
    }
}
