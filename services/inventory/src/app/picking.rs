//! Picking (INV-5): the pick list of what an order's reservation holds, its
//! inspection, and the goods leaving.

use orderflow_platform::db::idempotency::{self, RequestKey};
use orderflow_platform::ids::OrderId;

use super::Inventory;
use crate::domain::picking::{PickList, PickState};
use crate::domain::reservation::ReservationState;
use crate::domain::stock::Reason;
use crate::domain::{Actor, InventoryError};
use crate::events;
use crate::store::records;

impl Inventory {
    /// INV-5/ORD-12: a pick list of what the order's reservation holds, with
    /// the order's special notes.
    pub async fn create_pick_list(
        &self,
        key: Option<&RequestKey>,
        order_id: &OrderId,
        notes: &str,
    ) -> Result<PickList, InventoryError> {
        let transaction = self.base.database.begin_write().await?;
        if let Some(id) = idempotency::first_result(&*transaction, key, self.now()).await? {
            return records::pick_list(&*transaction, &id).await;
        }
        let reservation = records::reservation(&*transaction, order_id, true)
            .await?
            .ok_or_else(|| InventoryError::not_found("reservation", order_id))?;
        if reservation.state != ReservationState::Active || reservation.held().is_empty() {
            return Err(InventoryError::precondition(
                "NOTHING_TO_PICK",
                format!("reservations/{order_id}"),
                format!(
                    "the reservation of order {} holds nothing to pick",
                    reservation.order_number
                ),
            ));
        }
        let order_notes = records::order_notes(&*transaction, order_id)
            .await?
            .unwrap_or_default();
        let notes = [order_notes.as_str(), notes.trim()]
            .iter()
            .filter(|part| !part.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("\n");
        let list = PickList {
            id: uuid::Uuid::now_v7().to_string(),
            order_id: order_id.to_string(),
            order_number: reservation.order_number.clone(),
            warehouse: reservation.warehouse.clone(),
            lines: reservation.held(),
            notes,
            state: PickState::Open,
            inspected_by: None,
            inspection_note: String::new(),
            created_at: self.now(),
        };
        records::insert_pick_list(&*transaction, &list).await?;
        idempotency::complete(&*transaction, key, &list.id).await?;
        transaction.commit().await?;
        Ok(list)
    }

    pub async fn inspect(
        &self,
        actor: &Actor,
        pick_list_id: &str,
        passed: bool,
        note: &str,
    ) -> Result<PickList, InventoryError> {
        let transaction = self.base.database.begin_write().await?;
        let mut list = records::pick_list(&*transaction, pick_list_id).await?;
        list.inspect(passed, &actor.subject, note)?;
        records::save_pick_list(&*transaction, &list).await?;
        transaction.commit().await?;
        Ok(list)
    }

    /// INV-5: the goods leave: on hand and reserved go down together, one
    /// movement per line; the reservation is consumed.
    pub async fn post_outbound(
        &self,
        actor: &Actor,
        pick_list_id: &str,
    ) -> Result<PickList, InventoryError> {
        let transaction = self.base.database.begin_write().await?;
        let mut list = records::pick_list(&*transaction, pick_list_id).await?;
        list.post()?;
        let mut moved = Vec::with_capacity(list.lines.len());
        for line in &list.lines {
            let movement = self
                .move_stock(
                    &*transaction,
                    &list.id,
                    line,
                    &list.warehouse,
                    -line.quantity,
                    line.quantity,
                    Reason::Outbound,
                    &list.order_id,
                    &format!("order {}", list.order_number),
                    actor,
                )
                .await?;
            moved.push(movement);
        }
        if let Some(mut reservation) =
            records::reservation(&*transaction, &list.order_id, true).await?
        {
            reservation.state = ReservationState::Consumed;
            reservation.updated_at = self.now();
            records::save_reservation(&*transaction, &reservation).await?;
        }
        records::save_pick_list(&*transaction, &list).await?;
        self.base
            .enqueue(
                &*transaction,
                events::stock_moved(&moved, Some(&list), &actor.subject, self.now()),
            )
            .await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(list)
    }
}
