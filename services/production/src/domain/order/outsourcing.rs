//! PRD-8: outsourced operations (外协). When the schedule is approved each
//! outsourced operation of the routing is requested from procurement with
//! the days the parts go out and must be back; the returned work is
//! inspected by `qc` before the next operation, and no lot goes to final QA
//! until every outsourced operation came back passed.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{ProductionOrder, State};
use crate::domain::ProductionError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutsourcedOperation {
    pub seq: i32,
    pub name: String,
    pub quantity: i64,
    pub send_date: NaiveDate,
    pub return_date: NaiveDate,
    /// `None` until the return was inspected.
    pub passed: Option<bool>,
    pub inspector: String,
    pub note: String,
}

impl OutsourcedOperation {
    pub fn passed(&self) -> bool {
        self.passed == Some(true)
    }

    pub fn state(&self) -> &'static str {
        match self.passed {
            None => "requested",
            Some(true) => "passed",
            Some(false) => "failed",
        }
    }
}

impl ProductionOrder {
    /// PRD-8: the incoming inspection of an outsourced operation's work. A
    /// failed return is inspected again when the vendor redid it.
    pub fn inspect_outsourced_return(
        &mut self,
        seq: i32,
        passed: bool,
        inspector: &str,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ProductionError> {
        self.require(
            &[State::Scheduled, State::InProgress],
            "inspect an outsourced return",
        )?;
        let id = self.id.clone();
        let Some(operation) = self.outsourced.iter_mut().find(|out| out.seq == seq) else {
            return Err(ProductionError::not_found(
                "outsourced operation",
                format!("{id}/{seq}"),
            ));
        };
        if operation.passed() {
            return Err(ProductionError::precondition(
                "OUTSOURCED_ALREADY_PASSED",
                format!("production_orders/{id}/outsourced/{seq}"),
                "this outsourced operation's return already passed",
            ));
        }
        operation.passed = Some(passed);
        operation.inspector = inspector.to_owned();
        operation.note = note.to_owned();
        self.updated_at = now;
        Ok(())
    }
}
