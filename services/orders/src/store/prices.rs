//! The price list confirmation compares against (ORD-5).

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::entities::list_price;
use crate::domain::OrderError;
pub use crate::domain::price::ListPrice;
use orderflow_platform::money::{Currency, Money};

/// Sets the SKU's price in its currency, and whether the SKU is special
/// custom-made (ORD-18) in every currency.
pub async fn set<C: ConnectionTrait>(connection: &C, price: &ListPrice) -> Result<(), OrderError> {
    let row = list_price::ActiveModel {
        sku: Set(price.sku.clone()),
        currency: Set(price.unit_price.currency.code().to_owned()),
        unit_price: Set(price.unit_price.minor_units),
        updated_at: Set(price.updated_at),
        updated_by: Set(price.updated_by.clone()),
        special_custom: Set(price.special_custom),
    };
    list_price::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([list_price::Column::Sku, list_price::Column::Currency])
                .update_columns([
                    list_price::Column::UnitPrice,
                    list_price::Column::UpdatedAt,
                    list_price::Column::UpdatedBy,
                    list_price::Column::SpecialCustom,
                ])
                .to_owned(),
        )
        .exec_without_returning(connection)
        .await?;
    list_price::Entity::update_many()
        .col_expr(
            list_price::Column::SpecialCustom,
            sea_orm::sea_query::Expr::value(price.special_custom),
        )
        .filter(list_price::Column::Sku.eq(price.sku.as_str()))
        .exec(connection)
        .await?;
    Ok(())
}

/// ORD-18: the SKUs the price list marks special custom-made.
pub async fn special_custom_skus<C: ConnectionTrait>(
    connection: &C,
) -> Result<BTreeSet<String>, OrderError> {
    let rows = list_price::Entity::find()
        .filter(list_price::Column::SpecialCustom.eq(true))
        .all(connection)
        .await?;
    Ok(rows.into_iter().map(|row| row.sku).collect())
}

/// SKU → list price in `currency`, for the given SKUs.
pub async fn for_skus<C: ConnectionTrait>(
    connection: &C,
    currency: Currency,
    skus: impl IntoIterator<Item = String>,
) -> Result<BTreeMap<String, i64>, OrderError> {
    let rows = list_price::Entity::find()
        .filter(list_price::Column::Currency.eq(currency.code()))
        .filter(list_price::Column::Sku.is_in(skus))
        .all(connection)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.sku, row.unit_price))
        .collect())
}

/// By SKU then currency; `after` is `sku/currency` of the last item.
pub async fn list<C: ConnectionTrait>(
    connection: &C,
    sku_prefix: Option<&str>,
    after: Option<(&str, &str)>,
    limit: u64,
) -> Result<Vec<ListPrice>, OrderError> {
    use sea_orm::sea_query::Condition;
    let mut query = list_price::Entity::find();
    if let Some(prefix) = sku_prefix {
        query = query.filter(list_price::Column::Sku.starts_with(prefix));
    }
    if let Some((sku, currency)) = after {
        query = query.filter(
            Condition::any().add(list_price::Column::Sku.gt(sku)).add(
                Condition::all()
                    .add(list_price::Column::Sku.eq(sku))
                    .add(list_price::Column::Currency.gt(currency)),
            ),
        );
    }
    let rows = query
        .order_by_asc(list_price::Column::Sku)
        .order_by_asc(list_price::Column::Currency)
        .limit(limit)
        .all(connection)
        .await?;
    rows.into_iter()
        .map(|row| {
            let currency = Currency::parse(&row.currency)
                .map_err(|error| super::corrupt("currency", error))?;
            Ok(ListPrice {
                sku: row.sku,
                unit_price: Money::new(currency, row.unit_price),
                updated_at: row.updated_at,
                updated_by: row.updated_by,
                special_custom: row.special_custom,
            })
        })
        .collect()
}
