//! ORD-16: confirmation sheets, one per confirmed order, kept as the
//! snapshot document they are.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, IntoActiveModel, QuerySelect,
};

use super::entities::confirmation_sheet;
use super::{json, parse_json};
use crate::domain::OrderError;
use crate::domain::confirmation::ConfirmationSheet;

fn model(sheet: &ConfirmationSheet) -> Result<confirmation_sheet::Model, OrderError> {
    Ok(confirmation_sheet::Model {
        order_id: sheet.order_id.clone(),
        number: sheet.number.clone(),
        body: json(sheet)?,
        issued_at: sheet.issued_at,
        acknowledged_at: sheet.acknowledgement.as_ref().map(|done| done.at),
    })
}

pub async fn insert<C: ConnectionTrait>(
    connection: &C,
    sheet: &ConfirmationSheet,
) -> Result<(), OrderError> {
    confirmation_sheet::Entity::insert(model(sheet)?.into_active_model())
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

/// The order's sheet; with `lock`, held for an update until the
/// transaction ends.
pub async fn find<C: ConnectionTrait>(
    connection: &C,
    order_id: &str,
    lock: bool,
) -> Result<Option<ConfirmationSheet>, OrderError> {
    let mut query = confirmation_sheet::Entity::find_by_id(order_id.to_owned());
    if lock {
        query = query.lock_exclusive();
    }
    query
        .one(connection)
        .await?
        .map(|row| parse_json("confirmation sheet", &row.body))
        .transpose()
}

pub async fn update<C: ConnectionTrait>(
    connection: &C,
    sheet: &ConfirmationSheet,
) -> Result<(), OrderError> {
    let row = model(sheet)?;
    confirmation_sheet::ActiveModel {
        order_id: Set(row.order_id),
        number: Set(row.number),
        body: Set(row.body),
        issued_at: Set(row.issued_at),
        acknowledged_at: Set(row.acknowledged_at),
    }
    .update(connection)
    .await?;
    Ok(())
}
