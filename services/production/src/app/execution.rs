//! Execution (PRD-4) and finished goods (PRD-5): material issue through
//! inventory, the first article, the run, daily output, inspections and
//! lots through final QA.

use chrono::NaiveDate;
use orderflow_platform::db::idempotency::RequestKey;

use super::Production;
use crate::domain::order::{
    Inspection, InspectionKind, OutputReport, ProductionOrder, ProductionOrderId, State,
};
use crate::domain::{Actor, ProductionError};
use crate::events;

impl Production {
    /// INV-8: issues what the requirement still needs from the materials
    /// warehouse (领料单). Inventory is told first, under a request id
    /// derived from what was issued so far, so a retry never issues twice.
    pub async fn issue_materials(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &ProductionOrderId,
    ) -> Result<ProductionOrder, ProductionError> {
        let order = self.production_order(id).await?;
        let lines = order.to_issue()?;
        if lines.is_empty() {
            return Ok(order);
        }
        let issued_so_far: i64 = order.materials.iter().map(|line| line.issued).sum();
        let request_id = format!("{id}-issue-{issued_so_far}");
        self.inventory.issue(&request_id, id, &lines).await?;
        let issuer = actor.subject.clone();
        self.change(
            key,
            id,
            Box::new(move |order, now| {
                // Another call recorded this issue first: nothing more.
                let now_issued: i64 = order.materials.iter().map(|line| line.issued).sum();
                if now_issued != issued_so_far {
                    return Ok(Vec::new());
                }
                order.record_issue(&lines, now);
                let issued: Vec<String> = lines
                    .iter()
                    .map(|(sku, quantity)| format!("{sku} {quantity}"))
                    .collect();
                let detail = format!("materials issued by {issuer}: {}", issued.join(", "));
                tracing::info!(production_order = %order.id, %detail);
                Ok(Vec::new())
            }),
        )
        .await
    }

    /// PRD-4: the first article, made and confirmed by the workshop head
    /// (the caller).
    pub async fn record_first_article(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &ProductionOrderId,
        made_by: String,
    ) -> Result<ProductionOrder, ProductionError> {
        let head = actor.subject.clone();
        self.update(key, id, move |order, now| {
            order.record_first_article(&made_by, &head, now)
        })
        .await
    }

    /// PRD-4: `qc` inspects the first article.
    pub async fn inspect_first_article(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &ProductionOrderId,
        passed: bool,
        note: String,
    ) -> Result<ProductionOrder, ProductionError> {
        let inspector = actor.subject.clone();
        self.update(key, id, move |order, now| {
            order.inspect_first_article(passed, &inspector, &note, now)
        })
        .await
    }

    /// PRD-4: the run starts (the order goes IN_PRODUCTION with its first).
    pub async fn start_run(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &ProductionOrderId,
    ) -> Result<ProductionOrder, ProductionError> {
        let starter = actor.subject.clone();
        self.change(
            key,
            id,
            Box::new(move |order, now| {
                order.start_run(now)?;
                let detail = format!(
                    "production of {} {} started, planned completion {}",
                    order.demand.quantity,
                    order.demand.sku,
                    order
                        .planned_completion
                        .map(|day| day.to_string())
                        .unwrap_or_default()
                );
                Ok(vec![events::order(
                    order,
                    "order.started",
                    None,
                    detail,
                    &starter,
                    now,
                )])
            }),
        )
        .await
    }

    /// PRD-4, PRD-11: a day's output, fed back to sales on the timeline.
    pub async fn report_output(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &ProductionOrderId,
        day: Option<NaiveDate>,
        good: i64,
        scrap: i64,
    ) -> Result<ProductionOrder, ProductionError> {
        let reporter = actor.subject.clone();
        let day = day.unwrap_or_else(|| self.today());
        self.change(
            key,
            id,
            Box::new(move |order, now| {
                order.report_output(
                    OutputReport {
                        day,
                        good,
                        scrap,
                        reported_by: reporter.clone(),
                        at: now,
                    },
                    now,
                )?;
                let detail = format!(
                    "output {day}: {good} good, {scrap} scrap; {} of {} {} made",
                    order.good(),
                    order.demand.quantity,
                    order.demand.sku
                );
                Ok(vec![events::order(
                    order,
                    "order.output_reported",
                    None,
                    detail,
                    &reporter,
                    now,
                )])
            }),
        )
        .await
    }

    /// PRD-4: an in-process inspection.
    pub async fn record_in_process_inspection(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &ProductionOrderId,
        passed: bool,
        quantity: i64,
        note: String,
    ) -> Result<ProductionOrder, ProductionError> {
        let inspector = actor.subject.clone();
        self.update(key, id, move |order, now| {
            order.record_in_process_inspection(
                Inspection {
                    kind: InspectionKind::InProcess,
                    passed,
                    inspector,
                    note,
                    at: now,
                    quantity,
                    lot_id: String::new(),
                },
                now,
            )
        })
        .await
    }

    /// PRD-4: good pieces to final QA as a lot.
    pub async fn submit_lot(
        &self,
        key: Option<&RequestKey>,
        id: &ProductionOrderId,
        quantity: i64,
    ) -> Result<ProductionOrder, ProductionError> {
        self.update(key, id, move |order, now| order.submit_lot(quantity, now))
            .await
    }

    /// PRD-4, PRD-5: final QA. A passed lot is published for inventory to
    /// receive into finished goods (`production.lot.passed`); a failed one
    /// goes to rework with the reason. Nothing failed reaches the warehouse.
    pub async fn inspect_lot(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &ProductionOrderId,
        lot_id: String,
        passed: bool,
        note: String,
    ) -> Result<ProductionOrder, ProductionError> {
        let inspector = actor.subject.clone();
        self.change(
            key,
            id,
            Box::new(move |order, now| {
                let lot = order.inspect_lot(&lot_id, passed, &inspector, &note, now)?;
                let mut published = Vec::new();
                if passed {
                    let detail = format!(
                        "QA passed {} {} (lot {}); {} of {} into {}",
                        lot.quantity,
                        order.demand.sku,
                        lot.id,
                        order.passed(),
                        order.demand.quantity,
                        order.demand.warehouse
                    );
                    published.push(events::order(
                        order,
                        "lot.passed",
                        Some(&lot),
                        detail,
                        &inspector,
                        now,
                    ));
                } else {
                    let detail = format!(
                        "QA failed {} {} (lot {}), to rework: {note}",
                        lot.quantity, order.demand.sku, lot.id
                    );
                    published.push(events::order(
                        order,
                        "lot.rework",
                        Some(&lot),
                        detail,
                        &inspector,
                        now,
                    ));
                }
                if order.state == State::Completed {
                    let detail = format!(
                        "production of {} {} completed",
                        order.demand.quantity, order.demand.sku
                    );
                    published.push(events::order(
                        order,
                        "order.completed",
                        None,
                        detail,
                        &inspector,
                        now,
                    ));
                }
                Ok(published)
            }),
        )
        .await
    }

    /// PRD-4: a reworked lot goes back to QA.
    pub async fn complete_rework(
        &self,
        key: Option<&RequestKey>,
        id: &ProductionOrderId,
        lot_id: String,
    ) -> Result<ProductionOrder, ProductionError> {
        self.update(key, id, move |order, now| {
            order.complete_rework(&lot_id, now)
        })
        .await
    }
}
