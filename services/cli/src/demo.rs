//! `orderflow demo`: against running services, creates a customer and an
//! order, walks it as far as the services that exist allow, and prints its
//! timeline.

use std::time::Duration;

use anyhow::Context as _;
use approvals::approval_service_client::ApprovalServiceClient;
use finance::finance_service_client::FinanceServiceClient;
use inventory::inventory_service_client::InventoryServiceClient;
use orderflow_proto::approvals::v1 as approvals;
use orderflow_proto::common::v1 as common;
use orderflow_proto::finance::v1 as finance;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::logistics::v1 as logistics;
use orderflow_proto::orders::v1 as pb;
use pb::order_service_client::OrderServiceClient;
use secrecy::SecretString;
use tonic::transport::Channel;

use crate::secret;

mod aftersales;
mod production;
mod purchasing;

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// The orders service.
    #[arg(long, env = "ORDERS_URL", default_value = "http://127.0.0.1:50051")]
    orders_url: String,
    /// The approvals service.
    #[arg(long, env = "APPROVALS_URL", default_value = "http://127.0.0.1:50052")]
    approvals_url: String,
    /// The inventory service.
    #[arg(long, env = "INVENTORY_URL", default_value = "http://127.0.0.1:50054")]
    inventory_url: String,
    /// The finance service.
    #[arg(long, env = "FINANCE_URL", default_value = "http://127.0.0.1:50053")]
    finance_url: String,
    /// The logistics service.
    #[arg(long, env = "LOGISTICS_URL", default_value = "http://127.0.0.1:50057")]
    logistics_url: String,
    /// The production service.
    #[arg(long, env = "PRODUCTION_URL", default_value = "http://127.0.0.1:50055")]
    production_url: String,
    /// The procurement service.
    #[arg(
        long,
        env = "PROCUREMENT_URL",
        default_value = "http://127.0.0.1:50056"
    )]
    procurement_url: String,
    /// The after-sales service.
    #[arg(long, env = "AFTERSALES_URL", default_value = "http://127.0.0.1:50058")]
    aftersales_url: String,
}

/// Where the demo finds each service.
pub struct Urls {
    pub orders: String,
    pub approvals: String,
    pub inventory: String,
    pub finance: String,
    pub logistics: String,
    pub production: String,
    pub procurement: String,
    pub aftersales: String,
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let secret = secret::load()?;
    let urls = Urls {
        orders: args.orders_url,
        approvals: args.approvals_url,
        inventory: args.inventory_url,
        finance: args.finance_url,
        logistics: args.logistics_url,
        production: args.production_url,
        procurement: args.procurement_url,
        aftersales: args.aftersales_url,
    };
    walk(&urls, &secret).await
}

type Authorized = tonic::service::interceptor::InterceptedService<Channel, Bearer>;
type Client = OrderServiceClient<Authorized>;

#[derive(Clone)]
struct Bearer(tonic::metadata::MetadataValue<tonic::metadata::Ascii>);

impl tonic::service::Interceptor for Bearer {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        request
            .metadata_mut()
            .insert("authorization", self.0.clone());
        Ok(request)
    }
}

async fn authorized(
    url: &str,
    secret: &SecretString,
    subject: &str,
    roles: &[&str],
) -> anyhow::Result<Authorized> {
    let roles: Vec<String> = roles.iter().map(|role| (*role).to_owned()).collect();
    let token =
        orderflow_platform::auth::mint_hs256(secret, subject, &roles, Duration::from_secs(600))?;
    let channel = Channel::from_shared(url.to_owned())?
        .connect()
        .await
        .with_context(|| format!("cannot reach {url}"))?;
    Ok(tonic::service::interceptor::InterceptedService::new(
        channel,
        Bearer(format!("Bearer {token}").parse()?),
    ))
}

async fn client(
    url: &str,
    secret: &SecretString,
    subject: &str,
    roles: &[&str],
) -> anyhow::Result<Client> {
    Ok(OrderServiceClient::new(
        authorized(url, secret, subject, roles).await?,
    ))
}

fn state_name(state: i32) -> String {
    pb::OrderState::try_from(state)
        .map(|state| {
            state
                .as_str_name()
                .trim_start_matches("ORDER_STATE_")
                .to_owned()
        })
        .unwrap_or_else(|_| state.to_string())
}

fn customer_request() -> pb::CreateCustomerRequest {
    pb::CreateCustomerRequest {
        request_id: String::new(),
        name: "Hangzhou Water Works".to_owned(),
        phone: "+86 571 8888 6666".to_owned(),
        email: "buyer@hzwater.example".to_owned(),
        address: Some(common::Address {
            recipient_name: "Li Lei".to_owned(),
            phone: "+86 138 0013 8000".to_owned(),
            country_code: "CN".to_owned(),
            region: "Zhejiang".to_owned(),
            city: "Hangzhou".to_owned(),
            district: "Xihu".to_owned(),
            street: "1 Wensan Road".to_owned(),
            postal_code: "310000".to_owned(),
        }),
    }
}

fn order_request(
    customer_id: &str,
    kind: pb::OrderKind,
    terms: pb::PaymentTermKind,
    quantity: i64,
    unit_price: i64,
) -> pb::CreateOrderRequest {
    pb::CreateOrderRequest {
        customer_id: customer_id.to_owned(),
        kind: kind as i32,
        currency_code: "CNY".to_owned(),
        lines: vec![pb::OrderLineInput {
            sku: "PUMP-100".to_owned(),
            description: "Water pump".to_owned(),
            quantity,
            unit_price: Some(common::Money {
                currency_code: "CNY".to_owned(),
                minor_units: unit_price,
            }),
            kit: None,
            ..Default::default()
        }],
        requested_delivery_date: (chrono::Utc::now() + chrono::Duration::days(45))
            .format("%Y-%m-%d")
            .to_string(),
        payment_terms: Some(pb::PaymentTerms {
            kind: terms as i32,
            ..Default::default()
        }),
        special_requirements: "gift: one spare seal kit".to_owned(),
        ..Default::default()
    }
}

/// Creates, submits and confirms an order; returns it once the saga acted.
async fn place(
    sales: &mut Client,
    assistant: &mut Client,
    request: pb::CreateOrderRequest,
) -> anyhow::Result<pb::Order> {
    let response = sales.create_order(request).await?;
    let trace_id = response
        .metadata()
        .get("x-trace-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let order = response.into_inner();
    println!(
        "   order {} created (trace {trace_id}), total {}",
        order.number,
        money_text(order.total.as_ref())
    );
    sales
        .submit_order(pb::SubmitOrderRequest {
            request_id: String::new(),
            order_id: order.id.clone(),
        })
        .await?;
    assistant
        .confirm_order(pb::ConfirmOrderRequest {
            order_id: order.id.clone(),
            ..Default::default()
        })
        .await?;
    println!("   submitted and confirmed");
    wait_for(sales, &order.id, |order| {
        order.state != pb::OrderState::PendingApproval as i32
            || !order.approval_request_id.is_empty()
    })
    .await
}

/// Calls `attempt` until it succeeds (another service may not have caught
/// up yet), for up to ten seconds.
async fn retry<T, F, Fut>(what: &str, mut attempt: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<tonic::Response<T>, tonic::Status>>,
{
    let mut last = None;
    for _ in 0..200 {
        match attempt().await {
            Ok(response) => return Ok(response.into_inner()),
            Err(status) => last = Some(status),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("{what}: {last:?}")
}

/// The standard order's way out: shipping notice and note (logistics),
/// the note approved by finance, picked, inspected and posted out
/// (inventory), dispatched, delivered, receipt confirmed.
async fn ship_and_complete(
    urls: &Urls,
    secret: &SecretString,
    order: &pb::Order,
) -> anyhow::Result<()> {
    use logistics::logistics_service_client::LogisticsServiceClient;
    let planner = LogisticsServiceClient::new(
        authorized(&urls.logistics, secret, "demo-logistics", &["logistics"]).await?,
    );
    let approver = LogisticsServiceClient::new(
        authorized(&urls.logistics, secret, "demo-finance", &["finance"]).await?,
    );
    let dispatcher = LogisticsServiceClient::new(
        authorized(&urls.logistics, secret, "demo-warehouse", &["warehouse"]).await?,
    );
    let service = LogisticsServiceClient::new(
        authorized(
            &urls.logistics,
            secret,
            "demo-service",
            &["customer_service"],
        )
        .await?,
    );
    let mut warehouse = InventoryServiceClient::new(
        authorized(&urls.inventory, secret, "demo-warehouse", &["warehouse"]).await?,
    );
    let mut qc =
        InventoryServiceClient::new(authorized(&urls.inventory, secret, "demo-qc", &["qc"]).await?);
    let order_id = order.id.clone();
    let ship_date = (chrono::Utc::now() + chrono::Duration::days(3))
        .format("%Y-%m-%d")
        .to_string();
    let planned = retry("planning the shipment", || {
        let mut client = planner.clone();
        let request = logistics::PlanShipmentRequest {
            order_id: order_id.clone(),
            planned_ship_date: ship_date.clone(),
            ..Default::default()
        };
        async move { client.plan_shipment(request).await }
    })
    .await?;
    println!(
        "   shipping notice for {} by {} ({})",
        planned.planned_ship_date, planned.carrier_code, planned.carrier_reason
    );
    let noted = retry("the shipping note", || {
        let mut client = planner.clone();
        let request = logistics::CreateShippingNoteRequest {
            order_id: order_id.clone(),
            ..Default::default()
        };
        async move { client.create_shipping_note(request).await }
    })
    .await?;
    retry("finance's approval of the note", || {
        let mut client = approver.clone();
        let request = logistics::ApproveShippingNoteRequest {
            order_id: order_id.clone(),
            ..Default::default()
        };
        async move { client.approve_shipping_note(request).await }
    })
    .await?;
    println!(
        "   shipping note {} approved by demo-finance",
        noted.note_number
    );
    let pick_list = warehouse
        .create_pick_list(inventory::CreatePickListRequest {
            order_id: order_id.clone(),
            ..Default::default()
        })
        .await?
        .into_inner();
    qc.record_outbound_inspection(inventory::RecordOutboundInspectionRequest {
        pick_list_id: pick_list.id.clone(),
        passed: true,
        note: "cartons intact".to_owned(),
    })
    .await?;
    warehouse
        .post_outbound(inventory::PostOutboundRequest {
            pick_list_id: pick_list.id.clone(),
        })
        .await?;
    println!("   picked, inspected and posted out of FG");
    let tracking = format!("TT{}", order.number);
    retry("the dispatch", || {
        let mut client = dispatcher.clone();
        let request = logistics::DispatchShipmentRequest {
            order_id: order_id.clone(),
            tracking_number: tracking.clone(),
            ..Default::default()
        };
        async move { client.dispatch_shipment(request).await }
    })
    .await?;
    let mut planner = planner;
    planner
        .record_tracking_event(logistics::RecordTrackingEventRequest {
            tracking_number: tracking.clone(),
            event: Some(logistics::TrackingEvent {
                time: Some(prost_types::Timestamp {
                    seconds: chrono::Utc::now().timestamp(),
                    nanos: 0,
                }),
                status: "delivered".to_owned(),
                location: "Hangzhou".to_owned(),
                description: "signed by Li Lei".to_owned(),
            }),
            ..Default::default()
        })
        .await?;
    println!("   dispatched with {tracking}, delivered");
    retry("the receipt", || {
        let mut client = service.clone();
        let request = logistics::ConfirmReceiptRequest {
            order_id: order_id.clone(),
            ..Default::default()
        };
        async move { client.confirm_receipt(request).await }
    })
    .await?;
    println!("   receipt confirmed by the customer");
    Ok(())
}

/// Waits for the order to be released and its stock reservation (in full
/// or short) to be on its timeline.
async fn released_and_reserved(sales: &mut Client, order_id: &str) -> anyhow::Result<pb::Order> {
    for _ in 0..200 {
        let entries = sales
            .get_order_timeline(pb::GetOrderTimelineRequest {
                order_id: order_id.to_owned(),
            })
            .await?
            .into_inner()
            .entries;
        if entries
            .iter()
            .any(|entry| matches!(entry.action.as_str(), "stock_reserved" | "stock_short"))
        {
            return wait_for(sales, order_id, |order| {
                order.state == pb::OrderState::Released as i32
                    || order.state == pb::OrderState::ReadyToShip as i32
            })
            .await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("order {order_id} was not released and reserved")
}

async fn wait_for(
    sales: &mut Client,
    order_id: &str,
    done: impl Fn(&pb::Order) -> bool,
) -> anyhow::Result<pb::Order> {
    for _ in 0..200 {
        let order = sales
            .get_order(pb::GetOrderRequest {
                order_id: order_id.to_owned(),
            })
            .await?
            .into_inner();
        if done(&order) {
            return Ok(order);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("order {order_id} did not move on")
}

fn money_text(money: Option<&common::Money>) -> String {
    money.map_or_else(String::new, |money| {
        format!(
            "{}.{:02} {}",
            money.minor_units / 100,
            (money.minor_units % 100).abs(),
            money.currency_code
        )
    })
}

/// The demo's stock: five pumps on hand in finished goods, counted in once.
const PUMPS_ON_HAND: i64 = 5;

/// Puts the pump on the books and counts the finished-goods warehouse up to
/// [`PUMPS_ON_HAND`] (a rerun against the same data adds nothing).
async fn stock_pumps(url: &str, secret: &SecretString) -> anyhow::Result<()> {
    let mut warehouse = InventoryServiceClient::new(
        authorized(url, secret, "demo-warehouse", &["warehouse"]).await?,
    );
    match warehouse
        .create_item(inventory::CreateItemRequest {
            request_id: String::new(),
            sku: "PUMP-100".to_owned(),
            name: "Water pump".to_owned(),
            unit: "pcs".to_owned(),
            weight_grams: 4_200,
            bought: false,
        })
        .await
    {
        Ok(_) => {}
        Err(status) if status.code() == tonic::Code::AlreadyExists => {}
        Err(status) => return Err(status.into()),
    }
    let stock = warehouse
        .get_stock(inventory::GetStockRequest {
            sku: "PUMP-100".to_owned(),
            warehouse: "FG".to_owned(),
        })
        .await?
        .into_inner();
    if stock.on_hand < PUMPS_ON_HAND {
        warehouse
            .adjust_stock(inventory::AdjustStockRequest {
                request_id: String::new(),
                sku: "PUMP-100".to_owned(),
                warehouse: "FG".to_owned(),
                quantity: PUMPS_ON_HAND - stock.on_hand,
                note: "demo opening count".to_owned(),
            })
            .await?;
    }
    let stock = warehouse
        .get_stock(inventory::GetStockRequest {
            sku: "PUMP-100".to_owned(),
            warehouse: "FG".to_owned(),
        })
        .await?
        .into_inner();
    println!(
        "stock PUMP-100 in FG: {} on hand, {} reserved, {} available",
        stock.on_hand, stock.reserved, stock.available
    );
    Ok(())
}

async fn finance_client(
    url: &str,
    secret: &SecretString,
    subject: &str,
    roles: &[&str],
) -> anyhow::Result<FinanceServiceClient<Authorized>> {
    Ok(FinanceServiceClient::new(
        authorized(url, secret, subject, roles).await?,
    ))
}

/// The prepaid standard order's way through finance: the payment recorded
/// by sales and confirmed by finance (FIN-3), the day's sales detail signed
/// by the manager and confirmed by finance (ORD-20).
async fn pay_and_sign(url: &str, secret: &SecretString, order: &pb::Order) -> anyhow::Result<()> {
    let mut sales = finance_client(url, secret, "demo-sales", &["sales"]).await?;
    let mut finance = finance_client(url, secret, "demo-finance", &["finance"]).await?;
    let mut manager = finance_client(url, secret, "demo-manager", &["dept_manager"]).await?;
    let payment = sales
        .record_payment(finance::RecordPaymentRequest {
            request_id: format!("demo-payment:{}", order.id),
            order_id: order.id.clone(),
            kind: finance::PaymentKind::Full as i32,
            amount: order.total.clone(),
            method: "bank transfer".to_owned(),
            reference: "ICBC-2027-0001".to_owned(),
        })
        .await?
        .into_inner();
    finance
        .confirm_payment(finance::ConfirmPaymentRequest {
            request_id: String::new(),
            payment_id: payment.id.clone(),
        })
        .await?;
    println!(
        "   payment of {} recorded by demo-sales, confirmed by demo-finance",
        money_text(payment.amount.as_ref())
    );
    let mut entries = Vec::new();
    for _ in 0..200 {
        entries = finance
            .list_ledger_entries(finance::ListLedgerEntriesRequest {
                order_id: order.id.clone(),
                ..Default::default()
            })
            .await?
            .into_inner()
            .entries;
        if !entries.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let entry = entries
        .first()
        .context("finance wrote no sale entry for the order")?;
    let detail = manager
        .sign_sales_detail(finance::SignSalesDetailRequest {
            request_id: String::new(),
            salesperson: entry.salesperson.clone(),
            entry_date: entry.entry_date.clone(),
        })
        .await?
        .into_inner();
    finance
        .confirm_sales_detail(finance::ConfirmSalesDetailRequest {
            request_id: String::new(),
            sales_detail_id: detail.id.clone(),
        })
        .await?;
    println!(
        "   sales detail of {} for {} signed by demo-manager, confirmed by demo-finance",
        entry.salesperson, entry.entry_date
    );
    Ok(())
}

/// The export order's L/C: registered, reviewed by sales and by the
/// documents clerk (FIN-4).
async fn letter_of_credit(
    url: &str,
    secret: &SecretString,
    order: &pb::Order,
) -> anyhow::Result<()> {
    let mut sales = finance_client(url, secret, "demo-sales", &["sales"]).await?;
    let mut clerk = finance_client(url, secret, "demo-docs", &["docs_clerk"]).await?;
    let delivery = chrono::NaiveDate::parse_from_str(&order.requested_delivery_date, "%Y-%m-%d")?;
    let lc = sales
        .register_letter_of_credit(finance::RegisterLetterOfCreditRequest {
            request_id: format!("demo-lc:{}", order.id),
            order_id: order.id.clone(),
            terms: Some(finance::LetterOfCreditTerms {
                number: "LC-DEMO-0001".to_owned(),
                issuing_bank: "Bank of China, Hangzhou".to_owned(),
                amount: order.total.clone(),
                expiry_date: (delivery + chrono::Duration::days(30)).to_string(),
                latest_shipment_date: (delivery + chrono::Duration::days(10)).to_string(),
                required_documents: vec![
                    "commercial invoice x3".to_owned(),
                    "packing list".to_owned(),
                    "bill of lading".to_owned(),
                ],
            }),
            received_date: String::new(),
        })
        .await?
        .into_inner();
    for client in [&mut sales, &mut clerk] {
        client
            .review_letter_of_credit(finance::ReviewLetterOfCreditRequest {
                request_id: String::new(),
                letter_of_credit_id: lc.id.clone(),
                discrepancies: Vec::new(),
            })
            .await?;
    }
    println!(
        "   L/C {} registered, reviewed by demo-sales and demo-docs",
        lc.number
    );
    Ok(())
}

/// Stocks the pump, walks a standard order (no approval chain; its stock is
/// reserved) and an export order (more than the warehouse has) through its
/// contract review, and prints both timelines.
pub async fn walk(urls: &Urls, secret: &SecretString) -> anyhow::Result<()> {
    let mut sales = client(&urls.orders, secret, "demo-sales", &["sales"]).await?;
    let mut assistant =
        client(&urls.orders, secret, "demo-assistant", &["sales_assistant"]).await?;
    stock_pumps(&urls.inventory, secret).await?;
    let customer = sales
        .create_customer(customer_request())
        .await?
        .into_inner();
    println!("customer {} ({})", customer.name, customer.id);

    println!();
    println!("1. A standard prepaid order: no approval chain, straight on to the payment gate.");
    let standard = order_request(
        &customer.id,
        pb::OrderKind::Standard,
        pb::PaymentTermKind::Prepaid,
        3,
        125_000,
    );
    let standard = place(&mut sales, &mut assistant, standard).await?;
    println!("   now {}", state_name(standard.state));
    pay_and_sign(&urls.finance, secret, &standard).await?;
    let standard = released_and_reserved(&mut sales, &standard.id).await?;
    println!(
        "   now {}: finance opened the gate, the saga reserved the stock",
        state_name(standard.state)
    );
    ship_and_complete(urls, secret, &standard).await?;
    let standard = wait_for(&mut sales, &standard.id, |order| {
        order.state == pb::OrderState::Completed as i32
    })
    .await?;
    println!(
        "   now {}: delivered, receipt confirmed, settled by finance",
        state_name(standard.state)
    );
    print_timeline(&mut sales, &standard.id).await?;

    println!();
    println!(
        "2. An export order of 680,000.00 CNY on L/C terms: the export contract review (APR-2), with the GM."
    );
    let export = order_request(
        &customer.id,
        pb::OrderKind::Export,
        pb::PaymentTermKind::Lc,
        8,
        8_500_000,
    );
    let export = place(&mut sales, &mut assistant, export).await?;
    let request_id = export.approval_request_id.clone();
    let mut reader = ApprovalServiceClient::new(
        authorized(&urls.approvals, secret, "demo-reader", &["sales"]).await?,
    );
    let request = reader
        .get_approval_request(approvals::GetApprovalRequestRequest {
            approval_request_id: request_id.clone(),
        })
        .await?
        .into_inner();
    let deciders = [
        ("sales", "demo-sales"),
        ("dept_manager", "demo-manager"),
        ("admin_reviewer", "demo-reviewer"),
        ("gm", "demo-gm"),
    ];
    for step in request
        .steps
        .iter()
        .filter(|step| step.round == request.round)
    {
        let subject = deciders
            .iter()
            .find(|(role, _)| *role == step.role)
            .map_or("demo-approver", |(_, subject)| *subject);
        let mut approver = ApprovalServiceClient::new(
            authorized(&urls.approvals, secret, subject, &[step.role.as_str()]).await?,
        );
        approver
            .decide_step(approvals::DecideStepRequest {
                request_id: String::new(),
                approval_request_id: request.id.clone(),
                step_id: step.id.clone(),
                decision: approvals::Decision::Approve as i32,
                reason: String::new(),
            })
            .await?;
        println!(
            "   step {} ({}) approved by {subject}",
            step.position, step.role
        );
    }
    let export = wait_for(&mut sales, &export.id, |order| {
        order.state == pb::OrderState::AwaitingPayment as i32
    })
    .await?;
    println!("   now {}", state_name(export.state));
    letter_of_credit(&urls.finance, secret, &export).await?;
    let export = released_and_reserved(&mut sales, &export.id).await?;
    println!(
        "   now {}: short in finished goods, to production",
        state_name(export.state)
    );
    production::produce(urls, secret, &mut sales, &export).await?;
    print_timeline(&mut sales, &export.id).await?;
    aftersales::returns(urls, secret, &standard).await?;
    println!();
    println!("The demo ends here.");
    Ok(())
}

async fn print_timeline(sales: &mut Client, order_id: &str) -> anyhow::Result<()> {
    let timeline = sales
        .get_order_timeline(pb::GetOrderTimelineRequest {
            order_id: order_id.to_owned(),
        })
        .await?
        .into_inner();
    println!("   timeline of order {}:", timeline.order_number);
    for entry in timeline.entries {
        let time = entry
            .time
            .and_then(|t| {
                chrono::DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap_or(0))
            })
            .map(|t| t.format("%H:%M:%S%.3f").to_string())
            .unwrap_or_default();
        let states = if entry.to_state != 0 {
            format!(
                "{} → {}",
                state_name(entry.from_state),
                state_name(entry.to_state)
            )
        } else {
            String::new()
        };
        let why = [entry.reason.as_str(), entry.detail.as_str()]
            .iter()
            .filter(|text| !text.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" — ");
        println!(
            "     {time}  {:<22} {:<34} {:<10} by {:<16} {why}",
            entry.action, states, entry.source, entry.actor
        );
    }
    Ok(())
}
