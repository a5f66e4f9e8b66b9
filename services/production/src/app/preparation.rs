//! What the run needs besides materials: pre-shipment inspections booked in
//! time (PRD-6), tooling (PRD-7) and outsourced operations come back
//! inspected (PRD-8).

use chrono::NaiveDate;
use orderflow_platform::db::idempotency::RequestKey;

use super::Production;
use crate::domain::order::{PreShipmentKind, ProductionOrder, ProductionOrderId};
use crate::domain::{Actor, ProductionError};

impl Production {
    /// PRD-6: an inspection booked for its day.
    pub async fn book_inspection(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &ProductionOrderId,
        kind: PreShipmentKind,
        date: NaiveDate,
        inspector: String,
    ) -> Result<ProductionOrder, ProductionError> {
        let booker = actor.subject.clone();
        self.update(key, id, move |order, now| {
            order.book_inspection(kind, date, &inspector, &booker, now)
        })
        .await
    }

    /// PRD-7: a tooling or mould request.
    pub async fn request_tooling(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &ProductionOrderId,
        description: String,
    ) -> Result<ProductionOrder, ProductionError> {
        let requester = actor.subject.clone();
        self.update(key, id, move |order, now| {
            order.request_tooling(&description, &requester, now)
        })
        .await
    }

    /// PRD-7: the equipment manager approves or rejects.
    pub async fn review_tooling(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &ProductionOrderId,
        tooling_id: String,
        approve: bool,
        comment: String,
    ) -> Result<ProductionOrder, ProductionError> {
        let reviewer = actor.subject.clone();
        self.update(key, id, move |order, now| {
            order.review_tooling(&tooling_id, approve, &reviewer, &comment, now)
        })
        .await
    }

    /// PRD-7: the tooling is made.
    pub async fn tooling_made(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &ProductionOrderId,
        tooling_id: String,
    ) -> Result<ProductionOrder, ProductionError> {
        let maker = actor.subject.clone();
        self.update(key, id, move |order, now| {
            order.tooling_made(&tooling_id, &maker, now)
        })
        .await
    }

    /// PRD-7: handed over; the workshop accepts it.
    pub async fn accept_tooling(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &ProductionOrderId,
        tooling_id: String,
    ) -> Result<ProductionOrder, ProductionError> {
        let head = actor.subject.clone();
        self.update(key, id, move |order, now| {
            order.accept_tooling(&tooling_id, &head, now)
        })
        .await
    }

    /// PRD-8: the incoming inspection of outsourced work.
    pub async fn inspect_outsourced_return(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &ProductionOrderId,
        seq: i32,
        passed: bool,
        note: String,
    ) -> Result<ProductionOrder, ProductionError> {
        let inspector = actor.subject.clone();
        self.update(key, id, move |order, now| {
            order.inspect_outsourced_return(seq, passed, &inspector, &note, now)
        })
        .await
    }

    /// PRC-6, PRD-8: procurement's incoming inspection of an outsourced
    /// operation's returned work (`procurement.outsourcing.inspected`),
    /// applied as if inspected here; a report the order cannot take (an
    /// unknown operation, an order closed meanwhile) is logged and dropped.
    pub async fn outsourced_return_reported<C: sea_orm::ConnectionTrait>(
        &self,
        connection: &C,
        id: &str,
        seq: i32,
        passed: bool,
        inspector: &str,
        note: &str,
    ) -> Result<(), ProductionError> {
        let Some(mut order) = crate::store::records::order(connection, id, true).await? else {
            tracing::warn!(production_order = %id, "an outsourced return for an unknown order");
            return Ok(());
        };
        let now = self.now();
        if let Err(error) = order.inspect_outsourced_return(seq, passed, inspector, note, now) {
            tracing::warn!(production_order = %id, seq, %error, "outsourced return not applied");
            return Ok(());
        }
        crate::store::records::save_order(connection, &order).await
    }
}
