//! Stock rows and the movement ledger. Every change of a stock row is one
//! conditional `UPDATE` whose `WHERE` holds the invariant (available never
//! below zero, on hand never below what is reserved), so it is safe with any
//! number of concurrent writers and replicas (INV-4).

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::entities::{movement, stock};
use crate::domain::InventoryError;
pub use crate::domain::stock::Level;
pub use crate::domain::stock::Movement;
pub use crate::domain::stock::StockRow;

/// Makes sure a stock row exists (zero on hand) so it can be updated.
pub async fn ensure<C: ConnectionTrait>(
    connection: &C,
    sku: &str,
    warehouse: &str,
) -> Result<(), InventoryError> {
    let row = stock::ActiveModel {
        sku: Set(sku.to_owned()),
        warehouse: Set(warehouse.to_owned()),
        on_hand: Set(0),
        reserved: Set(0),
    };
    stock::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([stock::Column::Sku, stock::Column::Warehouse])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

fn this_row(sku: &str, warehouse: &str) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(stock::Column::Sku.eq(sku))
        .add(stock::Column::Warehouse.eq(warehouse))
}

/// Reserves `quantity` if that much is available; false otherwise (INV-4).
pub async fn try_reserve<C: ConnectionTrait>(
    connection: &C,
    sku: &str,
    warehouse: &str,
    quantity: i64,
) -> Result<bool, InventoryError> {
    let result = stock::Entity::update_many()
        .col_expr(
            stock::Column::Reserved,
            Expr::col(stock::Column::Reserved).add(quantity),
        )
        .filter(this_row(sku, warehouse))
        .filter(
            Expr::col(stock::Column::OnHand)
                .sub(Expr::col(stock::Column::Reserved))
                .gte(quantity),
        )
        .exec(connection)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Gives back `quantity` of what is reserved.
pub async fn unreserve<C: ConnectionTrait>(
    connection: &C,
    sku: &str,
    warehouse: &str,
    quantity: i64,
) -> Result<bool, InventoryError> {
    let result = stock::Entity::update_many()
        .col_expr(
            stock::Column::Reserved,
            Expr::col(stock::Column::Reserved).sub(quantity),
        )
        .filter(this_row(sku, warehouse))
        .filter(stock::Column::Reserved.gte(quantity))
        .exec(connection)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Changes on hand by `delta` and releases `consumed` of the reserved
/// quantity with it (an outbound of reserved goods); refused when on hand
/// would fall below what stays reserved.
pub async fn change_on_hand<C: ConnectionTrait>(
    connection: &C,
    sku: &str,
    warehouse: &str,
    delta: i64,
    consumed: i64,
) -> Result<bool, InventoryError> {
    let result = stock::Entity::update_many()
        .col_expr(
            stock::Column::OnHand,
            Expr::col(stock::Column::OnHand).add(delta),
        )
        .col_expr(
            stock::Column::Reserved,
            Expr::col(stock::Column::Reserved).sub(consumed),
        )
        .filter(this_row(sku, warehouse))
        .filter(stock::Column::Reserved.gte(consumed))
        .filter(
            Expr::col(stock::Column::OnHand)
                .add(delta)
                .gte(Expr::col(stock::Column::Reserved).sub(consumed)),
        )
        .exec(connection)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn level<C: ConnectionTrait>(
    connection: &C,
    sku: &str,
    warehouse: &str,
) -> Result<Level, InventoryError> {
    Ok(
        stock::Entity::find_by_id((sku.to_owned(), warehouse.to_owned()))
            .one(connection)
            .await?
            .map(|row| Level {
                on_hand: row.on_hand,
                reserved: row.reserved,
            })
            .unwrap_or_default(),
    )
}

pub async fn list<C: ConnectionTrait>(
    connection: &C,
    warehouse: Option<&str>,
    sku: Option<&str>,
    after: Option<(&str, &str)>,
    limit: u64,
) -> Result<Vec<StockRow>, InventoryError> {
    let mut query = stock::Entity::find();
    if let Some(warehouse) = warehouse {
        query = query.filter(stock::Column::Warehouse.eq(warehouse));
    }
    if let Some(sku) = sku {
        query = query.filter(stock::Column::Sku.eq(sku));
    }
    if let Some((sku, warehouse)) = after {
        query = query.filter(
            sea_orm::Condition::any()
                .add(stock::Column::Sku.gt(sku))
                .add(
                    sea_orm::Condition::all()
                        .add(stock::Column::Sku.eq(sku))
                        .add(stock::Column::Warehouse.gt(warehouse)),
                ),
        );
    }
    Ok(query
        .order_by_asc(stock::Column::Sku)
        .order_by_asc(stock::Column::Warehouse)
        .limit(limit)
        .all(connection)
        .await?
        .into_iter()
        .map(|row| StockRow {
            sku: row.sku,
            warehouse: row.warehouse,
            level: Level {
                on_hand: row.on_hand,
                reserved: row.reserved,
            },
        })
        .collect())
}

/// Appends to the ledger; there is no update or delete path (INV-7).
pub async fn record<C: ConnectionTrait>(
    connection: &C,
    movement: &Movement,
) -> Result<(), InventoryError> {
    let model = movement::Model {
        id: movement.id.clone(),
        batch: movement.batch.clone(),
        sku: movement.sku.clone(),
        warehouse: movement.warehouse.clone(),
        quantity: movement.quantity,
        reason: movement.reason.clone(),
        reference: movement.reference.clone(),
        note: movement.note.clone(),
        actor: movement.actor.clone(),
        at: movement.at,
    };
    movement::Entity::insert(model.into_active_model())
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

fn from_model(model: movement::Model) -> Movement {
    Movement {
        id: model.id,
        batch: model.batch,
        sku: model.sku,
        warehouse: model.warehouse,
        quantity: model.quantity,
        reason: model.reason,
        reference: model.reference,
        note: model.note,
        actor: model.actor,
        at: model.at,
    }
}

pub async fn movement<C: ConnectionTrait>(
    connection: &C,
    id: &str,
) -> Result<Option<Movement>, InventoryError> {
    Ok(movement::Entity::find_by_id(id.to_owned())
        .one(connection)
        .await?
        .map(from_model))
}

/// Oldest first.
pub async fn movements<C: ConnectionTrait>(
    connection: &C,
    sku: Option<&str>,
    warehouse: Option<&str>,
    reference: Option<&str>,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<Movement>, InventoryError> {
    let mut query = movement::Entity::find();
    if let Some(sku) = sku {
        query = query.filter(movement::Column::Sku.eq(sku));
    }
    if let Some(warehouse) = warehouse {
        query = query.filter(movement::Column::Warehouse.eq(warehouse));
    }
    if let Some(reference) = reference {
        query = query.filter(movement::Column::Reference.eq(reference));
    }
    if let Some(after) = after {
        query = query.filter(movement::Column::Id.gt(after));
    }
    Ok(query
        .order_by_asc(movement::Column::Id)
        .limit(limit)
        .all(connection)
        .await?
        .into_iter()
        .map(from_model)
        .collect())
}

/// The sum of the movements of a stock row: what on hand must equal (INV-7).
pub async fn ledger_total<C: ConnectionTrait>(
    connection: &C,
    sku: &str,
    warehouse: &str,
) -> Result<i64, InventoryError> {
    let quantities: Vec<i64> = movement::Entity::find()
        .select_only()
        .column(movement::Column::Quantity)
        .filter(movement::Column::Sku.eq(sku))
        .filter(movement::Column::Warehouse.eq(warehouse))
        .into_tuple()
        .all(connection)
        .await?;
    Ok(quantities.iter().sum())
}
