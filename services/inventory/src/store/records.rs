//! Items, kits, reservations, pick lists, order notes and work contact sheets.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};

use super::entities::{item, kit, order_note, pick_list, reservation, work_contact_sheet};
use super::{corrupt, json, parse_json};
use crate::domain::InventoryError;
use crate::domain::item::{Item, Kit};
use crate::domain::picking::{PickList, PickState};
use crate::domain::reservation::{Reservation, ReservationState};
pub use crate::domain::sheet::WorkContactSheet;
use crate::domain::stock::Line;

fn item_from(model: item::Model) -> Item {
    Item {
        sku: model.sku,
        name: model.name,
        unit: model.unit,
        weight_grams: model.weight_grams,
        created_at: model.created_at,
        bought: model.bought,
    }
}

/// False when the SKU exists.
pub async fn insert_item<C: ConnectionTrait>(
    connection: &C,
    item: &Item,
) -> Result<bool, InventoryError> {
    let model = item::Model {
        sku: item.sku.clone(),
        name: item.name.clone(),
        unit: item.unit.clone(),
        weight_grams: item.weight_grams,
        created_at: item.created_at,
        bought: item.bought,
    };
    let outcome = item::Entity::insert(model.into_active_model())
        .on_conflict_do_nothing_on([item::Column::Sku])
        .exec_without_returning(connection)
        .await?;
    Ok(matches!(outcome, sea_orm::TryInsertResult::Inserted(rows) if rows > 0))
}

pub async fn item<C: ConnectionTrait>(
    connection: &C,
    sku: &str,
) -> Result<Option<Item>, InventoryError> {
    Ok(item::Entity::find_by_id(sku.to_owned())
        .one(connection)
        .await?
        .map(item_from))
}

pub async fn items<C: ConnectionTrait>(
    connection: &C,
    skus: Vec<String>,
) -> Result<Vec<Item>, InventoryError> {
    Ok(item::Entity::find()
        .filter(item::Column::Sku.is_in(skus))
        .all(connection)
        .await?
        .into_iter()
        .map(item_from)
        .collect())
}

pub async fn list_items<C: ConnectionTrait>(
    connection: &C,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<Item>, InventoryError> {
    let mut query = item::Entity::find();
    if let Some(after) = after {
        query = query.filter(item::Column::Sku.gt(after));
    }
    Ok(query
        .order_by_asc(item::Column::Sku)
        .limit(limit)
        .all(connection)
        .await?
        .into_iter()
        .map(item_from)
        .collect())
}

pub async fn save_kit<C: ConnectionTrait>(connection: &C, kit: &Kit) -> Result<(), InventoryError> {
    let model = kit::Model {
        sku: kit.sku.clone(),
        name: kit.name.clone(),
        components: json(&kit.components)?,
        total_weight_grams: kit.total_weight_grams,
    };
    kit::Entity::insert(model.into_active_model())
        .on_conflict(
            OnConflict::column(kit::Column::Sku)
                .update_columns([
                    kit::Column::Name,
                    kit::Column::Components,
                    kit::Column::TotalWeightGrams,
                ])
                .to_owned(),
        )
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

pub async fn kit<C: ConnectionTrait>(
    connection: &C,
    sku: &str,
) -> Result<Option<Kit>, InventoryError> {
    kit::Entity::find_by_id(sku.to_owned())
        .one(connection)
        .await?
        .map(|model| {
            Ok(Kit {
                components: parse_json("kit components", &model.components)?,
                sku: model.sku,
                name: model.name,
                total_weight_grams: model.total_weight_grams,
            })
        })
        .transpose()
}

fn reservation_model(reservation: &Reservation) -> Result<reservation::Model, InventoryError> {
    Ok(reservation::Model {
        order_id: reservation.order_id.clone(),
        order_number: reservation.order_number.clone(),
        warehouse: reservation.warehouse.clone(),
        state: reservation.state.as_str().to_owned(),
        lines: json(&reservation.lines)?,
        created_at: reservation.created_at,
        updated_at: reservation.updated_at,
    })
}

/// Claims the order's reservation; false when it already has one (a
/// concurrent claim waits for the first to commit, then finds it).
pub async fn claim_reservation<C: ConnectionTrait>(
    connection: &C,
    reservation: &Reservation,
) -> Result<bool, InventoryError> {
    let outcome = reservation::Entity::insert(reservation_model(reservation)?.into_active_model())
        .on_conflict_do_nothing_on([reservation::Column::OrderId])
        .exec_without_returning(connection)
        .await?;
    Ok(matches!(outcome, sea_orm::TryInsertResult::Inserted(rows) if rows > 0))
}

pub async fn save_reservation<C: ConnectionTrait>(
    connection: &C,
    reservation: &Reservation,
) -> Result<(), InventoryError> {
    let active = reservation_model(reservation)?
        .into_active_model()
        .reset_all();
    reservation::Entity::update(active).exec(connection).await?;
    Ok(())
}

pub async fn reservation<C: ConnectionTrait>(
    connection: &C,
    order_id: &str,
    for_update: bool,
) -> Result<Option<Reservation>, InventoryError> {
    let mut query = reservation::Entity::find_by_id(order_id.to_owned());
    if for_update {
        query = query.lock_exclusive();
    }
    query
        .one(connection)
        .await?
        .map(|model| {
            orderflow_platform::telemetry::tag_order(&model.order_id, &model.order_number);
            Ok(Reservation {
                state: ReservationState::parse(&model.state)
                    .ok_or_else(|| corrupt("reservation state", &model.state))?,
                lines: parse_json("reservation lines", &model.lines)?,
                order_id: model.order_id,
                order_number: model.order_number,
                warehouse: model.warehouse,
                created_at: model.created_at,
                updated_at: model.updated_at,
            })
        })
        .transpose()
}

fn pick_list_model(list: &PickList) -> Result<pick_list::Model, InventoryError> {
    Ok(pick_list::Model {
        id: list.id.clone(),
        order_id: list.order_id.clone(),
        order_number: list.order_number.clone(),
        warehouse: list.warehouse.clone(),
        lines: json(&list.lines)?,
        notes: list.notes.clone(),
        state: list.state.as_str().to_owned(),
        inspected_by: list.inspected_by.clone(),
        inspection_note: list.inspection_note.clone(),
        created_at: list.created_at,
    })
}

pub async fn insert_pick_list<C: ConnectionTrait>(
    connection: &C,
    list: &PickList,
) -> Result<(), InventoryError> {
    pick_list::Entity::insert(pick_list_model(list)?.into_active_model())
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

pub async fn save_pick_list<C: ConnectionTrait>(
    connection: &C,
    list: &PickList,
) -> Result<(), InventoryError> {
    let active = pick_list_model(list)?.into_active_model().reset_all();
    pick_list::Entity::update(active).exec(connection).await?;
    Ok(())
}

pub async fn pick_list<C: ConnectionTrait>(
    connection: &C,
    id: &str,
) -> Result<PickList, InventoryError> {
    let model = pick_list::Entity::find_by_id(id.to_owned())
        .lock_exclusive()
        .one(connection)
        .await?
        .ok_or_else(|| InventoryError::not_found("pick list", id))?;
    orderflow_platform::telemetry::tag_order(&model.order_id, &model.order_number);
    Ok(PickList {
        lines: parse_json::<Vec<Line>>("pick list lines", &model.lines)?,
        state: PickState::parse(&model.state)
            .ok_or_else(|| corrupt("pick list state", &model.state))?,
        id: model.id,
        order_id: model.order_id,
        order_number: model.order_number,
        warehouse: model.warehouse,
        notes: model.notes,
        inspected_by: model.inspected_by,
        inspection_note: model.inspection_note,
        created_at: model.created_at,
    })
}

/// The special notes of an order, copied from the orders service's events.
/// Keeps the notes of the order as of `order_updated_at` (its own update
/// time), unless a newer version of the order was kept already: two
/// replicas handle an order's events side by side, and the older one may
/// come last.
pub async fn remember_order_notes<C: ConnectionTrait>(
    connection: &C,
    order_id: &str,
    order_number: &str,
    notes: &str,
    order_updated_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), InventoryError> {
    let row = order_note::ActiveModel {
        order_id: Set(order_id.to_owned()),
        order_number: Set(order_number.to_owned()),
        notes: Set(notes.to_owned()),
        updated_at: Set(now),
        order_updated_at: Set(Some(order_updated_at)),
    };
    let kept = Expr::col((order_note::Entity, order_note::Column::OrderUpdatedAt));
    order_note::Entity::insert(row)
        .on_conflict(
            OnConflict::column(order_note::Column::OrderId)
                .update_columns([
                    order_note::Column::OrderNumber,
                    order_note::Column::Notes,
                    order_note::Column::UpdatedAt,
                    order_note::Column::OrderUpdatedAt,
                ])
                .action_and_where(kept.clone().is_null().or(kept.lte(order_updated_at)))
                .to_owned(),
        )
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

pub async fn order_notes<C: ConnectionTrait>(
    connection: &C,
    order_id: &str,
) -> Result<Option<String>, InventoryError> {
    Ok(order_note::Entity::find_by_id(order_id.to_owned())
        .one(connection)
        .await?
        .map(|row| row.notes))
}

pub async fn insert_sheet<C: ConnectionTrait>(
    connection: &C,
    sheet: &WorkContactSheet,
) -> Result<(), InventoryError> {
    let model = work_contact_sheet::Model {
        id: sheet.id.clone(),
        reference: sheet.reference.clone(),
        subject: sheet.subject.clone(),
        body: sheet.body.clone(),
        lines: json(&sheet.lines)?,
        created_by: sheet.created_by.clone(),
        created_at: sheet.created_at,
    };
    work_contact_sheet::Entity::insert(model.into_active_model())
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

pub async fn sheet<C: ConnectionTrait>(
    connection: &C,
    id: &str,
) -> Result<Option<WorkContactSheet>, InventoryError> {
    work_contact_sheet::Entity::find_by_id(id.to_owned())
        .one(connection)
        .await?
        .map(|model| {
            Ok(WorkContactSheet {
                lines: parse_json("sheet lines", &model.lines)?,
                id: model.id,
                reference: model.reference,
                subject: model.subject,
                body: model.body,
                created_by: model.created_by,
                created_at: model.created_at,
            })
        })
        .transpose()
}

// ------------------------------------------------------ purchase receipts

/// PRC-5: a receipt procurement's IQC decided (kept once; a repeated event
/// changes nothing).
pub async fn remember_purchase_receipt<C: ConnectionTrait>(
    connection: &C,
    receipt_id: &str,
    purchase_order: &str,
    sku: &str,
    accepted: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), InventoryError> {
    use super::entities::purchase_receipt;
    let model = purchase_receipt::Model {
        receipt_id: receipt_id.to_owned(),
        purchase_order: purchase_order.to_owned(),
        sku: sku.to_owned(),
        accepted,
        booked: 0,
        updated_at: now,
    };
    purchase_receipt::Entity::insert(model.into_active_model())
        .on_conflict_do_nothing_on([purchase_receipt::Column::ReceiptId])
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

/// PRC-5, PRC-8: books `quantity` of `sku` against a receipt IQC passed;
/// refused for anything IQC did not accept, or beyond what it accepted.
pub async fn book_purchase_receipt<C: ConnectionTrait>(
    connection: &C,
    receipt_id: &str,
    sku: &str,
    quantity: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), InventoryError> {
    use super::entities::purchase_receipt;
    let subject = format!("receipts/{receipt_id}");
    let Some(receipt) = purchase_receipt::Entity::find_by_id(receipt_id.to_owned())
        .lock_exclusive()
        .one(connection)
        .await?
    else {
        return Err(InventoryError::precondition(
            "NOT_PASSED_BY_IQC",
            subject,
            "purchased goods are booked in only against a receipt procurement's IQC passed (PRC-5); the reference names none",
        ));
    };
    let open = receipt.accepted - receipt.booked;
    if receipt.sku != sku || quantity > open {
        return Err(InventoryError::precondition(
            "NOT_PASSED_BY_IQC",
            subject,
            format!(
                "IQC accepted {} {} on this receipt and {} of it is still to book; not {quantity} {sku}",
                receipt.accepted, receipt.sku, open
            ),
        ));
    }
    let booked = receipt.booked + quantity;
    let mut active = receipt.into_active_model();
    active.booked = sea_orm::ActiveValue::Set(booked);
    active.updated_at = sea_orm::ActiveValue::Set(now);
    purchase_receipt::Entity::update(active)
        .exec(connection)
        .await?;
    Ok(())
}
