//! PRD-7: tooling and moulds (工模具) for a production order: requested,
//! reviewed by the `equipment_manager` (approved or rejected with a
//! reason), made, then handed over to and accepted by the workshop. An
//! approved request that was not accepted holds the run back.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ProductionOrder, State, unmet};
use crate::domain::ProductionError;

orderflow_platform::uuid_id!(
    /// A tooling request.
    ToolingId,
    "tooling request"
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolingState {
    Requested,
    Approved,
    Rejected,
    Made,
    Accepted,
}

impl ToolingState {
    pub fn as_str(self) -> &'static str {
        match self {
            ToolingState::Requested => "requested",
            ToolingState::Approved => "approved",
            ToolingState::Rejected => "rejected",
            ToolingState::Made => "made",
            ToolingState::Accepted => "accepted",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tooling {
    pub id: ToolingId,
    pub description: String,
    pub state: ToolingState,
    pub requested_by: String,
    pub reviewed_by: String,
    pub review_comment: String,
    pub made_by: String,
    pub accepted_by: String,
    pub updated_at: DateTime<Utc>,
}

impl Tooling {
    /// Requested or on its way: the run waits for it.
    pub fn blocks_the_run(&self) -> bool {
        !matches!(self.state, ToolingState::Rejected | ToolingState::Accepted)
    }
}

impl ProductionOrder {
    fn tooling_mut(
        &mut self,
        tooling_id: &str,
        from: ToolingState,
        doing: &str,
    ) -> Result<&mut Tooling, ProductionError> {
        let subject = format!("production_orders/{}/tooling/{tooling_id}", self.id);
        let tooling = self
            .tooling
            .iter_mut()
            .find(|tooling| tooling.id.as_str() == tooling_id)
            .ok_or_else(|| ProductionError::not_found("tooling request", tooling_id))?;
        if tooling.state != from {
            let description = format!(
                "cannot {doing}: the tooling request is {}, not {}",
                tooling.state.as_str(),
                from.as_str()
            );
            return Err(ProductionError::precondition(
                "TOOLING_STATE",
                subject,
                description,
            ));
        }
        Ok(tooling)
    }

    /// PRD-7: a tooling or mould request, before the run.
    pub fn request_tooling(
        &mut self,
        description: &str,
        requested_by: &str,
        now: DateTime<Utc>,
    ) -> Result<ToolingId, ProductionError> {
        self.require(
            &[State::Engineering, State::Ready, State::Scheduled],
            "request tooling",
        )?;
        if self.tooling.len() >= 50 {
            return Err(unmet(
                self,
                "TOOLING_LIMIT",
                "a production order holds at most 50 tooling requests".to_owned(),
            ));
        }
        let id = ToolingId::new();
        self.tooling.push(Tooling {
            id: id.clone(),
            description: description.to_owned(),
            state: ToolingState::Requested,
            requested_by: requested_by.to_owned(),
            reviewed_by: String::new(),
            review_comment: String::new(),
            made_by: String::new(),
            accepted_by: String::new(),
            updated_at: now,
        });
        self.updated_at = now;
        Ok(id)
    }

    /// PRD-7: the equipment manager's review.
    pub fn review_tooling(
        &mut self,
        tooling_id: &str,
        approve: bool,
        reviewer: &str,
        comment: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ProductionError> {
        let tooling = self.tooling_mut(tooling_id, ToolingState::Requested, "review it")?;
        tooling.state = if approve {
            ToolingState::Approved
        } else {
            ToolingState::Rejected
        };
        tooling.reviewed_by = reviewer.to_owned();
        tooling.review_comment = comment.to_owned();
        tooling.updated_at = now;
        self.updated_at = now;
        Ok(())
    }

    /// PRD-7: made (by the tool room or a vendor).
    pub fn tooling_made(
        &mut self,
        tooling_id: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ProductionError> {
        let tooling = self.tooling_mut(tooling_id, ToolingState::Approved, "report it made")?;
        tooling.state = ToolingState::Made;
        tooling.made_by = by.to_owned();
        tooling.updated_at = now;
        self.updated_at = now;
        Ok(())
    }

    /// PRD-7: handed over to the workshop, which accepts it.
    pub fn accept_tooling(
        &mut self,
        tooling_id: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ProductionError> {
        let tooling = self.tooling_mut(tooling_id, ToolingState::Made, "accept it")?;
        tooling.state = ToolingState::Accepted;
        tooling.accepted_by = by.to_owned();
        tooling.updated_at = now;
        self.updated_at = now;
        Ok(())
    }
}
