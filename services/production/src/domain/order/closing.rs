//! PRD-12: closing a completed production order with its process and
//! quality summary (工艺/质量总结). Changes it proposes to the standard
//! documents (process sheets, drawings) are reviewed by the
//! `engineering_manager`: approved ones are archived, rejected ones keep
//! the reason.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ProductionOrder, State, unmet};
use crate::domain::ProductionError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentChange {
    pub document: String,
    pub change: String,
    /// `proposed`, `archived` or `rejected`.
    pub status: String,
    pub reviewed_by: String,
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closing {
    pub process_summary: String,
    pub quality_summary: String,
    pub document_changes: Vec<DocumentChange>,
    pub closed_by: String,
    pub closed_at: DateTime<Utc>,
}

impl ProductionOrder {
    /// PRD-12: only a completed production order is closed.
    pub fn close(&mut self, closing: Closing, now: DateTime<Utc>) -> Result<(), ProductionError> {
        self.require(&[State::Completed], "close")?;
        self.closing = Some(closing);
        self.state = State::Closed;
        self.updated_at = now;
        Ok(())
    }

    /// PRD-12: a proposed change reviewed: archived, or rejected with the
    /// reason.
    pub fn review_document_change(
        &mut self,
        index: usize,
        approve: bool,
        reviewer: &str,
        comment: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ProductionError> {
        self.require(&[State::Closed], "review a document change")?;
        let id = self.id.clone();
        let Some(change) = self
            .closing
            .as_mut()
            .and_then(|closing| closing.document_changes.get_mut(index))
        else {
            return Err(ProductionError::not_found(
                "document change",
                format!("{id}/{index}"),
            ));
        };
        if change.status != "proposed" {
            let status = change.status.clone();
            return Err(unmet(
                self,
                "DOCUMENT_CHANGE_REVIEWED",
                format!("the change was already reviewed ({status})"),
            ));
        }
        change.status = if approve { "archived" } else { "rejected" }.to_owned();
        change.reviewed_by = reviewer.to_owned();
        change.comment = comment.to_owned();
        self.updated_at = now;
        Ok(())
    }
}
