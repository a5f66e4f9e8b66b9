//! INV-8: the work contact sheet (工作联系单) that asks a department to act.

use chrono::{DateTime, Utc};

use super::stock::Line;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkContactSheet {
    pub id: String,
    pub reference: String,
    pub subject: String,
    pub body: String,
    pub lines: Vec<Line>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}
