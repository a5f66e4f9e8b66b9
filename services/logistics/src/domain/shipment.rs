//! A shipment's way (LOG-2 … LOG-5): notice planned ≥ 2 days ahead → note
//! approved by `finance` → dispatched with carrier and tracking number once
//! the goods are out of the warehouse → tracked → delivered → receipt
//! confirmed by the customer or automatically.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::LogisticsError;

/// LOG-2: the shipping notice is planned this many days ahead.
pub const NOTICE_DAYS: i64 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShipmentState {
    Open,
    Planned,
    NotePending,
    NoteApproved,
    Dispatched,
    Delivered,
    Received,
    Cancelled,
}

impl ShipmentState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Planned => "planned",
            Self::NotePending => "note_pending",
            Self::NoteApproved => "note_approved",
            Self::Dispatched => "dispatched",
            Self::Delivered => "delivered",
            Self::Received => "received",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Open,
            Self::Planned,
            Self::NotePending,
            Self::NoteApproved,
            Self::Dispatched,
            Self::Delivered,
            Self::Received,
            Self::Cancelled,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }

    fn is_before_dispatch(self) -> bool {
        matches!(
            self,
            Self::Open | Self::Planned | Self::NotePending | Self::NoteApproved
        )
    }
}

pub use orderflow_platform::address::Address;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub sku: String,
    pub description: String,
    pub quantity: i64,
    /// Minor units of the order's currency.
    pub unit_price: i64,
}

/// What logistics keeps of the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSnapshot {
    pub number: String,
    pub kind: String,
    /// The orders service's state name, e.g. "ready_to_ship".
    pub state: String,
    pub currency: String,
    pub lines: Vec<OrderLine>,
    pub customer_po_number: String,
    pub payment_terms: String,
    /// The date the customer wants the goods (the order's requested
    /// delivery date); SLA-4 counts back from it. Absent in snapshots
    /// stored before it was kept.
    #[serde(default)]
    pub delivery_date: Option<NaiveDate>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracking {
    pub at: DateTime<Utc>,
    pub status: String,
    pub location: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shipment {
    pub order_id: String,
    pub order: OrderSnapshot,
    pub ship_to: Address,
    pub state: ShipmentState,
    pub carrier_code: String,
    pub carrier_reason: String,
    pub planned_ship_date: Option<NaiveDate>,
    pub note_number: String,
    pub note_approved_by: String,
    pub tracking_number: String,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub promised_at: Option<DateTime<Utc>>,
    pub delay_announced: bool,
    /// SLA-4 was missed and announced: no shipping plan
    /// [`NOTICE_DAYS`] before the order's date.
    pub plan_overdue: bool,
    pub tracking: Vec<Tracking>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub received_at: Option<DateTime<Utc>>,
    pub receipt_confirmed_by: String,
    pub goods_out: bool,
    pub updated_at: DateTime<Utc>,
}

impl Shipment {
    fn subject(&self) -> String {
        format!("shipments/{}", self.order_id)
    }

    fn refuse(&self, kind: &'static str, description: impl Into<String>) -> LogisticsError {
        LogisticsError::precondition(kind, self.subject(), description)
    }

    /// Released, in production or ready to ship: the order may be planned.
    pub fn order_released(&self) -> bool {
        matches!(
            self.order.state.as_str(),
            "released" | "in_production" | "ready_to_ship"
        )
    }

    /// LOG-2: the notice, at least [`NOTICE_DAYS`] ahead; planning again
    /// before the note exists changes the plan.
    pub fn plan(
        &mut self,
        ship_date: NaiveDate,
        today: NaiveDate,
        carrier_code: String,
        carrier_reason: String,
        now: DateTime<Utc>,
    ) -> Result<(), LogisticsError> {
        if !self.order_released() {
            return Err(self.refuse(
                "ORDER_NOT_RELEASED",
                format!(
                    "order {} is {}; a shipment is planned once it is released",
                    self.order.number, self.order.state
                ),
            ));
        }
        if !matches!(self.state, ShipmentState::Open | ShipmentState::Planned) {
            return Err(self.refuse(
                "ALREADY_PLANNED",
                format!("the shipment is {}", self.state.as_str()),
            ));
        }
        if ship_date < today + Duration::days(NOTICE_DAYS) {
            return Err(LogisticsError::invalid(
                "planned_ship_date",
                format!(
                    "a shipping notice is planned at least {NOTICE_DAYS} days ahead (LOG-2): {} or later",
                    today + Duration::days(NOTICE_DAYS)
                ),
            ));
        }
        self.planned_ship_date = Some(ship_date);
        self.carrier_code = carrier_code;
        self.carrier_reason = carrier_reason;
        self.state = ShipmentState::Planned;
        self.updated_at = now;
        Ok(())
    }

    /// The shipping note (发货单), once the order is ready to ship.
    pub fn create_note(&mut self, now: DateTime<Utc>) -> Result<bool, LogisticsError> {
        match self.state {
            ShipmentState::NotePending | ShipmentState::NoteApproved => return Ok(false),
            ShipmentState::Planned => {}
            _ => {
                return Err(self.refuse(
                    "NOT_PLANNED",
                    format!(
                        "the shipment is {}; plan it first (the shipping notice)",
                        self.state.as_str()
                    ),
                ));
            }
        }
        if self.order.state != "ready_to_ship" {
            return Err(self.refuse(
                "ORDER_NOT_READY",
                format!(
                    "order {} is {}, not ready to ship",
                    self.order.number, self.order.state
                ),
            ));
        }
        self.note_number = format!("SN-{}", self.order.number);
        self.state = ShipmentState::NotePending;
        self.updated_at = now;
        Ok(true)
    }

    /// LOG-2: `finance` approves the note (the caller checked FIN-6).
    pub fn approve_note(&mut self, by: &str, now: DateTime<Utc>) -> Result<bool, LogisticsError> {
        match self.state {
            ShipmentState::NoteApproved => Ok(false),
            ShipmentState::NotePending => {
                self.note_approved_by = by.to_owned();
                self.state = ShipmentState::NoteApproved;
                self.updated_at = now;
                Ok(true)
            }
            _ => Err(self.refuse(
                "NO_NOTE",
                format!(
                    "the shipment is {}; there is no note to approve",
                    self.state.as_str()
                ),
            )),
        }
    }

    /// LOG-3: handed to the carrier with its tracking number, only against
    /// an approved note and with the goods out of the warehouse.
    pub fn dispatch(
        &mut self,
        tracking_number: &str,
        promised_days: i32,
        now: DateTime<Utc>,
    ) -> Result<bool, LogisticsError> {
        if self.state == ShipmentState::Dispatched && self.tracking_number == tracking_number {
            return Ok(false);
        }
        if self.state != ShipmentState::NoteApproved {
            return Err(self.refuse(
                "NOTE_NOT_APPROVED",
                format!(
                    "the shipment is {}; the warehouse ships only against a shipping note finance approved (LOG-2)",
                    self.state.as_str()
                ),
            ));
        }
        if !self.goods_out {
            return Err(self.refuse(
                "GOODS_NOT_OUT",
                "inventory has not posted the order's outbound yet (pick, inspect, post)",
            ));
        }
        self.tracking_number = tracking_number.to_owned();
        self.dispatched_at = Some(now);
        self.promised_at = Some(now + Duration::days(i64::from(promised_days)));
        self.state = ShipmentState::Dispatched;
        self.updated_at = now;
        Ok(true)
    }

    /// LOG-4: a tracking event; "delivered" delivers the shipment. The same
    /// event twice is recorded once; returns whether it was new.
    pub fn track(&mut self, event: Tracking, now: DateTime<Utc>) -> Result<bool, LogisticsError> {
        if !matches!(
            self.state,
            ShipmentState::Dispatched | ShipmentState::Delivered | ShipmentState::Received
        ) {
            return Err(self.refuse(
                "NOT_DISPATCHED",
                format!("the shipment is {}", self.state.as_str()),
            ));
        }
        if self.tracking.contains(&event) {
            return Ok(false);
        }
        if event.status == "delivered" && self.state == ShipmentState::Dispatched {
            self.state = ShipmentState::Delivered;
            self.delivered_at = Some(event.at);
        }
        self.tracking.push(event);
        self.tracking.sort_by_key(|tracking| tracking.at);
        self.updated_at = now;
        Ok(true)
    }

    /// SLA-4: the shipping plan is due [`NOTICE_DAYS`] before the order's
    /// date. True once `today` is that day or later, the order is released
    /// (it may be planned) and still nobody planned it.
    pub fn plan_is_overdue(&self, today: NaiveDate) -> bool {
        self.state == ShipmentState::Open
            && self.order_released()
            && self
                .order
                .delivery_date
                .is_some_and(|date| today >= date - Duration::days(NOTICE_DAYS))
    }

    /// SLA-4: marks the miss; false when it was marked already or the plan
    /// is not overdue (planned meanwhile).
    pub fn flag_plan_overdue(&mut self, today: NaiveDate) -> bool {
        if self.plan_overdue || !self.plan_is_overdue(today) {
            return false;
        }
        self.plan_overdue = true;
        true
    }

    /// LOG-4: past its promised time and not delivered.
    pub fn is_late(&self, now: DateTime<Utc>) -> bool {
        self.state == ShipmentState::Dispatched && self.promised_at.is_some_and(|due| now > due)
    }

    /// LOG-5: by the customer, or automatically.
    pub fn confirm_receipt(
        &mut self,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, LogisticsError> {
        match self.state {
            ShipmentState::Received => Ok(false),
            ShipmentState::Delivered => {
                self.state = ShipmentState::Received;
                self.received_at = Some(now);
                self.receipt_confirmed_by = by.to_owned();
                self.updated_at = now;
                Ok(true)
            }
            _ => Err(self.refuse(
                "NOT_DELIVERED",
                format!("the shipment is {}", self.state.as_str()),
            )),
        }
    }

    /// A cancelled order's shipment stops before dispatch.
    pub fn cancel(&mut self, now: DateTime<Utc>) -> bool {
        if !self.state.is_before_dispatch() {
            return false;
        }
        self.state = ShipmentState::Cancelled;
        self.updated_at = now;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipment() -> Shipment {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        Shipment {
            order_id: "o-1".to_owned(),
            order: OrderSnapshot {
                number: "2027010400000001".to_owned(),
                kind: "standard".to_owned(),
                state: "ready_to_ship".to_owned(),
                currency: "CNY".to_owned(),
                lines: Vec::new(),
                customer_po_number: String::new(),
                payment_terms: "prepaid".to_owned(),
                delivery_date: None,
                updated_at: now,
            },
            ship_to: Address {
                recipient_name: "Li Lei".to_owned(),
                phone: "1".to_owned(),
                country_code: "CN".to_owned(),
                region: "Zhejiang".to_owned(),
                city: "Hangzhou".to_owned(),
                district: String::new(),
                street: "1 Road".to_owned(),
                postal_code: String::new(),
            },
            state: ShipmentState::Open,
            carrier_code: String::new(),
            carrier_reason: String::new(),
            planned_ship_date: None,
            note_number: String::new(),
            note_approved_by: String::new(),
            tracking_number: String::new(),
            dispatched_at: None,
            promised_at: None,
            delay_announced: false,
            plan_overdue: false,
            tracking: Vec::new(),
            delivered_at: None,
            received_at: None,
            receipt_confirmed_by: String::new(),
            goods_out: false,
            updated_at: now,
        }
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn log_2_the_notice_is_two_days_ahead_and_the_warehouse_ships_only_against_an_approved_note() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let mut s = shipment();
        let today = day("2027-01-04");
        assert!(
            s.plan(day("2027-01-05"), today, "TTKD".into(), "rule".into(), now)
                .is_err()
        );
        assert!(
            s.plan(day("2027-01-06"), today, "TTKD".into(), "rule".into(), now)
                .is_ok()
        );
        assert!(s.dispatch("T1", 3, now).is_err(), "no note");
        assert_eq!(s.create_note(now).ok(), Some(true));
        assert!(s.dispatch("T1", 3, now).is_err(), "note not approved");
        assert_eq!(s.approve_note("fiona", now).ok(), Some(true));
        assert!(
            s.dispatch("T1", 3, now).is_err(),
            "goods still in the warehouse"
        );
        s.goods_out = true;
        assert_eq!(s.dispatch("T1", 3, now).ok(), Some(true));
        assert_eq!(s.dispatch("T1", 3, now).ok(), Some(false), "a retry");
    }

    #[test]
    fn sla_4_a_released_order_without_a_plan_two_days_before_its_date_is_flagged_once() {
        let mut s = shipment();
        s.order.state = "released".to_owned();
        s.order.delivery_date = Some(day("2027-01-10"));
        assert!(!s.flag_plan_overdue(day("2027-01-07")), "three days before");
        assert!(s.flag_plan_overdue(day("2027-01-08")), "two days before");
        assert!(!s.flag_plan_overdue(day("2027-01-09")), "once");
        assert!(s.plan_overdue);

        let mut planned = shipment();
        planned.order.state = "released".to_owned();
        planned.order.delivery_date = Some(day("2027-01-10"));
        planned.state = ShipmentState::Planned;
        assert!(!planned.flag_plan_overdue(day("2027-01-09")), "planned");

        let mut waiting = shipment();
        waiting.order.state = "awaiting_payment".to_owned();
        waiting.order.delivery_date = Some(day("2027-01-10"));
        assert!(
            !waiting.flag_plan_overdue(day("2027-01-09")),
            "not released: logistics may not plan it yet"
        );
        let mut undated = shipment();
        undated.order.state = "released".to_owned();
        assert!(!undated.flag_plan_overdue(day("2027-01-09")));
    }

    #[test]
    fn log_4_a_delivered_event_delivers_and_a_late_shipment_is_seen() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let mut s = shipment();
        s.state = ShipmentState::NoteApproved;
        s.goods_out = true;
        assert_eq!(s.dispatch("T1", 3, now).ok(), Some(true));
        assert!(!s.is_late(now + Duration::days(3)));
        assert!(s.is_late(now + Duration::days(3) + Duration::seconds(1)));
        let delivered = Tracking {
            at: now + Duration::days(2),
            status: "delivered".to_owned(),
            location: "Hangzhou".to_owned(),
            description: "signed by Li".to_owned(),
        };
        assert_eq!(s.track(delivered.clone(), now).ok(), Some(true));
        assert_eq!(
            s.track(delivered, now).ok(),
            Some(false),
            "the same event twice"
        );
        assert_eq!(s.state, ShipmentState::Delivered);
        assert!(!s.is_late(now + Duration::days(10)));
        assert_eq!(s.confirm_receipt("automatic", now).ok(), Some(true));
    }
}
