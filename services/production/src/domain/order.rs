//! The production order (生产订单): one per short line of a released order,
//! or per line of a GM-approved self-stock order (PRD-1), and its life:
//!
//! ```text
//! ENGINEERING ─engineering approved→ READY ─schedule approved→ SCHEDULED
//!   ─first article passed, run started→ IN_PROGRESS ─all QA-passed→ COMPLETED
//! any state before COMPLETED ─order cancelled→ CANCELLED
//! ```
//!
//! Every step checks its preconditions here and refuses with
//! `FAILED_PRECONDITION` naming what is missing; the use cases in
//! [`crate::app`] only load, call and save.

use chrono::{DateTime, NaiveDate, Utc};
use orderflow_platform::ids::OrderId;
use serde::{Deserialize, Serialize};

use super::ProductionError;

mod closing;
mod inspections;
mod outsourcing;
mod tooling;

pub use closing::{Closing, DocumentChange};
pub use inspections::{InspectionDays, PreShipment, PreShipmentKind};
pub use outsourcing::OutsourcedOperation;
pub use tooling::{Tooling, ToolingId, ToolingState};

orderflow_platform::uuid_id!(
    /// A production order, as the production service issued it.
    ProductionOrderId,
    "production order"
);

orderflow_platform::uuid_id!(
    /// A lot submitted to final QA.
    LotId,
    "lot"
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Engineering,
    Ready,
    Scheduled,
    InProgress,
    Completed,
    Cancelled,
    /// Closed with its summary (PRD-12).
    Closed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Engineering => "engineering",
            State::Ready => "ready",
            State::Scheduled => "scheduled",
            State::InProgress => "in_progress",
            State::Completed => "completed",
            State::Cancelled => "cancelled",
            State::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            State::Engineering,
            State::Ready,
            State::Scheduled,
            State::InProgress,
            State::Completed,
            State::Cancelled,
            State::Closed,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }

    /// Not yet scheduled: what SLA-3 watches.
    pub fn awaits_schedule(self) -> bool {
        matches!(self, State::Engineering | State::Ready)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewMeeting {
    pub held_at: DateTime<Utc>,
    pub attendees: Vec<String>,
    pub conclusions: String,
    pub recorded_by: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Review {
    Submitted,
    Approved,
    Rejected,
}

impl Review {
    pub fn as_str(self) -> &'static str {
        match self {
            Review::Submitted => "submitted",
            Review::Approved => "approved",
            Review::Rejected => "rejected",
        }
    }
}

/// PRD-10: the engineering documents (工程资料) and their review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Engineering {
    pub drawings: Vec<String>,
    pub process_sheet: String,
    pub bom_version: i32,
    pub prepared_by: String,
    pub submitted_at: DateTime<Utc>,
    pub status: Review,
    pub reviewed_by: String,
    pub review_comment: String,
    pub reviewed_at: Option<DateTime<Utc>>,
}

/// PRD-2: one material of the requirement, and what was issued (INV-8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialLine {
    pub sku: String,
    pub required: i64,
    pub available: i64,
    pub short: i64,
    pub issued: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    AwaitingInspection,
    Passed,
    Failed,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::AwaitingInspection => "awaiting_inspection",
            Verdict::Passed => "passed",
            Verdict::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstArticle {
    pub made_by: String,
    /// The workshop head who confirmed it.
    pub confirmed_by: String,
    pub made_at: DateTime<Utc>,
    pub status: Verdict,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputReport {
    pub day: NaiveDate,
    pub good: i64,
    pub scrap: i64,
    pub reported_by: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InspectionKind {
    FirstArticle,
    InProcess,
    Final,
}

impl InspectionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InspectionKind::FirstArticle => "first_article",
            InspectionKind::InProcess => "in_process",
            InspectionKind::Final => "final",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspection {
    pub kind: InspectionKind,
    pub passed: bool,
    pub inspector: String,
    pub note: String,
    pub at: DateTime<Utc>,
    pub quantity: i64,
    pub lot_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LotState {
    AwaitingQa,
    Passed,
    Rework,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lot {
    pub id: LotId,
    pub quantity: i64,
    pub state: LotState,
    pub rework_reason: String,
    pub rework_count: i32,
    pub submitted_at: DateTime<Utc>,
}

/// What production knows of a customer order (from the orders service's
/// events and inventory's shortages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFact {
    pub order_id: String,
    pub order_number: String,
    pub order_kind: String,
    pub due_date: Option<NaiveDate>,
    pub warehouse: String,
    pub cancelled: bool,
}

/// What a production order is made for: the released order's facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Demand {
    pub order_id: OrderId,
    pub order_number: String,
    pub order_kind: String,
    pub sku: String,
    pub quantity: i64,
    /// The order's requested delivery date, once known.
    pub due_date: Option<NaiveDate>,
    /// FG or OVERSEAS: where the finished goods go (ORD-20).
    pub warehouse: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductionOrder {
    pub id: ProductionOrderId,
    pub demand: Demand,
    pub state: State,
    pub review_meeting: Option<ReviewMeeting>,
    pub engineering: Option<Engineering>,
    pub materials: Vec<MaterialLine>,
    pub materials_planned: bool,
    pub schedule_id: String,
    pub planned_start: Option<NaiveDate>,
    pub planned_completion: Option<NaiveDate>,
    pub late_reason: String,
    pub first_article: Option<FirstArticle>,
    pub outputs: Vec<OutputReport>,
    pub inspections: Vec<Inspection>,
    pub lots: Vec<Lot>,
    /// SLA-3: scheduled by then, or listed and announced once.
    pub schedule_due_at: DateTime<Utc>,
    pub schedule_overdue: bool,
    pub cancel_reason: String,
    /// PRD-6: the pre-shipment inspections to book.
    #[serde(default)]
    pub pre_shipment: Vec<PreShipment>,
    /// PRD-7: tooling and moulds for this order.
    #[serde(default)]
    pub tooling: Vec<Tooling>,
    /// PRD-8: the outsourced operations, once scheduled.
    #[serde(default)]
    pub outsourced: Vec<OutsourcedOperation>,
    /// PRD-12: the closing summary.
    #[serde(default)]
    pub closing: Option<Closing>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub(crate) fn unmet(
    order: &ProductionOrder,
    kind: &'static str,
    description: String,
) -> ProductionError {
    ProductionError::precondition(kind, format!("production_orders/{}", order.id), description)
}

impl ProductionOrder {
    /// PRD-1: a new production order for `demand`, to be scheduled by
    /// `schedule_due_at` (SLA-3).
    pub fn new(demand: Demand, schedule_due_at: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        Self {
            id: ProductionOrderId::new(),
            demand,
            state: State::Engineering,
            review_meeting: None,
            engineering: None,
            materials: Vec::new(),
            materials_planned: false,
            schedule_id: String::new(),
            planned_start: None,
            planned_completion: None,
            late_reason: String::new(),
            first_article: None,
            outputs: Vec::new(),
            inspections: Vec::new(),
            lots: Vec::new(),
            schedule_due_at,
            schedule_overdue: false,
            cancel_reason: String::new(),
            pre_shipment: Vec::new(),
            tooling: Vec::new(),
            outsourced: Vec::new(),
            closing: None,
            created_at: now,
            updated_at: now,
        }
    }

    pub(crate) fn require(&self, allowed: &[State], doing: &str) -> Result<(), ProductionError> {
        if allowed.contains(&self.state) {
            return Ok(());
        }
        Err(unmet(
            self,
            "PRODUCTION_ORDER_STATE",
            format!(
                "cannot {doing}: the production order is {}",
                self.state.as_str()
            ),
        ))
    }

    pub fn good(&self) -> i64 {
        self.outputs.iter().map(|output| output.good).sum()
    }

    pub fn scrap(&self) -> i64 {
        self.outputs.iter().map(|output| output.scrap).sum()
    }

    pub fn passed(&self) -> i64 {
        self.lots
            .iter()
            .filter(|lot| lot.state == LotState::Passed)
            .map(|lot| lot.quantity)
            .sum()
    }

    fn submitted(&self) -> i64 {
        self.lots.iter().map(|lot| lot.quantity).sum()
    }

    /// The BOM version engineering approved (PRD-10), if it did.
    pub fn approved_bom_version(&self) -> Option<i32> {
        self.engineering
            .as_ref()
            .filter(|engineering| engineering.status == Review::Approved)
            .map(|engineering| engineering.bom_version)
    }

    // --------------------------------------------------------- engineering

    /// PRD-10: the order review meeting (订单理单 / 订单评审).
    pub fn record_review_meeting(
        &mut self,
        meeting: ReviewMeeting,
        now: DateTime<Utc>,
    ) -> Result<(), ProductionError> {
        self.require(&[State::Engineering], "record the review meeting")?;
        self.review_meeting = Some(meeting);
        self.updated_at = now;
        Ok(())
    }

    /// PRD-10: engineering submits the documents, after the review meeting.
    pub fn submit_engineering(
        &mut self,
        engineering: Engineering,
        now: DateTime<Utc>,
    ) -> Result<(), ProductionError> {
        self.require(&[State::Engineering], "submit engineering documents")?;
        if self.review_meeting.is_none() {
            return Err(unmet(
                self,
                "REVIEW_MEETING_FIRST",
                "the order review meeting is recorded before the engineering documents (PRD-10)"
                    .to_owned(),
            ));
        }
        self.engineering = Some(engineering);
        self.updated_at = now;
        Ok(())
    }

    /// PRD-10: the engineering manager approves (the order may then be
    /// scheduled) or rejects with a reason (engineering submits again).
    pub fn review_engineering(
        &mut self,
        approve: bool,
        reviewer: &str,
        comment: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ProductionError> {
        self.require(&[State::Engineering], "review engineering documents")?;
        let Some(engineering) = self
            .engineering
            .as_mut()
            .filter(|engineering| engineering.status == Review::Submitted)
        else {
            return Err(unmet(
                self,
                "ENGINEERING_NOT_SUBMITTED",
                "no engineering documents await review".to_owned(),
            ));
        };
        engineering.status = if approve {
            Review::Approved
        } else {
            Review::Rejected
        };
        engineering.reviewed_by = reviewer.to_owned();
        engineering.review_comment = comment.to_owned();
        engineering.reviewed_at = Some(now);
        if approve {
            self.state = State::Ready;
        }
        self.updated_at = now;
        Ok(())
    }

    // ----------------------------------------------------------- materials

    /// PRD-2: the material requirement, planned again keeps what was issued.
    pub fn plan_materials(
        &mut self,
        lines: Vec<MaterialLine>,
        now: DateTime<Utc>,
    ) -> Result<(), ProductionError> {
        self.require(
            &[State::Ready, State::Scheduled, State::InProgress],
            "plan materials",
        )?;
        let issued: std::collections::HashMap<String, i64> = self
            .materials
            .iter()
            .map(|line| (line.sku.clone(), line.issued))
            .collect();
        self.materials = lines
            .into_iter()
            .map(|mut line| {
                line.issued = issued.get(&line.sku).copied().unwrap_or(0);
                line
            })
            .collect();
        self.materials_planned = true;
        self.updated_at = now;
        Ok(())
    }

    /// INV-8: what is still to issue for the requirement.
    pub fn to_issue(&self) -> Result<Vec<(String, i64)>, ProductionError> {
        self.require(&[State::Scheduled, State::InProgress], "issue materials")?;
        if !self.materials_planned {
            return Err(unmet(
                self,
                "MATERIALS_NOT_PLANNED",
                "plan the material requirement first (PRD-2)".to_owned(),
            ));
        }
        Ok(self
            .materials
            .iter()
            .filter(|line| line.required > line.issued)
            .map(|line| (line.sku.clone(), line.required - line.issued))
            .collect())
    }

    pub fn record_issue(&mut self, issued: &[(String, i64)], now: DateTime<Utc>) {
        for (sku, quantity) in issued {
            if let Some(line) = self.materials.iter_mut().find(|line| &line.sku == sku) {
                line.issued += quantity;
            }
        }
        self.updated_at = now;
    }

    fn materials_issued(&self) -> bool {
        self.materials_planned
            && self
                .materials
                .iter()
                .all(|line| line.issued >= line.required)
    }

    // ---------------------------------------------------------- scheduling

    /// PRD-3: the approved schedule's dates.
    pub fn schedule(
        &mut self,
        schedule_id: &str,
        start: NaiveDate,
        completion: NaiveDate,
        late_reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ProductionError> {
        self.require(&[State::Ready], "schedule")?;
        self.state = State::Scheduled;
        self.schedule_id = schedule_id.to_owned();
        self.planned_start = Some(start);
        self.planned_completion = Some(completion);
        self.late_reason = late_reason.to_owned();
        self.updated_at = now;
        Ok(())
    }

    /// SLA-3: true the first time it is found unscheduled past its time.
    pub fn flag_schedule_overdue(&mut self, now: DateTime<Utc>) -> bool {
        if self.schedule_overdue || !self.state.awaits_schedule() || now < self.schedule_due_at {
            return false;
        }
        self.schedule_overdue = true;
        self.updated_at = now;
        true
    }

    // ----------------------------------------------------------- execution

    /// PRD-4: the first article, made after the materials were issued and
    /// confirmed by the workshop head; a failed one is made again.
    pub fn record_first_article(
        &mut self,
        made_by: &str,
        confirmed_by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ProductionError> {
        self.require(&[State::Scheduled], "record the first article")?;
        if !self.materials_issued() {
            return Err(unmet(
                self,
                "MATERIALS_NOT_ISSUED",
                "the first article is made from issued materials (INV-8); issue them first"
                    .to_owned(),
            ));
        }
        if matches!(&self.first_article, Some(article) if article.status != Verdict::Failed) {
            return Err(unmet(
                self,
                "FIRST_ARTICLE_EXISTS",
                "a first article is already recorded; it is made again only after failing"
                    .to_owned(),
            ));
        }
        self.first_article = Some(FirstArticle {
            made_by: made_by.to_owned(),
            confirmed_by: confirmed_by.to_owned(),
            made_at: now,
            status: Verdict::AwaitingInspection,
        });
        self.updated_at = now;
        Ok(())
    }

    /// PRD-4: QC inspects the first article.
    pub fn inspect_first_article(
        &mut self,
        passed: bool,
        inspector: &str,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ProductionError> {
        self.require(&[State::Scheduled], "inspect the first article")?;
        let Some(article) = self
            .first_article
            .as_mut()
            .filter(|article| article.status == Verdict::AwaitingInspection)
        else {
            return Err(unmet(
                self,
                "NO_FIRST_ARTICLE",
                "no first article awaits inspection".to_owned(),
            ));
        };
        article.status = if passed {
            Verdict::Passed
        } else {
            Verdict::Failed
        };
        self.inspections.push(Inspection {
            kind: InspectionKind::FirstArticle,
            passed,
            inspector: inspector.to_owned(),
            note: note.to_owned(),
            at: now,
            quantity: 1,
            lot_id: String::new(),
        });
        self.updated_at = now;
        Ok(())
    }

    /// PRD-4: the run starts only once the first article passed.
    pub fn start_run(&mut self, now: DateTime<Utc>) -> Result<(), ProductionError> {
        self.require(&[State::Scheduled], "start the run")?;
        if !matches!(&self.first_article, Some(article) if article.status == Verdict::Passed) {
            return Err(unmet(
                self,
                "FIRST_ARTICLE_NOT_PASSED",
                "the run starts only after the first article passed inspection (PRD-4)".to_owned(),
            ));
        }
        if let Some(open) = self.tooling.iter().find(|tooling| tooling.blocks_the_run()) {
            let description = format!(
                "the run waits for tooling {} ({}), which is {} (PRD-7)",
                open.id,
                open.description,
                open.state.as_str()
            );
            return Err(unmet(self, "TOOLING_NOT_ACCEPTED", description));
        }
        self.state = State::InProgress;
        self.updated_at = now;
        Ok(())
    }

    /// PRD-4, PRD-11: a day's output; the good pieces never exceed the
    /// planned quantity.
    pub fn report_output(
        &mut self,
        report: OutputReport,
        now: DateTime<Utc>,
    ) -> Result<(), ProductionError> {
        self.require(&[State::InProgress], "report output")?;
        if self.good() + report.good > self.demand.quantity {
            return Err(ProductionError::invalid(
                "good",
                format!(
                    "{} good pieces would exceed the planned {} ({} reported so far)",
                    report.good,
                    self.demand.quantity,
                    self.good()
                ),
            ));
        }
        self.outputs.push(report);
        self.updated_at = now;
        Ok(())
    }

    /// PRD-4: an in-process inspection; a failure is recorded with its note.
    pub fn record_in_process_inspection(
        &mut self,
        inspection: Inspection,
        now: DateTime<Utc>,
    ) -> Result<(), ProductionError> {
        self.require(&[State::InProgress], "record an in-process inspection")?;
        self.inspections.push(inspection);
        self.updated_at = now;
        Ok(())
    }

    /// PRD-4: good pieces go to final QA as a lot; only what was produced.
    pub fn submit_lot(
        &mut self,
        quantity: i64,
        now: DateTime<Utc>,
    ) -> Result<LotId, ProductionError> {
        self.require(&[State::InProgress], "submit a lot to QA")?;
        if let Some(out) = self.outsourced.iter().find(|out| !out.passed()) {
            let description = format!(
                "operation {} ({}) is outsourced and has not come back passed; it is inspected before the next operation (PRD-8)",
                out.seq, out.name
            );
            return Err(unmet(self, "OUTSOURCED_NOT_RETURNED", description));
        }
        let unsubmitted = self.good() - self.submitted();
        if quantity > unsubmitted {
            return Err(ProductionError::invalid(
                "quantity",
                format!("only {unsubmitted} good pieces were produced and not yet submitted to QA"),
            ));
        }
        let id = LotId::new();
        self.lots.push(Lot {
            id: id.clone(),
            quantity,
            state: LotState::AwaitingQa,
            rework_reason: String::new(),
            rework_count: 0,
            submitted_at: now,
        });
        self.updated_at = now;
        Ok(id)
    }

    fn lot_mut(&mut self, lot_id: &str) -> Result<&mut Lot, ProductionError> {
        let id = self.id.clone();
        self.lots
            .iter_mut()
            .find(|lot| lot.id.as_str() == lot_id)
            .ok_or_else(|| ProductionError::not_found("lot", format!("{id}/{lot_id}")))
    }

    /// PRD-4, PRD-5: final QA. A pass goes to finished goods (the caller
    /// publishes it); a failure goes to rework with the reason. Returns the
    /// inspected lot. The order completes when every piece passed.
    pub fn inspect_lot(
        &mut self,
        lot_id: &str,
        passed: bool,
        inspector: &str,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<Lot, ProductionError> {
        self.require(&[State::InProgress], "inspect a lot")?;
        let lot = self.lot_mut(lot_id)?;
        if lot.state != LotState::AwaitingQa {
            let description = format!("lot {lot_id} does not await QA");
            return Err(ProductionError::precondition(
                "LOT_NOT_AWAITING_QA",
                format!("lots/{lot_id}"),
                description,
            ));
        }
        if passed {
            lot.state = LotState::Passed;
        } else {
            lot.state = LotState::Rework;
            lot.rework_reason = note.to_owned();
        }
        let lot = lot.clone();
        self.inspections.push(Inspection {
            kind: InspectionKind::Final,
            passed,
            inspector: inspector.to_owned(),
            note: note.to_owned(),
            at: now,
            quantity: lot.quantity,
            lot_id: lot.id.to_string(),
        });
        if self.passed() >= self.demand.quantity {
            self.state = State::Completed;
        }
        self.updated_at = now;
        Ok(lot)
    }

    /// PRD-4: a reworked lot goes back to QA.
    pub fn complete_rework(
        &mut self,
        lot_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ProductionError> {
        self.require(&[State::InProgress], "complete rework")?;
        let lot = self.lot_mut(lot_id)?;
        if lot.state != LotState::Rework {
            let description = format!("lot {lot_id} is not in rework");
            return Err(ProductionError::precondition(
                "LOT_NOT_IN_REWORK",
                format!("lots/{lot_id}"),
                description,
            ));
        }
        lot.state = LotState::AwaitingQa;
        lot.rework_count += 1;
        self.updated_at = now;
        Ok(())
    }

    /// ORD-6: a cancelled order stops what has not finished. Returns the
    /// materials issued to it (to go back to the materials warehouse), or
    /// `None` when there was nothing to stop.
    pub fn cancel(&mut self, reason: &str, now: DateTime<Utc>) -> Option<Vec<(String, i64)>> {
        if matches!(
            self.state,
            State::Completed | State::Cancelled | State::Closed
        ) {
            return None;
        }
        self.state = State::Cancelled;
        self.cancel_reason = reason.to_owned();
        self.updated_at = now;
        Some(
            self.materials
                .iter()
                .filter(|line| line.issued > 0)
                .map(|line| (line.sku.clone(), line.issued))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests;
