//! `spawn_logistics()`: logistics in-process on port 0 with its own
//! database, NATS server and settable clock, and a fake finance to ask.

use std::time::Duration;

use async_nats::jetstream;
use chrono::{DateTime, Utc};
use orderflow_logistics::config::LogisticsConfig;
use orderflow_platform::grpc::convert::timestamp;
use orderflow_platform::shutdown::Shutdown;
use orderflow_platform::testing::{self, Backend, Spawned};
use orderflow_proto::common::v1 as common;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::logistics::v1 as pb;
use orderflow_proto::orders::v1 as orders;
use prost::Message;

pub type Client = pb::logistics_service_client::LogisticsServiceClient<testing::Authorized>;
pub use crate::fake_finance::FakeFinance;

/// Logistics under test: [`Spawned`] (address, database, NATS, clock),
/// the fake finance it asks, and logistics' clients and events.
pub struct TestApp {
    service: Spawned,
    /// What finance answers when logistics asks whether an order may ship.
    pub finance: FakeFinance,
    finance_shutdown: Shutdown,
}

impl std::ops::Deref for TestApp {
    type Target = Spawned;
    fn deref(&self) -> &Spawned {
        &self.service
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.finance_shutdown.trigger();
    }
}

/// 2027-01-04 09:00 in Shanghai.
pub fn start_time() -> chrono::DateTime<chrono::Utc> {
    testing::utc("2027-01-04T01:00:00Z")
}

pub async fn spawn_logistics(backend: Backend) -> TestApp {
    let finance = FakeFinance::default();
    let finance_shutdown = Shutdown::new();
    let finance_address = finance.serve(finance_shutdown.clone()).await;
    let service = Spawned::start(
        backend,
        start_time(),
        |env| {
            env.with("LOGISTICS_SWEEP_INTERVAL_SECS", "1")
                .with("FINANCE_URL", format!("http://{finance_address}"))
        },
        testing::starter(LogisticsConfig::from_env, orderflow_logistics::start),
    )
    .await;
    TestApp {
        service,
        finance,
        finance_shutdown,
    }
}

impl TestApp {
    /// Waits until logistics has handled every event and published every
    /// row of its outbox.
    pub async fn quiescent(&self) {
        self.service.quiescent(&[]).await;
    }

    /// Waits for two more passes of logistics' sweeper (so one ran entirely
    /// after this call) and for what they announced to be published.
    pub async fn after_a_sweep(&self) {
        self.service.after_a_sweep(&[]).await;
    }

    /// Waits until logistics' relay has published everything committed.
    pub async fn outbox_drained(&self) {
        let database = self.database.connect().await;
        testing::eventually(
            Duration::from_secs(20),
            "logistics' outbox to drain",
            || async {
                let backlog = orderflow_platform::bus::outbox::backlog(database.connection()).await;
                (backlog.ok() == Some(0)).then_some(())
            },
        )
        .await;
    }

    pub async fn client(&self, subject: &str, roles: &[&str]) -> Client {
        pb::logistics_service_client::LogisticsServiceClient::new(
            testing::authorized(self.address, subject, roles).await,
        )
    }

    pub fn clock_now(&self) -> DateTime<Utc> {
        use orderflow_platform::clock::Clock;
        self.clock.now()
    }

    pub async fn logistics(&self) -> Client {
        self.client("lou", &["logistics"]).await
    }

    pub async fn warehouse(&self) -> Client {
        self.client("wang", &["warehouse"]).await
    }

    pub async fn finance_approver(&self) -> Client {
        self.client("fiona", &["finance"]).await
    }

    async fn publish(&self, service: &str, subject: &str, payload: Vec<u8>) {
        testing::publish_event(&self.nats, service, subject, payload).await;
    }

    /// The orders service reporting `order` on `orders.order.<event>`.
    pub async fn order_event(&self, event: &str, order: &orders::Order) {
        testing::publish_order_event(&self.nats, event, order).await;
    }

    /// Inventory posting the order's outbound.
    pub async fn outbound_posted(&self, order: &orders::Order) {
        let message = inventory::StockEvent {
            event_id: uuid::Uuid::now_v7().to_string(),
            occur_time: Some(timestamp(start_time())),
            actor: "wang".to_owned(),
            movements: Vec::new(),
            pick_list: Some(inventory::PickList {
                id: uuid::Uuid::now_v7().to_string(),
                order_id: order.id.clone(),
                order_number: order.number.clone(),
                ..Default::default()
            }),
        };
        self.publish(
            "inventory",
            "inventory.outbound.posted",
            message.encode_to_vec(),
        )
        .await;
    }

    /// Messages on `subject` in the LOGISTICS stream so far.
    pub async fn published(&self, subject: &str) -> Vec<jetstream::message::StreamMessage> {
        testing::stream_messages(&self.nats, "LOGISTICS", subject).await
    }

    /// The shipment once logistics knows the order in `state`.
    pub async fn shipment_in(&self, order: &orders::Order, state: &str) -> pb::Shipment {
        let client = self.logistics().await;
        testing::eventually(Duration::from_secs(20), state, || {
            let mut client = client.clone();
            let order_id = order.id.clone();
            async move {
                let shipment = client
                    .get_shipment(pb::GetShipmentRequest { order_id })
                    .await
                    .ok()?
                    .into_inner();
                (shipment.order_number == order.number).then_some(shipment)
            }
        })
        .await
    }
}

pub fn address(region: &str, city: &str) -> common::Address {
    common::Address {
        recipient_name: "Li Lei".to_owned(),
        phone: "+86 138 0013 8000".to_owned(),
        country_code: "CN".to_owned(),
        region: region.to_owned(),
        city: city.to_owned(),
        district: String::new(),
        street: "1 Wensan Road".to_owned(),
        postal_code: "310000".to_owned(),
    }
}

pub fn cny(minor_units: i64) -> common::Money {
    common::Money {
        currency_code: "CNY".to_owned(),
        minor_units,
    }
}

static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

/// An order in `state`, `seconds` after the start (versions must grow).
pub fn order(
    kind: orders::OrderKind,
    terms: (orders::PaymentTermKind, i32),
    lines: &[(&str, &str, i64, i64)],
    ship_to: common::Address,
) -> orders::Order {
    let total: i64 = lines.iter().map(|(_, _, q, p)| q * p).sum();
    let number = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    orders::Order {
        id: uuid::Uuid::now_v7().to_string(),
        number: format!("20270104{number:08}"),
        kind: kind.into(),
        state: orders::OrderState::PendingApproval.into(),
        customer_id: uuid::Uuid::now_v7().to_string(),
        salesperson: "tom".to_owned(),
        currency_code: "CNY".to_owned(),
        lines: lines
            .iter()
            .enumerate()
            .map(
                |(index, (sku, description, quantity, price))| orders::OrderLine {
                    line_no: i32::try_from(index + 1).unwrap_or(1),
                    sku: (*sku).to_owned(),
                    description: (*description).to_owned(),
                    quantity: *quantity,
                    unit_price: Some(cny(*price)),
                    line_total: Some(cny(quantity * price)),
                    ..Default::default()
                },
            )
            .collect(),
        total: Some(cny(total)),
        requested_delivery_date: "2027-03-01".to_owned(),
        payment_terms: Some(orders::PaymentTerms {
            kind: terms.0.into(),
            deposit_percent: terms.1,
            ..Default::default()
        }),
        ship_to: Some(ship_to),
        customer_po_number: "PO-7788".to_owned(),
        update_time: Some(timestamp(start_time())),
        ..Default::default()
    }
}

/// The order moved to `state` a second later.
pub fn moved(order: &orders::Order, state: orders::OrderState) -> orders::Order {
    testing::order_moved(order, state)
}

/// The fields a refusal names, sorted.
pub fn violated_fields(status: &tonic::Status) -> Vec<String> {
    let mut fields = testing::violated_fields(status);
    fields.sort();
    fields
}
