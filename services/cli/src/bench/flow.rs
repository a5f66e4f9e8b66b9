//! `orderflow bench flow` (issue 18): prepaid standard orders driven through
//! the public APIs as the people would, at a target arrival rate (open
//! loop: an order arrives on schedule whether or not the earlier ones are
//! through), while the event-driven steps (approval skipped, finance's
//! ledger entry, the release gate, the reservation) happen inside the
//! system.
//!
//! Each order: `CreateOrder`, `SubmitOrder` (its salesperson), `ConfirmOrder`
//! (the sales assistant); once finance has the sale on its ledger,
//! `RecordPayment` (sales) and `ConfirmPayment` (finance); the
//! salesperson's sales detail signed (`dept_manager`) and confirmed
//! (finance, ORD-20); then the order is RELEASED and, its stock reserved,
//! READY_TO_SHIP. Every order has its own salesperson, so that its sales
//! detail is its own.
//!
//! Stage latencies are measured from the events: a subscriber on
//! `orders.order.>` and `finance.ledger.>` notes when each order's event
//! arrives, and a stage is the time from the call that triggered it to that
//! event. Database commits per order are counted from PostgreSQL's
//! statistics (`--postgres-url`), events per order from the streams' sequence
//! numbers, and the machine's limit with pgbench ([`super::limit`]).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures::StreamExt as _;
use hdrhistogram::Histogram;
use orderflow_platform::db::Database;
use orderflow_proto::finance::v1 as finance;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::orders::v1 as pb;
use prost::Message as _;
use sea_orm::{ConnectionTrait, Statement};
use secrecy::SecretString;
use tokio::sync::watch;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::Channel;

use super::cpu::CpuSample;
use super::limit::{self, Limit};
use super::report::{self, FlowReport, RssSeries, StageFigures};
use super::{authorized, bearer};
use crate::secret;

#[derive(clap::Args, Debug)]
pub struct FlowArgs {
    #[arg(long, env = "ORDERS_URL", default_value = "http://127.0.0.1:50051")]
    orders_url: String,
    #[arg(long, env = "FINANCE_URL", default_value = "http://127.0.0.1:50053")]
    finance_url: String,
    #[arg(long, env = "INVENTORY_URL", default_value = "http://127.0.0.1:50054")]
    inventory_url: String,
    /// Where the services publish: the events are read here.
    #[arg(long, env = "NATS_URL", default_value = "nats://127.0.0.1:4222")]
    nats_url: String,
    /// Orders in the measured run.
    #[arg(long, default_value_t = 300)]
    orders: usize,
    /// Arrivals per second (open loop).
    #[arg(long, default_value_t = 5.0)]
    rate: f64,
    /// How long one order may take before it counts as an error.
    #[arg(long, default_value_t = 120)]
    order_timeout_secs: u64,
    /// The PostgreSQL server the services use (an admin URL): commits and
    /// rows written per order are counted from its statistics, and
    /// `--limit` runs pgbench on it.
    #[arg(long)]
    postgres_url: Option<String>,
    /// Measure the machine's limit with pgbench first (needs
    /// `--postgres-url`) and print the ratios to it.
    #[arg(long)]
    limit: bool,
    /// pgbench's clients (the benchmark's concurrency to compare with).
    #[arg(long, default_value_t = 32)]
    limit_clients: usize,
    /// Seconds of each pgbench run.
    #[arg(long, default_value_t = 10)]
    limit_seconds: u64,
    /// A process whose RSS is sampled during the run, as `name=pid`
    /// (repeatable): `--rss up=$(pgrep -f 'orderflow up')`.
    #[arg(long = "rss", value_parser = parse_process)]
    processes: Vec<(String, u32)>,
    /// What this run is called in the report (e.g. `sqlite-up`).
    #[arg(long, default_value = "flow")]
    label: String,
    /// Where the JSON report goes; the chart is written beside it (`.svg`).
    #[arg(long)]
    out: Option<PathBuf>,
}

fn parse_process(text: &str) -> Result<(String, u32), String> {
    let (name, pid) = text
        .split_once('=')
        .ok_or_else(|| format!("expected name=pid, got {text}"))?;
    let pid = pid.parse().map_err(|_| format!("not a pid: {pid}"))?;
    Ok((name.to_owned(), pid))
}

/// When each order's events arrived: order id → (action, arrival), plus the
/// ledger entry's date and salesperson once finance has it.
#[derive(Default)]
struct Arrivals {
    orders: Mutex<HashMap<String, Arc<watch::Sender<Progress>>>>,
    ready: Mutex<Vec<Instant>>,
}

#[derive(Default, Clone)]
struct Progress {
    events: Vec<(String, Instant)>,
    entry_date: Option<String>,
}

impl Progress {
    fn at(&self, action: &str) -> Option<Instant> {
        self.events
            .iter()
            .find(|(seen, _)| seen == action)
            .map(|(_, at)| *at)
    }
}

impl Arrivals {
    fn of(&self, order_id: &str) -> Arc<watch::Sender<Progress>> {
        let mut orders = self.orders.lock().unwrap_or_else(|e| e.into_inner());
        orders
            .entry(order_id.to_owned())
            .or_insert_with(|| Arc::new(watch::Sender::new(Progress::default())))
            .clone()
    }

    fn arrived(&self, message: &async_nats::Message, at: Instant) {
        let Some(order_id) = message
            .headers
            .as_ref()
            .and_then(|headers| headers.get(orderflow_platform::telemetry::ORDER_ID_HEADER))
            .map(|value| value.as_str().to_owned())
        else {
            return;
        };
        let subject = message.subject.as_str();
        let (action, entry_date) = match subject.strip_prefix("orders.order.") {
            Some(action) => (action.to_owned(), None),
            None => {
                let entry = finance::LedgerEvent::decode(message.payload.as_ref())
                    .ok()
                    .and_then(|event| event.entry);
                (
                    "ledger_entry".to_owned(),
                    entry.map(|entry| entry.entry_date),
                )
            }
        };
        if action == "ready_to_ship" {
            self.ready
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(at);
        }
        self.of(&order_id).send_modify(|progress| {
            if progress.entry_date.is_none() {
                progress.entry_date = entry_date;
            }
            progress.events.push((action, at));
        });
    }

    /// Waits for `action` on `order_id`'s events; its arrival.
    async fn wait(
        &self,
        order_id: &str,
        action: &str,
        timeout: Duration,
    ) -> Result<Progress, String> {
        let mut receiver = self.of(order_id).subscribe();
        match tokio::time::timeout(
            timeout,
            receiver.wait_for(|progress| progress.at(action).is_some()),
        )
        .await
        {
            Ok(Ok(progress)) => Ok(progress.clone()),
            _ => Err(format!("no {action} event within {timeout:?}")),
        }
    }
}

/// The stages of one order, in milliseconds.
const STAGES: [&str; 7] = [
    "CreateOrder call",
    "SubmitOrder + ConfirmOrder calls",
    "confirmed -> on finance's ledger (approval skipped)",
    "payment + sales detail calls",
    "sales detail confirmed -> RELEASED (gate)",
    "RELEASED -> READY_TO_SHIP (reservation)",
    "create -> READY_TO_SHIP",
];

type Timings = [Duration; 7];

/// How long the idle services' own commits are counted before the load.
const IDLE_WINDOW: Duration = Duration::from_secs(5);

/// What every order's driver shares: the connections, the tokens of the
/// people other than its salesperson, the customer and the delivery date.
struct Clients {
    orders: pb::order_service_client::OrderServiceClient<Channel>,
    finance: finance::finance_service_client::FinanceServiceClient<Channel>,
    assistant: MetadataValue<Ascii>,
    finance_clerk: MetadataValue<Ascii>,
    manager: MetadataValue<Ascii>,
    secret: SecretString,
    customer_id: String,
    delivery: String,
}

/// The lines every benchmark order carries, with the stock they need.
const LINES: [super::Line; 2] = [
    ("PUMP-100", "Water pump", 3, 125_000),
    ("SEAL-KIT", "Seal kit", 6, 4_500),
];

/// One order through the flow; its stage timings.
async fn drive(
    clients: Arc<Clients>,
    arrivals: Arc<Arrivals>,
    index: usize,
    timeout: Duration,
) -> Result<Timings, String> {
    let fail = |step: &str| {
        let step = step.to_owned();
        move |status: tonic::Status| format!("{step}: {}", status.message())
    };
    let salesperson = format!("bench-sales-{}-{index}", std::process::id());
    let sales = bearer(&clients.secret, &salesperson, "sales").map_err(|e| e.to_string())?;
    let mut orders = clients.orders.clone();
    let mut finance_service = clients.finance.clone();
    let started = Instant::now();
    let request = super::prepaid_order(
        uuid::Uuid::now_v7().to_string(),
        &clients.customer_id,
        &clients.delivery,
        &LINES,
    );
    let order = orders
        .create_order(authorized(request, &sales))
        .await
        .map_err(fail("CreateOrder"))?
        .into_inner();
    let created = Instant::now();
    orders
        .submit_order(authorized(
            pb::SubmitOrderRequest {
                request_id: uuid::Uuid::now_v7().to_string(),
                order_id: order.id.clone(),
            },
            &sales,
        ))
        .await
        .map_err(fail("SubmitOrder"))?;
    orders
        .confirm_order(authorized(
            pb::ConfirmOrderRequest {
                order_id: order.id.clone(),
                ..Default::default()
            },
            &clients.assistant,
        ))
        .await
        .map_err(fail("ConfirmOrder"))?;
    let confirmed = Instant::now();
    let progress = arrivals.wait(&order.id, "ledger_entry", timeout).await?;
    let on_ledger = progress.at("ledger_entry").unwrap_or(confirmed);
    let entry_date = progress
        .entry_date
        .ok_or("the ledger event carried no entry")?;
    let payment = finance_service
        .record_payment(authorized(
            finance::RecordPaymentRequest {
                request_id: uuid::Uuid::now_v7().to_string(),
                order_id: order.id.clone(),
                kind: finance::PaymentKind::Full as i32,
                amount: order.total.clone(),
                method: "bank transfer".to_owned(),
                reference: format!("BENCH-{index}"),
            },
            &sales,
        ))
        .await
        .map_err(fail("RecordPayment"))?
        .into_inner();
    finance_service
        .confirm_payment(authorized(
            finance::ConfirmPaymentRequest {
                request_id: uuid::Uuid::now_v7().to_string(),
                payment_id: payment.id,
            },
            &clients.finance_clerk,
        ))
        .await
        .map_err(fail("ConfirmPayment"))?;
    let detail = finance_service
        .sign_sales_detail(authorized(
            finance::SignSalesDetailRequest {
                request_id: uuid::Uuid::now_v7().to_string(),
                salesperson: salesperson.clone(),
                entry_date,
            },
            &clients.manager,
        ))
        .await
        .map_err(fail("SignSalesDetail"))?
        .into_inner();
    finance_service
        .confirm_sales_detail(authorized(
            finance::ConfirmSalesDetailRequest {
                request_id: uuid::Uuid::now_v7().to_string(),
                sales_detail_id: detail.id,
            },
            &clients.finance_clerk,
        ))
        .await
        .map_err(fail("ConfirmSalesDetail"))?;
    let signed = Instant::now();
    let progress = arrivals.wait(&order.id, "ready_to_ship", timeout).await?;
    let ready = progress.at("ready_to_ship").unwrap_or(signed);
    let released = progress.at("released").unwrap_or(ready);
    Ok([
        created - started,
        confirmed - created,
        on_ledger.saturating_duration_since(confirmed),
        signed.saturating_duration_since(on_ledger),
        released.saturating_duration_since(signed),
        ready.saturating_duration_since(released),
        ready - started,
    ])
}

/// Puts both items on the books and books enough stock for `orders` orders.
async fn stock(url: &str, secret: &SecretString, orders: usize) -> anyhow::Result<()> {
    let token = bearer(secret, "bench-warehouse", "warehouse")?;
    let channel = Channel::from_shared(url.to_owned())?
        .connect()
        .await
        .with_context(|| format!("cannot reach inventory at {url}"))?;
    let mut warehouse = inventory::inventory_service_client::InventoryServiceClient::new(channel);
    for (sku, name, quantity, _) in LINES {
        let created = warehouse
            .create_item(authorized(
                inventory::CreateItemRequest {
                    request_id: String::new(),
                    sku: sku.to_owned(),
                    name: name.to_owned(),
                    unit: "pcs".to_owned(),
                    weight_grams: 1_000,
                    bought: false,
                },
                &token,
            ))
            .await;
        match created {
            Ok(_) => {}
            Err(status) if status.code() == tonic::Code::AlreadyExists => {}
            Err(status) => return Err(status.into()),
        }
        warehouse
            .adjust_stock(authorized(
                inventory::AdjustStockRequest {
                    request_id: uuid::Uuid::now_v7().to_string(),
                    sku: sku.to_owned(),
                    warehouse: "FG".to_owned(),
                    quantity: quantity * i64::try_from(orders)?,
                    note: "benchmark stock".to_owned(),
                },
                &token,
            ))
            .await?;
    }
    Ok(())
}

/// The streams' last sequence numbers together: the events published so far.
async fn events_published(jetstream: &async_nats::jetstream::Context) -> u64 {
    let mut total = 0;
    for service in orderflow_platform::telemetry::ALL_SERVICES {
        if let Ok(mut stream) = jetstream
            .get_stream(orderflow_platform::bus::stream_name(service))
            .await
            && let Ok(info) = stream.info().await
        {
            total += info.state.last_sequence;
        }
    }
    total
}

/// Transactions committed and rows written in the server's databases
/// (but the administrative one and the templates).
async fn database_work(database: &Database) -> anyhow::Result<(i64, i64)> {
    let row = database
        .connection()
        .query_one_raw(Statement::from_string(
            database.backend(),
            "SELECT CAST(COALESCE(SUM(xact_commit), 0) AS BIGINT) AS commits,
                    CAST(COALESCE(SUM(tup_inserted + tup_updated + tup_deleted), 0) AS BIGINT) AS written
               FROM pg_stat_database
              WHERE datname IS NOT NULL AND datname NOT IN ('postgres', 'template0', 'template1')
                AND datname <> current_database()",
        ))
        .await?
        .context("pg_stat_database answered nothing")?;
    Ok((row.try_get("", "commits")?, row.try_get("", "written")?))
}

/// The RSS of `pid` in KiB, from /proc.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|number| number.parse().ok())
}

pub async fn run(args: FlowArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.orders > 0 && args.rate > 0.0,
        "--orders and --rate must be positive"
    );
    anyhow::ensure!(
        !args.limit || args.postgres_url.is_some(),
        "--limit needs --postgres-url"
    );
    let limit: Option<Limit> = match (&args.postgres_url, args.limit) {
        (Some(url), true) => {
            println!(
                "limit: pgbench, {} clients, {} s per transaction kind ...",
                args.limit_clients, args.limit_seconds
            );
            let limit = limit::measure(url, args.limit_clients, args.limit_seconds).await?;
            println!(
                "  single INSERT      {:.0} tps\n  INSERT + UPDATE    {:.0} tps",
                limit.insert_tps, limit.insert_update_tps
            );
            Some(limit)
        }
        _ => None,
    };
    let statistics = match &args.postgres_url {
        Some(url) => Some(Database::connect(url, 1).await?),
        None => None,
    };

    let secret = secret::load()?;
    stock(&args.inventory_url, &secret, args.orders).await?;
    let orders_channel = Channel::from_shared(args.orders_url.clone())?
        .connect()
        .await
        .with_context(|| format!("cannot reach orders at {}", args.orders_url))?;
    let finance_channel = Channel::from_shared(args.finance_url.clone())?
        .connect()
        .await
        .with_context(|| format!("cannot reach finance at {}", args.finance_url))?;
    let costing = bearer(&secret, "bench-costing", "finance")?;
    let mut costs =
        finance::finance_service_client::FinanceServiceClient::new(finance_channel.clone());
    for request in super::standard_costs(&LINES) {
        costs
            .set_standard_cost(authorized(request, &costing))
            .await
            .context("SetStandardCost")?;
    }
    let mut orders = pb::order_service_client::OrderServiceClient::new(orders_channel);
    let setup = bearer(&secret, "bench-setup", "sales")?;
    let customer = orders
        .create_customer(authorized(crate::demo::customer_request(), &setup))
        .await?
        .into_inner();
    let delivery = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();

    let nats = async_nats::connect(&args.nats_url)
        .await
        .with_context(|| format!("cannot reach NATS at {}", args.nats_url))?;
    let jetstream = async_nats::jetstream::new(nats.clone());
    let arrivals = Arc::new(Arrivals::default());
    for subject in ["orders.order.>", "finance.ledger.>"] {
        let mut subscriber = nats.subscribe(subject).await?;
        let arrivals = arrivals.clone();
        tokio::spawn(async move {
            while let Some(message) = subscriber.next().await {
                arrivals.arrived(&message, Instant::now());
            }
        });
    }
    nats.flush().await?;
    // What the services commit while idle (health checks, sweepers, the
    // relay's polls), measured for a few seconds before the load and taken
    // off the run's figure.
    let idle_commits_per_second = match &statistics {
        Some(database) => {
            let (before, _) = database_work(database).await?;
            let window = Instant::now();
            tokio::time::sleep(IDLE_WINDOW).await;
            let (after, _) = database_work(database).await?;
            Some((after - before).max(0) as f64 / window.elapsed().as_secs_f64())
        }
        None => None,
    };
    let events_before = events_published(&jetstream).await;
    let work_before = match &statistics {
        Some(database) => Some(database_work(database).await?),
        None => None,
    };

    let rss: Arc<Mutex<RssSeries>> = Arc::new(Mutex::new(
        args.processes
            .iter()
            .map(|(name, _)| (name.clone(), Vec::new()))
            .collect(),
    ));
    let cpu_before = CpuSample::take(&args.processes);
    let started = Instant::now();
    let sampling = {
        let rss = rss.clone();
        let processes = args.processes.clone();
        tokio::spawn(async move {
            loop {
                let at = started.elapsed().as_secs_f64();
                {
                    let mut series = rss.lock().unwrap_or_else(|e| e.into_inner());
                    for (index, (_, pid)) in processes.iter().enumerate() {
                        if let Some(kib) = rss_kib(*pid) {
                            series[index].1.push((at, kib));
                        }
                    }
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        })
    };

    println!(
        "flow: {} prepaid standard orders arriving at {}/s (open loop) against {}",
        args.orders, args.rate, args.orders_url
    );
    let timeout = Duration::from_secs(args.order_timeout_secs);
    let clients = Arc::new(Clients {
        orders,
        finance: finance::finance_service_client::FinanceServiceClient::new(finance_channel),
        assistant: bearer(&secret, "bench-assistant", "sales_assistant")?,
        finance_clerk: bearer(&secret, "bench-finance", "finance")?,
        manager: bearer(&secret, "bench-manager", "dept_manager")?,
        secret: secret.clone(),
        customer_id: customer.id,
        delivery,
    });
    let mut drivers = tokio::task::JoinSet::new();
    for index in 0..args.orders {
        let arrival = started + Duration::from_secs_f64(index as f64 / args.rate);
        tokio::time::sleep_until(arrival.into()).await;
        drivers.spawn(drive(clients.clone(), arrivals.clone(), index, timeout));
    }
    let offered = started.elapsed();
    let mut histograms: Vec<Histogram<u64>> = (0..STAGES.len())
        .map(|_| Histogram::new_with_bounds(1, 3_600_000_000, 3))
        .collect::<Result<_, _>>()?;
    let mut errors: HashMap<String, usize> = HashMap::new();
    while let Some(joined) = drivers.join_next().await {
        match joined {
            Ok(Ok(timings)) => {
                for (histogram, timing) in histograms.iter_mut().zip(timings) {
                    histogram
                        .saturating_record(u64::try_from(timing.as_micros()).unwrap_or(u64::MAX));
                }
            }
            Ok(Err(error)) => *errors.entry(error).or_default() += 1,
            Err(error) => *errors.entry(error.to_string()).or_default() += 1,
        }
    }
    sampling.abort();
    let completed = histograms[0].len() as usize;
    let ready_times = arrivals
        .ready
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let last_ready = ready_times
        .iter()
        .max()
        .map_or(Duration::ZERO, |at| at.saturating_duration_since(started));
    let throughput = if last_ready.is_zero() {
        0.0
    } else {
        completed as f64 / last_ready.as_secs_f64()
    };
    let mut per_second = vec![0u64; last_ready.as_secs() as usize + 1];
    for at in &ready_times {
        let second = at.saturating_duration_since(started).as_secs() as usize;
        if let Some(count) = per_second.get_mut(second) {
            *count += 1;
        }
    }
    // Events still on their way count too: wait until the streams are still.
    let mut events_after = events_published(&jetstream).await;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = events_published(&jetstream).await;
        if now == events_after {
            break;
        }
        events_after = now;
    }
    let cpu = CpuSample::take(&args.processes).since(
        &cpu_before,
        completed,
        started.elapsed().as_secs_f64(),
    );
    let per_order = |total: u64| total as f64 / completed.max(1) as f64;
    let (commits_per_order, rows_per_order) = match (&statistics, work_before) {
        (Some(database), Some((commits, written))) => {
            let (commits_after, written_after) = database_work(database).await?;
            let idle = idle_commits_per_second.unwrap_or(0.0) * started.elapsed().as_secs_f64();
            let commits = ((commits_after - commits) as f64 - idle).max(0.0);
            (
                Some(commits / completed.max(1) as f64),
                Some(per_order((written_after - written).max(0) as u64)),
            )
        }
        _ => (None, None),
    };
    let stages: Vec<StageFigures> = STAGES
        .iter()
        .zip(&histograms)
        .map(|(name, histogram)| StageFigures::of(name, histogram))
        .collect();
    let report = FlowReport {
        label: args.label.clone(),
        measured_at: chrono::Utc::now().to_rfc3339(),
        orders: args.orders,
        rate: args.rate,
        offered_seconds: offered.as_secs_f64(),
        completed,
        errors: errors.values().sum(),
        error_kinds: errors.into_iter().collect(),
        throughput_per_second: throughput,
        stages,
        ready_per_second: per_second,
        events_per_order: per_order(events_after.saturating_sub(events_before)),
        commits_per_order,
        idle_commits_per_second,
        rows_written_per_order: rows_per_order,
        rss_kib: rss.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        cpu,
        limit,
    };
    report.print();
    if let Some(out) = &args.out {
        report::write(&report, out)?;
        println!(
            "  report      {} and {}",
            out.display(),
            out.with_extension("svg").display()
        );
    }
    Ok(())
}
