//! `orderflow bench create-orders`: N concurrent callers creating orders
//! against a running orders service. Prints throughput and latency
//! percentiles, then waits until the relay has published an event for every
//! order and says how far it lagged.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use hdrhistogram::Histogram;
use orderflow_proto::common::v1 as common;
use orderflow_proto::orders::v1 as pb;
use pb::order_service_client::OrderServiceClient;
use tonic::transport::Channel;

use crate::secret;

mod cpu;
mod flow;
mod limit;
mod reads;
mod report;
mod schedule;

#[derive(clap::Subcommand, Debug)]
pub enum BenchCommand {
    /// Concurrent CreateOrder calls: throughput, p50/p99, relay lag.
    CreateOrders(CreateOrdersArgs),
    /// Prepaid orders through the whole flow to READY_TO_SHIP at an
    /// arrival rate: throughput, stage latencies, commits and events per
    /// order, RSS, and the ratio to the machine's limit (pgbench).
    Flow(flow::FlowArgs),
    /// GetOrder, ListOrders (first and deep page) and GetOrderTimeline
    /// latency, optionally after growing the orders database (P4).
    Reads(reads::ReadsArgs),
    /// The production scheduler on a generated load: time, and no
    /// capacity exceeded (PRD-3).
    Schedule(schedule::ScheduleArgs),
}

#[derive(clap::Args, Debug)]
pub struct CreateOrdersArgs {
    #[arg(long, env = "ORDERS_URL", default_value = "http://127.0.0.1:50051")]
    orders_url: String,
    /// Where the service's relay publishes (to measure relay lag).
    #[arg(long, env = "NATS_URL", default_value = "nats://127.0.0.1:4222")]
    nats_url: String,
    /// Concurrent callers.
    #[arg(long, default_value_t = 32)]
    callers: usize,
    /// Orders to create in the measured run.
    #[arg(long, default_value_t = 20_000)]
    orders: usize,
    /// HTTP/2 connections the callers share.
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// Orders created before measuring.
    #[arg(long, default_value_t = 500)]
    warmup: usize,
    /// Measure the machine's limit first with pgbench on this PostgreSQL
    /// server (an admin URL) at the same client count, and print the P1
    /// ratio (issue 18).
    #[arg(long)]
    limit_postgres_url: Option<String>,
}

pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::CreateOrders(args) => create_orders(args).await,
        BenchCommand::Flow(args) => flow::run(args).await,
        BenchCommand::Reads(args) => reads::run(args).await,
        BenchCommand::Schedule(args) => schedule::run(args),
    }
}

/// An `authorization` value for `subject` acting as `role`, valid for the
/// longest run.
pub(crate) fn bearer(
    secret: &secrecy::SecretString,
    subject: &str,
    role: &str,
) -> anyhow::Result<tonic::metadata::MetadataValue<tonic::metadata::Ascii>> {
    let token = orderflow_platform::auth::mint_hs256(
        secret,
        subject,
        &[role.to_owned()],
        Duration::from_secs(6 * 3600),
    )?;
    Ok(format!("Bearer {token}").parse()?)
}

/// `message` with `token` as its `authorization`.
pub(crate) fn authorized<T>(
    message: T,
    token: &tonic::metadata::MetadataValue<tonic::metadata::Ascii>,
) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request
        .metadata_mut()
        .insert("authorization", token.clone());
    request
}

/// An order line as the load generators place it: SKU, description,
/// quantity, unit price in CNY minor units.
pub(crate) type Line = (&'static str, &'static str, i64, i64);

/// ORD-20: finance's standard cost of each SKU of `lines`, 60 % of its price,
/// so that finance can confirm the orders' profit. The request ids make a
/// rerun a repeat.
pub(crate) fn standard_costs(
    lines: &[Line],
) -> Vec<orderflow_proto::finance::v1::SetStandardCostRequest> {
    lines
        .iter()
        .map(|(sku, _, _, price)| {
            let unit_cost = price * 3 / 5;
            orderflow_proto::finance::v1::SetStandardCostRequest {
                request_id: format!("cost-{sku}-{unit_cost}"),
                sku: (*sku).to_owned(),
                unit_cost: Some(common::Money {
                    currency_code: "CNY".to_owned(),
                    minor_units: unit_cost,
                }),
                effective_from: "2020-01-01".to_owned(),
                note: "load generator costing".to_owned(),
            }
        })
        .collect()
}

/// A prepaid standard order of `lines` in CNY for `customer_id`, due on
/// `delivery`.
pub(crate) fn prepaid_order(
    request_id: String,
    customer_id: &str,
    delivery: &str,
    lines: &[Line],
) -> pb::CreateOrderRequest {
    pb::CreateOrderRequest {
        request_id,
        customer_id: customer_id.to_owned(),
        kind: pb::OrderKind::Standard as i32,
        currency_code: "CNY".to_owned(),
        lines: lines
            .iter()
            .map(|(sku, description, quantity, price)| pb::OrderLineInput {
                sku: (*sku).to_owned(),
                description: (*description).to_owned(),
                quantity: *quantity,
                unit_price: Some(common::Money {
                    currency_code: "CNY".to_owned(),
                    minor_units: *price,
                }),
                ..Default::default()
            })
            .collect(),
        requested_delivery_date: delivery.to_owned(),
        payment_terms: Some(pb::PaymentTerms {
            kind: pb::PaymentTermKind::Prepaid as i32,
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn request(customer_id: &str, delivery: &str) -> tonic::Request<pb::CreateOrderRequest> {
    tonic::Request::new(pb::CreateOrderRequest {
        request_id: uuid::Uuid::now_v7().to_string(),
        customer_id: customer_id.to_owned(),
        kind: pb::OrderKind::Standard as i32,
        currency_code: "CNY".to_owned(),
        lines: vec![
            pb::OrderLineInput {
                sku: "PUMP-100".to_owned(),
                description: "Water pump".to_owned(),
                quantity: 3,
                unit_price: Some(common::Money {
                    currency_code: "CNY".to_owned(),
                    minor_units: 125_000,
                }),
                kit: None,
                ..Default::default()
            },
            pb::OrderLineInput {
                sku: "SEAL-KIT".to_owned(),
                description: "Seal kit".to_owned(),
                quantity: 6,
                unit_price: Some(common::Money {
                    currency_code: "CNY".to_owned(),
                    minor_units: 4_500,
                }),
                kit: None,
                ..Default::default()
            },
        ],
        requested_delivery_date: delivery.to_owned(),
        payment_terms: Some(pb::PaymentTerms {
            kind: pb::PaymentTermKind::Prepaid as i32,
            ..Default::default()
        }),
        ..Default::default()
    })
}

struct Caller {
    client: OrderServiceClient<Channel>,
    authorization: tonic::metadata::MetadataValue<tonic::metadata::Ascii>,
}

impl Caller {
    async fn create(&mut self, customer_id: &str, delivery: &str) -> Result<(), tonic::Status> {
        let mut request = request(customer_id, delivery);
        request
            .metadata_mut()
            .insert("authorization", self.authorization.clone());
        self.client.create_order(request).await.map(|_| ())
    }
}

async fn stream_messages(jetstream: &async_nats::jetstream::Context) -> u64 {
    match jetstream.get_stream("ORDERS").await {
        Ok(mut stream) => stream
            .info()
            .await
            .map(|info| info.state.messages)
            .unwrap_or(0),
        Err(_) => 0,
    }
}

async fn create_orders(args: CreateOrdersArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.callers > 0 && args.connections > 0,
        "callers and connections must be positive"
    );
    let limit = match &args.limit_postgres_url {
        Some(url) => {
            let limit = limit::measure(url, args.callers, 10).await?;
            println!(
                "limit: pgbench at {} clients, single INSERT {:.0} tps",
                args.callers, limit.insert_tps
            );
            Some(limit)
        }
        None => None,
    };
    let secret = secret::load()?;
    let authorization = bearer(&secret, "bench", "sales")?;
    let mut channels = Vec::new();
    for _ in 0..args.connections {
        channels.push(
            Channel::from_shared(args.orders_url.clone())?
                .connect()
                .await
                .with_context(|| format!("cannot reach {}", args.orders_url))?,
        );
    }
    let mut setup = Caller {
        client: OrderServiceClient::new(channels[0].clone()),
        authorization: authorization.clone(),
    };
    let customer_request = authorized(
        pb::CreateCustomerRequest {
            name: "Benchmark customer".to_owned(),
            phone: "+86 571 8888 6666".to_owned(),
            ..Default::default()
        },
        &authorization,
    );
    let customer = setup
        .client
        .create_customer(customer_request)
        .await?
        .into_inner();
    let delivery = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();

    let nats = async_nats::connect(&args.nats_url).await.ok();
    let jetstream = nats.map(async_nats::jetstream::new);

    println!(
        "create-orders: {} callers on {} connections, {} orders (+{} warm-up) against {}",
        args.callers, args.connections, args.orders, args.warmup, args.orders_url
    );
    for _ in 0..args.warmup {
        setup.create(&customer.id, &delivery).await?;
    }
    // Let the relay catch up with the warm-up before measuring.
    let mut before = 0;
    if let Some(jetstream) = &jetstream {
        let mut previous = u64::MAX;
        for _ in 0..100 {
            before = stream_messages(jetstream).await;
            if before == previous {
                break;
            }
            previous = before;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    let remaining = Arc::new(AtomicUsize::new(args.orders));
    let errors = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for index in 0..args.callers {
        let mut caller = Caller {
            client: OrderServiceClient::new(channels[index % channels.len()].clone()),
            authorization: authorization.clone(),
        };
        let remaining = remaining.clone();
        let errors = errors.clone();
        let customer_id = customer.id.clone();
        let delivery = delivery.clone();
        tasks.push(tokio::spawn(async move {
            let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
            while remaining
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                    left.checked_sub(1)
                })
                .is_ok()
            {
                let call = Instant::now();
                match caller.create(&customer_id, &delivery).await {
                    Ok(()) => {
                        let micros = u64::try_from(call.elapsed().as_micros()).unwrap_or(u64::MAX);
                        histogram.saturating_record(micros);
                    }
                    Err(status) => {
                        if errors.fetch_add(1, Ordering::SeqCst) < 5 {
                            eprintln!("call failed: {status:?}");
                        }
                    }
                }
            }
            anyhow::Ok(histogram)
        }));
    }
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    for task in tasks {
        histogram.add(task.await??)?;
    }
    let elapsed = started.elapsed();
    let succeeded = histogram.len();
    let per_second = succeeded as f64 / elapsed.as_secs_f64();
    let ms = |micros: u64| micros as f64 / 1000.0;
    println!(
        "  created     {succeeded} orders in {:.2} s, {} failed",
        elapsed.as_secs_f64(),
        errors.load(Ordering::SeqCst)
    );
    println!("  throughput  {per_second:.0} orders/s");
    if let Some(limit) = limit {
        println!(
            "  P1          {per_second:.0} ÷ {:.0} INSERT tps = {:.2} (target ≥ 0.30, p99 ≤ 20 ms)",
            limit.insert_tps,
            per_second / limit.insert_tps
        );
    }
    println!(
        "  latency     p50 {:.1} ms   p90 {:.1} ms   p99 {:.1} ms   max {:.1} ms",
        ms(histogram.value_at_quantile(0.50)),
        ms(histogram.value_at_quantile(0.90)),
        ms(histogram.value_at_quantile(0.99)),
        ms(histogram.max())
    );

    match &jetstream {
        Some(jetstream) => {
            let target = before + succeeded;
            let deadline = Instant::now() + Duration::from_secs(120);
            let mut published = stream_messages(jetstream).await;
            while published < target && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(50)).await;
                published = stream_messages(jetstream).await;
            }
            let total = started.elapsed();
            if published >= target {
                println!(
                    "  relay       all {succeeded} events published {:.2} s after the start ({:.2} s after the last call): {:.0} events/s",
                    total.as_secs_f64(),
                    total.saturating_sub(elapsed).as_secs_f64(),
                    succeeded as f64 / total.as_secs_f64()
                );
            } else {
                println!(
                    "  relay       only {} of {succeeded} events published after 120 s",
                    published.saturating_sub(before)
                );
            }
        }
        None => println!("  relay       not measured: no NATS at {}", args.nats_url),
    }
    Ok(())
}
