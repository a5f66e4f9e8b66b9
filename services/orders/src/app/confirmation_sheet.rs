//! ORD-16: the confirmation sheet confirmation issues, and the customer's
//! acknowledgement of it.

use super::*;
use crate::domain::confirmation::ConfirmationSheet;
use crate::domain::notification::{Notification, NotificationKind};
use crate::store::sheets;
use orderflow_platform::ids::OrderId;

impl Orders {
    /// ORD-16: the order's sheet as confirmed now, in the confirmation's
    /// transaction, and sent to the customer through the notifier.
    pub(super) async fn issue_confirmation_sheet<C: ConnectionTrait>(
        &self,
        connection: &C,
        order: &Order,
        actor: &Actor,
    ) -> Result<ConfirmationSheet, OrderError> {
        let customer_name = customers::find(connection, &order.customer_id)
            .await?
            .map(|customer| customer.name)
            .unwrap_or_default();
        let previous = sheets::find(connection, &order.id, true).await?;
        let sheet = ConfirmationSheet::issue(
            order,
            &customer_name,
            &actor.subject,
            order.updated_at,
            previous.as_ref(),
        );
        if previous.is_some() {
            sheets::update(connection, &sheet).await?;
        } else {
            sheets::insert(connection, &sheet).await?;
        }
        // It goes to the customer through the notifier, to be signed back.
        let notice = Notification::about(
            order,
            NotificationKind::Confirmation,
            format!(
                "Order {} is confirmed: confirmation sheet {} (version {}), {} in all, delivery by {}, {}. Please check it and sign it back.",
                order.number,
                sheet.number,
                sheet.version,
                order.money(order.total),
                sheet.delivery_date,
                sheet.terms_text()
            ),
            order.updated_at,
            None,
        );
        self.notify_customer(connection, &notice).await?;
        Ok(sheet)
    }

    /// ORD-16: the sheet the order's confirmation issued.
    pub async fn confirmation_sheet(
        &self,
        order_id: &OrderId,
    ) -> Result<ConfirmationSheet, OrderError> {
        sheets::find(self.base.database.connection(), order_id, false)
            .await?
            .ok_or_else(|| not_issued(order_id))
    }

    /// ORD-16: the customer acknowledged the sheet; recorded once, on the
    /// sheet and the order's timeline.
    pub async fn record_customer_acknowledgement(
        &self,
        actor: &Actor,
        order_id: &OrderId,
        acknowledged_by: &str,
        note: &str,
        key: Option<RequestKey>,
    ) -> Result<ConfirmationSheet, OrderError> {
        let key = key.map(|key| key.within(order_id));
        let transaction = self.base.database.begin_write().await?;
        let mut order = orders::load_for_update(&*transaction, order_id).await?;
        if already_done(&*transaction, key.as_ref()).await? {
            drop(transaction);
            return self.confirmation_sheet(order_id).await;
        }
        let mut sheet = sheets::find(&*transaction, order_id, true)
            .await?
            .ok_or_else(|| not_issued(order_id))?;
        let now = self.now();
        if sheet.acknowledge(acknowledged_by, note, &actor.subject, now)? {
            sheets::update(&*transaction, &sheet).await?;
            order.updated_at = now;
            let mut detail = format!(
                "{} acknowledged by {}",
                sheet.number,
                acknowledged_by.trim()
            );
            if !note.trim().is_empty() {
                detail.push_str(&format!(": {}", note.trim()));
            }
            let change = Change::new("customer_acknowledged", None).detail(detail);
            self.record(&*transaction, &order, actor, change).await?;
        }
        if self
            .commit(transaction, key.as_ref(), order_id)
            .await?
            .is_some()
        {
            return self.confirmation_sheet(order_id).await;
        }
        Ok(sheet)
    }
}

fn not_issued(order_id: &OrderId) -> OrderError {
    OrderError::not_found("confirmation sheet of order", order_id.as_str())
}
