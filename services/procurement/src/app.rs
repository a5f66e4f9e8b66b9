//! The use cases of the procurement service: one write transaction each,
//! with the change and its events.
//!
//! - here: suppliers (PRC-1) and requisitions (PRC-2, INV-9);
//! - [`purchasing`]: quotes, the selection and the contract (PRC-3,
//!   APR-9), sending and follow-up (PRC-4), receiving and IQC (PRC-5).
//! - [`outsourcing`]: outsourced operations (PRC-6).

pub mod fabric;
pub mod outsourcing;
pub mod purchasing;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use orderflow_platform::base::AppBase;
use orderflow_platform::db::idempotency::{self, Claim, RequestKey};
use sea_orm::ConnectionTrait;

use crate::domain::requisition::{Requisition, RequisitionId, RequisitionState, Source};
use crate::domain::supplier::{Supplier, SupplierStatus};
use crate::domain::{Actor, ProcurementError};
use crate::events;
use crate::store::records;

#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub time_zone: Tz,
    /// PRC-3: quotes are compared in this currency.
    pub base_currency: orderflow_platform::money::Currency,
}

#[derive(Debug, Clone)]
pub struct Procurement {
    base: AppBase,
    settings: Settings,
}

/// A material needed, as a requisition takes it.
#[derive(Debug, Clone)]
pub struct Need {
    pub sku: String,
    pub quantity: i64,
    pub need_by: NaiveDate,
    pub source: Source,
}

impl Procurement {
    pub fn new(base: AppBase, settings: Settings) -> Self {
        Self { base, settings }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.base.now()
    }

    pub fn today(&self) -> NaiveDate {
        self.base.today(&self.settings.time_zone)
    }

    // ------------------------------------------------------------ suppliers

    /// PRC-1: a new supplier, a candidate until reviewed.
    pub async fn create_supplier(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        supplier: Supplier,
    ) -> Result<Supplier, ProcurementError> {
        let transaction = self.base.database.begin_write().await?;
        if let Claim::Replay(code) = idempotency::claim(&*transaction, key, self.now()).await? {
            drop(transaction);
            return self.supplier(&code).await;
        }
        if !records::insert_supplier(&*transaction, &supplier).await? {
            return Err(ProcurementError::already_exists("supplier", supplier.code));
        }
        self.base
            .enqueue(
                &*transaction,
                events::supplier(&supplier, "created", &actor.subject, self.now()),
            )
            .await?;
        idempotency::complete(&*transaction, key, &supplier.code).await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(supplier)
    }

    pub async fn supplier(&self, code: &str) -> Result<Supplier, ProcurementError> {
        records::supplier(self.base.database.connection(), code, false)
            .await?
            .ok_or_else(|| ProcurementError::not_found("supplier", code))
    }

    pub async fn suppliers(
        &self,
        status: Option<SupplierStatus>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Supplier>, ProcurementError> {
        records::suppliers(self.base.database.connection(), status, after, limit).await
    }

    /// PRC-1: the supplier evaluation review approves or suspends.
    pub async fn review_supplier(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        code: &str,
        status: SupplierStatus,
        note: &str,
    ) -> Result<Supplier, ProcurementError> {
        let transaction = self.base.database.begin_write().await?;
        let now = self.now();
        if let Claim::Replay(_) = idempotency::claim(&*transaction, key, now).await? {
            drop(transaction);
            return self.supplier(code).await;
        }
        let mut supplier = records::supplier(&*transaction, code, true)
            .await?
            .ok_or_else(|| ProcurementError::not_found("supplier", code))?;
        supplier.review(status, note, now)?;
        records::save_supplier(&*transaction, &supplier).await?;
        self.base
            .enqueue(
                &*transaction,
                events::supplier(&supplier, status.as_str(), &actor.subject, now),
            )
            .await?;
        idempotency::complete(&*transaction, key, code).await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(supplier)
    }

    // --------------------------------------------------------- requisitions

    /// PRC-2, INV-9: a need goes into the open requisition of its material
    /// and day, or a new one; a source already taken changes nothing.
    /// Returns the requisition, and whether anything changed.
    pub async fn need<C: ConnectionTrait>(
        &self,
        connection: &C,
        need: Need,
    ) -> Result<(Requisition, bool), ProcurementError> {
        let now = self.now();
        let source_key = need.source.key(&need.sku);
        let requisition =
            match records::open_requisition(connection, &need.sku, need.need_by).await? {
                Some(mut open) => {
                    if !records::claim_source(connection, &source_key, &open.id).await? {
                        return Ok((open, false));
                    }
                    open.merge(need.source, now);
                    open
                }
                None => {
                    let fresh = Requisition::new(&need.sku, need.need_by, need.source, now);
                    if !records::claim_source(connection, &source_key, &fresh.id).await? {
                        return Ok((fresh, false));
                    }
                    fresh
                }
            };
        records::save_requisition(connection, &requisition).await?;
        tracing::info!(sku = %requisition.sku, quantity = requisition.quantity, "requisition raised");
        Ok((requisition, true))
    }

    /// PRC-2: a requisition by hand.
    pub async fn create_requisition(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        sku: String,
        quantity: i64,
        need_by: NaiveDate,
        reason: String,
    ) -> Result<Requisition, ProcurementError> {
        let transaction = self.base.database.begin_write().await?;
        if let Claim::Replay(id) = idempotency::claim(&*transaction, key, self.now()).await? {
            drop(transaction);
            return self.requisition(&id).await;
        }
        let reference = key.map_or_else(
            || RequisitionId::new().to_string(),
            |key| format!("{}/{}", actor.subject, key.request_id()),
        );
        let (requisition, _) = self
            .need(
                &*transaction,
                Need {
                    sku,
                    quantity,
                    need_by,
                    source: Source {
                        kind: "manual".to_owned(),
                        reference: format!("{reference}: {reason}"),
                        quantity,
                        order_number: String::new(),
                    },
                },
            )
            .await?;
        idempotency::complete(&*transaction, key, &requisition.id).await?;
        transaction.commit().await?;
        Ok(requisition)
    }

    pub async fn requisition(&self, id: &str) -> Result<Requisition, ProcurementError> {
        records::requisition(self.base.database.connection(), id, false)
            .await?
            .ok_or_else(|| ProcurementError::not_found("requisition", id))
    }

    pub async fn requisitions(
        &self,
        state: Option<RequisitionState>,
        sku: Option<&str>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Requisition>, ProcurementError> {
        records::requisitions(self.base.database.connection(), state, sku, after, limit).await
    }
}
