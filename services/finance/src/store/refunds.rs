//! Refunds.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::entities::refund;
use super::{corrupt, currency};
use crate::domain::FinanceError;
use crate::domain::refund::{Refund, RefundMethod, RefundState};

fn model(refund: &Refund) -> refund::Model {
    refund::Model {
        id: refund.id.clone(),
        order_id: refund.order_id.clone(),
        order_number: refund.order_number.clone(),
        currency: refund.currency.code().to_owned(),
        amount: refund.amount,
        reason: refund.reason.clone(),
        handling: refund.handling.clone(),
        method: refund.method.as_str().to_owned(),
        state: refund.state.as_str().to_owned(),
        requested_by: refund.requested_by.clone(),
        requested_at: refund.requested_at,
        approval_request_id: refund.approval_request_id.clone(),
        decided_by: refund.decided_by.clone(),
        rejection_reason: refund.rejection_reason.clone(),
        executed_by: refund.executed_by.clone(),
        executed_at: refund.executed_at,
        execution_reference: refund.execution_reference.clone(),
        reference: (!refund.reference.is_empty()).then(|| refund.reference.clone()),
        goods_received_at: refund.goods_received_at,
        goods_pending: refund.goods_pending,
    }
}

fn from(model: refund::Model) -> Result<Refund, FinanceError> {
    Ok(Refund {
        currency: currency(&model.currency)?,
        method: RefundMethod::parse(&model.method)
            .ok_or_else(|| corrupt("refund method", &model.method))?,
        state: RefundState::parse(&model.state)
            .ok_or_else(|| corrupt("refund state", &model.state))?,
        id: model.id,
        order_id: model.order_id,
        order_number: model.order_number,
        amount: model.amount,
        reason: model.reason,
        handling: model.handling,
        requested_by: model.requested_by,
        requested_at: model.requested_at,
        approval_request_id: model.approval_request_id,
        decided_by: model.decided_by,
        rejection_reason: model.rejection_reason,
        executed_by: model.executed_by,
        executed_at: model.executed_at,
        execution_reference: model.execution_reference,
        reference: model.reference.unwrap_or_default(),
        goods_received_at: model.goods_received_at,
        goods_pending: model.goods_pending,
    })
}

pub async fn insert<C: ConnectionTrait>(
    connection: &C,
    refund: &Refund,
) -> Result<(), FinanceError> {
    refund::Entity::insert(model(refund).into_active_model())
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

pub async fn update<C: ConnectionTrait>(
    connection: &C,
    refund: &Refund,
) -> Result<(), FinanceError> {
    let active = model(refund).into_active_model().reset_all();
    refund::Entity::update(active).exec(connection).await?;
    Ok(())
}

pub async fn get<C: ConnectionTrait>(
    connection: &C,
    id: &str,
    for_update: bool,
) -> Result<Option<Refund>, FinanceError> {
    let mut query = refund::Entity::find_by_id(id.to_owned());
    if for_update {
        query = query.lock_exclusive();
    }
    super::accounts::tagged(
        query.one(connection).await?.map(from).transpose()?,
        |refund| (&refund.order_id, &refund.order_number),
    )
}

pub async fn of_order<C: ConnectionTrait>(
    connection: &C,
    order_id: &str,
    after: Option<&str>,
    limit: Option<u64>,
) -> Result<Vec<Refund>, FinanceError> {
    let mut query = refund::Entity::find().filter(refund::Column::OrderId.eq(order_id));
    if let Some(after) = after {
        query = query.filter(refund::Column::Id.gt(after));
    }
    if let Some(limit) = limit {
        query = query.limit(limit);
    }
    query
        .order_by_asc(refund::Column::Id)
        .all(connection)
        .await?
        .into_iter()
        .map(from)
        .collect()
}
