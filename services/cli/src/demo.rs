//! `orderflow demo`: against running services, tells the company's order
//! process as five short stories a newcomer can read: a standard prepaid
//! order, an export L/C order through production and purchasing, a return
//! and an exchange, and a made-to-measure jacket from a store. Each walks
//! its order to its end through the public APIs and ends with the order's
//! timeline and trace id.

use std::time::Duration;

use anyhow::Context as _;
use finance::finance_service_client::FinanceServiceClient;
use inventory::inventory_service_client::InventoryServiceClient;
use orderflow_proto::common::v1 as common;
use orderflow_proto::finance::v1 as finance;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::orders::v1 as pb;
use pb::order_service_client::OrderServiceClient;
use secrecy::SecretString;
use tonic::transport::Channel;

use crate::secret;

mod aftersales;
mod approving;
mod export;
mod made_to_measure;
mod production;
mod purchasing;
mod shipping;

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
    authorized_for(url, secret, subject, roles, None).await
}

/// A channel whose calls carry a token for `subject` with `roles`, acting
/// for the outside partner `partner` (a store, supplier or manufacturer)
/// when given.
async fn authorized_for(
    url: &str,
    secret: &SecretString,
    subject: &str,
    roles: &[&str],
    partner: Option<&str>,
) -> anyhow::Result<Authorized> {
    let roles: Vec<String> = roles.iter().map(|role| (*role).to_owned()).collect();
    let token = orderflow_platform::auth::mint_hs256_for(
        secret,
        subject,
        &roles,
        partner,
        Duration::from_secs(600),
    )?;
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

pub(crate) fn customer_request() -> pb::CreateCustomerRequest {
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

/// The trace id a service answered with: the trace an operator finds the
/// call (and, for `CreateOrder`, the order's whole journey) under.
fn trace_of<T>(response: &tonic::Response<T>) -> String {
    response
        .metadata()
        .get("x-trace-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("-")
        .to_owned()
}

/// Creates, submits and confirms an order; returns it once the saga acted,
/// with its trace id.
/// The order's taker submits it and the sales assistant confirms it (ORD-4,
/// ORD-5).
async fn submit_and_confirm(
    taker: &mut Client,
    assistant: &mut Client,
    order_id: &str,
) -> anyhow::Result<()> {
    taker
        .submit_order(pb::SubmitOrderRequest {
            request_id: String::new(),
            order_id: order_id.to_owned(),
        })
        .await?;
    assistant
        .confirm_order(pb::ConfirmOrderRequest {
            order_id: order_id.to_owned(),
            ..Default::default()
        })
        .await?;
    Ok(())
}

async fn place(
    sales: &mut Client,
    assistant: &mut Client,
    request: pb::CreateOrderRequest,
) -> anyhow::Result<(pb::Order, String)> {
    let response = sales.create_order(request).await?;
    let trace_id = trace_of(&response);
    let order = response.into_inner();
    println!(
        "   order {} created (trace {trace_id}), total {}",
        order.number,
        money_text(order.total.as_ref())
    );
    submit_and_confirm(sales, assistant, &order.id).await?;
    println!("   submitted and confirmed");
    let order = wait_for(sales, &order.id, |order| {
        order.state != pb::OrderState::PendingApproval as i32
            || !order.approval_request_id.is_empty()
    })
    .await?;
    Ok((order, trace_id))
}

/// Calls `attempt` until it succeeds (another service may not have caught
/// up yet), for up to ten seconds.
async fn retry<T, F, Fut>(what: &str, attempt: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<tonic::Response<T>, tonic::Status>>,
{
    Ok(retry_response(what, attempt).await?.into_inner())
}

/// [`retry`], keeping the answer's metadata (its trace id).
async fn retry_response<T, F, Fut>(what: &str, mut attempt: F) -> anyhow::Result<tonic::Response<T>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<tonic::Response<T>, tonic::Status>>,
{
    let mut last = None;
    for _ in 0..200 {
        match attempt().await {
            Ok(response) => return Ok(response),
            Err(status) => last = Some(status),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("{what}: {last:?}")
}

/// Waits for the order to be released and its stock reservation (in full
/// or short) to be on its timeline.
async fn released_and_reserved(sales: &mut Client, order_id: &str) -> anyhow::Result<pb::Order> {
    wait_for_timeline(sales, order_id, "its stock reservation", |entry| {
        matches!(entry.action.as_str(), "stock_reserved" | "stock_short")
    })
    .await?;
    wait_for(sales, order_id, |order| {
        order.state == pb::OrderState::Released as i32
            || order.state == pb::OrderState::ReadyToShip as i32
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

/// The order's whole amount recorded by sales (`method` and `reference`,
/// idempotent by `request` and the order) and confirmed by finance (FIN-3).
async fn pay_in_full(
    url: &str,
    secret: &SecretString,
    order: &pb::Order,
    (method, reference): (&str, &str),
    request: &str,
) -> anyhow::Result<finance::Payment> {
    let mut sales = finance_client(url, secret, "demo-sales", &["sales"]).await?;
    let mut finance = finance_client(url, secret, "demo-finance", &["finance"]).await?;
    let payment = sales
        .record_payment(finance::RecordPaymentRequest {
            request_id: format!("{request}:{}", order.id),
            order_id: order.id.clone(),
            kind: finance::PaymentKind::Full as i32,
            amount: order.total.clone(),
            method: method.to_owned(),
            reference: reference.to_owned(),
        })
        .await?
        .into_inner();
    finance
        .confirm_payment(finance::ConfirmPaymentRequest {
            request_id: String::new(),
            payment_id: payment.id.clone(),
        })
        .await?;
    Ok(payment)
}

/// The prepaid standard order's way through finance: the payment recorded
/// by sales and confirmed by finance (FIN-3), the day's sales detail signed
/// by the manager and confirmed by finance (ORD-20).
async fn pay_and_sign(url: &str, secret: &SecretString, order: &pb::Order) -> anyhow::Result<()> {
    let mut finance = finance_client(url, secret, "demo-finance", &["finance"]).await?;
    let mut manager = finance_client(url, secret, "demo-manager", &["dept_manager"]).await?;
    let payment = pay_in_full(
        url,
        secret,
        order,
        ("bank transfer", "ICBC-2027-0001"),
        "demo-payment",
    )
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
    // ORD-20: finance confirms payment and profit, against the standard
    // cost of what the order sells.
    for line in &order.lines {
        let Some(&(_, unit_cost)) = STANDARD_COSTS.iter().find(|(sku, _)| *sku == line.sku) else {
            continue;
        };
        finance
            .set_standard_cost(finance::SetStandardCostRequest {
                request_id: format!("demo-cost-{}-{unit_cost}", line.sku),
                sku: line.sku.clone(),
                unit_cost: Some(common::Money {
                    currency_code: "CNY".to_owned(),
                    minor_units: unit_cost,
                }),
                effective_from: "2020-01-01".to_owned(),
                note: "demo costing sheet".to_owned(),
            })
            .await?;
    }
    let confirmed = finance
        .confirm_sales_detail(finance::ConfirmSalesDetailRequest {
            request_id: String::new(),
            sales_detail_id: detail.id.clone(),
        })
        .await?
        .into_inner();
    println!(
        "   sales detail of {} for {} signed by demo-manager, confirmed by demo-finance",
        entry.salesperson, entry.entry_date
    );
    for profit in &confirmed.profits {
        println!(
            "   profit confirmed: {} sold for {} at a standard cost of {}: {} ({}.{:02} %)",
            profit.order_number,
            money_text(profit.revenue.as_ref()),
            money_text(profit.cost.as_ref()),
            money_text(profit.profit.as_ref()),
            profit.margin_basis_points / 100,
            profit.margin_basis_points % 100
        );
    }
    Ok(())
}

/// Finance's standard cost per unit (CNY minor units) of what the demo sells
/// as standard orders (ORD-20).
const STANDARD_COSTS: [(&str, i64); 1] = [("PUMP-100", 80_000)];

/// Stocks the pump and walks five orders, each to its end: a standard
/// prepaid order, an export L/C order through production and purchasing, a
/// return and an exchange on the first, and a made-to-measure jacket from
/// a store. Each story ends with the order's timeline and its trace id.
pub async fn walk(urls: &Urls, secret: &SecretString) -> anyhow::Result<()> {
    let mut sales = client(&urls.orders, secret, "demo-sales", &["sales"]).await?;
    let mut assistant =
        client(&urls.orders, secret, "demo-assistant", &["sales_assistant"]).await?;
    for line in [
        "Orderflow runs the order process of a company that makes water pumps,",
        "sells them at home and abroad, and has jackets made to measure for the",
        "customers of its stores. Sales takes an order; approvers sign it off;",
        "finance releases it once its payment terms are met; the warehouse or the",
        "factory supplies it; logistics delivers it; finance settles it once the",
        "money is in. Five stories, each ending with the order's timeline and the",
        "trace id to look it up by in the trace dashboard:",
    ] {
        println!("{line}");
    }
    println!();
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
    let (standard, trace) = place(&mut sales, &mut assistant, standard).await?;
    println!("   now {}", state_name(standard.state));
    pay_and_sign(&urls.finance, secret, &standard).await?;
    let standard = released_and_reserved(&mut sales, &standard.id).await?;
    println!(
        "   now {}: finance opened the gate, the saga reserved the stock",
        state_name(standard.state)
    );
    shipping::ship_and_deliver(urls, secret, &standard).await?;
    let standard = wait_for(&mut sales, &standard.id, |order| {
        order.state == pb::OrderState::Completed as i32
    })
    .await?;
    println!(
        "   now {}: delivered, receipt confirmed, settled by finance",
        state_name(standard.state)
    );
    let shown = print_timeline(&mut sales, &standard.id, &trace).await?;

    export::walk(urls, secret, &mut sales, &mut assistant, &customer.id).await?;
    aftersales::returns(urls, secret, &mut sales, &standard, shown).await?;
    made_to_measure::walk(urls, secret, &mut sales, &mut assistant).await?;
    println!();
    println!("The demo ends here.");
    Ok(())
}

/// Waits for the order's timeline to have an `action` entry whose detail
/// mentions `about` (another service's events may still be on their way).
async fn wait_for_entry(
    sales: &mut Client,
    order_id: &str,
    action: &str,
    about: &str,
) -> anyhow::Result<()> {
    wait_for_timeline(sales, order_id, &format!("{action} for {about}"), |entry| {
        entry.action == action && entry.detail.contains(about)
    })
    .await
}

/// Waits for the order's timeline to have an entry `wanted` accepts; `what`
/// names it in the error when none comes.
async fn wait_for_timeline(
    sales: &mut Client,
    order_id: &str,
    what: &str,
    wanted: impl Fn(&pb::TimelineEntry) -> bool,
) -> anyhow::Result<()> {
    for _ in 0..200 {
        let entries = sales
            .get_order_timeline(pb::GetOrderTimelineRequest {
                order_id: order_id.to_owned(),
            })
            .await?
            .into_inner()
            .entries;
        if entries.iter().any(&wanted) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("no {what} on the timeline of order {order_id}")
}

/// Prints the order's timeline, merged from every service, and the trace
/// id an operator finds its journey under in the trace dashboard. Returns
/// how many entries the timeline has.
async fn print_timeline(sales: &mut Client, order_id: &str, trace: &str) -> anyhow::Result<usize> {
    print_timeline_from(sales, order_id, trace, 0).await
}

/// [`print_timeline`] from the entry `from` on (the ones after those
/// printed before).
async fn print_timeline_from(
    sales: &mut Client,
    order_id: &str,
    trace: &str,
    from: usize,
) -> anyhow::Result<usize> {
    let timeline = sales
        .get_order_timeline(pb::GetOrderTimelineRequest {
            order_id: order_id.to_owned(),
        })
        .await?
        .into_inner();
    let count = timeline.entries.len();
    if from == 0 {
        println!("   timeline of order {}:", timeline.order_number);
    } else {
        println!(
            "   timeline of order {}, what is new:",
            timeline.order_number
        );
    }
    let entries = timeline.entries.get(from..).unwrap_or_default();
    let width = |text: fn(&pb::TimelineEntry) -> usize| entries.iter().map(text).max().unwrap_or(0);
    let action_width = width(|entry| entry.action.chars().count());
    let source_width = width(|entry| entry.source.chars().count());
    let actor_width = width(|entry| entry.actor.chars().count());
    let states: Vec<String> = entries
        .iter()
        .map(|entry| {
            if entry.to_state != 0 {
                format!(
                    "{} → {}",
                    state_name(entry.from_state),
                    state_name(entry.to_state)
                )
            } else {
                String::new()
            }
        })
        .collect();
    let states_width = states
        .iter()
        .map(|text| text.chars().count())
        .max()
        .unwrap_or(0);
    for (entry, states) in entries.iter().zip(&states) {
        let time = entry
            .time
            .and_then(|t| {
                chrono::DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap_or(0))
            })
            .map(|t| t.format("%H:%M:%S%.3f").to_string())
            .unwrap_or_default();
        let why = [entry.reason.as_str(), entry.detail.as_str()]
            .iter()
            .filter(|text| !text.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" — ");
        let line = format!(
            "     {time}  {:<action_width$}  {:<states_width$}  {:<source_width$}  by {:<actor_width$}  {why}",
            entry.action, states, entry.source, entry.actor
        );
        println!("{}", line.trim_end());
    }
    println!("   trace {trace}");
    Ok(count)
}
