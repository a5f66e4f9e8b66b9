//! Made-to-measure fabric (PRC-7, APR-8, S10): recorded by `commerce`,
//! confirmed and shipped by its supplier, received by the manufacturer —
//! each partner acting on its own purchases only.

use chrono::{DateTime, Utc};
use orderflow_platform::db::document;
use orderflow_platform::db::idempotency::{self, Claim, RequestKey};
use sea_orm::ConnectionTrait;

use super::Procurement;
use crate::domain::fabric::{
    FabricFilter, FabricOrder, FabricPurchase, FabricPurchaseId, Side, may_buy_fabric_for,
};
use crate::domain::{Actor, ProcurementError};
use crate::events;
use crate::store::records;

/// One step of a fabric purchase: the event's step name and detail.
type Step<'a> = Box<
    dyn FnOnce(
            &mut FabricPurchase,
            DateTime<Utc>,
        ) -> Result<(&'static str, String), ProcurementError>
        + Send
        + 'a,
>;

impl Procurement {
    /// PRC-7: what the orders service reported of a made-to-measure order.
    pub async fn garment_order_reported<C: ConnectionTrait>(
        &self,
        connection: &C,
        order_id: &str,
        number: &str,
        state: &str,
    ) -> Result<(), ProcurementError> {
        records::save_garment_order(connection, order_id, number, state, self.now()).await
    }

    async fn change_fabric(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &FabricPurchaseId,
        step: Step<'_>,
    ) -> Result<FabricPurchase, ProcurementError> {
        let now = self.now();
        document::change(
            self.base.change(key),
            id,
            step,
            |purchase, (what, detail)| {
                vec![events::fabric(purchase, what, detail, &actor.subject, now)]
            },
        )
        .await
    }

    /// A partner's person sees its own purchases only; staff see all.
    fn partner_view(actor: &Actor) -> Result<Option<String>, ProcurementError> {
        actor
            .partner_scope()
            .map(|scope| scope.map(str::to_owned))
            .map_err(ProcurementError::PermissionDenied)
    }

    pub async fn fabric_purchase(
        &self,
        actor: &Actor,
        id: &FabricPurchaseId,
    ) -> Result<FabricPurchase, ProcurementError> {
        let partner = Self::partner_view(actor)?;
        records::fabric(self.base.database.connection(), id, false)
            .await?
            // Another partner's purchase is not there for it.
            .filter(|purchase| partner.as_deref().is_none_or(|p| purchase.visible_to(p)))
            .ok_or_else(|| ProcurementError::not_found("fabric purchase", id.as_str()))
    }

    pub async fn fabric_purchases(
        &self,
        actor: &Actor,
        mut filter: FabricFilter,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<FabricPurchase>, ProcurementError> {
        filter.partner = Self::partner_view(actor)?;
        records::fabrics(self.base.database.connection(), &filter, after, limit).await
    }

    /// PRC-7, APR-8: commerce records the fabric bought for a garment —
    /// from an approved supplier, for an approved manufacturer.
    pub async fn record_fabric_purchase(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        order: FabricOrder,
    ) -> Result<FabricPurchase, ProcurementError> {
        let transaction = self.base.database.begin_write().await?;
        let now = self.now();
        if let Claim::Replay(id) = idempotency::claim(&*transaction, key, now).await? {
            drop(transaction);
            return self
                .fabric_purchase(actor, &FabricPurchaseId::from_stored(id))
                .await;
        }
        let Some((number, state)) = records::garment_order(&*transaction, &order.order_id).await?
        else {
            return Err(ProcurementError::invalid(
                "order_id",
                "no made-to-measure order of that id (yet): fabric is bought for one",
            ));
        };
        may_buy_fabric_for(&order.order_id, &state)?;
        let order = FabricOrder {
            order_number: number,
            ..order
        };
        for (field, code) in [
            ("supplier_code", &order.supplier_code),
            ("manufacturer_code", &order.manufacturer_code),
        ] {
            records::supplier(&*transaction, code, false)
                .await?
                .ok_or_else(|| ProcurementError::invalid(field, format!("no supplier {code}")))?
                .may_receive_orders()?;
        }
        let purchase = FabricPurchase::record(order, actor, now);
        records::save_fabric(&*transaction, &purchase).await?;
        let detail = purchase
            .history
            .last()
            .map(|step| step.note.clone())
            .unwrap_or_default();
        self.base
            .enqueue(
                &*transaction,
                events::fabric(&purchase, "ordered", detail, &actor.subject, now),
            )
            .await?;
        idempotency::complete(&*transaction, key, &purchase.id).await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(purchase)
    }

    /// PRC-7: the supplier confirms (审核) or declines with a reason.
    pub async fn answer_fabric_purchase(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &FabricPurchaseId,
        accept: bool,
        reason: String,
    ) -> Result<FabricPurchase, ProcurementError> {
        let by = actor.clone();
        self.change_fabric(
            actor,
            key,
            id,
            Box::new(move |purchase, now| {
                purchase.answer(&by, accept, &reason, now)?;
                Ok(if accept {
                    (
                        "confirmed",
                        format!("confirmed by {}", purchase.partner(Side::Supplier)),
                    )
                } else {
                    ("declined", format!("declined: {reason}"))
                })
            }),
        )
        .await
    }

    /// PRC-7: the supplier ships and records the shipping number.
    pub async fn record_fabric_shipment(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &FabricPurchaseId,
        carrier: String,
        tracking_number: String,
    ) -> Result<FabricPurchase, ProcurementError> {
        let by = actor.clone();
        self.change_fabric(
            actor,
            key,
            id,
            Box::new(move |purchase, now| {
                purchase.ship(&by, &carrier, &tracking_number, now)?;
                Ok((
                    "shipped",
                    format!("shipped by {carrier}, {tracking_number}"),
                ))
            }),
        )
        .await
    }

    /// PRC-7, S10: the manufacturer's receipt check closes the purchase, or
    /// refuses the fabric for a new shipment.
    pub async fn receive_fabric(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &FabricPurchaseId,
        accepted: bool,
        note: String,
    ) -> Result<FabricPurchase, ProcurementError> {
        let by = actor.clone();
        self.change_fabric(
            actor,
            key,
            id,
            Box::new(move |purchase, now| {
                purchase.receive(&by, accepted, &note, now)?;
                Ok(if accepted {
                    (
                        "received",
                        "the manufacturer received the fabric".to_owned(),
                    )
                } else {
                    (
                        "refused",
                        format!("the manufacturer refused the fabric: {note}"),
                    )
                })
            }),
        )
        .await
    }
}
