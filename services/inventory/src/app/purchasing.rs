//! Purchasing as the warehouse sees it: procurement's IQC verdicts (PRC-5,
//! PRC-8) — only what IQC accepted may then be booked in from a purchase
//! (`ReceiveFromPurchase`, referencing the receipt) — and the work contact
//! sheet a GM-approved material-prep order raises (INV-8, S11), which
//! procurement turns into requisitions; parts out at outsourcing vendors
//! (PRC-6).

use orderflow_platform::db::idempotency::{self, Claim, RequestKey};
use orderflow_platform::ids::OrderId;
use sea_orm::ConnectionTrait;

use super::Inventory;
use crate::domain::sheet::WorkContactSheet;
use crate::domain::stock::{Line, OUTSOURCED, Reason};
use crate::domain::{Actor, InventoryError};
use crate::events;
use crate::store::records;

/// Parts an outsourcing order moves (PRC-6).
#[derive(Debug, Clone)]
pub struct OutsourcedParts {
    pub outsourcing_id: String,
    pub vendor_code: String,
    pub order_number: String,
    pub operation: String,
    pub line: Line,
}

impl Inventory {
    /// PRC-6: parts sent to an outsourcing vendor are stock at
    /// [`OUTSOURCED`] until their inspected return takes them out again;
    /// each move once per outsourcing order.
    pub async fn outsourcing_moved<C: ConnectionTrait>(
        &self,
        connection: &C,
        actor: &Actor,
        parts: &OutsourcedParts,
        returned: bool,
    ) -> Result<(), InventoryError> {
        let now = self.now();
        let (what, delta, reason, note) = if returned {
            (
                "OutsourcingReturned",
                -parts.line.quantity,
                Reason::OutsourcingReturned,
                format!(
                    "{} back from {} and inspected ({})",
                    parts.operation, parts.vendor_code, parts.order_number
                ),
            )
        } else {
            (
                "OutsourcingSent",
                parts.line.quantity,
                Reason::OutsourcingSent,
                format!(
                    "sent to {} for {} ({})",
                    parts.vendor_code, parts.operation, parts.order_number
                ),
            )
        };
        let key = RequestKey::derived(what, &parts.outsourcing_id);
        if let Claim::Replay(_) = idempotency::claim(connection, Some(&key), now).await? {
            return Ok(());
        }
        let movement = match self
            .move_stock(
                connection,
                &parts.outsourcing_id,
                &parts.line,
                OUTSOURCED,
                delta,
                0,
                reason,
                &parts.outsourcing_id,
                &note,
                actor,
            )
            .await
        {
            Ok(movement) => movement,
            // Sent before the warehouse kept parts at vendors: nothing to
            // take out.
            Err(error) if returned && error.precondition_kinds() == ["INSUFFICIENT_STOCK"] => {
                tracing::warn!(outsourcing = %parts.outsourcing_id, "returned parts that were never booked out");
                return Ok(());
            }
            Err(error) => return Err(error),
        };
        idempotency::complete(connection, Some(&key), &movement.id).await?;
        self.enqueue(
            connection,
            events::stock_moved(&[movement], None, &actor.subject, now),
        )
        .await
    }

    /// PRC-5: a receipt IQC decided; its accepted quantity may be booked.
    pub async fn purchase_inspected<C: ConnectionTrait>(
        &self,
        connection: &C,
        receipt_id: &str,
        purchase_order: &str,
        sku: &str,
        accepted: i64,
    ) -> Result<(), InventoryError> {
        records::remember_purchase_receipt(
            connection,
            receipt_id,
            purchase_order,
            sku,
            accepted,
            self.now(),
        )
        .await
    }

    /// INV-8, S11: a released material-prep order (the GM signed it, APR-7)
    /// gets its work contact sheet, once, announced for procurement.
    pub async fn material_prep_released<C: ConnectionTrait>(
        &self,
        connection: &C,
        order_id: &OrderId,
        order_number: &str,
        need_by: &str,
        lines: Vec<Line>,
    ) -> Result<(), InventoryError> {
        let now = self.now();
        let key = RequestKey::derived("MaterialPrepSheet", order_id);
        if let Claim::Replay(_) = idempotency::claim(connection, Some(&key), now).await? {
            return Ok(());
        }
        let listed: Vec<String> = lines
            .iter()
            .map(|line| format!("{} {}", line.sku, line.quantity))
            .collect();
        let sheet = WorkContactSheet {
            id: uuid::Uuid::now_v7().to_string(),
            reference: order_id.to_string(),
            subject: format!("material prep for order {order_number}"),
            body: format!(
                "GM-approved material-prep order {order_number}: prepare {} by {need_by}; purchasing buys what the warehouse lacks",
                listed.join(", ")
            ),
            lines,
            created_by: "inventory".to_owned(),
            created_at: now,
        };
        records::insert_sheet(connection, &sheet).await?;
        idempotency::complete(connection, Some(&key), &sheet.id).await?;
        self.enqueue(
            connection,
            events::sheet_created(&sheet, order_number, need_by, "inventory", now),
        )
        .await?;
        tracing::info!(order.number = %order_number, sheet = %sheet.id, "work contact sheet raised");
        Ok(())
    }
}
