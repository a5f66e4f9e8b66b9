//! `spawn_production()`: the service in-process on port 0 with its own
//! database and NATS server, an inventory service beside it for the
//! materials, and typed clients.

use std::time::Duration;

use orderflow_inventory::config::InventoryConfig;
use orderflow_platform::testing::{self, Backend, Spawned};
use orderflow_production::config::ProductionConfig;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::orders::v1 as orders;
use orderflow_proto::production::v1 as pb;
use pb::production_service_client::ProductionServiceClient;

pub type Client = ProductionServiceClient<testing::Authorized>;
pub type Inventory =
    inventory::inventory_service_client::InventoryServiceClient<testing::Authorized>;

/// Production under test, with the inventory it asks for materials.
pub struct TestApp {
    pub production: Spawned,
    pub inventory: Spawned,
}

impl std::ops::Deref for TestApp {
    type Target = Spawned;
    fn deref(&self) -> &Spawned {
        &self.production
    }
}

/// 2026-12-01 09:00 in Shanghai, a Tuesday.
pub fn start_time() -> chrono::DateTime<chrono::Utc> {
    testing::utc("2026-12-01T01:00:00Z")
}

pub async fn spawn_production(backend: Backend) -> TestApp {
    let inventory = Spawned::start(
        backend,
        start_time(),
        |env| env,
        testing::starter(InventoryConfig::from_env, orderflow_inventory::start),
    )
    .await;
    let inventory_url = format!("http://{}", inventory.address);
    let production = Spawned::start(
        backend,
        start_time(),
        |env| {
            env.with("INVENTORY_URL", &inventory_url)
                .with("PRODUCTION_SWEEP_INTERVAL_SECS", "1")
        },
        testing::starter(ProductionConfig::from_env, orderflow_production::start),
    )
    .await;
    TestApp {
        production,
        inventory,
    }
}

impl TestApp {
    pub async fn client(&self, role: &str) -> Client {
        ProductionServiceClient::new(
            testing::authorized(self.production.address, &format!("{role}-1"), &[role]).await,
        )
    }

    pub async fn warehouse(&self) -> Inventory {
        inventory::inventory_service_client::InventoryServiceClient::new(
            testing::authorized(self.inventory.address, "wang", &["warehouse"]).await,
        )
    }

    /// A released order whose stock of `sku` is short by `short`, as orders
    /// and inventory report it; returns the order id.
    pub async fn short_order(&self, n: u32, sku: &str, short: i64, delivery: &str) -> String {
        let order_id = test_order_id(n);
        let order = orders::Order {
            id: order_id.clone(),
            number: format!("20261201{n:08}"),
            kind: orders::OrderKind::Export.into(),
            requested_delivery_date: delivery.to_owned(),
            lines: vec![orders::OrderLine {
                line_no: 1,
                sku: sku.to_owned(),
                quantity: short,
                ..Default::default()
            }],
            ..Default::default()
        };
        testing::publish_order_event(&self.nats, "released", &order).await;
        self.publish_shortage(&order_id, &order.number, sku, short)
            .await;
        order_id
    }

    pub async fn publish_shortage(&self, order_id: &str, number: &str, sku: &str, short: i64) {
        use prost::Message;
        let event = inventory::ReservationEvent {
            event_id: uuid::Uuid::now_v7().to_string(),
            occur_time: None,
            actor: "service:orders".to_owned(),
            reservation: Some(inventory::Reservation {
                order_id: order_id.to_owned(),
                order_number: number.to_owned(),
                warehouse: "FG".to_owned(),
                state: inventory::ReservationState::Active.into(),
                lines: vec![inventory::ReservedLine {
                    sku: sku.to_owned(),
                    requested: short,
                    reserved: 0,
                    short,
                    bought: false,
                }],
                fully_reserved: false,
                create_time: None,
            }),
        };
        testing::publish_event(
            &self.nats,
            "inventory",
            "inventory.stock.short",
            event.encode_to_vec(),
        )
        .await;
    }

    /// The production orders of an order, once there are `count`.
    pub async fn production_orders(
        &self,
        order_id: &str,
        count: usize,
    ) -> Vec<pb::ProductionOrder> {
        let client = self.client("planner").await;
        testing::eventually(Duration::from_secs(20), "production orders", || {
            let mut client = client.clone();
            let order_id = order_id.to_owned();
            async move {
                let found = client
                    .list_production_orders(pb::ListProductionOrdersRequest {
                        order_id,
                        ..Default::default()
                    })
                    .await
                    .ok()?
                    .into_inner()
                    .production_orders;
                (found.len() == count).then_some(found)
            }
        })
        .await
    }

    /// A work centre of `capacity` units a day, Sundays off.
    pub async fn work_centre(&self, code: &str, capacity: i64) {
        self.client("production_manager")
            .await
            .define_work_centre(pb::DefineWorkCentreRequest {
                request_id: String::new(),
                work_centre: Some(pb::WorkCentre {
                    code: code.to_owned(),
                    name: format!("centre {code}"),
                    unit: pb::CapacityUnit::Units.into(),
                    daily_capacity: capacity,
                    days_off: vec![7],
                    holidays: Vec::new(),
                }),
            })
            .await
            .unwrap_or_else(|s| panic!("{s:?}"));
    }

    /// A BOM for `sku`: 4 bolts and a seal (2.5 % scrap) per piece, one
    /// operation on `centre`.
    pub async fn bom(&self, sku: &str, centre: &str) -> pb::Bom {
        self.client("engineering")
            .await
            .define_bom(pb::DefineBomRequest {
                request_id: String::new(),
                sku: sku.to_owned(),
                components: vec![component("BOLT", 4, 0), component("SEAL", 1, 250)],
                operations: vec![operation(10, centre)],
            })
            .await
            .unwrap_or_else(|s| panic!("{s:?}"))
            .into_inner()
    }

    /// Through the review meeting and approved engineering (PRD-10).
    pub async fn engineered(&self, id: &str, bom_version: i32) -> pb::ProductionOrder {
        self.client("planner")
            .await
            .record_review_meeting(pb::RecordReviewMeetingRequest {
                id: id.to_owned(),
                attendees: vec!["planner".to_owned(), "engineering".to_owned()],
                conclusions: "feasible as quoted".to_owned(),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|s| panic!("{s:?}"));
        self.client("engineering")
            .await
            .submit_engineering(pb::SubmitEngineeringRequest {
                id: id.to_owned(),
                drawings: vec!["DWG-100-A".to_owned()],
                process_sheet: "PS-100".to_owned(),
                bom_version,
                ..Default::default()
            })
            .await
            .unwrap_or_else(|s| panic!("{s:?}"));
        self.client("engineering_manager")
            .await
            .review_engineering(pb::ReviewEngineeringRequest {
                id: id.to_owned(),
                approve: true,
                ..Default::default()
            })
            .await
            .unwrap_or_else(|s| panic!("{s:?}"))
            .into_inner()
    }

    /// Materials counted into the materials warehouse.
    pub async fn materials(&self, sku: &str, quantity: i64) {
        let mut warehouse = self.warehouse().await;
        let _ = warehouse
            .create_item(inventory::CreateItemRequest {
                request_id: String::new(),
                sku: sku.to_owned(),
                name: format!("material {sku}"),
                unit: "pcs".to_owned(),
                weight_grams: 10,
                bought: false,
            })
            .await;
        warehouse
            .adjust_stock(inventory::AdjustStockRequest {
                request_id: String::new(),
                sku: sku.to_owned(),
                warehouse: "MATERIALS".to_owned(),
                quantity,
                note: "opening count".to_owned(),
            })
            .await
            .unwrap_or_else(|s| panic!("{s:?}"));
    }

    pub async fn materials_on_hand(&self, sku: &str) -> i64 {
        self.warehouse()
            .await
            .get_stock(inventory::GetStockRequest {
                sku: sku.to_owned(),
                warehouse: "MATERIALS".to_owned(),
            })
            .await
            .map(|stock| stock.into_inner().on_hand)
            .unwrap_or_default()
    }
}

pub fn component(sku: &str, quantity: i64, scrap_bps: i32) -> pb::BomComponent {
    pb::BomComponent {
        sku: sku.to_owned(),
        quantity,
        scrap_bps,
    }
}

pub fn operation(seq: i32, centre: &str) -> pb::Operation {
    pb::Operation {
        seq,
        name: format!("operation {seq}"),
        work_centre: centre.to_owned(),
        outsourced: false,
        load_per_piece: 1,
        lead_days: 0,
    }
}

/// The id of the `n`-th made-up order of a test (a UUID, as orders issues).
pub fn test_order_id(n: u32) -> String {
    format!("00000000-0000-7000-8000-{n:012}")
}

/// The messages published on `subject` by production so far.
pub async fn published(app: &TestApp, subject: &str) -> Vec<pb::ProductionEvent> {
    use prost::Message;
    testing::stream_messages(&app.nats, "PRODUCTION", subject)
        .await
        .iter()
        .filter_map(|message| pb::ProductionEvent::decode(message.payload.as_ref()).ok())
        .collect()
}

pub use orderflow_platform::testing::Refused;
