//! `spawn_finance()`: the service in-process on port 0 with its own database,
//! NATS server and settable clock; typed clients; orders and inventory
//! events published the way those services publish them.

use std::time::Duration;

use async_nats::jetstream;
use chrono::{DateTime, NaiveDate, Utc};
use orderflow_finance::config::FinanceConfig;
use orderflow_platform::grpc::convert::timestamp;
use orderflow_platform::testing::{self, Backend, Spawned};
use orderflow_proto::common::v1 as common;
use orderflow_proto::finance::v1 as pb;
use orderflow_proto::orders::v1 as orders;
use prost::Message;

pub use pb::finance_service_client::FinanceServiceClient;

pub type Client = FinanceServiceClient<testing::Authorized>;

orderflow_platform::test_app!(
    /// Finance under test: [`Spawned`] (address, database, NATS, clock) with
    /// finance's clients and events.
    TestApp
);

/// 2027-01-04 09:00 in Shanghai.
pub fn start_time() -> chrono::DateTime<chrono::Utc> {
    testing::utc("2027-01-04T01:00:00Z")
}

pub fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|e| panic!("{text}: {e}"))
}

pub async fn spawn_finance(backend: Backend) -> TestApp {
    TestApp(
        Spawned::start(
            backend,
            start_time(),
            |env| env.with("FINANCE_SWEEP_INTERVAL_SECS", "1"),
            testing::starter(FinanceConfig::from_env, orderflow_finance::start),
        )
        .await,
    )
}

impl TestApp {
    /// Waits until finance has handled every event and published every row
    /// of its outbox: then what did not happen is not on its way either. The
    /// consumer that files refunds with the approvals service keeps retrying
    /// here (no approvals service runs in these tests) and is not waited for.
    pub async fn quiescent(&self) {
        self.0
            .quiescent(&[orderflow_finance::consumers::REFUNDS_CONSUMER])
            .await;
    }

    /// Waits for two more passes of the sweeper (so one ran entirely after
    /// this call) and for what they announced to be published.
    pub async fn after_a_sweep(&self) {
        self.0
            .after_a_sweep(&[orderflow_finance::consumers::REFUNDS_CONSUMER])
            .await;
    }

    pub async fn client(&self, subject: &str, roles: &[&str]) -> Client {
        FinanceServiceClient::new(testing::authorized(self.address, subject, roles).await)
    }

    /// `tom`, the salesperson of every order here.
    pub async fn sales(&self) -> Client {
        self.client("tom", &["sales"]).await
    }

    pub async fn finance(&self) -> Client {
        self.client("fiona", &["finance"]).await
    }

    pub async fn manager(&self) -> Client {
        self.client("mia", &["dept_manager"]).await
    }

    pub async fn docs_clerk(&self) -> Client {
        self.client("dora", &["docs_clerk"]).await
    }

    /// Publishes an event on a stream declared the way its service does.
    async fn publish(&self, service: &str, subject: &str, payload: Vec<u8>) {
        testing::publish_event(&self.nats, service, subject, payload).await;
    }

    /// The orders service reporting `order` on `orders.order.<event>`.
    pub async fn order_event(&self, event: &str, order: &orders::Order) {
        testing::publish_order_event(&self.nats, event, order).await;
    }

    /// The approvals service reporting a refund's request decided; `gm`
    /// says whether its round has an approved gm step.
    pub async fn refund_decided(&self, refund_id: &str, approved: bool, gm: bool) {
        use orderflow_proto::approvals::v1 as approvals;
        let role = if gm { "gm" } else { "dept_manager" };
        let message = approvals::ApprovalEvent {
            event_id: uuid::Uuid::now_v7().to_string(),
            occur_time: Some(timestamp(start_time())),
            actor: "gary".to_owned(),
            reason: if approved {
                String::new()
            } else {
                "no".to_owned()
            },
            request: Some(approvals::ApprovalRequest {
                id: uuid::Uuid::now_v7().to_string(),
                subject_kind: "refund".to_owned(),
                subject_id: refund_id.to_owned(),
                round: 1,
                steps: vec![approvals::Step {
                    role: role.to_owned(),
                    round: 1,
                    state: if approved {
                        approvals::StepState::Approved
                    } else {
                        approvals::StepState::Rejected
                    }
                    .into(),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            step: None,
        };
        let subject = if approved {
            "approvals.request.approved"
        } else {
            "approvals.request.rejected"
        };
        self.publish("approvals", subject, message.encode_to_vec())
            .await;
    }

    /// After-sales reporting an overseas return's goods shelved (AFS-8):
    /// the case `case_id` of `order_id`, knowing its refund's id or not yet,
    /// in the state `state`.
    pub async fn goods_shelved(
        &self,
        order_id: &str,
        case_id: &str,
        refund_id: &str,
        at: DateTime<Utc>,
        state: orderflow_proto::aftersales::v1::CaseState,
    ) {
        use orderflow_proto::aftersales::v1 as aftersales;
        let message = aftersales::CaseChanged {
            event_id: uuid::Uuid::now_v7().to_string(),
            occur_time: Some(timestamp(at)),
            actor: "wendy".to_owned(),
            detail: String::new(),
            case: Some(aftersales::Case {
                id: case_id.to_owned(),
                order_id: order_id.to_owned(),
                refund_id: refund_id.to_owned(),
                overseas_warehouse: true,
                shelve_time: Some(timestamp(at)),
                state: state.into(),
                ..Default::default()
            }),
        };
        self.publish(
            "aftersales",
            "aftersales.case.shelved",
            message.encode_to_vec(),
        )
        .await;
    }

    /// Messages on `subject` in the FINANCE stream so far.
    pub async fn published(&self, subject: &str) -> Vec<jetstream::message::StreamMessage> {
        testing::stream_messages(&self.nats, "FINANCE", subject).await
    }

    /// The gates opened so far, as announced.
    pub async fn opened_gates(&self) -> Vec<pb::ReleaseGate> {
        self.published("finance.gate.opened")
            .await
            .into_iter()
            .filter_map(|message| pb::GateEvent::decode(message.payload.as_ref()).ok())
            .filter_map(|event| event.gate)
            .collect()
    }

    /// The gate once finance has taken in the order as of `revision` time.
    pub async fn gate(&self, order: &orders::Order) -> pb::ReleaseGate {
        let mut client = self.finance().await;
        testing::eventually(Duration::from_secs(20), "the order's account", || {
            let mut client = client.clone();
            let order_id = order.id.clone();
            async move {
                client
                    .get_release_gate(pb::GetReleaseGateRequest { order_id })
                    .await
                    .ok()
                    .map(tonic::Response::into_inner)
            }
        })
        .await;
        client
            .get_release_gate(pb::GetReleaseGateRequest {
                order_id: order.id.clone(),
            })
            .await
            .unwrap_or_else(|s| panic!("{s:?}"))
            .into_inner()
    }

    /// Waits for finance to announce the order's gate open.
    pub async fn wait_opened(&self, order: &orders::Order) -> pb::ReleaseGate {
        testing::eventually(Duration::from_secs(20), "finance.gate.opened", || async {
            self.opened_gates()
                .await
                .into_iter()
                .find(|gate| gate.order_id == order.id)
        })
        .await
    }

    /// The orders whose gate was announced open (each once).
    pub async fn opened_count(&self, order: &orders::Order) -> usize {
        self.opened_gates()
            .await
            .iter()
            .filter(|gate| gate.order_id == order.id)
            .count()
    }
}

pub fn codes(gate: &pb::ReleaseGate) -> Vec<String> {
    gate.blockers.iter().map(|c| c.code.clone()).collect()
}

pub fn flags(gate: &pb::ReleaseGate) -> Vec<String> {
    gate.flags.iter().map(|c| c.code.clone()).collect()
}

pub fn cny(minor_units: i64) -> common::Money {
    common::Money {
        currency_code: "CNY".to_owned(),
        minor_units,
    }
}

/// An order of `quantity` PUMP-100 at `unit_price` CNY, in the state
/// given, updated `at`.
pub struct OrderSpec {
    pub kind: orders::OrderKind,
    pub terms: Option<(orders::PaymentTermKind, i32)>,
    pub unit_price: i64,
    pub quantity: i64,
    pub delivery: &'static str,
    pub customer_id: String,
}

impl OrderSpec {
    pub fn new(kind: orders::OrderKind, terms: Option<(orders::PaymentTermKind, i32)>) -> Self {
        Self {
            kind,
            terms,
            unit_price: 1_000_000,
            quantity: 10,
            delivery: "2027-03-01",
            customer_id: uuid::Uuid::now_v7().to_string(),
        }
    }

    pub fn order(&self) -> orders::Order {
        let total = self.unit_price * self.quantity;
        orders::Order {
            id: uuid::Uuid::now_v7().to_string(),
            number: format!("20270104{:08}", rand_suffix()),
            kind: self.kind.into(),
            state: orders::OrderState::PendingApproval.into(),
            customer_id: self.customer_id.clone(),
            salesperson: "tom".to_owned(),
            currency_code: "CNY".to_owned(),
            lines: vec![orders::OrderLine {
                line_no: 1,
                sku: "PUMP-100".to_owned(),
                quantity: self.quantity,
                unit_price: Some(cny(self.unit_price)),
                line_total: Some(cny(total)),
                ..Default::default()
            }],
            total: Some(cny(total)),
            requested_delivery_date: self.delivery.to_owned(),
            payment_terms: self
                .terms
                .map(|(kind, deposit_percent)| orders::PaymentTerms {
                    kind: kind.into(),
                    deposit_percent,
                    ..Default::default()
                }),
            update_time: Some(timestamp(start_time())),
            ..Default::default()
        }
    }
}

fn rand_suffix() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The order moved to `state` a second later than its last version.
pub fn moved(order: &orders::Order, state: orders::OrderState) -> orders::Order {
    testing::order_moved(order, state)
}

/// Publishes the order pending approval, then approved (awaiting payment),
/// and returns the latter once finance has it.
pub async fn awaiting_payment(app: &TestApp, spec: &OrderSpec) -> orders::Order {
    let order = spec.order();
    app.order_event("confirmed", &order).await;
    let approved = moved(&order, orders::OrderState::AwaitingPayment);
    app.order_event("approved", &approved).await;
    testing::eventually(
        Duration::from_secs(20),
        "the order awaiting payment",
        || async { app.gate(&approved).await.awaiting_payment.then_some(()) },
    )
    .await;
    approved
}

pub async fn record_payment(
    client: &mut Client,
    order: &orders::Order,
    kind: pb::PaymentKind,
    minor_units: i64,
) -> pb::Payment {
    client
        .record_payment(pb::RecordPaymentRequest {
            order_id: order.id.clone(),
            kind: kind.into(),
            amount: Some(cny(minor_units)),
            method: "bank transfer".to_owned(),
            reference: "BOC-0001".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
}

pub async fn confirm_payment(app: &TestApp, payment: &pb::Payment) -> pb::Payment {
    app.finance()
        .await
        .confirm_payment(pb::ConfirmPaymentRequest {
            payment_id: payment.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
}

pub use orderflow_platform::testing::violated_fields;

pub async fn ledger(app: &TestApp, order: &orders::Order) -> pb::ListLedgerEntriesResponse {
    app.finance()
        .await
        .list_ledger_entries(pb::ListLedgerEntriesRequest {
            order_id: order.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
}

/// ORD-20: a `dept_manager`'s signature on `salesperson`'s sales of a day.
pub async fn sign(
    client: &mut Client,
    salesperson: &str,
    entry_date: &str,
) -> Result<pb::SalesDetail, tonic::Status> {
    client
        .sign_sales_detail(pb::SignSalesDetailRequest {
            salesperson: salesperson.to_owned(),
            entry_date: entry_date.to_owned(),
            ..Default::default()
        })
        .await
        .map(tonic::Response::into_inner)
}

/// ORD-20: finance sets the standard cost of one unit of `sku` (CNY) from
/// `effective_from` on.
pub async fn set_standard_cost(
    app: &TestApp,
    sku: &str,
    unit_cost: i64,
    effective_from: &str,
) -> Result<pb::StandardCost, tonic::Status> {
    app.finance()
        .await
        .set_standard_cost(pb::SetStandardCostRequest {
            sku: sku.to_owned(),
            unit_cost: Some(cny(unit_cost)),
            effective_from: effective_from.to_owned(),
            note: "costing sheet".to_owned(),
            ..Default::default()
        })
        .await
        .map(tonic::Response::into_inner)
}

/// ORD-20: ten pumps at 10,000.00 CNY (100,000.00), a standard prepaid order
/// of `tom`'s, paid in full and the payment confirmed: it waits for its
/// sales detail.
pub async fn paid_standard_order(app: &TestApp) -> orders::Order {
    let order = awaiting_payment(
        app,
        &OrderSpec::new(
            orders::OrderKind::Standard,
            Some((orders::PaymentTermKind::Prepaid, 0)),
        ),
    )
    .await;
    let mut sales = app.sales().await;
    let payment = record_payment(&mut sales, &order, pb::PaymentKind::Full, 10_000_000).await;
    confirm_payment(app, &payment).await;
    app.quiescent().await;
    order
}
