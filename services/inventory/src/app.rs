//! The use cases of the inventory service: one write transaction each, with
//! the change, its movements and its events.
//!
//! `picking`: pick lists and the goods leaving (INV-5); [`production`]: what production's events move (finished lots in,
//! materials of a stopped production order back); [`purchasing`]: the
//! receipts procurement's IQC passed.

mod picking;
pub mod production;
pub mod purchasing;

use orderflow_platform::base::AppBase;
use orderflow_platform::ids::OrderId;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use orderflow_platform::db::idempotency::{self, RequestKey};
use sea_orm::ConnectionTrait;

use crate::domain::item::{Component, Item, Kit};
use crate::domain::reservation::{Reservation, ReservationState};
pub use crate::domain::stock::Receipt;
use crate::domain::stock::{Line, QUARANTINE, Reason};
use crate::domain::{Actor, InventoryError};
use crate::events;
use crate::store::records::{self, WorkContactSheet};
use crate::store::stock::{self, Level, Movement, StockRow};

#[derive(Debug, Clone)]
pub struct Inventory {
    base: AppBase,
}

/// Goods moving in or out of a warehouse for a reference (a production or
/// purchase order, a return).
#[derive(Debug, Clone)]
pub struct Goods {
    pub warehouse: String,
    pub lines: Vec<Line>,
    pub reference: String,
}

/// Where inbound goods come from (INV-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// After QA.
    Production,
    /// After IQC.
    Purchase,
}

impl Inventory {
    pub fn new(base: AppBase) -> Self {
        Self { base }
    }

    /// Now, to the microsecond: what the databases keep, so that a value
    /// returned at once equals the same value read back later.
    pub fn now(&self) -> DateTime<Utc> {
        self.base.now()
    }

    // ------------------------------------------------------- items & kits

    pub async fn create_item(
        &self,
        key: Option<&RequestKey>,
        item: Item,
    ) -> Result<Item, InventoryError> {
        let transaction = self.base.database.begin_write().await?;
        if let Some(sku) = idempotency::first_result(&*transaction, key, self.now()).await? {
            return records::item(&*transaction, &sku)
                .await?
                .ok_or_else(|| InventoryError::not_found("item", sku));
        }
        idempotency::complete(&*transaction, key, &item.sku).await?;
        if !records::insert_item(&*transaction, &item).await? {
            let existing = records::item(&*transaction, &item.sku).await?;
            // The same item again is a retry; a different one is a conflict.
            return match existing {
                Some(existing)
                    if existing.name == item.name
                        && existing.unit == item.unit
                        && existing.weight_grams == item.weight_grams
                        && existing.bought == item.bought =>
                {
                    Ok(existing)
                }
                _ => Err(InventoryError::AlreadyExists {
                    resource: "item",
                    id: item.sku.clone(),
                }),
            };
        }
        transaction.commit().await?;
        Ok(item)
    }

    pub async fn item(&self, sku: &str) -> Result<Item, InventoryError> {
        records::item(self.base.database.connection(), sku)
            .await?
            .ok_or_else(|| InventoryError::not_found("item", sku))
    }

    pub async fn list_items(
        &self,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Item>, InventoryError> {
        records::list_items(self.base.database.connection(), after, limit).await
    }

    /// ORD-8: a kit, its weight computed from its components.
    pub async fn define_kit(
        &self,
        key: Option<&RequestKey>,
        sku: &str,
        name: &str,
        components: &[Component],
    ) -> Result<Kit, InventoryError> {
        let transaction = self.base.database.begin_write().await?;
        if let Some(sku) = idempotency::first_result(&*transaction, key, self.now()).await? {
            return records::kit(&*transaction, &sku)
                .await?
                .ok_or_else(|| InventoryError::not_found("kit", sku));
        }
        let skus: Vec<String> = components.iter().map(|c| c.sku.clone()).collect();
        let weights: BTreeMap<String, i64> = records::items(&*transaction, skus)
            .await?
            .into_iter()
            .map(|item| (item.sku, item.weight_grams))
            .collect();
        let kit = Kit::define(sku, name, components, &weights)?;
        if records::item(&*transaction, &kit.sku).await?.is_none() {
            let as_item = Item {
                sku: kit.sku.clone(),
                name: kit.name.clone(),
                unit: "set".to_owned(),
                weight_grams: kit.total_weight_grams,
                created_at: self.now(),
                bought: false,
            };
            records::insert_item(&*transaction, &as_item).await?;
        }
        records::save_kit(&*transaction, &kit).await?;
        idempotency::complete(&*transaction, key, &kit.sku).await?;
        transaction.commit().await?;
        Ok(kit)
    }

    /// ORD-8: a kit line's differences from the kit's definition.
    pub async fn check_kit(
        &self,
        kit_sku: &str,
        components: &[Component],
        weight_grams: i64,
    ) -> Result<(Kit, Vec<String>), InventoryError> {
        let kit = records::kit(self.base.database.connection(), kit_sku)
            .await?
            .ok_or_else(|| InventoryError::not_found("kit", kit_sku))?;
        let discrepancies = kit.discrepancies(components, weight_grams);
        Ok((kit, discrepancies))
    }

    // -------------------------------------------------------------- stock

    pub async fn level(&self, sku: &str, warehouse: &str) -> Result<Level, InventoryError> {
        stock::level(self.base.database.connection(), sku, warehouse).await
    }

    pub async fn list_stock(
        &self,
        warehouse: Option<&str>,
        sku: Option<&str>,
        after: Option<(&str, &str)>,
        limit: u64,
    ) -> Result<Vec<StockRow>, InventoryError> {
        stock::list(
            self.base.database.connection(),
            warehouse,
            sku,
            after,
            limit,
        )
        .await
    }

    /// ORD-5: what each line could take now, without reserving.
    pub async fn availability(
        &self,
        warehouse: &str,
        lines: &[Line],
    ) -> Result<Vec<(Line, i64)>, InventoryError> {
        let mut answers = Vec::with_capacity(lines.len());
        for line in lines {
            let level = stock::level(self.base.database.connection(), &line.sku, warehouse).await?;
            answers.push((line.clone(), level.available().max(0)));
        }
        Ok(answers)
    }

    pub async fn movements(
        &self,
        sku: Option<&str>,
        warehouse: Option<&str>,
        reference: Option<&str>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Movement>, InventoryError> {
        stock::movements(
            self.base.database.connection(),
            sku,
            warehouse,
            reference,
            after,
            limit,
        )
        .await
    }

    pub async fn ledger_total(&self, sku: &str, warehouse: &str) -> Result<i64, InventoryError> {
        stock::ledger_total(self.base.database.connection(), sku, warehouse).await
    }

    /// Moves stock and records the movement, in the caller's transaction.
    #[allow(clippy::too_many_arguments)]
    async fn move_stock<C: ConnectionTrait>(
        &self,
        connection: &C,
        batch: &str,
        line: &Line,
        warehouse: &str,
        delta: i64,
        consumed: i64,
        reason: Reason,
        reference: &str,
        note: &str,
        actor: &Actor,
    ) -> Result<Movement, InventoryError> {
        stock::ensure(connection, &line.sku, warehouse).await?;
        if !stock::change_on_hand(connection, &line.sku, warehouse, delta, consumed).await? {
            let level = stock::level(connection, &line.sku, warehouse).await?;
            return Err(InventoryError::precondition(
                "INSUFFICIENT_STOCK",
                format!("stock/{}/{warehouse}", line.sku),
                format!(
                    "{} in {warehouse}: {} on hand, {} reserved; cannot move {delta}",
                    line.sku, level.on_hand, level.reserved
                ),
            ));
        }
        let movement = Movement::new(
            batch,
            &line.sku,
            warehouse,
            delta,
            reason,
            reference,
            note,
            &actor.subject,
            self.now(),
        );
        stock::record(connection, &movement).await?;
        Ok(movement)
    }

    async fn require_items<C: ConnectionTrait>(
        &self,
        connection: &C,
        lines: &[Line],
    ) -> Result<(), InventoryError> {
        let skus: Vec<String> = lines.iter().map(|line| line.sku.clone()).collect();
        let known: Vec<String> = records::items(connection, skus)
            .await?
            .into_iter()
            .map(|item| item.sku)
            .collect();
        let unknown: Vec<orderflow_platform::FieldViolation> = lines
            .iter()
            .enumerate()
            .filter(|(_, line)| !known.contains(&line.sku))
            .map(|(index, _)| {
                orderflow_platform::FieldViolation::new(
                    format!("lines[{index}].sku"),
                    "no such item",
                )
            })
            .collect();
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(InventoryError::InvalidInput(unknown))
        }
    }

    /// INV-7: a counted correction.
    pub async fn adjust(
        &self,
        actor: &Actor,
        line: Line,
        warehouse: &str,
        note: &str,
        key: Option<RequestKey>,
    ) -> Result<Movement, InventoryError> {
        let transaction = self.base.database.begin_write().await?;
        if let Some(existing) =
            idempotency::first_result(&*transaction, key.as_ref(), self.now()).await?
        {
            return stock::movement(&*transaction, &existing)
                .await?
                .ok_or_else(|| InventoryError::not_found("movement", existing));
        }
        self.require_items(&*transaction, std::slice::from_ref(&line))
            .await?;
        let batch = uuid::Uuid::now_v7().to_string();
        let movement = self
            .move_stock(
                &*transaction,
                &batch,
                &line,
                warehouse,
                line.quantity,
                0,
                Reason::Adjustment,
                "adjustment",
                note,
                actor,
            )
            .await?;
        idempotency::complete(&*transaction, key.as_ref(), &movement.id).await?;
        self.base
            .enqueue(
                &*transaction,
                events::stock_moved(
                    std::slice::from_ref(&movement),
                    None,
                    &actor.subject,
                    self.now(),
                ),
            )
            .await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(movement)
    }

    // ------------------------------------------------------- reservations

    /// INV-3/INV-4: each line in full from what is available, or short;
    /// once per order.
    pub async fn reserve(
        &self,
        actor: &Actor,
        order_id: &OrderId,
        order_number: &str,
        warehouse: &str,
        lines: &[Line],
    ) -> Result<Reservation, InventoryError> {
        let transaction = self.base.database.begin_write().await?;
        let now = self.now();
        let mut reservation = Reservation::new(
            order_id.to_string(),
            order_number.to_owned(),
            warehouse.to_owned(),
            lines,
            now,
        );
        if !records::claim_reservation(&*transaction, &reservation).await? {
            drop(transaction);
            return self.reservation(order_id).await;
        }
        // INV-9: which short lines are traded goods (bought, not made).
        let bought: Vec<String> = records::items(
            &*transaction,
            reservation
                .lines
                .iter()
                .map(|line| line.sku.clone())
                .collect(),
        )
        .await?
        .into_iter()
        .filter(|item| item.bought)
        .map(|item| item.sku)
        .collect();
        for line in &mut reservation.lines {
            line.bought = bought.contains(&line.sku);
            stock::ensure(&*transaction, &line.sku, warehouse).await?;
            if stock::try_reserve(&*transaction, &line.sku, warehouse, line.requested).await? {
                line.reserved = line.requested;
            }
        }
        records::save_reservation(&*transaction, &reservation).await?;
        self.base
            .enqueue(
                &*transaction,
                events::reservation(&reservation, "reservation.reserved", &actor.subject, now),
            )
            .await?;
        if !reservation.fully_reserved() {
            self.base
                .enqueue(
                    &*transaction,
                    events::reservation(&reservation, "stock.short", &actor.subject, now),
                )
                .await?;
        }
        transaction.commit().await?;
        self.base.outbox.notify();
        tracing::info!(order.number = %order_number, fully = reservation.fully_reserved(), "stock reserved");
        Ok(reservation)
    }

    pub async fn reservation(&self, order_id: &OrderId) -> Result<Reservation, InventoryError> {
        records::reservation(self.base.database.connection(), order_id, false)
            .await?
            .ok_or_else(|| InventoryError::not_found("reservation", order_id))
    }

    /// Gives the order's reserved stock back (ORD-6); idempotent.
    pub async fn release(
        &self,
        actor: &Actor,
        order_id: &OrderId,
        reason: &str,
    ) -> Result<Reservation, InventoryError> {
        let transaction = self.base.database.begin_write().await?;
        let Some(reservation) = self
            .release_in(&*transaction, actor, order_id, reason)
            .await?
        else {
            drop(transaction);
            return self.reservation(order_id).await;
        };
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(reservation)
    }

    /// Releases in the caller's transaction; `None` when there was nothing to
    /// release (no reservation, or not active).
    pub async fn release_in<C: ConnectionTrait>(
        &self,
        connection: &C,
        actor: &Actor,
        order_id: &OrderId,
        reason: &str,
    ) -> Result<Option<Reservation>, InventoryError> {
        let Some(mut reservation) = records::reservation(connection, order_id, true).await? else {
            return Ok(None);
        };
        if reservation.state != ReservationState::Active {
            return Ok(None);
        }
        for line in reservation.held() {
            stock::unreserve(connection, &line.sku, &reservation.warehouse, line.quantity).await?;
        }
        reservation.state = ReservationState::Released;
        reservation.updated_at = self.now();
        records::save_reservation(connection, &reservation).await?;
        self.base
            .enqueue(
                connection,
                events::reservation(
                    &reservation,
                    "reservation.released",
                    &actor.subject,
                    self.now(),
                ),
            )
            .await?;
        tracing::info!(order.number = %reservation.order_number, reason, "reservation released");
        Ok(Some(reservation))
    }

    // ------------------------------------------------------------ inbound

    async fn post_goods(
        &self,
        actor: &Actor,
        goods: Goods,
        reason: Reason,
        note: &str,
        key: Option<RequestKey>,
    ) -> Result<Receipt, InventoryError> {
        self.post_goods_guarded(actor, goods, reason, note, key, false)
            .await
    }

    /// Posts goods; a purchase (`purchase`) only against a receipt
    /// procurement's IQC passed, named by the goods' reference (PRC-5).
    async fn post_goods_guarded(
        &self,
        actor: &Actor,
        goods: Goods,
        reason: Reason,
        note: &str,
        key: Option<RequestKey>,
        purchase: bool,
    ) -> Result<Receipt, InventoryError> {
        let transaction = self.base.database.begin_write().await?;
        if let Some(existing) =
            idempotency::first_result(&*transaction, key.as_ref(), self.now()).await?
        {
            drop(transaction);
            return self.receipt(&existing, goods).await;
        }
        self.require_items(&*transaction, &goods.lines).await?;
        if purchase {
            for line in &goods.lines {
                records::book_purchase_receipt(
                    &*transaction,
                    &goods.reference,
                    &line.sku,
                    line.quantity,
                    self.now(),
                )
                .await?;
            }
        }
        let batch = uuid::Uuid::now_v7().to_string();
        idempotency::complete(&*transaction, key.as_ref(), &batch).await?;
        let mut moved = Vec::with_capacity(goods.lines.len());
        for line in &goods.lines {
            let delta = if reason == Reason::MaterialIssue {
                -line.quantity
            } else {
                line.quantity
            };
            moved.push(
                self.move_stock(
                    &*transaction,
                    &batch,
                    line,
                    &goods.warehouse,
                    delta,
                    0,
                    reason,
                    &goods.reference,
                    note,
                    actor,
                )
                .await?,
            );
        }
        self.base
            .enqueue(
                &*transaction,
                events::stock_moved(&moved, None, &actor.subject, self.now()),
            )
            .await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(Receipt {
            id: batch,
            warehouse: goods.warehouse,
            lines: goods.lines,
            reference: goods.reference,
            movements: moved,
        })
    }

    /// INV-6: finished goods after QA, purchased goods after IQC.
    pub async fn receive(
        &self,
        actor: &Actor,
        source: Source,
        goods: Goods,
        inspection_passed: bool,
        inspection_reference: &str,
        key: Option<RequestKey>,
    ) -> Result<Receipt, InventoryError> {
        let (reason, inspection) = match source {
            Source::Production => (Reason::InboundProduction, "QA"),
            Source::Purchase => (Reason::InboundPurchase, "IQC"),
        };
        if !inspection_passed {
            return Err(InventoryError::precondition(
                "NOT_INSPECTED",
                format!("receipts/{}", goods.reference),
                format!("goods come in only after passing {inspection} (INV-6)"),
            ));
        }
        let note = format!("{inspection} {inspection_reference}");
        self.post_goods_guarded(
            actor,
            goods,
            reason,
            note.trim(),
            key,
            source == Source::Purchase,
        )
        .await
    }

    /// INV-6: returned goods after inspection: restocked, or quarantined.
    pub async fn receive_return(
        &self,
        actor: &Actor,
        mut goods: Goods,
        restock: bool,
        inspection_note: &str,
        key: Option<RequestKey>,
    ) -> Result<Receipt, InventoryError> {
        if !restock {
            goods.warehouse = QUARANTINE.to_owned();
        }
        self.post_goods(actor, goods, Reason::InboundReturn, inspection_note, key)
            .await
    }

    /// INV-8: materials issued to a production order (领料单); the goods'
    /// reference is the production order.
    pub async fn issue_materials(
        &self,
        actor: &Actor,
        goods: Goods,
        key: Option<RequestKey>,
    ) -> Result<Receipt, InventoryError> {
        self.post_goods(actor, goods, Reason::MaterialIssue, "material issue", key)
            .await
    }

    async fn receipt(&self, batch: &str, goods: Goods) -> Result<Receipt, InventoryError> {
        let movements = stock::movements(
            self.base.database.connection(),
            None,
            None,
            Some(&goods.reference),
            None,
            10_000,
        )
        .await?
        .into_iter()
        .filter(|movement| movement.batch == batch)
        .collect();
        Ok(Receipt {
            id: batch.to_owned(),
            warehouse: goods.warehouse,
            lines: goods.lines,
            reference: goods.reference,
            movements,
        })
    }

    /// INV-8: the work contact sheet (工作联系单).
    pub async fn create_sheet(
        &self,
        actor: &Actor,
        reference: &str,
        subject: &str,
        body: &str,
        lines: Vec<Line>,
        key: Option<RequestKey>,
    ) -> Result<WorkContactSheet, InventoryError> {
        let transaction = self.base.database.begin_write().await?;
        if let Some(existing) =
            idempotency::first_result(&*transaction, key.as_ref(), self.now()).await?
        {
            return records::sheet(&*transaction, &existing)
                .await?
                .ok_or_else(|| InventoryError::not_found("work contact sheet", existing));
        }
        let sheet = WorkContactSheet {
            id: uuid::Uuid::now_v7().to_string(),
            reference: reference.to_owned(),
            subject: subject.to_owned(),
            body: body.to_owned(),
            lines,
            created_by: actor.subject.clone(),
            created_at: self.now(),
        };
        records::insert_sheet(&*transaction, &sheet).await?;
        idempotency::complete(&*transaction, key.as_ref(), &sheet.id).await?;
        transaction.commit().await?;
        Ok(sheet)
    }

    /// Keeps the order's special notes for its pick list (ORD-12).
    pub async fn remember_order<C: ConnectionTrait>(
        &self,
        connection: &C,
        order_id: &OrderId,
        order_number: &str,
        notes: &str,
        order_updated_at: DateTime<Utc>,
    ) -> Result<(), InventoryError> {
        records::remember_order_notes(
            connection,
            order_id,
            order_number,
            notes,
            order_updated_at,
            self.now(),
        )
        .await
    }
}
