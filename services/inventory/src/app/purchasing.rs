//! What procurement's events tell the warehouse (PRC-5, PRC-8): the
//! receipts IQC decided. Only what IQC accepted may then be booked in from
//! a purchase (`ReceiveFromPurchase`, referencing the receipt).

use sea_orm::ConnectionTrait;

use super::Inventory;
use crate::domain::InventoryError;
use crate::store::records;

impl Inventory {
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
}
