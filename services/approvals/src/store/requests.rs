//! Approval requests and their steps.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use orderflow_platform::db::query::{grouped_by_parent, newest_first};
use orderflow_platform::money::{Currency, Money};
use sea_orm::sea_query::{Condition, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, Iterable, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::entities::{request, step};
use super::{corrupt, json, parse_json};
use crate::domain::ApprovalError;
pub use crate::domain::request::Cursor;
pub use crate::domain::request::PendingStep;
pub use crate::domain::request::RequestFilter;
use crate::domain::request::{ApprovalRequest, RequestState, Step, StepState};

fn request_model(request: &ApprovalRequest) -> Result<request::Model, ApprovalError> {
    Ok(request::Model {
        id: request.id.clone(),
        subject_kind: request.subject_kind.clone(),
        subject_id: request.subject_id.clone(),
        subject_ref: request.subject_ref.clone(),
        currency: request.amount.currency.code().to_owned(),
        amount: request.amount.minor_units,
        flags: json(&request.flags)?,
        attachments: json(&request.attachments)?,
        estimated_costs: json(&request.estimated_costs)?,
        requester: request.requester.clone(),
        policy_id: request.policy_id.clone(),
        policy_version: request.policy_version,
        rules: json(&request.rules)?,
        state: request.state.as_str().to_owned(),
        round: request.round,
        rounds: json(&request.rounds)?,
        created_at: request.created_at,
        updated_at: request.updated_at,
    })
}

fn step_model(request: &ApprovalRequest, step: &Step) -> step::Model {
    step::Model {
        id: step.id.clone(),
        request_id: request.id.clone(),
        round: step.round,
        position: step.position,
        name: step.name.clone(),
        role: step.role.clone(),
        signed_by_requester: step.signed_by_requester,
        sla_minutes: step.sla_minutes,
        state: step.state.as_str().to_owned(),
        activated_at: step.activated_at,
        due_at: step.due_at,
        overdue_reported: step.overdue_reported,
        decided_by: step.decided_by.clone(),
        decided_at: step.decided_at,
        reason: step.reason.clone(),
        requester: request.requester.clone(),
        subject_kind: request.subject_kind.clone(),
        subject_id: request.subject_id.clone(),
        subject_ref: request.subject_ref.clone(),
        currency: request.amount.currency.code().to_owned(),
        amount: request.amount.minor_units,
    }
}

fn step_from_model(model: step::Model) -> Result<Step, ApprovalError> {
    Ok(Step {
        state: StepState::parse(&model.state).ok_or_else(|| corrupt("step state", &model.state))?,
        id: model.id,
        round: model.round,
        position: model.position,
        name: model.name,
        role: model.role,
        signed_by_requester: model.signed_by_requester,
        sla_minutes: model.sla_minutes,
        activated_at: model.activated_at,
        due_at: model.due_at,
        overdue_reported: model.overdue_reported,
        decided_by: model.decided_by,
        decided_at: model.decided_at,
        reason: model.reason,
    })
}

fn money(currency: &str, minor_units: i64) -> Result<Money, ApprovalError> {
    let currency = Currency::parse(currency).map_err(|error| corrupt("currency", error))?;
    Ok(Money::new(currency, minor_units))
}

/// The requests of `models` with their steps, read in one query for all.
async fn assemble<C: ConnectionTrait>(
    connection: &C,
    models: Vec<request::Model>,
) -> Result<Vec<ApprovalRequest>, ApprovalError> {
    let ids: Vec<&str> = models.iter().map(|model| model.id.as_str()).collect();
    let mut steps = grouped_by_parent(
        connection,
        step::Entity::find()
            .order_by_asc(step::Column::Round)
            .order_by_asc(step::Column::Position),
        step::Column::RequestId,
        &ids,
        |step| &step.request_id,
    )
    .await?;
    models
        .into_iter()
        .map(|model| {
            let steps = steps.remove(&model.id).unwrap_or_default();
            from_model(model, steps)
        })
        .collect()
}

/// The request of `model` and its `steps`.
fn from_model(
    model: request::Model,
    steps: Vec<step::Model>,
) -> Result<ApprovalRequest, ApprovalError> {
    let steps = steps
        .into_iter()
        .map(step_from_model)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ApprovalRequest {
        amount: money(&model.currency, model.amount)?,
        flags: parse_json::<BTreeSet<String>>("flags", &model.flags)?,
        attachments: parse_json("attachments", &model.attachments)?,
        estimated_costs: parse_json("estimated costs", &model.estimated_costs)?,
        rules: parse_json("policy rules", &model.rules)?,
        state: RequestState::parse(&model.state)
            .ok_or_else(|| corrupt("request state", &model.state))?,
        rounds: parse_json("rounds", &model.rounds)?,
        id: model.id,
        subject_kind: model.subject_kind,
        subject_id: model.subject_id,
        subject_ref: model.subject_ref,
        requester: model.requester,
        policy_id: model.policy_id,
        policy_version: model.policy_version,
        round: model.round,
        steps,
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}

/// Inserts a new request; false when the subject already has one.
pub async fn insert<C: ConnectionTrait>(
    connection: &C,
    request: &ApprovalRequest,
) -> Result<bool, ApprovalError> {
    let outcome = request::Entity::insert(request_model(request)?.into_active_model())
        .on_conflict_do_nothing_on([request::Column::SubjectKind, request::Column::SubjectId])
        .exec_without_returning(connection)
        .await?;
    if !matches!(outcome, sea_orm::TryInsertResult::Inserted(rows) if rows > 0) {
        return Ok(false);
    }
    save_steps(connection, request).await?;
    Ok(true)
}

/// Writes the request and every step back.
pub async fn save<C: ConnectionTrait>(
    connection: &C,
    request: &ApprovalRequest,
) -> Result<(), ApprovalError> {
    use sea_orm::ActiveModelTrait;
    let active = request_model(request)?.into_active_model().reset_all();
    request::Entity::update(active).exec(connection).await?;
    save_steps(connection, request).await
}

async fn save_steps<C: ConnectionTrait>(
    connection: &C,
    request: &ApprovalRequest,
) -> Result<(), ApprovalError> {
    if request.steps.is_empty() {
        return Ok(());
    }
    let rows = request
        .steps
        .iter()
        .map(|step| step_model(request, step).into_active_model());
    let updated: Vec<step::Column> = step::Column::iter()
        .filter(|column| !matches!(column, step::Column::Id))
        .collect();
    step::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::column(step::Column::Id)
                .update_columns(updated)
                .to_owned(),
        )
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

pub async fn find<C: ConnectionTrait>(
    connection: &C,
    id: &str,
) -> Result<Option<ApprovalRequest>, ApprovalError> {
    match request::Entity::find_by_id(id.to_owned())
        .one(connection)
        .await?
    {
        Some(model) => Ok(assemble(connection, vec![model]).await?.pop()),
        None => Ok(None),
    }
}

pub async fn load<C: ConnectionTrait>(
    connection: &C,
    id: &str,
) -> Result<ApprovalRequest, ApprovalError> {
    find(connection, id)
        .await?
        .ok_or_else(|| ApprovalError::not_found("approval request", id))
}

/// Loads and locks the request until the transaction ends.
pub async fn load_for_update<C: ConnectionTrait>(
    connection: &C,
    id: &str,
) -> Result<ApprovalRequest, ApprovalError> {
    let model = request::Entity::find_by_id(id.to_owned())
        .lock_exclusive()
        .one(connection)
        .await?
        .ok_or_else(|| ApprovalError::not_found("approval request", id))?;
    assemble(connection, vec![model])
        .await?
        .pop()
        .ok_or_else(|| ApprovalError::not_found("approval request", id))
}

pub async fn find_by_subject<C: ConnectionTrait>(
    connection: &C,
    subject_kind: &str,
    subject_id: &str,
) -> Result<Option<ApprovalRequest>, ApprovalError> {
    let model = request::Entity::find()
        .filter(request::Column::SubjectKind.eq(subject_kind))
        .filter(request::Column::SubjectId.eq(subject_id))
        .one(connection)
        .await?;
    match model {
        Some(model) => Ok(assemble(connection, vec![model]).await?.pop()),
        None => Ok(None),
    }
}

/// Newest first.
pub async fn list<C: ConnectionTrait>(
    connection: &C,
    filter: &RequestFilter,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<ApprovalRequest>, ApprovalError> {
    let mut query = request::Entity::find();
    if let Some(kind) = &filter.subject_kind {
        query = query.filter(request::Column::SubjectKind.eq(kind.as_str()));
    }
    if let Some(subject_id) = &filter.subject_id {
        query = query.filter(request::Column::SubjectId.eq(subject_id.as_str()));
    }
    if let Some(state) = filter.state {
        query = query.filter(request::Column::State.eq(state.as_str()));
    }
    if let Some(requester) = &filter.requester {
        query = query.filter(request::Column::Requester.eq(requester.as_str()));
    }
    let models = newest_first(connection, query, request::Column::Id, after, limit).await?;
    assemble(connection, models).await
}

fn pending_from_model(model: step::Model) -> Result<PendingStep, ApprovalError> {
    Ok(PendingStep {
        request_id: model.request_id.clone(),
        subject_kind: model.subject_kind.clone(),
        subject_id: model.subject_id.clone(),
        subject_ref: model.subject_ref.clone(),
        amount: money(&model.currency, model.amount)?,
        requester: model.requester.clone(),
        step: step_from_model(model)?,
    })
}

fn after_cursor(column: step::Column, cursor: &Cursor) -> Condition {
    Condition::any().add(column.gt(cursor.0)).add(
        Condition::all()
            .add(column.eq(cursor.0))
            .add(step::Column::Id.gt(cursor.1.as_str())),
    )
}

/// APR-10: the active steps `me` may decide, oldest first: steps of the
/// caller's roles, not on the caller's own requests (except their own
/// signature steps).
pub async fn inbox<C: ConnectionTrait>(
    connection: &C,
    me: &str,
    roles: &[String],
    after: Option<&Cursor>,
    limit: u64,
) -> Result<Vec<PendingStep>, ApprovalError> {
    let mine = Condition::any()
        .add(
            Condition::all()
                .add(step::Column::SignedByRequester.eq(true))
                .add(step::Column::Requester.eq(me)),
        )
        .add(
            Condition::all()
                .add(step::Column::SignedByRequester.eq(false))
                .add(step::Column::Requester.ne(me)),
        );
    let mut query = step::Entity::find()
        .filter(step::Column::State.eq(StepState::Active.as_str()))
        .filter(step::Column::Role.is_in(roles.iter().cloned()))
        .filter(mine);
    if let Some(cursor) = after {
        query = query.filter(after_cursor(step::Column::ActivatedAt, cursor));
    }
    query
        .order_by_asc(step::Column::ActivatedAt)
        .order_by_asc(step::Column::Id)
        .limit(limit)
        .all(connection)
        .await?
        .into_iter()
        .map(pending_from_model)
        .collect()
}

/// APR-10: active steps past their due time, most overdue first.
pub async fn overdue<C: ConnectionTrait>(
    connection: &C,
    now: DateTime<Utc>,
    after: Option<&Cursor>,
    limit: u64,
) -> Result<Vec<PendingStep>, ApprovalError> {
    let mut query = step::Entity::find()
        .filter(step::Column::State.eq(StepState::Active.as_str()))
        .filter(step::Column::DueAt.lte(now));
    if let Some(cursor) = after {
        query = query.filter(after_cursor(step::Column::DueAt, cursor));
    }
    query
        .order_by_asc(step::Column::DueAt)
        .order_by_asc(step::Column::Id)
        .limit(limit)
        .all(connection)
        .await?
        .into_iter()
        .map(pending_from_model)
        .collect()
}

/// Requests with an active step past due and not yet reported.
pub async fn with_unreported_overdue<C: ConnectionTrait>(
    connection: &C,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<String>, ApprovalError> {
    let ids: Vec<String> = step::Entity::find()
        .select_only()
        .column(step::Column::RequestId)
        .filter(step::Column::State.eq(StepState::Active.as_str()))
        .filter(step::Column::DueAt.lte(now))
        .filter(step::Column::OverdueReported.eq(false))
        .limit(limit)
        .into_tuple()
        .all(connection)
        .await?;
    let unique: BTreeSet<String> = ids.into_iter().collect();
    Ok(unique.into_iter().collect())
}
