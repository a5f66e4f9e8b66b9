//! What the production service's events move (PRD-5, ORD-6):
//! - a lot that passed final QA goes into the warehouse of the order's
//!   reservation (finished goods or overseas) and tops up its short lines;
//!   a reservation that is whole again is announced
//!   (`inventory.reservation.completed`), which makes the order
//!   READY_TO_SHIP;
//! - the materials issued to a stopped production order go back to the
//!   materials warehouse.
//!
//! Each runs in the consumer's transaction, once per event (the inbox).

use orderflow_platform::ids::OrderId;
use sea_orm::ConnectionTrait;

use super::Inventory;
use crate::domain::reservation::ReservationState;
use crate::domain::stock::{FINISHED_GOODS, Line, MATERIALS, Reason};
use crate::domain::{Actor, InventoryError};
use crate::events;
use crate::store::records;
use crate::store::stock;

/// A lot that passed final QA.
#[derive(Debug, Clone)]
pub struct PassedLot {
    pub order_id: OrderId,
    pub production_order: String,
    pub lot_id: String,
    pub sku: String,
    pub quantity: i64,
}

impl Inventory {
    /// PRD-5: the lot into the reservation's warehouse, reserved for the
    /// order's short line as far as it is short.
    pub async fn receive_lot<C: ConnectionTrait>(
        &self,
        connection: &C,
        actor: &Actor,
        lot: &PassedLot,
    ) -> Result<(), InventoryError> {
        let now = self.now();
        let mut reservation = records::reservation(connection, &lot.order_id, true)
            .await?
            .filter(|reservation| reservation.state == ReservationState::Active);
        let warehouse = reservation
            .as_ref()
            .map_or(FINISHED_GOODS.to_owned(), |reservation| {
                reservation.warehouse.clone()
            });
        let batch = uuid::Uuid::now_v7().to_string();
        let line = Line {
            sku: lot.sku.clone(),
            quantity: lot.quantity,
        };
        let movement = self
            .move_stock(
                connection,
                &batch,
                &line,
                &warehouse,
                lot.quantity,
                0,
                Reason::InboundProduction,
                &lot.production_order,
                &format!("QA passed, lot {}", lot.lot_id),
                actor,
            )
            .await?;
        self.base
            .enqueue(
                connection,
                events::stock_moved(&[movement], None, &actor.subject, now),
            )
            .await?;
        let Some(reservation) = reservation.as_mut() else {
            return Ok(());
        };
        let mut left = lot.quantity;
        let mut topped_up = false;
        for reserved in reservation
            .lines
            .iter_mut()
            .filter(|reserved| reserved.sku == lot.sku && reserved.short() > 0)
        {
            let add = left.min(reserved.short());
            if add == 0 || !stock::try_reserve(connection, &lot.sku, &warehouse, add).await? {
                continue;
            }
            reserved.reserved += add;
            left -= add;
            topped_up = true;
        }
        if !topped_up {
            return Ok(());
        }
        reservation.updated_at = now;
        records::save_reservation(connection, reservation).await?;
        if reservation.fully_reserved() {
            self.base
                .enqueue(
                    connection,
                    events::reservation(reservation, "reservation.completed", &actor.subject, now),
                )
                .await?;
            tracing::info!(order.number = %reservation.order_number, "reservation completed from production");
        }
        Ok(())
    }

    /// ORD-6: what was issued to a stopped production order goes back to
    /// the materials warehouse.
    pub async fn return_materials<C: ConnectionTrait>(
        &self,
        connection: &C,
        actor: &Actor,
        production_order: &str,
        lines: &[Line],
    ) -> Result<(), InventoryError> {
        if lines.is_empty() {
            return Ok(());
        }
        let batch = uuid::Uuid::now_v7().to_string();
        let mut moved = Vec::with_capacity(lines.len());
        for line in lines {
            moved.push(
                self.move_stock(
                    connection,
                    &batch,
                    line,
                    MATERIALS,
                    line.quantity,
                    0,
                    Reason::MaterialReturn,
                    production_order,
                    "production stopped: the order was cancelled",
                    actor,
                )
                .await?,
            );
        }
        self.base
            .enqueue(
                connection,
                events::stock_moved(&moved, None, &actor.subject, self.now()),
            )
            .await?;
        Ok(())
    }
}
