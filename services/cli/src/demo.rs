//! `orderflow demo`: against running services, creates a customer and an
//! order, walks it as far as the services that exist allow, and prints its
//! timeline.

use std::time::Duration;

use anyhow::Context as _;
use approvals::approval_service_client::ApprovalServiceClient;
use inventory::inventory_service_client::InventoryServiceClient;
use orderflow_proto::approvals::v1 as approvals;
use orderflow_proto::common::v1 as common;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::orders::v1 as pb;
use pb::order_service_client::OrderServiceClient;
use secrecy::SecretString;
use tonic::transport::Channel;

use crate::secret;

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
}

/// Where the demo finds each service.
pub struct Urls {
    pub orders: String,
    pub approvals: String,
    pub inventory: String,
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let secret = secret::load()?;
    let urls = Urls {
        orders: args.orders_url,
        approvals: args.approvals_url,
        inventory: args.inventory_url,
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

/// The sales assistant reserves the order's lines in finished goods.
async fn reserve(url: &str, secret: &SecretString, order: &pb::Order) -> anyhow::Result<()> {
    let mut assistant = InventoryServiceClient::new(
        authorized(url, secret, "demo-assistant", &["sales_assistant"]).await?,
    );
    let reservation = assistant
        .reserve_for_order(inventory::ReserveForOrderRequest {
            order_id: order.id.clone(),
            order_number: order.number.clone(),
            warehouse: "FG".to_owned(),
            lines: order
                .lines
                .iter()
                .map(|line| inventory::Line {
                    sku: line.sku.clone(),
                    quantity: line.quantity,
                })
                .collect(),
        })
        .await?
        .into_inner();
    for line in &reservation.lines {
        println!(
            "   reserved {} of {} {} in FG ({} short)",
            line.reserved, line.requested, line.sku, line.short
        );
    }
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
    reserve(&urls.inventory, secret, &standard).await?;
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
    println!(
        "   now {} (the services that exist end here)",
        state_name(export.state)
    );
    print_timeline(&mut sales, &export.id).await
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
