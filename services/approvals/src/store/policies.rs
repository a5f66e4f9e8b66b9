//! Policies and their versions.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::entities::policy;
use super::{json, parse_json};
use crate::domain::ApprovalError;
use crate::domain::policy::Policy;

fn from_model(model: policy::Model) -> Result<Policy, ApprovalError> {
    Ok(Policy {
        steps: parse_json("policy steps", &model.steps)?,
        id: model.id,
        subject_kind: model.subject_kind,
        version: model.version,
        name: model.name,
        created_at: model.created_at,
        created_by: model.created_by,
    })
}

/// Inserts a version; false when that version of the kind already exists.
pub async fn insert<C: ConnectionTrait>(
    connection: &C,
    policy: &Policy,
) -> Result<bool, ApprovalError> {
    let model = policy::Model {
        id: policy.id.clone(),
        subject_kind: policy.subject_kind.clone(),
        version: policy.version,
        name: policy.name.clone(),
        steps: json(&policy.steps)?,
        created_at: policy.created_at,
        created_by: policy.created_by.clone(),
    };
    let outcome = policy::Entity::insert(model.into_active_model())
        .on_conflict_do_nothing_on([policy::Column::SubjectKind, policy::Column::Version])
        .exec_without_returning(connection)
        .await?;
    Ok(matches!(outcome, sea_orm::TryInsertResult::Inserted(rows) if rows > 0))
}

/// The latest version of a kind.
pub async fn latest<C: ConnectionTrait>(
    connection: &C,
    subject_kind: &str,
) -> Result<Option<Policy>, ApprovalError> {
    policy::Entity::find()
        .filter(policy::Column::SubjectKind.eq(subject_kind))
        .order_by_desc(policy::Column::Version)
        .one(connection)
        .await?
        .map(from_model)
        .transpose()
}

pub async fn version<C: ConnectionTrait>(
    connection: &C,
    subject_kind: &str,
    version: i32,
) -> Result<Option<Policy>, ApprovalError> {
    policy::Entity::find()
        .filter(policy::Column::SubjectKind.eq(subject_kind))
        .filter(policy::Column::Version.eq(version))
        .one(connection)
        .await?
        .map(from_model)
        .transpose()
}

/// The latest version of each kind, by kind; `after` is the last kind seen.
pub async fn list_latest<C: ConnectionTrait>(
    connection: &C,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<Policy>, ApprovalError> {
    let mut kinds = policy::Entity::find()
        .select_only()
        .column(policy::Column::SubjectKind)
        .distinct()
        .order_by_asc(policy::Column::SubjectKind);
    if let Some(after) = after {
        kinds = kinds.filter(policy::Column::SubjectKind.gt(after));
    }
    let kinds: Vec<String> = kinds.limit(limit).into_tuple().all(connection).await?;
    let mut policies = Vec::with_capacity(kinds.len());
    for kind in kinds {
        if let Some(policy) = latest(connection, &kind).await? {
            policies.push(policy);
        }
    }
    Ok(policies)
}
