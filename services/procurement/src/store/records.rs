//! Suppliers, requisitions (with their sources) and purchase orders.

use chrono::NaiveDate;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::entities::{
    fabric_purchase, garment_order, outsourcing_order, purchase_order, requisition,
    requisition_source, supplier,
};
use super::{json, parse_json};
use crate::domain::ProcurementError;
use crate::domain::fabric::{FabricFilter, FabricPurchase};
use crate::domain::outsourcing::{Outsourcing, OutsourcingState};
use crate::domain::purchase::{PoState, PurchaseOrder};
use crate::domain::requisition::{Requisition, RequisitionState};
use crate::domain::supplier::{Supplier, SupplierStatus};

// ------------------------------------------------------------- suppliers

fn supplier_model(supplier: &Supplier) -> Result<supplier::Model, ProcurementError> {
    Ok(supplier::Model {
        code: supplier.code.clone(),
        status: supplier.status.as_str().to_owned(),
        updated_at: supplier.updated_at,
        body: json(supplier)?,
    })
}

/// False when the code is taken.
pub async fn insert_supplier<C: ConnectionTrait>(
    connection: &C,
    supplier: &Supplier,
) -> Result<bool, ProcurementError> {
    let outcome = supplier::Entity::insert(supplier_model(supplier)?.into_active_model())
        .on_conflict_do_nothing_on([supplier::Column::Code])
        .exec_without_returning(connection)
        .await?;
    Ok(matches!(outcome, sea_orm::TryInsertResult::Inserted(rows) if rows > 0))
}

pub async fn save_supplier<C: ConnectionTrait>(
    connection: &C,
    supplier: &Supplier,
) -> Result<(), ProcurementError> {
    use supplier::Column;
    supplier::Entity::insert(supplier_model(supplier)?.into_active_model())
        .on_conflict(
            OnConflict::column(Column::Code)
                .update_columns([Column::Status, Column::UpdatedAt, Column::Body])
                .to_owned(),
        )
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

pub async fn supplier<C: ConnectionTrait>(
    connection: &C,
    code: &str,
    for_update: bool,
) -> Result<Option<Supplier>, ProcurementError> {
    let mut query = supplier::Entity::find_by_id(code.to_owned());
    if for_update {
        query = query.lock_exclusive();
    }
    query
        .one(connection)
        .await?
        .map(|model| parse_json("supplier", &model.body))
        .transpose()
}

pub async fn suppliers<C: ConnectionTrait>(
    connection: &C,
    status: Option<SupplierStatus>,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<Supplier>, ProcurementError> {
    let mut query = supplier::Entity::find().order_by_asc(supplier::Column::Code);
    if let Some(status) = status {
        query = query.filter(supplier::Column::Status.eq(status.as_str()));
    }
    if let Some(after) = after {
        query = query.filter(supplier::Column::Code.gt(after));
    }
    query
        .limit(limit)
        .all(connection)
        .await?
        .into_iter()
        .map(|model| parse_json("supplier", &model.body))
        .collect()
}

// ---------------------------------------------------------- requisitions

fn requisition_model(requisition: &Requisition) -> Result<requisition::Model, ProcurementError> {
    Ok(requisition::Model {
        id: requisition.id.to_string(),
        sku: requisition.sku.clone(),
        need_by: requisition.need_by.to_string(),
        state: requisition.state.as_str().to_owned(),
        created_at: requisition.created_at,
        body: json(requisition)?,
    })
}

pub async fn save_requisition<C: ConnectionTrait>(
    connection: &C,
    requisition: &Requisition,
) -> Result<(), ProcurementError> {
    use requisition::Column;
    requisition::Entity::insert(requisition_model(requisition)?.into_active_model())
        .on_conflict(
            OnConflict::column(Column::Id)
                .update_columns([Column::State, Column::Body])
                .to_owned(),
        )
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

pub async fn requisition<C: ConnectionTrait>(
    connection: &C,
    id: &str,
    for_update: bool,
) -> Result<Option<Requisition>, ProcurementError> {
    let mut query = requisition::Entity::find_by_id(id.to_owned());
    if for_update {
        query = query.lock_exclusive();
    }
    query
        .one(connection)
        .await?
        .map(|model| parse_json("requisition", &model.body))
        .transpose()
}

/// PRC-2: the open requisition of a material and need-by day, to merge into.
pub async fn open_requisition<C: ConnectionTrait>(
    connection: &C,
    sku: &str,
    need_by: NaiveDate,
) -> Result<Option<Requisition>, ProcurementError> {
    requisition::Entity::find()
        .filter(requisition::Column::Sku.eq(sku))
        .filter(requisition::Column::NeedBy.eq(need_by.to_string()))
        .filter(requisition::Column::State.eq(RequisitionState::Open.as_str()))
        .order_by_asc(requisition::Column::Id)
        .lock_exclusive()
        .one(connection)
        .await?
        .map(|model| parse_json("requisition", &model.body))
        .transpose()
}

pub async fn requisitions<C: ConnectionTrait>(
    connection: &C,
    state: Option<RequisitionState>,
    sku: Option<&str>,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<Requisition>, ProcurementError> {
    let mut query = requisition::Entity::find().order_by_asc(requisition::Column::Id);
    if let Some(state) = state {
        query = query.filter(requisition::Column::State.eq(state.as_str()));
    }
    if let Some(sku) = sku {
        query = query.filter(requisition::Column::Sku.eq(sku));
    }
    if let Some(after) = after {
        query = query.filter(requisition::Column::Id.gt(after));
    }
    query
        .limit(limit)
        .all(connection)
        .await?
        .into_iter()
        .map(|model| parse_json("requisition", &model.body))
        .collect()
}

/// PRC-2: claims a source for a requisition; false when the source was
/// already taken (a redelivered shortage).
pub async fn claim_source<C: ConnectionTrait>(
    connection: &C,
    source_key: &str,
    requisition_id: &str,
) -> Result<bool, ProcurementError> {
    let model = requisition_source::Model {
        source_key: source_key.to_owned(),
        requisition_id: requisition_id.to_owned(),
    };
    let outcome = requisition_source::Entity::insert(model.into_active_model())
        .on_conflict_do_nothing_on([requisition_source::Column::SourceKey])
        .exec_without_returning(connection)
        .await?;
    Ok(matches!(outcome, sea_orm::TryInsertResult::Inserted(rows) if rows > 0))
}

// ------------------------------------------------------- purchase orders

fn order_model(order: &PurchaseOrder) -> Result<purchase_order::Model, ProcurementError> {
    Ok(purchase_order::Model {
        id: order.id.to_string(),
        supplier_code: order.supplier_code.clone(),
        state: order.state.as_str().to_owned(),
        late: order.late(),
        // What the late sweep looks at: the earliest promise that can still
        // make a line late.
        promised_date: order.next_due().map(|day| day.to_string()),
        created_at: order.created_at,
        updated_at: order.updated_at,
        body: json(order)?,
    })
}

pub async fn save_order<C: ConnectionTrait>(
    connection: &C,
    order: &PurchaseOrder,
) -> Result<(), ProcurementError> {
    use purchase_order::Column;
    purchase_order::Entity::insert(order_model(order)?.into_active_model())
        .on_conflict(
            OnConflict::column(Column::Id)
                .update_columns([
                    Column::State,
                    Column::Late,
                    Column::PromisedDate,
                    Column::UpdatedAt,
                    Column::Body,
                ])
                .to_owned(),
        )
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

pub async fn order<C: ConnectionTrait>(
    connection: &C,
    id: &str,
    for_update: bool,
) -> Result<Option<PurchaseOrder>, ProcurementError> {
    let mut query = purchase_order::Entity::find_by_id(id.to_owned());
    if for_update {
        query = query.lock_exclusive();
    }
    query
        .one(connection)
        .await?
        .map(|model| parse_json("purchase order", &model.body))
        .transpose()
}

pub async fn orders<C: ConnectionTrait>(
    connection: &C,
    state: Option<PoState>,
    supplier_code: Option<&str>,
    late_only: bool,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<PurchaseOrder>, ProcurementError> {
    let mut query = purchase_order::Entity::find().order_by_asc(purchase_order::Column::Id);
    if let Some(state) = state {
        query = query.filter(purchase_order::Column::State.eq(state.as_str()));
    }
    if let Some(code) = supplier_code {
        query = query.filter(purchase_order::Column::SupplierCode.eq(code));
    }
    if late_only {
        query = query.filter(purchase_order::Column::Late.eq(true));
    }
    if let Some(after) = after {
        query = query.filter(purchase_order::Column::Id.gt(after));
    }
    query
        .limit(limit)
        .all(connection)
        .await?
        .into_iter()
        .map(|model| parse_json("purchase order", &model.body))
        .collect()
}

/// PRC-4: sent orders with a line past its promise and not yet flagged
/// late.
pub async fn overdue_orders<C: ConnectionTrait>(
    connection: &C,
    today: NaiveDate,
    limit: u64,
) -> Result<Vec<PurchaseOrder>, ProcurementError> {
    purchase_order::Entity::find()
        .filter(purchase_order::Column::State.eq(PoState::Sent.as_str()))
        .filter(purchase_order::Column::PromisedDate.lt(today.to_string()))
        .order_by_asc(purchase_order::Column::PromisedDate)
        .limit(limit)
        .lock_exclusive()
        .all(connection)
        .await?
        .into_iter()
        .map(|model| parse_json("purchase order", &model.body))
        .collect()
}

// ------------------------------------------------------ outsourcing orders

fn outsourcing_model(order: &Outsourcing) -> Result<outsourcing_order::Model, ProcurementError> {
    Ok(outsourcing_order::Model {
        id: order.id.to_string(),
        production_order_id: order.demand.production_order_id.clone(),
        seq: order.demand.seq,
        state: order.state.as_str().to_owned(),
        created_at: order.created_at,
        body: json(order)?,
    })
}

/// PRC-6: false when the operation already has its outsourcing order.
pub async fn insert_outsourcing<C: ConnectionTrait>(
    connection: &C,
    order: &Outsourcing,
) -> Result<bool, ProcurementError> {
    use outsourcing_order::Column;
    let outcome = outsourcing_order::Entity::insert(outsourcing_model(order)?.into_active_model())
        .on_conflict_do_nothing_on([Column::ProductionOrderId, Column::Seq])
        .exec_without_returning(connection)
        .await?;
    Ok(matches!(outcome, sea_orm::TryInsertResult::Inserted(rows) if rows > 0))
}

pub async fn save_outsourcing<C: ConnectionTrait>(
    connection: &C,
    order: &Outsourcing,
) -> Result<(), ProcurementError> {
    use outsourcing_order::Column;
    outsourcing_order::Entity::insert(outsourcing_model(order)?.into_active_model())
        .on_conflict(
            OnConflict::column(Column::Id)
                .update_columns([Column::State, Column::Body])
                .to_owned(),
        )
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

pub async fn outsourcing<C: ConnectionTrait>(
    connection: &C,
    id: &str,
    for_update: bool,
) -> Result<Option<Outsourcing>, ProcurementError> {
    let mut query = outsourcing_order::Entity::find_by_id(id.to_owned());
    if for_update {
        query = query.lock_exclusive();
    }
    let order: Option<Outsourcing> = query
        .one(connection)
        .await?
        .map(|model| parse_json("outsourcing order", &model.body))
        .transpose()?;
    if let Some(order) = &order {
        // Files the current span under the customer order (architecture.md §6).
        orderflow_platform::telemetry::tag_order(
            &order.demand.order_id,
            &order.demand.order_number,
        );
    }
    Ok(order)
}

pub async fn outsourcings<C: ConnectionTrait>(
    connection: &C,
    state: Option<OutsourcingState>,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<Outsourcing>, ProcurementError> {
    let mut query = outsourcing_order::Entity::find().order_by_asc(outsourcing_order::Column::Id);
    if let Some(state) = state {
        query = query.filter(outsourcing_order::Column::State.eq(state.as_str()));
    }
    if let Some(after) = after {
        query = query.filter(outsourcing_order::Column::Id.gt(after));
    }
    query
        .limit(limit)
        .all(connection)
        .await?
        .into_iter()
        .map(|model| parse_json("outsourcing order", &model.body))
        .collect()
}

// ------------------------------------------------------- fabric purchases

fn fabric_model(purchase: &FabricPurchase) -> Result<fabric_purchase::Model, ProcurementError> {
    Ok(fabric_purchase::Model {
        id: purchase.id.to_string(),
        order_id: purchase.order.order_id.clone(),
        supplier_code: purchase.order.supplier_code.clone(),
        manufacturer_code: purchase.order.manufacturer_code.clone(),
        state: purchase.state.as_str().to_owned(),
        created_at: purchase.created_at,
        body: json(purchase)?,
    })
}

pub async fn save_fabric<C: ConnectionTrait>(
    connection: &C,
    purchase: &FabricPurchase,
) -> Result<(), ProcurementError> {
    use fabric_purchase::Column;
    fabric_purchase::Entity::insert(fabric_model(purchase)?.into_active_model())
        .on_conflict(
            OnConflict::column(Column::Id)
                .update_columns([Column::State, Column::Body])
                .to_owned(),
        )
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

pub async fn fabric<C: ConnectionTrait>(
    connection: &C,
    id: &str,
    for_update: bool,
) -> Result<Option<FabricPurchase>, ProcurementError> {
    let mut query = fabric_purchase::Entity::find_by_id(id.to_owned());
    if for_update {
        query = query.lock_exclusive();
    }
    let purchase: Option<FabricPurchase> = query
        .one(connection)
        .await?
        .map(|model| parse_json("fabric purchase", &model.body))
        .transpose()?;
    if let Some(purchase) = &purchase {
        orderflow_platform::telemetry::tag_order(
            &purchase.order.order_id,
            &purchase.order.order_number,
        );
    }
    Ok(purchase)
}

pub async fn fabrics<C: ConnectionTrait>(
    connection: &C,
    filter: &FabricFilter,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<FabricPurchase>, ProcurementError> {
    use fabric_purchase::Column;
    let mut query = fabric_purchase::Entity::find().order_by_asc(Column::Id);
    if let Some(state) = filter.state {
        query = query.filter(Column::State.eq(state.as_str()));
    }
    if let Some(order) = &filter.order_id {
        query = query.filter(Column::OrderId.eq(order.as_str()));
    }
    if let Some(partner) = &filter.partner {
        query = query.filter(
            sea_orm::Condition::any()
                .add(Column::SupplierCode.eq(partner.as_str()))
                .add(Column::ManufacturerCode.eq(partner.as_str())),
        );
    }
    if let Some(after) = after {
        query = query.filter(Column::Id.gt(after));
    }
    query
        .limit(limit)
        .all(connection)
        .await?
        .into_iter()
        .map(|model| parse_json("fabric purchase", &model.body))
        .collect()
}

// ------------------------------------------- made-to-measure orders known

/// PRC-7: a made-to-measure order's number and state as last reported.
pub async fn save_garment_order<C: ConnectionTrait>(
    connection: &C,
    order_id: &str,
    number: &str,
    state: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), ProcurementError> {
    use garment_order::Column;
    let model = garment_order::Model {
        order_id: order_id.to_owned(),
        number: number.to_owned(),
        state: state.to_owned(),
        updated_at: at,
    };
    garment_order::Entity::insert(model.into_active_model())
        .on_conflict(
            OnConflict::column(Column::OrderId)
                .update_columns([Column::Number, Column::State, Column::UpdatedAt])
                .to_owned(),
        )
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

/// The number and state of a made-to-measure order, if one was reported.
pub async fn garment_order<C: ConnectionTrait>(
    connection: &C,
    order_id: &str,
) -> Result<Option<(String, String)>, ProcurementError> {
    Ok(garment_order::Entity::find_by_id(order_id.to_owned())
        .one(connection)
        .await?
        .map(|model| (model.number, model.state)))
}
