//! The master schedule (《排产表》) as it is kept: a proposal of the
//! scheduler's plans, a draft until `production_manager` approves it
//! (PRD-3). A draft is approved only if no other schedule was approved
//! since it was proposed (its bookings were computed on top of them).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::schedule::{JobPlan, Unscheduled};

orderflow_platform::uuid_id!(
    /// A master schedule proposal.
    ScheduleId,
    "schedule"
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleState {
    Draft,
    Approved,
    Superseded,
}

impl ScheduleState {
    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleState::Draft => "draft",
            ScheduleState::Approved => "approved",
            ScheduleState::Superseded => "superseded",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MasterSchedule {
    pub id: ScheduleId,
    pub state: ScheduleState,
    pub from: NaiveDate,
    pub horizon_days: i64,
    pub plans: Vec<JobPlan>,
    pub unscheduled: Vec<Unscheduled>,
    /// The latest approved schedule when this one was proposed.
    pub based_on: String,
    pub proposed_by: String,
    pub approved_by: String,
    pub created_at: DateTime<Utc>,
    pub approved_at: Option<DateTime<Utc>>,
}
