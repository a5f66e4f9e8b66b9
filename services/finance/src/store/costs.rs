//! ORD-20: the standard costs per SKU and day.

use std::collections::HashMap;

use chrono::NaiveDate;
use orderflow_platform::money::Money;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::entities::standard_cost;
use super::{currency, date};
use crate::domain::FinanceError;
use crate::domain::cost::StandardCost;

fn cost_from(model: standard_cost::Model) -> Result<StandardCost, FinanceError> {
    Ok(StandardCost {
        unit_cost: Money::new(currency(&model.currency)?, model.unit_cost),
        effective_from: date("standard cost day", &model.effective_from)?,
        sku: model.sku,
        note: model.note,
        set_by: model.set_by,
        set_at: model.set_at,
    })
}

/// Saves `cost`; a cost of the same SKU and day is replaced (a correction).
pub async fn save<C: ConnectionTrait>(
    connection: &C,
    cost: &StandardCost,
) -> Result<(), FinanceError> {
    let model = standard_cost::Model {
        id: cost.key(),
        sku: cost.sku.clone(),
        currency: cost.unit_cost.currency.code().to_owned(),
        unit_cost: cost.unit_cost.minor_units,
        effective_from: cost.effective_from.to_string(),
        note: cost.note.clone(),
        set_by: cost.set_by.clone(),
        set_at: cost.set_at,
    };
    standard_cost::Entity::insert(model.into_active_model())
        .on_conflict(
            OnConflict::column(standard_cost::Column::Id)
                .update_columns([
                    standard_cost::Column::Currency,
                    standard_cost::Column::UnitCost,
                    standard_cost::Column::Note,
                    standard_cost::Column::SetBy,
                    standard_cost::Column::SetAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

pub async fn cost<C: ConnectionTrait>(
    connection: &C,
    key: &str,
) -> Result<Option<StandardCost>, FinanceError> {
    standard_cost::Entity::find_by_id(key.to_owned())
        .one(connection)
        .await?
        .map(cost_from)
        .transpose()
}

/// By SKU, then by day; `sku` narrows to one SKU's history.
pub async fn costs<C: ConnectionTrait>(
    connection: &C,
    sku: Option<&str>,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<StandardCost>, FinanceError> {
    let mut query = standard_cost::Entity::find();
    if let Some(sku) = sku {
        query = query.filter(standard_cost::Column::Sku.eq(sku));
    }
    if let Some(after) = after {
        query = query.filter(standard_cost::Column::Id.gt(after));
    }
    query
        .order_by_asc(standard_cost::Column::Id)
        .limit(limit)
        .all(connection)
        .await?
        .into_iter()
        .map(cost_from)
        .collect()
}

/// The unit cost of each of `skus` that applies on `day`: the latest set
/// from that day or before. A SKU without one is left out.
pub async fn unit_costs_on<C: ConnectionTrait>(
    connection: &C,
    skus: &[String],
    day: NaiveDate,
) -> Result<HashMap<String, Money>, FinanceError> {
    let rows = standard_cost::Entity::find()
        .filter(standard_cost::Column::Sku.is_in(skus.iter().map(String::as_str)))
        .filter(standard_cost::Column::EffectiveFrom.lte(day.to_string()))
        .order_by_asc(standard_cost::Column::Id)
        .all(connection)
        .await?;
    let mut costs = HashMap::new();
    for row in rows {
        // Ascending by day within a SKU: the last one seen applies.
        let cost = cost_from(row)?;
        costs.insert(cost.sku, cost.unit_cost);
    }
    Ok(costs)
}
