//! Summaries (PRD-9) and closing (PRD-12).

use chrono::NaiveDate;
use orderflow_platform::db::idempotency::RequestKey;

use super::Production;
use crate::domain::order::{Closing, DocumentChange, ProductionOrder, ProductionOrderId};
use crate::domain::summary::{self, Output, Summary};
use crate::domain::{Actor, ProductionError};
use crate::events;
use crate::store::records;

/// Production orders a period summary reads at the most.
const PERIOD_LIMIT: u64 = 10_000;

impl Production {
    /// PRD-9: one production order against its approved plan.
    pub async fn summary(
        &self,
        id: &ProductionOrderId,
    ) -> Result<(ProductionOrder, Summary), ProductionError> {
        let order = self.production_order(id).await?;
        let plans = self.approved_plans().await?;
        let summary = summary::of_order(&order, plans.get(order.id.as_str()));
        Ok((order, summary))
    }

    /// PRD-9: a period, in all and per SKU.
    pub async fn period_summary(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<(Output, std::collections::BTreeMap<String, Output>), ProductionError> {
        let orders = records::list_orders(
            self.base.database.connection(),
            None,
            &[],
            records::Overdue::Any,
            None,
            PERIOD_LIMIT,
        )
        .await?;
        let mut plans = self.approved_plans().await?;
        let with_plans: Vec<_> = orders
            .into_iter()
            .map(|order| {
                let plan = plans.remove(order.id.as_str());
                (order, plan)
            })
            .collect();
        Ok(summary::of_period(&with_plans, from, to))
    }

    /// PRD-12: a completed production order closed with its summary.
    pub async fn close(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &ProductionOrderId,
        process_summary: String,
        quality_summary: String,
        changes: Vec<(String, String)>,
    ) -> Result<ProductionOrder, ProductionError> {
        let closer = actor.subject.clone();
        self.change(
            key,
            id,
            Box::new(move |order, now| {
                let proposed = changes.len();
                order.close(
                    Closing {
                        process_summary,
                        quality_summary,
                        document_changes: changes
                            .into_iter()
                            .map(|(document, change)| DocumentChange {
                                document,
                                change,
                                status: "proposed".to_owned(),
                                reviewed_by: String::new(),
                                comment: String::new(),
                            })
                            .collect(),
                        closed_by: closer.clone(),
                        closed_at: now,
                    },
                    now,
                )?;
                let detail = format!(
                    "production of {} {} closed with its process and quality summary ({proposed} document changes proposed)",
                    order.demand.quantity, order.demand.sku
                );
                Ok(vec![events::order(
                    order,
                    "order.closed",
                    None,
                    detail,
                    &closer,
                    now,
                )])
            }),
        )
        .await
    }

    /// PRD-12: a proposed document change archived or rejected.
    pub async fn review_document_change(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &ProductionOrderId,
        index: usize,
        approve: bool,
        comment: String,
    ) -> Result<ProductionOrder, ProductionError> {
        let reviewer = actor.subject.clone();
        self.update(key, id, move |order, now| {
            order.review_document_change(index, approve, &reviewer, &comment, now)
        })
        .await
    }
}
