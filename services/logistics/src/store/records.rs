//! Carriers, routing rules, shipments and pick-ups.

use chrono::NaiveDate;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::entities::{carrier, pickup, routing_rules, shipment};
use super::{corrupt, json, parse_json};
use crate::domain::LogisticsError;
use crate::domain::pickup::Pickup;
use crate::domain::routing::{Carrier, Rules};
use crate::domain::shipment::{Shipment, ShipmentState};

fn carrier_from(model: carrier::Model) -> Carrier {
    Carrier {
        code: model.code,
        name: model.name,
        promised_days: model.promised_days,
        tracking_url_template: model.tracking_url_template,
        created_at: model.created_at,
    }
}

/// False when the code is taken.
pub async fn insert_carrier<C: ConnectionTrait>(
    connection: &C,
    carrier: &Carrier,
) -> Result<bool, LogisticsError> {
    let model = carrier::Model {
        code: carrier.code.clone(),
        name: carrier.name.clone(),
        promised_days: carrier.promised_days,
        tracking_url_template: carrier.tracking_url_template.clone(),
        created_at: carrier.created_at,
    };
    let outcome = carrier::Entity::insert(model.into_active_model())
        .on_conflict_do_nothing_on([carrier::Column::Code])
        .exec_without_returning(connection)
        .await?;
    Ok(matches!(outcome, sea_orm::TryInsertResult::Inserted(rows) if rows > 0))
}

pub async fn carriers<C: ConnectionTrait>(connection: &C) -> Result<Vec<Carrier>, LogisticsError> {
    Ok(carrier::Entity::find()
        .order_by_asc(carrier::Column::Code)
        .all(connection)
        .await?
        .into_iter()
        .map(carrier_from)
        .collect())
}

pub async fn carrier<C: ConnectionTrait>(
    connection: &C,
    code: &str,
) -> Result<Option<Carrier>, LogisticsError> {
    Ok(carrier::Entity::find_by_id(code.to_owned())
        .one(connection)
        .await?
        .map(carrier_from))
}

fn rules_from(model: routing_rules::Model) -> Result<Rules, LogisticsError> {
    Ok(Rules {
        rules: parse_json("routing rules", &model.rules)?,
        default_carrier_code: model.default_carrier_code,
        version: model.version,
        updated_by: model.updated_by,
        updated_at: model.updated_at,
    })
}

/// The rules in effect: the highest version.
pub async fn rules<C: ConnectionTrait>(connection: &C) -> Result<Option<Rules>, LogisticsError> {
    routing_rules::Entity::find()
        .order_by_desc(routing_rules::Column::Version)
        .one(connection)
        .await?
        .map(rules_from)
        .transpose()
}

/// One version of the rules, current or not.
pub async fn rules_version<C: ConnectionTrait>(
    connection: &C,
    version: i32,
) -> Result<Option<Rules>, LogisticsError> {
    routing_rules::Entity::find_by_id(version)
        .one(connection)
        .await?
        .map(rules_from)
        .transpose()
}

/// False when that version exists (someone else replaced the rules first).
pub async fn insert_rules<C: ConnectionTrait>(
    connection: &C,
    rules: &Rules,
) -> Result<bool, LogisticsError> {
    let model = routing_rules::Model {
        version: rules.version,
        rules: json(&rules.rules)?,
        default_carrier_code: rules.default_carrier_code.clone(),
        updated_by: rules.updated_by.clone(),
        updated_at: rules.updated_at,
    };
    let outcome = routing_rules::Entity::insert(model.into_active_model())
        .on_conflict_do_nothing_on([routing_rules::Column::Version])
        .exec_without_returning(connection)
        .await?;
    Ok(matches!(outcome, sea_orm::TryInsertResult::Inserted(rows) if rows > 0))
}

fn shipment_model(shipment: &Shipment) -> Result<shipment::Model, LogisticsError> {
    Ok(shipment::Model {
        order_id: shipment.order_id.clone(),
        order_snapshot: json(&shipment.order)?,
        ship_to: json(&shipment.ship_to)?,
        state: shipment.state.as_str().to_owned(),
        carrier_code: shipment.carrier_code.clone(),
        carrier_reason: shipment.carrier_reason.clone(),
        planned_ship_date: shipment.planned_ship_date.map(|day| day.to_string()),
        note_number: shipment.note_number.clone(),
        note_approved_by: shipment.note_approved_by.clone(),
        tracking_number: shipment.tracking_number.clone(),
        dispatched_at: shipment.dispatched_at,
        promised_at: shipment.promised_at,
        delay_announced: shipment.delay_announced,
        plan_overdue: shipment.plan_overdue,
        tracking: json(&shipment.tracking)?,
        delivered_at: shipment.delivered_at,
        received_at: shipment.received_at,
        receipt_confirmed_by: shipment.receipt_confirmed_by.clone(),
        goods_out: shipment.goods_out,
        updated_at: shipment.updated_at,
    })
}

fn shipment_from(model: shipment::Model) -> Result<Shipment, LogisticsError> {
    Ok(Shipment {
        order: parse_json("order snapshot", &model.order_snapshot)?,
        ship_to: parse_json("ship-to", &model.ship_to)?,
        state: ShipmentState::parse(&model.state)
            .ok_or_else(|| corrupt("shipment state", &model.state))?,
        planned_ship_date: model
            .planned_ship_date
            .as_deref()
            .map(|text| {
                NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .map_err(|error| corrupt("planned ship date", error))
            })
            .transpose()?,
        tracking: parse_json("tracking", &model.tracking)?,
        order_id: model.order_id,
        carrier_code: model.carrier_code,
        carrier_reason: model.carrier_reason,
        note_number: model.note_number,
        note_approved_by: model.note_approved_by,
        tracking_number: model.tracking_number,
        dispatched_at: model.dispatched_at,
        promised_at: model.promised_at,
        delay_announced: model.delay_announced,
        plan_overdue: model.plan_overdue,
        delivered_at: model.delivered_at,
        received_at: model.received_at,
        receipt_confirmed_by: model.receipt_confirmed_by,
        goods_out: model.goods_out,
        updated_at: model.updated_at,
    })
}

pub async fn shipment<C: ConnectionTrait>(
    connection: &C,
    order_id: &str,
    for_update: bool,
) -> Result<Option<Shipment>, LogisticsError> {
    let mut query = shipment::Entity::find_by_id(order_id.to_owned());
    if for_update {
        query = query.lock_exclusive();
    }
    Ok(tagged(
        query
            .one(connection)
            .await?
            .map(shipment_from)
            .transpose()?,
    ))
}

/// Files the current span under the order of the shipment it read
/// (architecture.md §6).
fn tagged(shipment: Option<Shipment>) -> Option<Shipment> {
    if let Some(shipment) = &shipment {
        orderflow_platform::telemetry::tag_order(&shipment.order_id, &shipment.order.number);
    }
    shipment
}

pub async fn shipment_by_tracking<C: ConnectionTrait>(
    connection: &C,
    tracking_number: &str,
) -> Result<Option<Shipment>, LogisticsError> {
    shipment::Entity::find()
        .filter(shipment::Column::TrackingNumber.eq(tracking_number))
        .lock_exclusive()
        .one(connection)
        .await?
        .map(shipment_from)
        .transpose()
        .map(tagged)
}

/// The order's shipment, locked; `None` when there was none and `fresh` is
/// now filed. The insert claims the order: another replica filing a
/// shipment of the same new order at the same moment waits for this commit
/// and then finds this one (two upserts would leave the last committed, an
/// older version of the order possibly).
pub async fn shipment_or_insert<C: ConnectionTrait>(
    connection: &C,
    fresh: &Shipment,
) -> Result<Option<Shipment>, LogisticsError> {
    if let Some(kept) = shipment(connection, &fresh.order_id, true).await? {
        return Ok(Some(kept));
    }
    let inserted = orderflow_platform::db::insert_if_absent::<shipment::Entity, _>(
        connection,
        shipment_model(fresh)?.into_active_model(),
    )
    .await?;
    if inserted {
        return Ok(None);
    }
    shipment(connection, &fresh.order_id, true).await
}

pub async fn save_shipment<C: ConnectionTrait>(
    connection: &C,
    shipment: &Shipment,
) -> Result<(), LogisticsError> {
    use shipment::Column;
    shipment::Entity::insert(shipment_model(shipment)?.into_active_model())
        .on_conflict(
            OnConflict::column(Column::OrderId)
                .update_columns([
                    Column::OrderSnapshot,
                    Column::ShipTo,
                    Column::State,
                    Column::CarrierCode,
                    Column::CarrierReason,
                    Column::PlannedShipDate,
                    Column::NoteNumber,
                    Column::NoteApprovedBy,
                    Column::TrackingNumber,
                    Column::DispatchedAt,
                    Column::PromisedAt,
                    Column::DelayAnnounced,
                    Column::PlanOverdue,
                    Column::Tracking,
                    Column::DeliveredAt,
                    Column::ReceivedAt,
                    Column::ReceiptConfirmedBy,
                    Column::GoodsOut,
                    Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

/// Shipments in `state`, for the sweeps (late ones, automatic receipt).
pub async fn shipments_in<C: ConnectionTrait>(
    connection: &C,
    state: ShipmentState,
    limit: u64,
) -> Result<Vec<Shipment>, LogisticsError> {
    shipment::Entity::find()
        .filter(shipment::Column::State.eq(state.as_str()))
        .order_by_asc(shipment::Column::OrderId)
        .limit(limit)
        .all(connection)
        .await?
        .into_iter()
        .map(shipment_from)
        .collect()
}

/// Shipments not planned yet whose SLA-4 miss is not flagged, in order id
/// order after `after`.
pub async fn unplanned_unflagged<C: ConnectionTrait>(
    connection: &C,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<Shipment>, LogisticsError> {
    let mut query = shipment::Entity::find()
        .filter(shipment::Column::State.eq(ShipmentState::Open.as_str()))
        .filter(shipment::Column::PlanOverdue.eq(false));
    if let Some(after) = after {
        query = query.filter(shipment::Column::OrderId.gt(after));
    }
    query
        .order_by_asc(shipment::Column::OrderId)
        .limit(limit)
        .all(connection)
        .await?
        .into_iter()
        .map(shipment_from)
        .collect()
}

pub async fn insert_pickup<C: ConnectionTrait>(
    connection: &C,
    pickup: &Pickup,
) -> Result<(), LogisticsError> {
    let model = pickup::Model {
        id: pickup.id.clone(),
        order_id: pickup.order_id.clone(),
        reference: pickup.reference.clone(),
        address: json(&pickup.address)?,
        pickup_date: pickup.pickup_date.to_string(),
        carrier_code: pickup.carrier_code.clone(),
        reason: pickup.reason.clone(),
        created_at: pickup.created_at,
    };
    pickup::Entity::insert(model.into_active_model())
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

pub async fn pickup<C: ConnectionTrait>(
    connection: &C,
    id: &str,
) -> Result<Option<Pickup>, LogisticsError> {
    pickup::Entity::find_by_id(id.to_owned())
        .one(connection)
        .await?
        .map(|model| {
            Ok(Pickup {
                address: parse_json("pick-up address", &model.address)?,
                pickup_date: model
                    .pickup_date
                    .parse::<NaiveDate>()
                    .map_err(|error| corrupt("pick-up date", error))?,
                id: model.id,
                order_id: model.order_id,
                reference: model.reference,
                carrier_code: model.carrier_code,
                reason: model.reason,
                created_at: model.created_at,
            })
        })
        .transpose()
}
