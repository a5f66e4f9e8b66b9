//! Pick lists (INV-5): what a reservation holds, with the order's special
//! notes (gifts, packaging, ORD-12); an outbound inspection must pass before
//! the outbound is posted.

use chrono::{DateTime, Utc};

use super::InventoryError;
use super::stock::Line;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickState {
    Open,
    Inspected,
    FailedInspection,
    Posted,
}

impl PickState {
    pub fn as_str(self) -> &'static str {
        match self {
            PickState::Open => "open",
            PickState::Inspected => "inspected",
            PickState::FailedInspection => "failed_inspection",
            PickState::Posted => "posted",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "open" => Some(PickState::Open),
            "inspected" => Some(PickState::Inspected),
            "failed_inspection" => Some(PickState::FailedInspection),
            "posted" => Some(PickState::Posted),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickList {
    pub id: String,
    pub order_id: String,
    pub order_number: String,
    pub warehouse: String,
    pub lines: Vec<Line>,
    pub notes: String,
    pub state: PickState,
    pub inspected_by: Option<String>,
    pub inspection_note: String,
    pub created_at: DateTime<Utc>,
}

impl PickList {
    fn subject(&self) -> String {
        format!("pick_lists/{}", self.id)
    }

    /// Records the outbound inspection; a failed one may be repeated after
    /// the goods were fixed.
    pub fn inspect(
        &mut self,
        passed: bool,
        inspector: &str,
        note: &str,
    ) -> Result<(), InventoryError> {
        if !matches!(self.state, PickState::Open | PickState::FailedInspection) {
            return Err(InventoryError::precondition(
                "ALREADY_INSPECTED",
                self.subject(),
                format!("the pick list is {}", self.state.as_str()),
            ));
        }
        if !passed && note.trim().is_empty() {
            return Err(InventoryError::invalid(
                "note",
                "say what failed the inspection",
            ));
        }
        self.state = if passed {
            PickState::Inspected
        } else {
            PickState::FailedInspection
        };
        self.inspected_by = Some(inspector.to_owned());
        self.inspection_note = note.trim().to_owned();
        Ok(())
    }

    /// INV-5: only inspected goods leave.
    pub fn post(&mut self) -> Result<(), InventoryError> {
        match self.state {
            PickState::Inspected => {
                self.state = PickState::Posted;
                Ok(())
            }
            PickState::Posted => Err(InventoryError::precondition(
                "ALREADY_POSTED",
                self.subject(),
                "the outbound was already posted",
            )),
            PickState::Open | PickState::FailedInspection => Err(InventoryError::precondition(
                "NOT_INSPECTED",
                self.subject(),
                "the goods have not passed the outbound inspection (INV-5)",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick_list() -> PickList {
        PickList {
            id: "p".to_owned(),
            order_id: "o".to_owned(),
            order_number: "n".to_owned(),
            warehouse: "FG".to_owned(),
            lines: vec![],
            notes: "gift: spare seal kit".to_owned(),
            state: PickState::Open,
            inspected_by: None,
            inspection_note: String::new(),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn inv_5_goods_leave_only_after_passing_the_outbound_inspection() {
        let mut list = pick_list();
        assert!(list.post().is_err());
        assert!(
            list.inspect(false, "qc-li", "").is_err(),
            "a failure needs a note"
        );
        list.inspect(false, "qc-li", "carton crushed")
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(list.post().is_err());
        list.inspect(true, "qc-li", "repacked")
            .unwrap_or_else(|e| panic!("{e}"));
        list.post().unwrap_or_else(|e| panic!("{e}"));
        assert!(list.post().is_err(), "posted once");
    }
}
