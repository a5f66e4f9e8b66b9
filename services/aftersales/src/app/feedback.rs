//! What customers tell and what the returns say: the return analysis
//! (AFS-9) and complaints with satisfaction feedback (AFS-10).

use chrono::{DateTime, NaiveDate, Utc};
use orderflow_platform::bus::outbox;
use orderflow_platform::db::idempotency::{self, Claim, RequestKey};

use super::AfterSales;
use crate::domain::analysis::{self, Dimension, Row, Shipped};
use crate::domain::complaint::{Complaint, ComplaintId, ComplaintState, NewComplaint};
use crate::domain::{Actor, AfterSalesError};
use crate::events;
use crate::store::records;

/// At most this many days in one analysis.
pub const MAX_ANALYSIS_DAYS: i64 = 366;

impl AfterSales {
    /// The start of `day` in the business time zone.
    fn start_of(&self, day: NaiveDate) -> DateTime<Utc> {
        day.and_hms_opt(0, 0, 0)
            .and_then(|midnight| {
                midnight
                    .and_local_timezone(self.settings.time_zone)
                    .earliest()
            })
            .map_or_else(
                || day.and_time(chrono::NaiveTime::MIN).and_utc(),
                |at| at.with_timezone(&Utc),
            )
    }

    fn day_of(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.settings.time_zone).date_naive()
    }

    /// AFS-9: the cases opened and the units shipped from `from` to `to`
    /// (inclusive business days), by `dimension`.
    pub async fn return_analysis(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        dimension: Dimension,
    ) -> Result<(Vec<Row>, Row), AfterSalesError> {
        if to < from || (to - from).num_days() >= MAX_ANALYSIS_DAYS {
            return Err(AfterSalesError::invalid(
                "to_date",
                format!("on or after from_date, at most {MAX_ANALYSIS_DAYS} days in all"),
            ));
        }
        let start = self.start_of(from);
        let end = self.start_of(to.succ_opt().unwrap_or(to));
        let connection = self.base.database.connection();
        let cases: Vec<_> = records::cases_opened_between(connection, start, end)
            .await?
            .into_iter()
            .map(|case| {
                let day = self.day_of(case.created_at);
                (case, day)
            })
            .collect();
        let shipped: Vec<Shipped> = records::shipped_between(connection, start, end)
            .await?
            .into_iter()
            .flat_map(|facts| {
                let day = facts.shipped_at.map(|at| self.day_of(at)).unwrap_or(from);
                facts.lines.into_iter().map(move |line| Shipped {
                    sku: line.sku,
                    quantity: line.quantity,
                    day,
                })
            })
            .collect();
        Ok(analysis::analyse(&cases, &shipped, dimension))
    }

    pub async fn complaint(&self, id: &ComplaintId) -> Result<Complaint, AfterSalesError> {
        records::complaint(self.base.database.connection(), id, false)
            .await?
            .ok_or_else(|| AfterSalesError::not_found("complaint", id.as_str()))
    }

    pub async fn complaints(
        &self,
        state: Option<ComplaintState>,
        overdue_only: bool,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Complaint>, AfterSalesError> {
        records::complaints(
            self.base.database.connection(),
            state,
            overdue_only,
            after,
            limit,
        )
        .await
    }

    /// AFS-10: a complaint or feedback, due for its answer in
    /// `COMPLAINT_ANSWER_HOURS`.
    pub async fn record_complaint(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        new: NewComplaint,
    ) -> Result<Complaint, AfterSalesError> {
        let transaction = self.base.database.begin_write().await?;
        let now = self.now();
        if let Claim::Replay(id) = idempotency::claim(&*transaction, key, now).await? {
            drop(transaction);
            return self.complaint(&ComplaintId::from_stored(id)).await;
        }
        let complaint = Complaint::record(
            ComplaintId::new(),
            new,
            self.settings.complaint_answer_within,
            &actor.subject,
            now,
        )?;
        records::save_complaint(&*transaction, &complaint).await?;
        outbox::enqueue(
            &*transaction,
            events::complaint(&complaint, "recorded", &actor.subject, now),
            now,
        )
        .await?;
        idempotency::complete(&*transaction, key, &complaint.id).await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(complaint)
    }

    /// Assigns (`assignee`) or answers (`answer`) a complaint, once per
    /// request key.
    pub async fn handle_complaint(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &ComplaintId,
        assignee: Option<&str>,
        answer: Option<&str>,
    ) -> Result<Complaint, AfterSalesError> {
        let transaction = self.base.database.begin_write().await?;
        let now = self.now();
        if let Claim::Replay(_) = idempotency::claim(&*transaction, key, now).await? {
            drop(transaction);
            return self.complaint(id).await;
        }
        let mut complaint = records::complaint(&*transaction, id, true)
            .await?
            .ok_or_else(|| AfterSalesError::not_found("complaint", id.as_str()))?;
        let action = match (assignee, answer) {
            (Some(assignee), _) => {
                complaint.assign(assignee, now)?;
                "assigned"
            }
            (None, Some(answer)) => {
                complaint.answer(answer, &actor.subject, now)?;
                "answered"
            }
            (None, None) => return Ok(complaint),
        };
        records::save_complaint(&*transaction, &complaint).await?;
        outbox::enqueue(
            &*transaction,
            events::complaint(&complaint, action, &actor.subject, now),
            now,
        )
        .await?;
        idempotency::complete(&*transaction, key, &complaint.id).await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(complaint)
    }

    /// AFS-10: unanswered complaints past their due time, flagged and
    /// announced once. Returns how many.
    pub async fn sweep_complaints(&self) -> Result<usize, AfterSalesError> {
        let transaction = self.base.database.begin_write().await?;
        let now = self.now();
        let mut flagged = 0;
        for mut complaint in records::complaints_past_due(&*transaction, now, 100).await? {
            if complaint.flag_overdue(now) {
                records::save_complaint(&*transaction, &complaint).await?;
                outbox::enqueue(
                    &*transaction,
                    events::complaint(&complaint, "overdue", "system", now),
                    now,
                )
                .await?;
                flagged += 1;
            }
        }
        transaction.commit().await?;
        if flagged > 0 {
            self.base.outbox.notify();
        }
        Ok(flagged)
    }
}
