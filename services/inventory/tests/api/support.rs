//! `spawn_inventory()`: the service in-process on port 0 with its own
//! database and NATS server, and typed clients.

use orderflow_inventory::config::InventoryConfig;
use orderflow_platform::testing::{self, Backend, Spawned};
use orderflow_proto::inventory::v1 as pb;
use pb::inventory_service_client::InventoryServiceClient;

pub type Client = InventoryServiceClient<testing::Authorized>;

orderflow_platform::test_app!(
    /// Inventory under test: [`Spawned`] (address, database, NATS, clock) with
    /// inventory's clients.
    TestApp
);

pub async fn spawn_inventory(backend: Backend) -> TestApp {
    TestApp(
        Spawned::start(
            backend,
            chrono::Utc::now(),
            |env| env,
            testing::starter(InventoryConfig::from_env, orderflow_inventory::start),
        )
        .await,
    )
}

impl TestApp {
    pub async fn client(&self, subject: &str, roles: &[&str]) -> Client {
        client_at(self.address, subject, roles).await
    }

    pub async fn warehouse(&self) -> Client {
        self.client("wang", &["warehouse"]).await
    }
}

pub async fn client_at(address: std::net::SocketAddr, subject: &str, roles: &[&str]) -> Client {
    InventoryServiceClient::new(testing::authorized(address, subject, roles).await)
}

pub fn line(sku: &str, quantity: i64) -> pb::Line {
    pb::Line {
        sku: sku.to_owned(),
        quantity,
    }
}

/// An item with `on_hand` units in finished goods (counted in).
pub async fn stocked(client: &mut Client, sku: &str, on_hand: i64) {
    client
        .create_item(pb::CreateItemRequest {
            request_id: String::new(),
            sku: sku.to_owned(),
            name: format!("item {sku}"),
            unit: "pcs".to_owned(),
            weight_grams: 4_200,
            bought: false,
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    if on_hand > 0 {
        client
            .adjust_stock(pb::AdjustStockRequest {
                request_id: String::new(),
                sku: sku.to_owned(),
                warehouse: "FG".to_owned(),
                quantity: on_hand,
                note: "opening count".to_owned(),
            })
            .await
            .unwrap_or_else(|s| panic!("{s:?}"));
    }
}

pub async fn stock(client: &mut Client, sku: &str, warehouse: &str) -> pb::Stock {
    client
        .get_stock(pb::GetStockRequest {
            sku: sku.to_owned(),
            warehouse: warehouse.to_owned(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
}

/// The sum of the movements of a stock row (INV-7).
pub async fn ledger(client: &mut Client, sku: &str, warehouse: &str) -> i64 {
    client
        .list_movements(pb::ListMovementsRequest {
            page_size: 500,
            sku: sku.to_owned(),
            warehouse: warehouse.to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .movements
        .iter()
        .map(|movement| movement.quantity)
        .sum()
}

/// The id of the `n`-th made-up order of a test (a UUID, as orders issues).
pub fn test_order_id(n: u32) -> String {
    format!("00000000-0000-7000-8000-{n:012}")
}
