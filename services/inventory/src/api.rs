//! The tonic service: proto ⇄ domain conversion and error → status mapping.
//! The use cases are in [`crate::app`].

use orderflow_platform::auth::{Caller, Role, RoleTable};
use orderflow_platform::db::idempotency::RequestKey;
use orderflow_platform::grpc::paging::PageRequest;
use orderflow_platform::grpc::status;
use orderflow_platform::validation::Violations;
use orderflow_proto::inventory::v1 as pb;
use pb::inventory_service_server::InventoryService;
use tonic::{Request, Response, Status};

use crate::app::{Goods, Inventory, Source};
use crate::domain::Actor;
use crate::domain::item::{self, parse_sku};
use crate::domain::stock::{self, Line, MATERIALS};
use crate::wire;

const EVERYONE: &[Role] = &[
    Role::Sales,
    Role::SalesAssistant,
    Role::SalesSupervisor,
    Role::DeptManager,
    Role::Gm,
    Role::Finance,
    Role::Warehouse,
    Role::Planner,
    Role::ProductionManager,
    Role::Qc,
    Role::Purchaser,
    Role::PurchasingManager,
    Role::Logistics,
    Role::CustomerService,
    Role::Admin,
    Role::Service,
];
const STOREKEEPERS: &[Role] = &[Role::Warehouse, Role::Admin, Role::Service];
const MASTER_DATA: &[Role] = &[Role::Warehouse, Role::Planner, Role::Admin];
const RESERVERS: &[Role] = &[
    Role::Warehouse,
    Role::SalesAssistant,
    Role::Admin,
    Role::Service,
];

/// Which roles may call each RPC (checked by the platform's auth layer).
pub const ROLES: RoleTable = &[
    (
        "/orderflow.inventory.v1.InventoryService/CreateItem",
        MASTER_DATA,
    ),
    ("/orderflow.inventory.v1.InventoryService/GetItem", EVERYONE),
    (
        "/orderflow.inventory.v1.InventoryService/ListItems",
        EVERYONE,
    ),
    (
        "/orderflow.inventory.v1.InventoryService/DefineKit",
        MASTER_DATA,
    ),
    (
        "/orderflow.inventory.v1.InventoryService/CheckKit",
        EVERYONE,
    ),
    (
        "/orderflow.inventory.v1.InventoryService/ListWarehouses",
        EVERYONE,
    ),
    (
        "/orderflow.inventory.v1.InventoryService/GetStock",
        EVERYONE,
    ),
    (
        "/orderflow.inventory.v1.InventoryService/ListStock",
        EVERYONE,
    ),
    (
        "/orderflow.inventory.v1.InventoryService/CheckAvailability",
        EVERYONE,
    ),
    (
        "/orderflow.inventory.v1.InventoryService/AdjustStock",
        &[Role::Warehouse, Role::Admin],
    ),
    (
        "/orderflow.inventory.v1.InventoryService/ListMovements",
        EVERYONE,
    ),
    (
        "/orderflow.inventory.v1.InventoryService/ReserveForOrder",
        RESERVERS,
    ),
    (
        "/orderflow.inventory.v1.InventoryService/GetReservation",
        EVERYONE,
    ),
    (
        "/orderflow.inventory.v1.InventoryService/ReleaseReservation",
        RESERVERS,
    ),
    (
        "/orderflow.inventory.v1.InventoryService/CreatePickList",
        STOREKEEPERS,
    ),
    (
        "/orderflow.inventory.v1.InventoryService/RecordOutboundInspection",
        &[Role::Qc, Role::Admin],
    ),
    (
        "/orderflow.inventory.v1.InventoryService/PostOutbound",
        STOREKEEPERS,
    ),
    (
        "/orderflow.inventory.v1.InventoryService/ReceiveFromProduction",
        STOREKEEPERS,
    ),
    (
        "/orderflow.inventory.v1.InventoryService/ReceiveFromPurchase",
        STOREKEEPERS,
    ),
    (
        "/orderflow.inventory.v1.InventoryService/ReceiveReturn",
        STOREKEEPERS,
    ),
    (
        "/orderflow.inventory.v1.InventoryService/IssueMaterials",
        STOREKEEPERS,
    ),
    (
        "/orderflow.inventory.v1.InventoryService/CreateWorkContactSheet",
        &[Role::Warehouse, Role::Planner, Role::Admin],
    ),
];

fn caller<T>(request: &Request<T>) -> Result<Actor, Status> {
    Caller::of(request)
}

/// Lines and a warehouse (finished goods when empty), validated together.
fn lines_and_warehouse(
    raw_lines: &[pb::Line],
    raw_warehouse: &str,
    violations: &mut Violations,
) -> (Vec<Line>, String) {
    let warehouse = stock::parse_moving_warehouse("warehouse", raw_warehouse, violations);
    let lines = stock::parse_lines(&wire::lines_in(raw_lines), violations);
    (lines, warehouse)
}

/// The most components one kit lists (orders checks kit lines against the
/// same bound).
pub const MAX_KIT_COMPONENTS: usize = 100;

#[derive(Debug, Clone)]
pub struct InventoryApi {
    inventory: Inventory,
}

impl InventoryApi {
    pub fn new(inventory: Inventory) -> Self {
        Self { inventory }
    }
}

/// The idempotency key of a call whose other fields are checked further in.
fn request_key(
    operation: &str,
    actor: &Actor,
    raw: &str,
    message: &impl prost::Message,
) -> Result<Option<RequestKey>, Status> {
    let mut violations = Violations::new();
    let key = violations.request_key(operation, &actor.subject, raw, message);
    Ok(violations.finish(key)?)
}

#[tonic::async_trait]
impl InventoryService for InventoryApi {
    async fn create_item(
        &self,
        request: Request<pb::CreateItemRequest>,
    ) -> Result<Response<pb::Item>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let key = request_key("CreateItem", &actor, &request.request_id, &request)?;
        let new = item::parse_item(
            &request.sku,
            &request.name,
            &request.unit,
            request.weight_grams,
            request.bought,
            self.inventory.now(),
        )?;
        Ok(Response::new(wire::item(
            &self.inventory.create_item(key.as_ref(), new).await?,
        )))
    }

    async fn get_item(
        &self,
        request: Request<pb::GetItemRequest>,
    ) -> Result<Response<pb::Item>, Status> {
        let mut violations = Violations::new();
        let sku = parse_sku("sku", &request.get_ref().sku, &mut violations);
        violations.finish(())?;
        Ok(Response::new(wire::item(&self.inventory.item(&sku).await?)))
    }

    async fn list_items(
        &self,
        request: Request<pb::ListItemsRequest>,
    ) -> Result<Response<pb::ListItemsResponse>, Status> {
        let request = request.into_inner();
        let page = PageRequest::parse(request.page_size, &request.page_token, "items")?;
        let mut items = self
            .inventory
            .list_items(page.after.as_deref(), page.fetch_limit())
            .await?;
        let next_page_token = page.finish(&mut items, |item| item.sku.clone());
        Ok(Response::new(pb::ListItemsResponse {
            items: items.iter().map(wire::item).collect(),
            next_page_token,
        }))
    }

    async fn define_kit(
        &self,
        request: Request<pb::DefineKitRequest>,
    ) -> Result<Response<pb::Kit>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let key = request_key("DefineKit", &actor, &request.request_id, &request)?;
        // D7 (issue 17): bounded before anything is looked up, so that no
        // request can outgrow a query.
        if request.components.len() > MAX_KIT_COMPONENTS {
            return Err(status::invalid_argument(&[
                orderflow_platform::FieldViolation::new(
                    "components",
                    format!("a kit has at most {MAX_KIT_COMPONENTS} components"),
                ),
            ]));
        }
        let components = wire::components_in(&request.components);
        let kit = self
            .inventory
            .define_kit(key.as_ref(), &request.sku, &request.name, &components)
            .await?;
        Ok(Response::new(wire::kit(&kit)))
    }

    async fn check_kit(
        &self,
        request: Request<pb::CheckKitRequest>,
    ) -> Result<Response<pb::CheckKitResponse>, Status> {
        let request = request.into_inner();
        let mut violations = Violations::new();
        let sku = parse_sku("kit_sku", &request.kit_sku, &mut violations);
        if request.components.len() > MAX_KIT_COMPONENTS {
            violations.add(
                "components",
                format!("a kit has at most {MAX_KIT_COMPONENTS} components"),
            );
        }
        violations.finish(())?;
        let components = wire::components_in(&request.components);
        let (kit, discrepancies) = self
            .inventory
            .check_kit(&sku, &components, request.total_weight_grams)
            .await?;
        Ok(Response::new(pb::CheckKitResponse {
            matches: discrepancies.is_empty(),
            discrepancies,
            kit: Some(wire::kit(&kit)),
        }))
    }

    async fn list_warehouses(
        &self,
        _request: Request<pb::ListWarehousesRequest>,
    ) -> Result<Response<pb::ListWarehousesResponse>, Status> {
        Ok(Response::new(pb::ListWarehousesResponse {
            warehouses: wire::warehouses(),
        }))
    }

    async fn get_stock(
        &self,
        request: Request<pb::GetStockRequest>,
    ) -> Result<Response<pb::Stock>, Status> {
        let request = request.into_inner();
        let mut violations = Violations::new();
        let sku = parse_sku("sku", &request.sku, &mut violations);
        let warehouse = stock::parse_warehouse("warehouse", &request.warehouse, &mut violations);
        violations.finish(())?;
        let level = self.inventory.level(&sku, &warehouse).await?;
        Ok(Response::new(wire::stock(
            &crate::domain::stock::StockRow {
                sku,
                warehouse,
                level,
            },
        )))
    }

    async fn list_stock(
        &self,
        request: Request<pb::ListStockRequest>,
    ) -> Result<Response<pb::ListStockResponse>, Status> {
        let request = request.into_inner();
        let mut violations = Violations::new();
        let warehouse = (!request.warehouse.trim().is_empty())
            .then(|| stock::parse_warehouse("warehouse", &request.warehouse, &mut violations));
        let sku = (!request.sku.trim().is_empty())
            .then(|| parse_sku("sku", &request.sku, &mut violations));
        violations.finish(())?;
        let page = PageRequest::parse(
            request.page_size,
            &request.page_token,
            &format!("{warehouse:?}/{sku:?}"),
        )?;
        let after = page
            .after
            .as_deref()
            .and_then(|cursor| cursor.split_once('/'));
        let mut rows = self
            .inventory
            .list_stock(
                warehouse.as_deref(),
                sku.as_deref(),
                after,
                page.fetch_limit(),
            )
            .await?;
        let next_page_token =
            page.finish(&mut rows, |row| format!("{}/{}", row.sku, row.warehouse));
        Ok(Response::new(pb::ListStockResponse {
            stock: rows.iter().map(wire::stock).collect(),
            next_page_token,
        }))
    }

    async fn check_availability(
        &self,
        request: Request<pb::CheckAvailabilityRequest>,
    ) -> Result<Response<pb::CheckAvailabilityResponse>, Status> {
        let request = request.into_inner();
        let mut violations = Violations::new();
        let (lines, warehouse) =
            lines_and_warehouse(&request.lines, &request.warehouse, &mut violations);
        violations.finish(())?;
        let answers = self.inventory.availability(&warehouse, &lines).await?;
        let lines: Vec<pb::LineAvailability> = answers
            .iter()
            .map(|(line, available)| pb::LineAvailability {
                sku: line.sku.clone(),
                requested: line.quantity,
                available: *available,
                sufficient: *available >= line.quantity,
            })
            .collect();
        Ok(Response::new(pb::CheckAvailabilityResponse {
            all_available: lines.iter().all(|line| line.sufficient),
            lines,
        }))
    }

    async fn adjust_stock(
        &self,
        request: Request<pb::AdjustStockRequest>,
    ) -> Result<Response<pb::Movement>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key =
            violations.request_key("AdjustStock", &actor.subject, &request.request_id, &request);
        let sku = parse_sku("sku", &request.sku, &mut violations);
        let warehouse =
            stock::parse_moving_warehouse("warehouse", &request.warehouse, &mut violations);
        // D4 (issue 17): `unsigned_abs`, since i64::MIN has no `abs`.
        if request.quantity == 0
            || request.quantity.unsigned_abs() > stock::MAX_QUANTITY.unsigned_abs()
        {
            violations.add("quantity", "must be a non-zero count change");
        }
        let note = violations.required("note", &request.note, 500);
        violations.finish(())?;
        let line = Line {
            sku,
            quantity: request.quantity,
        };
        let movement = self
            .inventory
            .adjust(&actor, line, &warehouse, &note, key)
            .await?;
        Ok(Response::new(wire::movement(&movement)))
    }

    async fn list_movements(
        &self,
        request: Request<pb::ListMovementsRequest>,
    ) -> Result<Response<pb::ListMovementsResponse>, Status> {
        let request = request.into_inner();
        let text = |value: &str| (!value.trim().is_empty()).then(|| value.trim().to_owned());
        let (sku, warehouse, reference) = (
            text(&request.sku),
            text(&request.warehouse),
            text(&request.reference),
        );
        let page = PageRequest::parse(
            request.page_size,
            &request.page_token,
            &format!("{sku:?}/{warehouse:?}/{reference:?}"),
        )?;
        let mut movements = self
            .inventory
            .movements(
                sku.as_deref(),
                warehouse.as_deref(),
                reference.as_deref(),
                page.after.as_deref(),
                page.fetch_limit(),
            )
            .await?;
        let next_page_token = page.finish(&mut movements, |movement| movement.id.clone());
        Ok(Response::new(pb::ListMovementsResponse {
            movements: movements.iter().map(wire::movement).collect(),
            next_page_token,
        }))
    }

    async fn reserve_for_order(
        &self,
        request: Request<pb::ReserveForOrderRequest>,
    ) -> Result<Response<pb::Reservation>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let order_id = violations.order_id("order_id", &request.order_id);
        let order_number = violations.optional("order_number", &request.order_number, 40);
        let (lines, warehouse) =
            lines_and_warehouse(&request.lines, &request.warehouse, &mut violations);
        violations.finish(())?;
        let number = if order_number.is_empty() {
            order_id.to_string()
        } else {
            order_number
        };
        let reservation = self
            .inventory
            .reserve(&actor, &order_id, &number, &warehouse, &lines)
            .await?;
        Ok(Response::new(wire::reservation(&reservation)))
    }

    async fn get_reservation(
        &self,
        request: Request<pb::GetReservationRequest>,
    ) -> Result<Response<pb::Reservation>, Status> {
        let mut violations = Violations::new();
        let order_id = violations.order_id("order_id", &request.get_ref().order_id);
        violations.finish(())?;
        Ok(Response::new(wire::reservation(
            &self.inventory.reservation(&order_id).await?,
        )))
    }

    async fn release_reservation(
        &self,
        request: Request<pb::ReleaseReservationRequest>,
    ) -> Result<Response<pb::Reservation>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let order_id = violations.order_id("order_id", &request.order_id);
        let reason = violations.required("reason", &request.reason, 500);
        violations.finish(())?;
        Ok(Response::new(wire::reservation(
            &self.inventory.release(&actor, &order_id, &reason).await?,
        )))
    }

    async fn create_pick_list(
        &self,
        request: Request<pb::CreatePickListRequest>,
    ) -> Result<Response<pb::PickList>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "CreatePickList",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let order_id = violations.order_id("order_id", &request.order_id);
        let notes = violations.optional("notes", &request.notes, 2000);
        violations.finish(())?;
        Ok(Response::new(wire::pick_list(
            &self
                .inventory
                .create_pick_list(key.as_ref(), &order_id, &notes)
                .await?,
        )))
    }

    async fn record_outbound_inspection(
        &self,
        request: Request<pb::RecordOutboundInspectionRequest>,
    ) -> Result<Response<pb::PickList>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let id = violations.required_id("pick_list_id", &request.pick_list_id);
        let note = violations.optional("note", &request.note, 1000);
        violations.finish(())?;
        Ok(Response::new(wire::pick_list(
            &self
                .inventory
                .inspect(&actor, &id, request.passed, &note)
                .await?,
        )))
    }

    async fn post_outbound(
        &self,
        request: Request<pb::PostOutboundRequest>,
    ) -> Result<Response<pb::PickList>, Status> {
        let actor = caller(&request)?;
        let mut violations = Violations::new();
        let id = violations.required_id("pick_list_id", &request.get_ref().pick_list_id);
        violations.finish(())?;
        Ok(Response::new(wire::pick_list(
            &self.inventory.post_outbound(&actor, &id).await?,
        )))
    }

    async fn receive_from_production(
        &self,
        request: Request<pb::ReceiveRequest>,
    ) -> Result<Response<pb::Receipt>, Status> {
        self.receive(request, Source::Production).await
    }

    async fn receive_from_purchase(
        &self,
        request: Request<pb::ReceiveRequest>,
    ) -> Result<Response<pb::Receipt>, Status> {
        self.receive(request, Source::Purchase).await
    }

    async fn receive_return(
        &self,
        request: Request<pb::ReceiveReturnRequest>,
    ) -> Result<Response<pb::Receipt>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "ReceiveReturn",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let (lines, warehouse) =
            lines_and_warehouse(&request.lines, &request.warehouse, &mut violations);
        let reference = violations.required("reference", &request.reference, 100);
        let note = violations.required("inspection_note", &request.inspection_note, 1000);
        violations.finish(())?;
        let goods = Goods {
            warehouse,
            lines,
            reference,
        };
        let receipt = self
            .inventory
            .receive_return(&actor, goods, request.restock, &note, key)
            .await?;
        Ok(Response::new(wire::receipt(&receipt)))
    }

    async fn issue_materials(
        &self,
        request: Request<pb::IssueMaterialsRequest>,
    ) -> Result<Response<pb::Receipt>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "IssueMaterials",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let warehouse = if request.warehouse.trim().is_empty() {
            MATERIALS.to_owned()
        } else {
            request.warehouse.clone()
        };
        let (lines, warehouse) = lines_and_warehouse(&request.lines, &warehouse, &mut violations);
        let production_order =
            violations.required("production_order", &request.production_order, 100);
        violations.finish(())?;
        let goods = Goods {
            warehouse,
            lines,
            reference: production_order,
        };
        let receipt = self.inventory.issue_materials(&actor, goods, key).await?;
        Ok(Response::new(wire::receipt(&receipt)))
    }

    async fn create_work_contact_sheet(
        &self,
        request: Request<pb::CreateWorkContactSheetRequest>,
    ) -> Result<Response<pb::WorkContactSheet>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "CreateWorkContactSheet",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let reference = violations.required("reference", &request.reference, 100);
        let subject = violations.required("subject", &request.subject, 200);
        let body = violations.optional("body", &request.body, 5000);
        let lines = if request.lines.is_empty() {
            Vec::new()
        } else {
            stock::parse_lines(&wire::lines_in(&request.lines), &mut violations)
        };
        violations.finish(())?;
        let sheet = self
            .inventory
            .create_sheet(&actor, &reference, &subject, &body, lines, key)
            .await?;
        Ok(Response::new(wire::sheet(&sheet)))
    }
}

impl InventoryApi {
    async fn receive(
        &self,
        request: Request<pb::ReceiveRequest>,
        source: Source,
    ) -> Result<Response<pb::Receipt>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let operation = match source {
            Source::Production => "ReceiveFromProduction",
            Source::Purchase => "ReceiveFromPurchase",
        };
        let key = violations.request_key(operation, &actor.subject, &request.request_id, &request);
        let (lines, warehouse) =
            lines_and_warehouse(&request.lines, &request.warehouse, &mut violations);
        let reference = violations.required("reference", &request.reference, 100);
        let inspection_reference =
            violations.optional("inspection_reference", &request.inspection_reference, 100);
        violations.finish(())?;
        let goods = Goods {
            warehouse,
            lines,
            reference,
        };
        let receipt = self
            .inventory
            .receive(
                &actor,
                source,
                goods,
                request.inspection_passed,
                &inspection_reference,
                key,
            )
            .await?;
        Ok(Response::new(wire::receipt(&receipt)))
    }
}
