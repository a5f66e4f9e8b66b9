//! `spawn_orders()`: the service in-process on port 0 with a database and a
//! NATS server of the test's own, a settable clock, and typed clients.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use orderflow_orders::config::OrdersConfig;
use orderflow_platform::clock::ManualClock;
use orderflow_platform::service::RunningService;
use orderflow_platform::shutdown::Shutdown;
use orderflow_platform::testing::{self, Backend, TestDatabase, TestNats};
use orderflow_proto::common::v1 as common;
use orderflow_proto::orders::v1 as pb;
use pb::order_service_client::OrderServiceClient;
use pb::quotation_service_client::QuotationServiceClient;

use orderflow_platform::testing::Bearer;
pub use orderflow_platform::testing::{Authorized, channel};

/// 2026-03-02 09:00 in Shanghai.
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0)
        .single()
        .unwrap_or_default()
}

pub struct TestApp {
    pub address: std::net::SocketAddr,
    pub nats: TestNats,
    pub database: Arc<TestDatabase>,
    pub clock: Arc<ManualClock>,
    pub shutdown: Shutdown,
    running: Option<RunningService>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

pub fn config(database_url: &str, nats_url: &str) -> OrdersConfig {
    // No approvals or inventory service in these tests: their addresses
    // answer nothing.
    let approvals_url = format!("http://127.0.0.1:{}", testing::free_port());
    let inventory_url = format!("http://127.0.0.1:{}", testing::free_port());
    let env = testing::service_env(database_url, nats_url)
        .with("APPROVALS_URL", approvals_url)
        .with("INVENTORY_URL", inventory_url)
        .with("SLA_SWEEP_INTERVAL_SECS", "1")
        .with("CONSUMER_ACK_WAIT_SECS", "2")
        .with("CONSUMER_MAX_DELIVER", "3")
        .with("SHUTDOWN_GRACE_SECS", "5")
        .with("ORDER_NUMBER_BLOCK_SIZE", "10");
    OrdersConfig::from_env(&env).unwrap_or_else(|error| panic!("{error}"))
}

pub async fn spawn_orders(backend: Backend) -> TestApp {
    orderflow_platform::telemetry::init_for_tests();
    let database = Arc::new(TestDatabase::create(backend).await);
    let nats = TestNats::start().await;
    spawn_with(database, nats).await
}

/// Another instance on the same database and NATS, as a second replica.
pub async fn spawn_replica(of: &TestApp) -> (std::net::SocketAddr, Shutdown) {
    let shutdown = Shutdown::new();
    let running = orderflow_orders::start(
        config(&of.database.url, &of.nats.url()),
        of.clock.clone(),
        shutdown.clone(),
    )
    .await
    .unwrap_or_else(|error| panic!("cannot start a replica: {error:#}"));
    (running.local_addr, shutdown)
}

async fn spawn_with(database: Arc<TestDatabase>, nats: TestNats) -> TestApp {
    let clock = ManualClock::new(start_time());
    let shutdown = Shutdown::new();
    let running = orderflow_orders::start(
        config(&database.url, &nats.url()),
        clock.clone(),
        shutdown.clone(),
    )
    .await
    .unwrap_or_else(|error| panic!("cannot start the orders service: {error:#}"));
    TestApp {
        address: running.local_addr,
        nats,
        database,
        clock,
        shutdown,
        running: Some(running),
    }
}

impl TestApp {
    /// Waits until orders has handled every event and published every row of
    /// its outbox. The saga and the reservation step keep retrying their
    /// peers (no approvals or inventory service runs in these tests) and are
    /// not waited for.
    pub async fn quiescent(&self) {
        testing::quiescent(
            &self.nats,
            &[&self.database],
            &[
                orderflow_orders::consumers::saga::SAGA_CONSUMER,
                orderflow_orders::consumers::release::RESERVATION_CONSUMER,
            ],
        )
        .await;
    }

    /// Waits for two more passes of the SLA sweeper (so one ran entirely
    /// after this call) and for what it announced to be published.
    pub async fn after_a_sweep(&self) {
        let running = self
            .running
            .as_ref()
            .unwrap_or_else(|| panic!("the service is not running"));
        running
            .sweeps
            .more(2, Duration::from_secs(30))
            .await
            .unwrap_or_else(|| panic!("the SLA sweeper did not run"));
        self.quiescent().await;
    }

    pub async fn orders_as(&self, subject: &str, roles: &[&str]) -> OrderServiceClient<Authorized> {
        OrderServiceClient::with_interceptor(
            channel(self.address).await,
            Bearer::token(subject, roles),
        )
    }

    pub async fn anonymous(&self) -> OrderServiceClient<Authorized> {
        OrderServiceClient::with_interceptor(channel(self.address).await, Bearer::anonymous())
    }

    pub async fn quotations_as(
        &self,
        subject: &str,
        roles: &[&str],
    ) -> QuotationServiceClient<Authorized> {
        QuotationServiceClient::with_interceptor(
            channel(self.address).await,
            Bearer::token(subject, roles),
        )
    }

    /// A salesperson's client.
    pub async fn sales(&self) -> OrderServiceClient<Authorized> {
        self.orders_as("alice", &["sales"]).await
    }

    /// A sales assistant's client (confirms orders).
    pub async fn assistant(&self) -> OrderServiceClient<Authorized> {
        self.orders_as("carol", &["sales_assistant"]).await
    }

    /// Stops the service gracefully, waits until it has drained, and starts
    /// it again on the same database and NATS (a new address).
    pub async fn restart(&mut self) {
        self.shutdown.trigger();
        if let Some(running) = self.running.take() {
            tokio::time::timeout(Duration::from_secs(15), running.wait())
                .await
                .unwrap_or_else(|_| panic!("the service did not stop in time"))
                .unwrap_or_else(|error| panic!("the service failed: {error:#}"));
        }
        self.shutdown = Shutdown::new();
        let running = orderflow_orders::start(
            config(&self.database.url, &self.nats.url()),
            self.clock.clone(),
            self.shutdown.clone(),
        )
        .await
        .unwrap_or_else(|error| panic!("cannot restart the orders service: {error:#}"));
        self.address = running.local_addr;
        self.running = Some(running);
    }

    /// Messages on `subject` in the ORDERS stream so far.
    pub async fn published(
        &self,
        subject: &str,
    ) -> Vec<async_nats::jetstream::message::StreamMessage> {
        let context = async_nats::jetstream::new(self.nats.client().await);
        let Ok(mut stream) = context.get_stream("ORDERS").await else {
            return Vec::new();
        };
        let last = stream
            .info()
            .await
            .map(|info| info.state.last_sequence)
            .unwrap_or(0);
        let mut found = Vec::new();
        for sequence in 1..=last {
            if let Ok(message) = stream.get_raw_message(sequence).await
                && message.subject.as_str() == subject
            {
                found.push(message);
            }
        }
        found
    }

    /// Waits until `count` messages on `subject` were published.
    pub async fn wait_for_published(
        &self,
        subject: &str,
        count: usize,
    ) -> Vec<async_nats::jetstream::message::StreamMessage> {
        testing::eventually(
            Duration::from_secs(20),
            &format!("{count} × {subject}"),
            || async {
                let found = self.published(subject).await;
                (found.len() >= count).then_some(found)
            },
        )
        .await
    }
}

pub fn address() -> common::Address {
    common::Address {
        recipient_name: "Li Lei".to_owned(),
        phone: "+86 138 0013 8000".to_owned(),
        country_code: "CN".to_owned(),
        region: "Zhejiang".to_owned(),
        city: "Hangzhou".to_owned(),
        district: "Xihu".to_owned(),
        street: "1 Wensan Road".to_owned(),
        postal_code: "310000".to_owned(),
    }
}

pub fn cny(minor_units: i64) -> Option<common::Money> {
    Some(common::Money {
        currency_code: "CNY".to_owned(),
        minor_units,
    })
}

pub async fn create_customer(client: &mut OrderServiceClient<Authorized>) -> pb::Customer {
    client
        .create_customer(pb::CreateCustomerRequest {
            request_id: String::new(),
            name: "Hangzhou Water Works".to_owned(),
            phone: "+86 571 8888 6666".to_owned(),
            email: "buyer@hzwater.example".to_owned(),
            address: Some(address()),
        })
        .await
        .unwrap_or_else(|status| panic!("create customer: {status:?}"))
        .into_inner()
}

pub fn prepaid() -> Option<pb::PaymentTerms> {
    Some(pb::PaymentTerms {
        kind: pb::PaymentTermKind::Prepaid as i32,
        ..Default::default()
    })
}

/// A standard prepaid order of 3 × PUMP-100 at 1,250.00 CNY.
pub fn standard_order(customer_id: &str) -> pb::CreateOrderRequest {
    pb::CreateOrderRequest {
        request_id: String::new(),
        customer_id: customer_id.to_owned(),
        kind: pb::OrderKind::Standard as i32,
        currency_code: "CNY".to_owned(),
        lines: vec![pb::OrderLineInput {
            sku: "PUMP-100".to_owned(),
            description: "Water pump".to_owned(),
            quantity: 3,
            unit_price: cny(125_000),
            kit: None,
        }],
        requested_delivery_date: "2026-04-15".to_owned(),
        payment_terms: prepaid(),
        ..Default::default()
    }
}

pub async fn create_order(
    client: &mut OrderServiceClient<Authorized>,
    request: pb::CreateOrderRequest,
) -> pb::Order {
    client
        .create_order(request)
        .await
        .unwrap_or_else(|status| panic!("create order: {status:?}"))
        .into_inner()
}

/// A customer and a submitted standard order.
pub async fn submitted_order(app: &TestApp) -> pb::Order {
    let customer = create_customer(&mut app.sales().await).await;
    create_and_submit(app, standard_order(&customer.id)).await
}

/// The order `request` describes, created and submitted by the salesperson.
pub async fn create_and_submit(app: &TestApp, request: pb::CreateOrderRequest) -> pb::Order {
    let mut sales = app.sales().await;
    let order = create_order(&mut sales, request).await;
    sales
        .submit_order(pb::SubmitOrderRequest {
            request_id: String::new(),
            order_id: order.id.clone(),
        })
        .await
        .unwrap_or_else(|status| panic!("submit: {status:?}"))
        .into_inner()
}

pub async fn get_order(app: &TestApp, id: &str) -> pb::Order {
    app.sales()
        .await
        .get_order(pb::GetOrderRequest {
            order_id: id.to_owned(),
        })
        .await
        .unwrap_or_else(|status| panic!("get order: {status:?}"))
        .into_inner()
}

pub async fn timeline(app: &TestApp, id: &str) -> Vec<pb::TimelineEntry> {
    app.sales()
        .await
        .get_order_timeline(pb::GetOrderTimelineRequest {
            order_id: id.to_owned(),
        })
        .await
        .unwrap_or_else(|status| panic!("timeline: {status:?}"))
        .into_inner()
        .entries
}

/// Waits until the order reaches `state`.
pub async fn wait_for_state(app: &TestApp, id: &str, state: pb::OrderState) -> pb::Order {
    testing::eventually(
        Duration::from_secs(20),
        &format!("order in {state:?}"),
        || async {
            let order = get_order(app, id).await;
            (order.state == state as i32).then_some(order)
        },
    )
    .await
}

pub use orderflow_platform::testing::violated_fields;

/// Every order `client` may see (one page of up to 100).
pub async fn list_all(client: &mut OrderServiceClient<Authorized>) -> Vec<pb::Order> {
    client
        .list_orders(pb::ListOrdersRequest {
            page_size: 100,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|status| panic!("list: {status:?}"))
        .into_inner()
        .orders
}

/// The (type, subject) of each violation of a FAILED_PRECONDITION.
pub fn unmet_preconditions(status: &tonic::Status) -> Vec<(String, String)> {
    use tonic_types::StatusExt;
    assert_eq!(status.code(), tonic::Code::FailedPrecondition, "{status:?}");
    status
        .get_error_details()
        .precondition_failure()
        .map(|failure| {
            failure
                .violations
                .iter()
                .map(|v| (v.r#type.clone(), v.subject.clone()))
                .collect()
        })
        .unwrap_or_default()
}
