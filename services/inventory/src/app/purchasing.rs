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
        // A return handled before its send (a redelivery out of order) is
        // retried until the send is in: taken out first, the parts would
        // stay at the vendor in the books once the send came. One whose
        // send never comes (sent before parts were booked) ends up
        // dead-lettered, for someone to look at.
        if returned {
            let sent = RequestKey::derived("OutsourcingSent", &parts.outsourcing_id);
            if idempotency::find(connection, &sent).await?.is_none() {
                return Err(InventoryError::precondition(
                    "SEND_NOT_BOOKED",
                    format!("outsourcing_orders/{}", parts.outsourcing_id),
                    "the parts' send is not booked yet",
                ));
            }
        }
        let movement = self
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
            .await?;
        idempotency::complete(connection, Some(&key), &movement.id).await?;
        self.base
            .enqueue(
                connection,
                events::stock_moved(&[movement], None, &actor.subject, now),
            )
            .await?;
        Ok(())
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
        self.base
            .enqueue(
                connection,
                events::sheet_created(&sheet, order_number, need_by, "inventory", now),
            )
            .await?;
        tracing::info!(order.number = %order_number, sheet = %sheet.id, "work contact sheet raised");
        Ok(())
    }
}
