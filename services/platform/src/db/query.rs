//! Query shapes every store repeats: a keyset page newest first, and the
//! child rows of a page of parents in one query instead of one per parent.

use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};

/// One page of `query`, newest first by its UUIDv7 `id` column: at most
/// `limit` rows with an id below `after` (the last id of the page before).
/// A page deep in a large table costs what the first does, on the id index.
pub async fn newest_first<E, C>(
    connection: &C,
    query: Select<E>,
    id: E::Column,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let query = match after {
        Some(after) => query.filter(id.lt(after)),
        None => query,
    };
    query.order_by_desc(id).limit(limit).all(connection).await
}

/// The rows of `children` whose `parent` column is one of `parents`, read
/// in one query and grouped by parent, each group in `children`'s order.
/// A parent without rows has no entry.
pub async fn grouped_by_parent<E, C>(
    connection: &C,
    children: Select<E>,
    parent: E::Column,
    parents: &[&str],
    parent_of: fn(&E::Model) -> &str,
) -> Result<HashMap<String, Vec<E::Model>>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let mut groups: HashMap<String, Vec<E::Model>> = HashMap::new();
    if parents.is_empty() {
        return Ok(groups);
    }
    let rows = children
        .filter(parent.is_in(parents.iter().copied()))
        .all(connection)
        .await?;
    for row in rows {
        groups
            .entry(parent_of(&row).to_owned())
            .or_default()
            .push(row);
    }
    Ok(groups)
}
