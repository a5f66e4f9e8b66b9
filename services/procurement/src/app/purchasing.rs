//! Quotes, the selection and the contract (PRC-3, APR-9), sending and
//! follow-up (PRC-4, PRC-8), receiving and IQC (PRC-5), late orders.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use orderflow_platform::db::document;
use orderflow_platform::db::idempotency::{self, Claim, RequestKey};
use orderflow_platform::money::Money;
use orderflow_platform::money::rates::Rate;
use sea_orm::ConnectionTrait;

use super::Procurement;
use crate::domain::purchase::{Draft, DraftLine, LineNo, PoState, PurchaseOrder, PurchaseOrderId};
use crate::domain::requisition::{Quote, Requisition};
use crate::domain::supplier::SupplierStatus;
use crate::domain::{Actor, ProcurementError};
use crate::events;
use crate::store::records;

/// One step of a purchase order's life and the events it publishes.
type Step<'a> = Box<
    dyn FnOnce(&mut PurchaseOrder, DateTime<Utc>) -> Result<Vec<events::Outgoing>, ProcurementError>
        + Send
        + 'a,
>;

/// A supplier's offer for a requisition (PRC-3).
#[derive(Debug, Clone)]
pub struct Offer {
    pub supplier_code: String,
    pub unit_price: Money,
    /// Into the base currency, for a price in another one.
    pub exchange_rate: Option<Rate>,
    pub lead_days: i32,
}

/// IQC's verdict on one arrival (PRC-5).
#[derive(Debug, Clone)]
pub struct Iqc {
    pub receipt_id: String,
    pub accepted: i64,
    pub rejected: i64,
    pub defects: String,
}

impl Procurement {
    /// Applies `step` to the purchase order in one transaction, once per
    /// request key.
    async fn change(
        &self,
        key: Option<&RequestKey>,
        id: &PurchaseOrderId,
        step: Step<'_>,
    ) -> Result<PurchaseOrder, ProcurementError> {
        let now = self.now();
        document::change(self.base.change(key), id, step, |order, published| {
            published
                .into_iter()
                .map(|event| event.build(order, now))
                .collect()
        })
        .await
    }

    pub async fn purchase_order(
        &self,
        id: &PurchaseOrderId,
    ) -> Result<PurchaseOrder, ProcurementError> {
        records::order(self.base.database.connection(), id, false)
            .await?
            .ok_or_else(|| ProcurementError::not_found("purchase order", id.as_str()))
    }

    pub async fn purchase_orders(
        &self,
        state: Option<PoState>,
        supplier_code: Option<&str>,
        late_only: bool,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<PurchaseOrder>, ProcurementError> {
        records::orders(
            self.base.database.connection(),
            state,
            supplier_code,
            late_only,
            after,
            limit,
        )
        .await
    }

    /// PRC-3: a supplier's quote for a requisition, comparable in the base
    /// currency (a price in another one needs its rate).
    pub async fn record_quote(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        requisition_id: &str,
        offer: Offer,
    ) -> Result<Requisition, ProcurementError> {
        let Offer {
            supplier_code,
            unit_price,
            exchange_rate,
            lead_days,
        } = offer;
        let supplier_code = supplier_code.as_str();
        let transaction = self.base.database.begin_write().await?;
        let now = self.now();
        if let Claim::Replay(_) = idempotency::claim(&*transaction, key, now).await? {
            drop(transaction);
            return self.requisition(requisition_id).await;
        }
        if records::supplier(&*transaction, supplier_code, false)
            .await?
            .is_none()
        {
            return Err(ProcurementError::invalid(
                "supplier_code",
                format!("no supplier {supplier_code}"),
            ));
        }
        let mut requisition = records::requisition(&*transaction, requisition_id, true)
            .await?
            .ok_or_else(|| ProcurementError::not_found("requisition", requisition_id))?;
        let quote = Quote::priced(
            supplier_code,
            unit_price,
            exchange_rate,
            self.settings.base_currency,
            lead_days,
            &actor.subject,
            now,
        )?;
        requisition.record_quote(quote, now)?;
        records::save_requisition(&*transaction, &requisition).await?;
        idempotency::complete(&*transaction, key, requisition_id).await?;
        transaction.commit().await?;
        Ok(requisition)
    }

    /// PRC-3: requests for quotation to several approved suppliers, due
    /// by `respond_by`; each is announced for the mailer.
    pub async fn request_quotations(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        requisition_id: &str,
        suppliers: Vec<String>,
        respond_by: NaiveDate,
    ) -> Result<Requisition, ProcurementError> {
        if respond_by < self.today() {
            return Err(ProcurementError::invalid(
                "respond_by",
                "must be today or later",
            ));
        }
        let transaction = self.base.database.begin_write().await?;
        let now = self.now();
        if let Claim::Replay(_) = idempotency::claim(&*transaction, key, now).await? {
            drop(transaction);
            return self.requisition(requisition_id).await;
        }
        for (index, code) in suppliers.iter().enumerate() {
            match records::supplier(&*transaction, code, false).await? {
                None => {
                    return Err(ProcurementError::invalid(
                        format!("supplier_codes[{index}]"),
                        format!("no supplier {code}"),
                    ));
                }
                Some(supplier) if supplier.status != SupplierStatus::Approved => {
                    return Err(ProcurementError::invalid(
                        format!("supplier_codes[{index}]"),
                        format!(
                            "{code} is {}: only approved suppliers are asked (PRC-1)",
                            supplier.status.as_str()
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        let mut requisition = records::requisition(&*transaction, requisition_id, true)
            .await?
            .ok_or_else(|| ProcurementError::not_found("requisition", requisition_id))?;
        let sent = requisition.invite(&suppliers, respond_by, &actor.subject, now)?;
        records::save_requisition(&*transaction, &requisition).await?;
        for invitation in &sent {
            self.base
                .enqueue(
                    &*transaction,
                    events::rfq(
                        &requisition,
                        &invitation.supplier_code,
                        respond_by,
                        &actor.subject,
                        now,
                    ),
                )
                .await?;
        }
        idempotency::complete(&*transaction, key, requisition_id).await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(requisition)
    }

    /// PRC-3, PRC-1: the selection drafts one purchase order for the
    /// requisitions chosen from one supplier — an approved supplier only,
    /// each requisition open and quoted by it, a reason where its quote is
    /// not the cheapest — and its contract goes to the approvals service
    /// (from `procurement.purchase_order.created`, APR-9).
    pub async fn select_supplier(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        requisition_ids: &[String],
        supplier_code: &str,
        reason: &str,
    ) -> Result<PurchaseOrder, ProcurementError> {
        let transaction = self.base.database.begin_write().await?;
        let now = self.now();
        if let Claim::Replay(id) = idempotency::claim(&*transaction, key, now).await? {
            drop(transaction);
            return self.purchase_order(&PurchaseOrderId::from_stored(id)).await;
        }
        let supplier = records::supplier(&*transaction, supplier_code, true)
            .await?
            .ok_or_else(|| ProcurementError::not_found("supplier", supplier_code))?;
        supplier.may_receive_orders()?;
        // Locked in one order (by id) whatever order they were named in, so
        // two overlapping selections never wait on each other in a circle.
        let mut locked = BTreeMap::new();
        let mut by_id: Vec<&String> = requisition_ids.iter().collect();
        by_id.sort();
        for requisition_id in by_id {
            let requisition = records::requisition(&*transaction, requisition_id, true)
                .await?
                .ok_or_else(|| ProcurementError::not_found("requisition", requisition_id))?;
            locked.insert(requisition_id.clone(), requisition);
        }
        let mut chosen = Vec::with_capacity(requisition_ids.len());
        let mut lines = Vec::with_capacity(requisition_ids.len());
        for requisition_id in requisition_ids {
            let Some(requisition) = locked.remove(requisition_id) else {
                continue;
            };
            let quote = requisition.select(supplier_code, reason)?;
            let cheapest = requisition
                .cheapest()
                .map_or(quote.comparable(), |cheapest| cheapest.comparable());
            lines.push(DraftLine {
                requisition_id: requisition.id.to_string(),
                sku: requisition.sku.clone(),
                quantity: requisition.quantity,
                unit_price: quote.unit_price,
                need_by: requisition.need_by,
                quoted_base: quote.comparable(),
                cheapest_base: cheapest,
            });
            chosen.push(requisition);
        }
        let order = PurchaseOrder::new(
            Draft {
                supplier_code: supplier_code.to_owned(),
                lines,
                selection_reason: reason.to_owned(),
            },
            now,
        )?;
        for mut requisition in chosen {
            requisition.ordered(&order.id, now);
            records::save_requisition(&*transaction, &requisition).await?;
        }
        records::save_order(&*transaction, &order).await?;
        let detail = format!(
            "{} from {}, {} in all; contract to approval (APR-9)",
            order
                .lines
                .iter()
                .map(|line| format!("{} × {} at {}", line.quantity, line.sku, line.unit_price))
                .collect::<Vec<_>>()
                .join(", "),
            order.supplier_code,
            order
                .total()
                .map(|total| total.to_string())
                .unwrap_or_default()
        );
        self.base
            .enqueue(
                &*transaction,
                events::order(
                    &order,
                    "purchase_order.created",
                    None,
                    detail,
                    &actor.subject,
                    now,
                ),
            )
            .await?;
        idempotency::complete(&*transaction, key, &order.id).await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(order)
    }

    /// APR-9: the contract was filed with the approvals service.
    pub async fn contract_filed<C: ConnectionTrait>(
        &self,
        connection: &C,
        id: &str,
        approval_request_id: &str,
    ) -> Result<(), ProcurementError> {
        let Some(mut order) = records::order(connection, id, true).await? else {
            return Ok(());
        };
        if order.approval_request_id.is_empty() {
            order.approval_request_id = approval_request_id.to_owned();
            order.updated_at = self.now();
            records::save_order(connection, &order).await?;
        }
        Ok(())
    }

    /// APR-9: the contract's decision; a repeated report changes nothing.
    pub async fn contract_decided<C: ConnectionTrait>(
        &self,
        connection: &C,
        id: &str,
        approved: bool,
        note: &str,
        actor: &str,
    ) -> Result<(), ProcurementError> {
        let Some(mut order) = records::order(connection, id, true).await? else {
            tracing::warn!(purchase_order = %id, "a contract decision for an unknown order");
            return Ok(());
        };
        if order.state != PoState::PendingApproval {
            return Ok(());
        }
        let now = self.now();
        order.decided(approved, note, now)?;
        records::save_order(connection, &order).await?;
        // PRC-1: an approved order counts in the supplier's price score,
        // once; a rejected one never does.
        if approved
            && let Some(mut supplier) =
                records::supplier(connection, &order.supplier_code, true).await?
        {
            for line in &order.lines {
                supplier.record_order(line.quoted_base, line.cheapest_base, line.quantity, now);
            }
            records::save_supplier(connection, &supplier).await?;
        }
        if !approved {
            // The material is still to buy: its requisitions open again.
            for line in &order.lines {
                if let Some(mut requisition) =
                    records::requisition(connection, &line.requisition_id, true).await?
                    && requisition.reopen(&order.id, now)
                {
                    records::save_requisition(connection, &requisition).await?;
                }
            }
        }
        let (subject, detail) = if approved {
            ("purchase_order.approved", "contract approved".to_owned())
        } else {
            (
                "purchase_order.rejected",
                format!("contract rejected: {note}"),
            )
        };
        self.base
            .enqueue(
                connection,
                events::order(&order, subject, None, detail, actor, now),
            )
            .await?;
        Ok(())
    }

    /// PRC-4: sent to an approved supplier with its promised date.
    pub async fn send(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &PurchaseOrderId,
        promised: NaiveDate,
        per_line: BTreeMap<LineNo, NaiveDate>,
    ) -> Result<PurchaseOrder, ProcurementError> {
        let supplier = self.purchase_order(id).await?.supplier_code;
        self.supplier(&supplier).await?.may_receive_orders()?;
        let sender = actor.subject.clone();
        self.change(
            key,
            id,
            Box::new(move |order, now| {
                order.send(promised, &per_line, now)?;
                Ok(vec![events::Outgoing::new(
                    "purchase_order.sent",
                    format!("sent; {promised} promised"),
                    &sender,
                )])
            }),
        )
        .await
    }

    /// PRC-4, PRC-8: a follow-up note, perhaps a new promise for a line
    /// or for every line with goods to come.
    pub async fn follow_up(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &PurchaseOrderId,
        note: String,
        promised: Option<NaiveDate>,
        line: Option<LineNo>,
    ) -> Result<PurchaseOrder, ProcurementError> {
        let by = actor.subject.clone();
        self.change(
            key,
            id,
            Box::new(move |order, now| {
                order.follow_up(&note, promised, line, &by, now)?;
                Ok(Vec::new())
            }),
        )
        .await
    }

    /// PRC-5: the warehouse's first check of an arrival against a line.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_arrival(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &PurchaseOrderId,
        line: Option<LineNo>,
        quantity: i64,
        packaging_ok: bool,
        note: String,
    ) -> Result<PurchaseOrder, ProcurementError> {
        let by = actor.subject.clone();
        let today = self.today();
        self.change(
            key,
            id,
            Box::new(move |order, now| {
                order.record_arrival(line, quantity, packaging_ok, &note, &by, today, now)?;
                Ok(Vec::new())
            }),
        )
        .await
    }

    /// PRC-5: IQC. The accepted part may then be booked into the materials
    /// warehouse (inventory learns it from `procurement.receipt.inspected`);
    /// the rejected part goes back with a return note. The supplier's score
    /// is computed again in the same transaction.
    pub async fn record_iqc(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &PurchaseOrderId,
        verdict: Iqc,
    ) -> Result<PurchaseOrder, ProcurementError> {
        let Iqc {
            receipt_id,
            accepted,
            rejected,
            defects,
        } = verdict;
        let inspector = actor.subject.clone();
        // One transaction: the verdict, its events and the supplier's new
        // score (PRC-1), so a score never misses or repeats a receipt.
        let transaction = self.base.database.begin_write().await?;
        let now = self.now();
        if let Claim::Replay(_) = idempotency::claim(&*transaction, key, now).await? {
            drop(transaction);
            return self.purchase_order(id).await;
        }
        let mut order = records::order(&*transaction, id, true)
            .await?
            .ok_or_else(|| ProcurementError::not_found("purchase order", id.as_str()))?;
        let receipt =
            order.record_iqc(&receipt_id, accepted, rejected, &defects, &inspector, now)?;
        let mut detail = format!("IQC: {accepted} accepted, {rejected} rejected");
        if !receipt.return_note.is_empty() {
            detail.push_str(&format!(
                " (return note {}: {defects})",
                receipt.return_note
            ));
        }
        let mut published = vec![events::Outgoing::receipt(
            "receipt.inspected",
            detail,
            &inspector,
            receipt.clone(),
        )];
        if order.state == PoState::Received {
            published.push(events::Outgoing::new(
                "purchase_order.received",
                "everything ordered arrived and passed IQC".to_owned(),
                &inspector,
            ));
        }
        records::save_order(&*transaction, &order).await?;
        for event in published {
            self.base
                .enqueue(&*transaction, event.build(&order, now))
                .await?;
        }
        if let Some(mut supplier) =
            records::supplier(&*transaction, &order.supplier_code, true).await?
        {
            supplier.record_receipt(receipt.quantity, receipt.accepted, receipt.on_time, now);
            records::save_supplier(&*transaction, &supplier).await?;
            self.base
                .enqueue(
                    &*transaction,
                    events::supplier(&supplier, "scored", "procurement", now),
                )
                .await?;
        }
        idempotency::complete(&*transaction, key, id).await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(order)
    }

    /// PRC-4: sent orders past their promised date with goods to come,
    /// flagged and announced once each (list, event, metric).
    pub async fn sweep(&self) -> Result<usize, ProcurementError> {
        let transaction = self.base.database.begin_write().await?;
        let now = self.now();
        let today = self.today();
        let mut flagged = 0;
        for mut order in records::overdue_orders(&*transaction, today, 500).await? {
            let late = order.flag_late(today, now);
            // Saved either way: the stored next-due day is then the next
            // promise that can still be missed, so an order is looked at
            // again only when it is due.
            records::save_order(&*transaction, &order).await?;
            if late.is_empty() {
                continue;
            }
            for number in late {
                let Some(line) = order.lines.iter().find(|line| line.line == number) else {
                    continue;
                };
                let detail = format!(
                    "late: line {number}, {} × {} from {}, promised by {}; {} received",
                    line.quantity,
                    line.sku,
                    order.supplier_code,
                    line.promised_date
                        .map(|day| day.to_string())
                        .unwrap_or_default(),
                    order.received_on(number)
                );
                self.base
                    .enqueue(
                        &*transaction,
                        events::order(
                            &order,
                            "purchase_order.late",
                            None,
                            detail,
                            "procurement",
                            now,
                        ),
                    )
                    .await?;
                orderflow_platform::metrics::sla_breached("procurement", "PRC-4");
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
