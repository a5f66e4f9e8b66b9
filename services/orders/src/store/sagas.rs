//! The persisted state of the order-fulfilment saga, one row per confirmed
//! order. Later services add steps (payment gate, reservation, shipping).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, IntoActiveModel, QuerySelect};

use super::entities::fulfilment_saga;
use crate::domain::OrderError;

/// Where the saga of one order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SagaStep {
    /// Confirmed; the saga has not acted yet.
    Started,
    /// Waiting for the approval chain of the order's kind.
    AwaitingApproval,
    /// Approved (or no chain); waiting for the payment gate.
    AwaitingPayment,
    /// The approval chain rejected the order; it waits for a revision.
    ApprovalRejected,
    /// Finance opened the release gate; the order's stock is to be reserved.
    Released,
    /// Stock reserved (in full or short) for the released order.
    Reserved,
    /// The order left the saga (cancelled).
    Ended,
}

impl SagaStep {
    pub fn as_str(self) -> &'static str {
        match self {
            SagaStep::Started => "started",
            SagaStep::AwaitingApproval => "awaiting_approval",
            SagaStep::AwaitingPayment => "awaiting_payment",
            SagaStep::ApprovalRejected => "approval_rejected",
            SagaStep::Released => "released",
            SagaStep::Reserved => "reserved",
            SagaStep::Ended => "ended",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "started" => Some(SagaStep::Started),
            "awaiting_approval" => Some(SagaStep::AwaitingApproval),
            "awaiting_payment" => Some(SagaStep::AwaitingPayment),
            "approval_rejected" => Some(SagaStep::ApprovalRejected),
            "released" => Some(SagaStep::Released),
            "reserved" => Some(SagaStep::Reserved),
            "ended" => Some(SagaStep::Ended),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saga {
    pub order_id: String,
    pub step: SagaStep,
    pub approval_chain: Option<String>,
    /// The round of the approval request the saga waits for; reports of
    /// earlier rounds are stale.
    pub approval_round: i32,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn to_model(saga: &Saga) -> fulfilment_saga::Model {
    fulfilment_saga::Model {
        order_id: saga.order_id.clone(),
        step: saga.step.as_str().to_owned(),
        approval_chain: saga.approval_chain.clone(),
        approval_round: saga.approval_round,
        started_at: saga.started_at,
        updated_at: saga.updated_at,
    }
}

/// Starts the saga of a confirmed order; a saga that exists is kept (a
/// revised order confirmed again continues its saga).
pub async fn start<C: ConnectionTrait>(connection: &C, saga: &Saga) -> Result<(), OrderError> {
    fulfilment_saga::Entity::insert(to_model(saga).into_active_model())
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(fulfilment_saga::Column::OrderId)
                .update_columns([
                    fulfilment_saga::Column::Step,
                    fulfilment_saga::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

pub async fn load_for_update<C: ConnectionTrait>(
    connection: &C,
    order_id: &str,
) -> Result<Option<Saga>, OrderError> {
    let Some(model) = fulfilment_saga::Entity::find_by_id(order_id.to_owned())
        .lock_exclusive()
        .one(connection)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(Saga {
        step: SagaStep::parse(&model.step)
            .ok_or_else(|| super::corrupt("saga step", &model.step))?,
        order_id: model.order_id,
        approval_chain: model.approval_chain,
        approval_round: model.approval_round,
        started_at: model.started_at,
        updated_at: model.updated_at,
    }))
}

pub async fn save<C: ConnectionTrait>(connection: &C, saga: &Saga) -> Result<(), OrderError> {
    let active = fulfilment_saga::ActiveModel {
        order_id: Set(saga.order_id.clone()),
        step: Set(saga.step.as_str().to_owned()),
        approval_chain: Set(saga.approval_chain.clone()),
        approval_round: Set(saga.approval_round),
        started_at: Set(saga.started_at),
        updated_at: Set(saga.updated_at),
    };
    fulfilment_saga::Entity::update(active)
        .exec(connection)
        .await?;
    Ok(())
}
