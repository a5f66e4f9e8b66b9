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
use crate::domain::ProcurementError;
use crate::domain::fabric::{FabricFilter, FabricPurchase};
use crate::domain::outsourcing::{Outsourcing, OutsourcingState};
use crate::domain::purchase::{PoState, PurchaseOrder};
use crate::domain::requisition::{Requisition, RequisitionState};
use crate::domain::supplier::{Supplier, SupplierStatus};
use orderflow_platform::db::document::{self, Document};
use orderflow_platform::telemetry::tag_order;

// ------------------------------------------------------------- suppliers

impl Document for Supplier {
    type Entity = supplier::Entity;
    const NAME: &'static str = "supplier";

    fn row(&self, body: String) -> supplier::Model {
        supplier::Model {
            code: self.code.clone(),
            status: self.status.as_str().to_owned(),
            updated_at: self.updated_at,
            body,
        }
    }

    fn body(row: &supplier::Model) -> &str {
        &row.body
    }

    fn changing() -> Vec<supplier::Column> {
        use supplier::Column;
        vec![Column::Status, Column::UpdatedAt, Column::Body]
    }
}

/// False when the code is taken.
pub async fn insert_supplier<C: ConnectionTrait>(
    connection: &C,
    supplier: &Supplier,
) -> Result<bool, ProcurementError> {
    document::insert_new(connection, supplier, [supplier::Column::Code]).await
}

pub async fn save_supplier<C: ConnectionTrait>(
    connection: &C,
    supplier: &Supplier,
) -> Result<(), ProcurementError> {
    document::save(connection, supplier).await
}

pub async fn supplier<C: ConnectionTrait>(
    connection: &C,
    code: &str,
    for_update: bool,
) -> Result<Option<Supplier>, ProcurementError> {
    document::load(connection, code, for_update).await
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
    document::all(connection, query.limit(limit)).await
}

// ---------------------------------------------------------- requisitions

impl Document for Requisition {
    type Entity = requisition::Entity;
    const NAME: &'static str = "requisition";

    fn row(&self, body: String) -> requisition::Model {
        requisition::Model {
            id: self.id.to_string(),
            sku: self.sku.clone(),
            need_by: self.need_by.to_string(),
            state: self.state.as_str().to_owned(),
            created_at: self.created_at,
            body,
        }
    }

    fn body(row: &requisition::Model) -> &str {
        &row.body
    }

    fn changing() -> Vec<requisition::Column> {
        vec![requisition::Column::State, requisition::Column::Body]
    }
}

pub async fn save_requisition<C: ConnectionTrait>(
    connection: &C,
    requisition: &Requisition,
) -> Result<(), ProcurementError> {
    document::save(connection, requisition).await
}

pub async fn requisition<C: ConnectionTrait>(
    connection: &C,
    id: &str,
    for_update: bool,
) -> Result<Option<Requisition>, ProcurementError> {
    document::load(connection, id, for_update).await
}

/// PRC-2: the open requisition of a material and need-by day, to merge into.
pub async fn open_requisition<C: ConnectionTrait>(
    connection: &C,
    sku: &str,
    need_by: NaiveDate,
) -> Result<Option<Requisition>, ProcurementError> {
    let query = requisition::Entity::find()
        .filter(requisition::Column::Sku.eq(sku))
        .filter(requisition::Column::NeedBy.eq(need_by.to_string()))
        .filter(requisition::Column::State.eq(RequisitionState::Open.as_str()))
        .order_by_asc(requisition::Column::Id)
        .lock_exclusive();
    document::first(connection, query).await
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
    document::all(connection, query.limit(limit)).await
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

impl Document for PurchaseOrder {
    type Entity = purchase_order::Entity;
    const NAME: &'static str = "purchase order";

    fn row(&self, body: String) -> purchase_order::Model {
        purchase_order::Model {
            id: self.id.to_string(),
            supplier_code: self.supplier_code.clone(),
            state: self.state.as_str().to_owned(),
            late: self.late(),
            // What the late sweep looks at: the earliest promise that can
            // still make a line late.
            promised_date: self.next_due().map(|day| day.to_string()),
            created_at: self.created_at,
            updated_at: self.updated_at,
            body,
        }
    }

    fn body(row: &purchase_order::Model) -> &str {
        &row.body
    }

    fn changing() -> Vec<purchase_order::Column> {
        use purchase_order::Column;
        vec![
            Column::State,
            Column::Late,
            Column::PromisedDate,
            Column::UpdatedAt,
            Column::Body,
        ]
    }
}

pub async fn save_order<C: ConnectionTrait>(
    connection: &C,
    order: &PurchaseOrder,
) -> Result<(), ProcurementError> {
    document::save(connection, order).await
}

pub async fn order<C: ConnectionTrait>(
    connection: &C,
    id: &str,
    for_update: bool,
) -> Result<Option<PurchaseOrder>, ProcurementError> {
    document::load(connection, id, for_update).await
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
    document::all(connection, query.limit(limit)).await
}

/// PRC-4: sent orders with a line past its promise and not yet flagged
/// late.
pub async fn overdue_orders<C: ConnectionTrait>(
    connection: &C,
    today: NaiveDate,
    limit: u64,
) -> Result<Vec<PurchaseOrder>, ProcurementError> {
    let query = purchase_order::Entity::find()
        .filter(purchase_order::Column::State.eq(PoState::Sent.as_str()))
        .filter(purchase_order::Column::PromisedDate.lt(today.to_string()))
        .order_by_asc(purchase_order::Column::PromisedDate)
        .limit(limit)
        .lock_exclusive();
    document::all(connection, query).await
}

// ------------------------------------------------------ outsourcing orders

impl Document for Outsourcing {
    type Entity = outsourcing_order::Entity;
    const NAME: &'static str = "outsourcing order";

    fn row(&self, body: String) -> outsourcing_order::Model {
        outsourcing_order::Model {
            id: self.id.to_string(),
            production_order_id: self.demand.production_order_id.clone(),
            seq: self.demand.seq,
            state: self.state.as_str().to_owned(),
            created_at: self.created_at,
            body,
        }
    }

    fn body(row: &outsourcing_order::Model) -> &str {
        &row.body
    }

    fn changing() -> Vec<outsourcing_order::Column> {
        vec![
            outsourcing_order::Column::State,
            outsourcing_order::Column::Body,
        ]
    }

    fn loaded(&self) {
        tag_order(&self.demand.order_id, &self.demand.order_number);
    }
}

/// PRC-6: false when the operation already has its outsourcing order.
pub async fn insert_outsourcing<C: ConnectionTrait>(
    connection: &C,
    order: &Outsourcing,
) -> Result<bool, ProcurementError> {
    use outsourcing_order::Column;
    document::insert_new(connection, order, [Column::ProductionOrderId, Column::Seq]).await
}

pub async fn save_outsourcing<C: ConnectionTrait>(
    connection: &C,
    order: &Outsourcing,
) -> Result<(), ProcurementError> {
    document::save(connection, order).await
}

pub async fn outsourcing<C: ConnectionTrait>(
    connection: &C,
    id: &str,
    for_update: bool,
) -> Result<Option<Outsourcing>, ProcurementError> {
    document::load(connection, id, for_update).await
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
    document::all(connection, query.limit(limit)).await
}

// ------------------------------------------------------- fabric purchases

impl Document for FabricPurchase {
    type Entity = fabric_purchase::Entity;
    const NAME: &'static str = "fabric purchase";

    fn row(&self, body: String) -> fabric_purchase::Model {
        fabric_purchase::Model {
            id: self.id.to_string(),
            order_id: self.order.order_id.clone(),
            supplier_code: self.order.supplier_code.clone(),
            manufacturer_code: self.order.manufacturer_code.clone(),
            state: self.state.as_str().to_owned(),
            created_at: self.created_at,
            body,
        }
    }

    fn body(row: &fabric_purchase::Model) -> &str {
        &row.body
    }

    fn changing() -> Vec<fabric_purchase::Column> {
        vec![
            fabric_purchase::Column::State,
            fabric_purchase::Column::Body,
        ]
    }

    fn loaded(&self) {
        tag_order(&self.order.order_id, &self.order.order_number);
    }
}

pub async fn save_fabric<C: ConnectionTrait>(
    connection: &C,
    purchase: &FabricPurchase,
) -> Result<(), ProcurementError> {
    document::save(connection, purchase).await
}

pub async fn fabric<C: ConnectionTrait>(
    connection: &C,
    id: &str,
    for_update: bool,
) -> Result<Option<FabricPurchase>, ProcurementError> {
    document::load(connection, id, for_update).await
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
    document::all(connection, query.limit(limit)).await
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
