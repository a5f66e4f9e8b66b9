//! Outsourcing (PRC-6, PRD-8, APR-9): production's outsourced operations
//! given to approved vendors under an approved contract, sent, and their
//! returned work inspected — production is told the verdict.

use chrono::{DateTime, Utc};
use orderflow_platform::db::document;
use orderflow_platform::db::idempotency::RequestKey;
use orderflow_platform::money::Money;
use sea_orm::ConnectionTrait;

use super::Procurement;
use crate::domain::outsourcing::{Demand, Outsourcing, OutsourcingId, OutsourcingState};
use crate::domain::{Actor, ProcurementError};
use crate::events;
use crate::store::records;

/// One step of an outsourcing order's life and the events (subject,
/// detail) it publishes.
type Step<'a> = Box<
    dyn FnOnce(
            &mut Outsourcing,
            DateTime<Utc>,
        ) -> Result<Vec<(&'static str, String)>, ProcurementError>
        + Send
        + 'a,
>;

impl Procurement {
    async fn change_outsourcing(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &OutsourcingId,
        step: Step<'_>,
    ) -> Result<Outsourcing, ProcurementError> {
        let now = self.now();
        document::change(self.base.change(key), id, step, |order, published| {
            published
                .into_iter()
                .map(|(subject, detail)| {
                    events::outsourcing(order, subject, detail, &actor.subject, now)
                })
                .collect()
        })
        .await
    }

    pub async fn outsourcing_order(
        &self,
        id: &OutsourcingId,
    ) -> Result<Outsourcing, ProcurementError> {
        records::outsourcing(self.base.database.connection(), id, false)
            .await?
            .ok_or_else(|| ProcurementError::not_found("outsourcing order", id.as_str()))
    }

    pub async fn outsourcing_orders(
        &self,
        state: Option<OutsourcingState>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Outsourcing>, ProcurementError> {
        records::outsourcings(self.base.database.connection(), state, after, limit).await
    }

    /// PRC-6: production's outsourced operation, once per (production
    /// order, operation).
    pub async fn outsourcing_requested<C: ConnectionTrait>(
        &self,
        connection: &C,
        demand: Demand,
        actor: &str,
    ) -> Result<(), ProcurementError> {
        let now = self.now();
        let order = Outsourcing::requested(demand, now);
        if records::insert_outsourcing(connection, &order).await? {
            self.base
                .enqueue(
                    connection,
                    events::outsourcing(
                        &order,
                        "outsourcing.requested",
                        format!("{} of {}", order.demand.operation, order.demand.sku),
                        actor,
                        now,
                    ),
                )
                .await?;
        }
        Ok(())
    }

    /// PRC-6, PRC-1: an approved vendor at a price; the contract is filed
    /// with the approvals service from the `assigned` event (APR-9).
    pub async fn assign_outsourcing_vendor(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &OutsourcingId,
        vendor_code: &str,
        unit_price: Money,
    ) -> Result<Outsourcing, ProcurementError> {
        let vendor = records::supplier(self.base.database.connection(), vendor_code, false)
            .await?
            .ok_or_else(|| {
                ProcurementError::invalid("vendor_code", format!("no supplier {vendor_code}"))
            })?;
        vendor.may_receive_orders()?;
        let code = vendor.code.clone();
        self.change_outsourcing(
            actor,
            key,
            id,
            Box::new(move |order, now| {
                order.assign(&code, unit_price, now)?;
                Ok(vec![(
                    "outsourcing.assigned",
                    format!("to {code} at {unit_price}"),
                )])
            }),
        )
        .await
    }

    /// The approvals service took the outsourcing contract.
    pub async fn outsourcing_contract_filed<C: ConnectionTrait>(
        &self,
        connection: &C,
        id: &str,
        approval_request_id: &str,
    ) -> Result<(), ProcurementError> {
        let Some(mut order) = records::outsourcing(connection, id, true).await? else {
            return Ok(());
        };
        order.approval_request_id = Some(approval_request_id.to_owned());
        records::save_outsourcing(connection, &order).await
    }

    /// APR-9: the outsourcing contract's decision.
    pub async fn outsourcing_contract_decided<C: ConnectionTrait>(
        &self,
        connection: &C,
        id: &str,
        approved: bool,
        note: &str,
        actor: &str,
    ) -> Result<(), ProcurementError> {
        let Some(mut order) = records::outsourcing(connection, id, true).await? else {
            tracing::warn!(outsourcing = %id, "a contract decision for an unknown outsourcing order");
            return Ok(());
        };
        let now = self.now();
        if !order.decided(approved, note, now) {
            return Ok(());
        }
        records::save_outsourcing(connection, &order).await?;
        let (subject, detail) = if approved {
            ("outsourcing.approved", "contract approved".to_owned())
        } else {
            ("outsourcing.rejected", format!("contract rejected: {note}"))
        };
        self.base
            .enqueue(
                connection,
                events::outsourcing(&order, subject, detail, actor, now),
            )
            .await?;
        Ok(())
    }

    /// PRC-6: the parts go out to the vendor (after approval only).
    pub async fn send_outsourcing(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &OutsourcingId,
    ) -> Result<Outsourcing, ProcurementError> {
        self.change_outsourcing(
            actor,
            key,
            id,
            Box::new(|order, now| {
                order.send(now)?;
                Ok(vec![("outsourcing.sent", String::new())])
            }),
        )
        .await
    }

    /// PRC-6, PRD-8: the incoming inspection of the returned work;
    /// production applies it to its order from the `inspected` event.
    pub async fn record_outsourcing_return(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &OutsourcingId,
        passed: bool,
        note: String,
    ) -> Result<Outsourcing, ProcurementError> {
        let inspector = actor.subject.clone();
        self.change_outsourcing(
            actor,
            key,
            id,
            Box::new(move |order, now| {
                order.inspect_return(passed, &inspector, &note, now)?;
                let verdict = if passed { "passed" } else { "failed" };
                Ok(vec![(
                    "outsourcing.inspected",
                    format!("returned work {verdict}. {note}").trim().to_owned(),
                )])
            }),
        )
        .await
    }
}
