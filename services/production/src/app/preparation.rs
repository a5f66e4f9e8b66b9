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
        self.change(
            key,
            id,
            Box::new(move |order, now| {
                order.book_inspection(kind, date, &inspector, &booker, now)?;
                Ok(Vec::new())
            }),
        )
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
        self.change(
            key,
            id,
            Box::new(move |order, now| {
                order.request_tooling(&description, &requester, now)?;
                Ok(Vec::new())
            }),
        )
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
        self.change(
            key,
            id,
            Box::new(move |order, now| {
                order.review_tooling(&tooling_id, approve, &reviewer, &comment, now)?;
                Ok(Vec::new())
            }),
        )
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
        self.change(
            key,
            id,
            Box::new(move |order, now| {
                order.tooling_made(&tooling_id, &maker, now)?;
                Ok(Vec::new())
            }),
        )
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
        self.change(
            key,
            id,
            Box::new(move |order, now| {
                order.accept_tooling(&tooling_id, &head, now)?;
                Ok(Vec::new())
            }),
        )
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
        self.change(
            key,
            id,
            Box::new(move |order, now| {
                order.inspect_outsourced_return(seq, passed, &inspector, &note, now)?;
                Ok(Vec::new())
            }),
        )
        .await
    }
}
