//! `spawn_orders()`: the service in-process on port 0 with a database and a
//! NATS server of the test's own, a settable clock, and typed clients.

use std::time::Duration;

use orderflow_orders::config::OrdersConfig;
use orderflow_platform::config::Env;
use orderflow_platform::shutdown::Shutdown;
use orderflow_platform::testing::{self, Backend, Spawned};
use orderflow_proto::common::v1 as common;
use orderflow_proto::orders::v1 as pb;
use pb::order_service_client::OrderServiceClient;
use pb::quotation_service_client::QuotationServiceClient;

use orderflow_platform::testing::Bearer;
pub use orderflow_platform::testing::{Authorized, channel};

/// 2026-03-02 09:00 in Shanghai.
pub fn start_time() -> chrono::DateTime<chrono::Utc> {
    testing::utc("2026-03-02T01:00:00Z")
}

orderflow_platform::test_app!(
    /// Orders under test: [`Spawned`] (address, database, NATS, clock) with
    /// the orders and quotation clients.
    TestApp
);

/// The consumers that keep retrying the peers no test here runs.
const RETRYING_PEERS: &[&str] = &[
    orderflow_orders::consumers::saga::SAGA_CONSUMER,
    orderflow_orders::consumers::release::RESERVATION_CONSUMER,
];

/// No approvals or inventory service in these tests: their addresses
/// answer nothing.
fn env(env: Env) -> Env {
    let approvals_url = format!("http://127.0.0.1:{}", testing::free_port());
    let inventory_url = format!("http://127.0.0.1:{}", testing::free_port());
    env.with("APPROVALS_URL", approvals_url)
        .with("INVENTORY_URL", inventory_url)
        .with("SLA_SWEEP_INTERVAL_SECS", "1")
        .with("CONSUMER_ACK_WAIT_SECS", "2")
        .with("CONSUMER_MAX_DELIVER", "3")
        .with("SHUTDOWN_GRACE_SECS", "5")
        .with("ORDER_NUMBER_BLOCK_SIZE", "10")
}

pub async fn spawn_orders(backend: Backend) -> TestApp {
    TestApp(
        Spawned::start(
            backend,
            start_time(),
            env,
            testing::starter(OrdersConfig::from_env, orderflow_orders::start),
        )
        .await,
    )
}

/// Orders asking the approvals service at `approvals` (a fake of the
/// test's own).
pub async fn spawn_orders_with_approvals(
    backend: Backend,
    approvals: std::net::SocketAddr,
) -> TestApp {
    TestApp(
        Spawned::start(
            backend,
            start_time(),
            move |base| env(base).with("APPROVALS_URL", format!("http://{approvals}")),
            testing::starter(OrdersConfig::from_env, orderflow_orders::start),
        )
        .await,
    )
}

/// Orders telling customers through `notifier` (ORD-17).
pub async fn spawn_orders_with_notifier(
    backend: Backend,
    notifier: std::sync::Arc<dyn orderflow_orders::notifier::Notifier>,
) -> TestApp {
    let starter: testing::Starter = std::sync::Arc::new(move |env, clock, shutdown| {
        let notifier = notifier.clone();
        Box::pin(async move {
            let config = OrdersConfig::from_env(&env)
                .map_err(|error| anyhow::anyhow!("bad test config: {error}"))?;
            orderflow_orders::start_with_notifier(config, clock, shutdown, notifier).await
        })
    });
    TestApp(Spawned::start(backend, start_time(), env, starter).await)
}

/// Another instance on the same database and NATS, as a second replica.
pub async fn spawn_replica(of: &TestApp) -> (std::net::SocketAddr, Shutdown) {
    of.replica().await
}

impl TestApp {
    /// Waits until orders has handled every event and published every row of
    /// its outbox. The saga and the reservation step keep retrying their
    /// peers (no approvals or inventory service runs in these tests) and are
    /// not waited for.
    pub async fn quiescent(&self) {
        self.0.quiescent(RETRYING_PEERS).await;
    }

    /// Waits for two more passes of the SLA sweeper (so one ran entirely
    /// after this call) and for what it announced to be published.
    pub async fn after_a_sweep(&self) {
        self.0.after_a_sweep(RETRYING_PEERS).await;
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

    /// A person of the store `store` (S10).
    pub async fn store(&self, store: &str) -> OrderServiceClient<Authorized> {
        self.store_with(store, &["store"]).await
    }

    /// A person of the store `store` whose token carries `roles`.
    pub async fn store_with(&self, store: &str, roles: &[&str]) -> OrderServiceClient<Authorized> {
        OrderServiceClient::with_interceptor(
            channel(self.address).await,
            Bearer::partner(&format!("{store}-desk"), roles, store),
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

    /// Messages on `subject` in the ORDERS stream so far.
    pub async fn published(
        &self,
        subject: &str,
    ) -> Vec<async_nats::jetstream::message::StreamMessage> {
        testing::stream_messages(&self.nats, "ORDERS", subject).await
    }

    /// Waits until `count` messages on `subject` were published.
    pub async fn wait_for_published(
        &self,
        subject: &str,
        count: usize,
    ) -> Vec<async_nats::jetstream::message::StreamMessage> {
        testing::wait_for_messages(&self.nats, "ORDERS", subject, count).await
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
            fit: None,
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

pub use orderflow_platform::testing::unmet_preconditions;

/// The assistant confirms the submitted order `order_id`.
pub async fn confirm(app: &TestApp, order_id: &str) -> pb::Order {
    app.assistant()
        .await
        .confirm_order(pb::ConfirmOrderRequest {
            order_id: order_id.to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|status| panic!("confirm: {status:?}"))
        .into_inner()
}

/// `client` submits the order `order_id`.
pub async fn submit(client: &mut OrderServiceClient<Authorized>, order_id: &str) -> pb::Order {
    client
        .submit_order(pb::SubmitOrderRequest {
            order_id: order_id.to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|status| panic!("submit: {status:?}"))
        .into_inner()
}
