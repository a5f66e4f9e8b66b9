//! The order timeline: who did what, when and why (ORD-4), plus what other
//! services reported about the order.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};

use super::entities::timeline_entry;
use crate::domain::OrderError;
use crate::domain::order::OrderState;
pub use crate::domain::timeline::TimelineEntry;

pub use crate::domain::timeline::OWN_SOURCE;

fn to_model(order_id: &str, entry: &TimelineEntry) -> timeline_entry::Model {
    timeline_entry::Model {
        id: uuid::Uuid::now_v7().to_string(),
        order_id: order_id.to_owned(),
        at: entry.at,
        actor: entry.actor.clone(),
        action: entry.action.clone(),
        from_state: entry.from_state.map(|state| state.as_str().to_owned()),
        to_state: entry.to_state.map(|state| state.as_str().to_owned()),
        reason: entry.reason.clone(),
        detail: entry.detail.clone(),
        source: entry.source.clone(),
        trace_id: if entry.trace_id.is_empty() {
            orderflow_platform::telemetry::current_trace_id().unwrap_or_default()
        } else {
            entry.trace_id.clone()
        },
    }
}

pub async fn append<C: ConnectionTrait>(
    connection: &C,
    order_id: &str,
    entry: &TimelineEntry,
) -> Result<(), OrderError> {
    timeline_entry::Entity::insert(to_model(order_id, entry).into_active_model())
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

/// Appends entries of several orders with one statement.
pub async fn append_many<C: ConnectionTrait>(
    connection: &C,
    entries: &[(&str, TimelineEntry)],
) -> Result<(), OrderError> {
    if entries.is_empty() {
        return Ok(());
    }
    let models = entries
        .iter()
        .map(|(order_id, entry)| to_model(order_id, entry).into_active_model());
    timeline_entry::Entity::insert_many(models)
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

/// Oldest first.
pub async fn of_order<C: ConnectionTrait>(
    connection: &C,
    order_id: &str,
) -> Result<Vec<TimelineEntry>, OrderError> {
    let rows = timeline_entry::Entity::find()
        .filter(timeline_entry::Column::OrderId.eq(order_id))
        .order_by_asc(timeline_entry::Column::Id)
        .all(connection)
        .await?;
    rows.into_iter()
        .map(|row| {
            let state = |text: &Option<String>| match text {
                Some(text) => OrderState::parse(text)
                    .map(Some)
                    .ok_or_else(|| super::corrupt("timeline state", text)),
                None => Ok(None),
            };
            Ok(TimelineEntry {
                from_state: state(&row.from_state)?,
                to_state: state(&row.to_state)?,
                at: row.at,
                actor: row.actor,
                action: row.action,
                reason: row.reason,
                detail: row.detail,
                source: row.source,
                trace_id: row.trace_id,
            })
        })
        .collect()
}
