//! Complaints and satisfaction feedback (AFS-10): recorded, assigned to
//! someone who answers them by a due time; unanswered ones past it are
//! flagged once.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::AfterSalesError;

orderflow_platform::uuid_id!(
    /// A complaint's id.
    ComplaintId,
    "a complaint"
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintKind {
    Complaint,
    /// Satisfaction feedback, with a score of 1 to 5.
    Feedback,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintState {
    Open,
    Assigned,
    Answered,
}

impl ComplaintState {
    pub const ALL: [ComplaintState; 3] = [Self::Open, Self::Assigned, Self::Answered];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Assigned => "assigned",
            Self::Answered => "answered",
        }
    }
}

/// A complaint as recorded, before it has an id and a due time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComplaint {
    pub kind: ComplaintKind,
    pub customer_id: String,
    pub order_id: Option<String>,
    pub subject: String,
    pub text: String,
    /// Feedback only: 1 … 5.
    pub satisfaction: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    pub id: ComplaintId,
    pub kind: ComplaintKind,
    pub state: ComplaintState,
    pub customer_id: String,
    pub order_id: Option<String>,
    pub subject: String,
    pub text: String,
    pub satisfaction: Option<u8>,
    pub assignee: Option<String>,
    pub answer: String,
    pub answered_by: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub due_at: DateTime<Utc>,
    pub overdue: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Complaint {
    /// AFS-10: a complaint (no score) or feedback (a score of 1 to 5), to
    /// be answered within `answer_within`.
    pub fn record(
        id: ComplaintId,
        new: NewComplaint,
        answer_within: Duration,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, AfterSalesError> {
        match (new.kind, new.satisfaction) {
            (ComplaintKind::Feedback, Some(1..=5)) | (ComplaintKind::Complaint, None) => {}
            (ComplaintKind::Feedback, _) => {
                return Err(AfterSalesError::invalid(
                    "satisfaction",
                    "feedback scores 1 (very unhappy) to 5 (very happy)",
                ));
            }
            (ComplaintKind::Complaint, Some(_)) => {
                return Err(AfterSalesError::invalid(
                    "satisfaction",
                    "a complaint has no score; record feedback for one",
                ));
            }
        }
        Ok(Self {
            id,
            kind: new.kind,
            state: ComplaintState::Open,
            customer_id: new.customer_id,
            order_id: new.order_id,
            subject: new.subject,
            text: new.text,
            satisfaction: new.satisfaction,
            assignee: None,
            answer: String::new(),
            answered_by: None,
            answered_at: None,
            due_at: now + answer_within,
            overdue: false,
            created_by: actor.to_owned(),
            created_at: now,
            updated_at: now,
        })
    }

    fn subject_ref(&self) -> String {
        format!("complaints/{}", self.id)
    }

    /// Given to someone to answer (again, to someone else, until answered).
    pub fn assign(&mut self, assignee: &str, now: DateTime<Utc>) -> Result<(), AfterSalesError> {
        if self.state == ComplaintState::Answered {
            return Err(AfterSalesError::precondition(
                "COMPLAINT_ANSWERED",
                self.subject_ref(),
                "the complaint is answered",
            ));
        }
        self.assignee = Some(assignee.to_owned());
        self.state = ComplaintState::Assigned;
        self.updated_at = now;
        Ok(())
    }

    /// Answered once; by its assignee when it has one.
    pub fn answer(
        &mut self,
        answer: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), AfterSalesError> {
        if self.state == ComplaintState::Answered {
            return Err(AfterSalesError::precondition(
                "COMPLAINT_ANSWERED",
                self.subject_ref(),
                "the complaint is answered",
            ));
        }
        if let Some(assignee) = &self.assignee
            && assignee != actor
        {
            return Err(AfterSalesError::precondition(
                "NOT_THE_ASSIGNEE",
                self.subject_ref(),
                format!("the complaint is assigned to {assignee}"),
            ));
        }
        self.answer = answer.to_owned();
        self.answered_by = Some(actor.to_owned());
        self.answered_at = Some(now);
        self.state = ComplaintState::Answered;
        self.updated_at = now;
        Ok(())
    }

    /// Unanswered past its due time: flagged once.
    pub fn flag_overdue(&mut self, now: DateTime<Utc>) -> bool {
        if self.overdue || self.state == ComplaintState::Answered || self.due_at >= now {
            return false;
        }
        self.overdue = true;
        self.updated_at = now;
        true
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 1, 11, hour, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn new(kind: ComplaintKind, satisfaction: Option<u8>) -> NewComplaint {
        NewComplaint {
            kind,
            customer_id: "cust-1".to_owned(),
            order_id: None,
            subject: "late delivery".to_owned(),
            text: "three days late".to_owned(),
            satisfaction,
        }
    }

    fn recorded(
        kind: ComplaintKind,
        satisfaction: Option<u8>,
    ) -> Result<Complaint, AfterSalesError> {
        Complaint::record(
            ComplaintId::new(),
            new(kind, satisfaction),
            Duration::hours(24),
            "cathy",
            at(1),
        )
    }

    #[test]
    fn afs_10_feedback_has_a_score_and_a_complaint_none() {
        assert!(recorded(ComplaintKind::Feedback, Some(4)).is_ok());
        assert!(recorded(ComplaintKind::Feedback, Some(6)).is_err());
        assert!(recorded(ComplaintKind::Feedback, None).is_err());
        assert!(recorded(ComplaintKind::Complaint, Some(3)).is_err());
    }

    #[test]
    fn afs_10_answered_once_by_its_assignee_and_overdue_flagged_once() {
        let mut complaint =
            recorded(ComplaintKind::Complaint, None).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(complaint.due_at, at(1) + Duration::hours(24));
        complaint
            .assign("dora", at(2))
            .unwrap_or_else(|error| panic!("{error}"));
        assert!(
            complaint.answer("sorry", "eve", at(3)).is_err(),
            "not eve's"
        );
        assert!(!complaint.flag_overdue(at(20)), "not due yet");
        assert!(complaint.flag_overdue(at(1) + Duration::hours(25)));
        assert!(!complaint.flag_overdue(at(1) + Duration::hours(26)), "once");
        complaint
            .answer("sorry, a voucher is on its way", "dora", at(4))
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(complaint.state, ComplaintState::Answered);
        assert!(complaint.answer("again", "dora", at(5)).is_err());
        assert!(complaint.assign("eve", at(5)).is_err());
    }
}
