//! `spawn_aftersales()`: the service in-process on port 0 with its own
//! database and NATS server, and typed clients. Orders and finance are
//! played by publishing their events; the peers after-sales calls are not
//! running (the end-to-end suite runs them), so the consumers that call
//! them keep retrying and are left out of "settled".

use std::time::Duration;

use orderflow_aftersales::config::AfterSalesConfig;
use orderflow_platform::clock::Clock;
use orderflow_platform::testing::{self, Backend, Spawned};
use orderflow_proto::aftersales::v1 as pb;
use orderflow_proto::common::v1 as common;
use orderflow_proto::finance::v1 as finance;
use orderflow_proto::orders::v1 as orders;
use pb::after_sales_service_client::AfterSalesServiceClient;

pub type Client = AfterSalesServiceClient<testing::Authorized>;

/// The consumers that call peers no test here runs.
pub const CALLING_PEERS: &[&str] = &[
    "aftersales-cancellations",
    "aftersales-refunds",
    "aftersales-replacements",
    "aftersales-arrivals",
];

pub const CUSTOMER: &str = "0190a1b2-0000-7000-8000-00000000c001";

orderflow_platform::test_app!(TestApp);

/// Monday 2027-01-11 09:00 in Shanghai.
pub fn start_time() -> chrono::DateTime<chrono::Utc> {
    testing::utc("2027-01-11T01:00:00Z")
}

pub async fn spawn_aftersales(backend: Backend) -> TestApp {
    TestApp(
        Spawned::start(
            backend,
            start_time(),
            |env| {
                // Nothing listens on port 1: a peer call fails at once.
                env.with("AFTERSALES_SWEEP_INTERVAL_SECS", "1")
                    .with("ORDERS_URL", "http://127.0.0.1:1")
                    .with("FINANCE_URL", "http://127.0.0.1:1")
                    .with("INVENTORY_URL", "http://127.0.0.1:1")
                    .with("LOGISTICS_URL", "http://127.0.0.1:1")
            },
            testing::starter(AfterSalesConfig::from_env, orderflow_aftersales::start),
        )
        .await,
    )
}

pub fn cny(minor_units: i64) -> common::Money {
    common::Money {
        currency_code: "CNY".to_owned(),
        minor_units,
    }
}

/// An order of two pumps at 1,000.00 and three seals at 50.00, paid in
/// full, in `state`, as the orders service would report it now.
pub fn order(app: &TestApp, state: orders::OrderState, channel: &str) -> orders::Order {
    let now = app.clock.now();
    orders::Order {
        id: uuid::Uuid::now_v7().to_string(),
        number: "2027011100000001".to_owned(),
        kind: orders::OrderKind::Standard.into(),
        state: state.into(),
        customer_id: CUSTOMER.to_owned(),
        salesperson: "tom".to_owned(),
        currency_code: "CNY".to_owned(),
        lines: vec![
            orders::OrderLine {
                line_no: 1,
                sku: "PUMP-100".to_owned(),
                quantity: 2,
                unit_price: Some(cny(100_000)),
                line_total: Some(cny(200_000)),
                ..Default::default()
            },
            orders::OrderLine {
                line_no: 2,
                sku: "SEAL-7".to_owned(),
                quantity: 3,
                unit_price: Some(cny(5_000)),
                line_total: Some(cny(15_000)),
                ..Default::default()
            },
        ],
        total: Some(cny(215_000)),
        amount_paid: Some(cny(215_000)),
        channel: channel.to_owned(),
        update_time: Some(prost_types::Timestamp {
            seconds: now.timestamp(),
            nanos: 0,
        }),
        ..Default::default()
    }
}

impl TestApp {
    pub async fn client(&self, role: &str) -> Client {
        AfterSalesServiceClient::new(
            testing::authorized(self.address, &format!("{role}-1"), &[role]).await,
        )
    }

    pub async fn settled(&self) {
        self.quiescent(CALLING_PEERS).await;
    }

    /// The orders service reporting `order` on `orders.order.<event>`.
    pub async fn order_event(&self, event: &str, order: &orders::Order) {
        testing::publish_order_event(&self.nats, event, order).await;
        self.settled().await;
    }

    /// A paid order shipped and delivered now.
    pub async fn delivered_order(&self) -> orders::Order {
        let shipped = order(self, orders::OrderState::Shipped, "");
        self.order_event("shipped", &shipped).await;
        let delivered = testing::order_moved(&shipped, orders::OrderState::Delivered);
        self.order_event("delivered", &delivered).await;
        delivered
    }

    /// Finance reporting a case's refund on `finance.refund.<what>`.
    pub async fn refund_event(&self, case: &pb::Case, what: &str) {
        use prost::Message;
        let event = finance::RefundEvent {
            event_id: uuid::Uuid::now_v7().to_string(),
            actor: "fiona".to_owned(),
            refund: Some(finance::Refund {
                id: uuid::Uuid::now_v7().to_string(),
                order_id: case.order_id.clone(),
                reference: format!("aftersales/cases/{}", case.id),
                rejection_reason: if what == "rejected" {
                    "not our fault".to_owned()
                } else {
                    String::new()
                },
                ..Default::default()
            }),
            ..Default::default()
        };
        testing::publish_event(
            &self.nats,
            "finance",
            &format!("finance.refund.{what}"),
            event.encode_to_vec(),
        )
        .await;
        self.settled().await;
    }

    pub async fn case(&self, id: &str) -> pb::Case {
        self.client("customer_service")
            .await
            .get_case(pb::GetCaseRequest {
                case_id: id.to_owned(),
            })
            .await
            .unwrap_or_else(|s| panic!("{s:?}"))
            .into_inner()
    }

    pub async fn cases_of(&self, order_id: &str) -> Vec<pb::Case> {
        self.client("customer_service")
            .await
            .list_cases(pb::ListCasesRequest {
                order_id: order_id.to_owned(),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|s| panic!("{s:?}"))
            .into_inner()
            .cases
    }

    /// The case events published on `aftersales.case.<action>`.
    pub async fn published(&self, action: &str) -> Vec<pb::CaseChanged> {
        use prost::Message;
        testing::stream_messages(
            &self.nats,
            "AFTERSALES",
            &format!("aftersales.case.{action}"),
        )
        .await
        .iter()
        .filter_map(|message| pb::CaseChanged::decode(message.payload.as_ref()).ok())
        .collect()
    }

    /// Waits until the case is in `state`.
    pub async fn wait_for(&self, id: &str, state: pb::CaseState) -> pb::Case {
        testing::eventually(Duration::from_secs(20), &format!("{state:?}"), || async {
            let case = self.case(id).await;
            (case.state == state as i32).then_some(case)
        })
        .await
    }
}

pub fn line(sku: &str, quantity: i64) -> pb::CaseLine {
    pb::CaseLine {
        sku: sku.to_owned(),
        quantity,
        tags_attached: true,
        packaging_intact: true,
        ..Default::default()
    }
}

pub fn return_request(order: &orders::Order, lines: Vec<pb::CaseLine>) -> pb::CreateCaseRequest {
    pb::CreateCaseRequest {
        request_id: uuid::Uuid::now_v7().to_string(),
        kind: pb::CaseKind::Return.into(),
        order_id: order.id.clone(),
        customer_id: order.customer_id.clone(),
        reason: pb::ReturnReason::Quality.into(),
        description: "cracked casing".to_owned(),
        evidence: vec!["photos/1.jpg".to_owned()],
        lines,
        requested_amount: None,
        overseas_warehouse: false,
    }
}

pub use orderflow_platform::testing::{Refused, violated_fields};
