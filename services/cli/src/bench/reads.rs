//! `orderflow bench reads` (issue 18, P4): the read paths' latency on a
//! database of a given size — GetOrder, ListOrders (the first page and a page
//! half-way down the list), GetOrderTimeline — so that the same command
//! before and after `--grow-to 1000000` shows whether cost stays flat.
//!
//! `--grow-to N` first fills the orders service's PostgreSQL database to N
//! orders by copying the orders already there (made through the API, e.g. by
//! `bench create-orders`) with their timelines: new ids (UUIDv7, older than
//! any real order, so lists stay newest-first), new numbers (`<number>-copy<k>`),
//! everything else as the original. Batches of about 50,000 rows, each its
//! own transaction, then `VACUUM ANALYZE` and a `CHECKPOINT` (what a database
//! grown over months would have had). Each path is warmed up over the
//! sampled orders before it is measured.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Context as _;
use hdrhistogram::Histogram;
use orderflow_platform::db::Database;
use orderflow_proto::orders::v1 as pb;
use pb::order_service_client::OrderServiceClient;
use sea_orm::{ConnectionTrait, Statement};
use serde::Serialize;
use tonic::transport::Channel;

use super::report::StageFigures;
use super::{authorized, bearer};
use crate::secret;

#[derive(clap::Args, Debug)]
pub struct ReadsArgs {
    #[arg(long, env = "ORDERS_URL", default_value = "http://127.0.0.1:50051")]
    orders_url: String,
    /// The orders service's own PostgreSQL database: the ids to read are
    /// sampled from it, and `--grow-to` fills it.
    #[arg(long)]
    postgres_url: String,
    /// First grow the database to this many orders (copies of those there).
    #[arg(long)]
    grow_to: Option<u64>,
    /// Calls per read path.
    #[arg(long, default_value_t = 2_000)]
    requests: usize,
    /// Concurrent callers.
    #[arg(long, default_value_t = 8)]
    callers: usize,
    /// Write the figures as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[derive(Debug, Serialize)]
struct ReadsReport {
    measured_at: String,
    orders_in_database: i64,
    timeline_entries_in_database: i64,
    callers: usize,
    paths: Vec<PathFigures>,
}

#[derive(Debug, Serialize)]
struct PathFigures {
    #[serde(flatten)]
    latency: StageFigures,
    calls_per_second: f64,
    errors: usize,
}

/// Ids of orders, a page token of the unfiltered list, and the cursor half-way.
struct Sample {
    ids: Vec<String>,
    deep_page_token: String,
}

pub async fn run(args: ReadsArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.requests > 0 && args.callers > 0,
        "--requests and --callers must be positive"
    );
    let database = Database::connect(&args.postgres_url, 1).await?;
    if let Some(target) = args.grow_to {
        grow(&database, target).await?;
    }
    let orders_in_database = count(&database, "orders").await?;
    let timeline_entries_in_database = count(&database, "order_timeline").await?;
    anyhow::ensure!(
        orders_in_database > 0,
        "no orders to read: create some first (bench create-orders)"
    );
    let secret = secret::load()?;
    let authorization = bearer(&secret, "bench-reader", "sales_supervisor")?;
    let channel = Channel::from_shared(args.orders_url.clone())?
        .connect()
        .await
        .with_context(|| format!("cannot reach {}", args.orders_url))?;
    let client = OrderServiceClient::new(channel);
    let sample = sample(&database, &client, &authorization, orders_in_database).await?;
    println!(
        "reads: {orders_in_database} orders, {timeline_entries_in_database} timeline entries; \
         {} calls per path, {} callers",
        args.requests, args.callers
    );

    let call = Caller {
        client,
        authorization,
        ids: Arc::new(sample.ids),
    };
    let deep = sample.deep_page_token;
    let mut paths = Vec::new();
    for path in [
        "GetOrder",
        "ListOrders first page",
        "ListOrders deep page",
        "GetOrderTimeline",
    ] {
        let deep = deep.clone();
        let figures = measure(path, &args, &call, move |caller, index| {
            let deep = deep.clone();
            async move {
                match path {
                    "GetOrder" => caller.get(index).await,
                    "ListOrders first page" => caller.list(String::new()).await,
                    "ListOrders deep page" => caller.list(deep).await,
                    _ => caller.timeline(index).await,
                }
            }
        })
        .await?;
        println!(
            "  {:<24} p50 {:>7.2} ms   p90 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms   {:>6.0} calls/s   {} errors",
            path,
            figures.latency.p50_ms,
            figures.latency.p90_ms,
            figures.latency.p99_ms,
            figures.latency.max_ms,
            figures.calls_per_second,
            figures.errors
        );
        paths.push(figures);
    }
    if let Some(out) = &args.json {
        let report = ReadsReport {
            measured_at: chrono::Utc::now().to_rfc3339(),
            orders_in_database,
            timeline_entries_in_database,
            callers: args.callers,
            paths,
        };
        std::fs::write(out, serde_json::to_vec_pretty(&report)?)
            .with_context(|| format!("cannot write {}", out.display()))?;
        println!("  written     {}", out.display());
    }
    database.close().await;
    Ok(())
}

#[derive(Clone)]
struct Caller {
    client: OrderServiceClient<Channel>,
    authorization: tonic::metadata::MetadataValue<tonic::metadata::Ascii>,
    ids: Arc<Vec<String>>,
}

impl Caller {
    fn id(&self, index: usize) -> String {
        self.ids[index % self.ids.len()].clone()
    }

    async fn get(mut self, index: usize) -> Result<(), tonic::Status> {
        let request = authorized(
            pb::GetOrderRequest {
                order_id: self.id(index),
            },
            &self.authorization,
        );
        self.client.get_order(request).await.map(|_| ())
    }

    async fn list(mut self, page_token: String) -> Result<(), tonic::Status> {
        let request = authorized(
            pb::ListOrdersRequest {
                page_size: 50,
                page_token,
                ..Default::default()
            },
            &self.authorization,
        );
        let page = self.client.list_orders(request).await?.into_inner();
        if page.orders.len() == 50 {
            Ok(())
        } else {
            Err(tonic::Status::internal(format!(
                "a page of {} orders, not 50",
                page.orders.len()
            )))
        }
    }

    async fn timeline(mut self, index: usize) -> Result<(), tonic::Status> {
        let request = authorized(
            pb::GetOrderTimelineRequest {
                order_id: self.id(index),
            },
            &self.authorization,
        );
        self.client.get_order_timeline(request).await.map(|_| ())
    }
}

/// `args.requests` calls of one path by `args.callers` concurrent callers.
async fn measure<F, Fut>(
    path: &str,
    args: &ReadsArgs,
    caller: &Caller,
    call: F,
) -> anyhow::Result<PathFigures>
where
    F: Fn(Caller, usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Result<(), tonic::Status>> + Send,
{
    // A warm-up pass over the sampled orders, unmeasured: the figures are
    // those of a service whose working set is in memory, at either size.
    for index in 0..caller.ids.len().min(args.requests) {
        let _ = call(caller.clone(), index).await;
    }
    let next = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.callers {
        let (next, errors, caller, call) =
            (next.clone(), errors.clone(), caller.clone(), call.clone());
        let requests = args.requests;
        tasks.push(tokio::spawn(async move {
            let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
            loop {
                let index = next.fetch_add(1, Ordering::SeqCst);
                if index >= requests {
                    break;
                }
                let at = Instant::now();
                match call(caller.clone(), index).await {
                    Ok(()) => histogram.saturating_record(
                        u64::try_from(at.elapsed().as_micros()).unwrap_or(u64::MAX),
                    ),
                    Err(status) => {
                        if errors.fetch_add(1, Ordering::SeqCst) < 3 {
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
    let elapsed = started.elapsed().as_secs_f64();
    Ok(PathFigures {
        calls_per_second: histogram.len() as f64 / elapsed,
        latency: StageFigures::of(path, &histogram),
        errors: errors.load(Ordering::SeqCst),
    })
}

async fn count(database: &Database, table: &str) -> anyhow::Result<i64> {
    let row = database
        .connection()
        .query_one_raw(Statement::from_string(
            database.backend(),
            format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {table}"),
        ))
        .await?
        .context("COUNT answered nothing")?;
    Ok(row.try_get("", "n")?)
}

/// 1,000 ids spread over the table, and a token for the page after the
/// order half-way down the newest-first list.
async fn sample(
    database: &Database,
    client: &OrderServiceClient<Channel>,
    authorization: &tonic::metadata::MetadataValue<tonic::metadata::Ascii>,
    orders: i64,
) -> anyhow::Result<Sample> {
    let rows = database
        .connection()
        .query_all_raw(Statement::from_string(
            database.backend(),
            "SELECT id FROM orders ORDER BY md5(id) LIMIT 1000",
        ))
        .await?;
    let ids = rows
        .iter()
        .map(|row| row.try_get::<String>("", "id"))
        .collect::<Result<Vec<_>, _>>()?;
    let middle = database
        .connection()
        .query_one_raw(Statement::from_string(
            database.backend(),
            format!(
                "SELECT id FROM orders ORDER BY id DESC OFFSET {} LIMIT 1",
                orders / 2
            ),
        ))
        .await?
        .context("no order half-way")?
        .try_get::<String>("", "id")?;
    let first = authorized(
        pb::ListOrdersRequest {
            page_size: 1,
            ..Default::default()
        },
        authorization,
    );
    let token = client
        .clone()
        .list_orders(first)
        .await?
        .into_inner()
        .next_page_token;
    let deep_page_token = orderflow_platform::grpc::paging::reposition(&token, &middle)
        .context("ListOrders gave no page token (fewer than two orders?)")?;
    Ok(Sample {
        ids,
        deep_page_token,
    })
}

/// A copy's id is a UUIDv7 (so lists stay newest first, copies oldest): the
/// timestamp 400 days back plus the copy's number `g` in ms, the rest from
/// the md5 of the original's id and `g` (unique per original and copy).
const COPY_ID_PARTS: &str = "lpad(to_hex(CAST(EXTRACT(EPOCH FROM now() - interval '400 days') * 1000 AS BIGINT) + g), 12, '0') AS hex, \
     md5(o.id || ':' || g) AS r";
const COPY_ID: &str = "substr(t.hex, 1, 8) || '-' || substr(t.hex, 9, 4) || '-7' || substr(t.r, 1, 3) || '-8' \
     || substr(t.r, 4, 3) || '-' || substr(t.r, 7, 12)";

/// Copies the orders there (and their timelines) until there are `target`.
async fn grow(database: &Database, target: u64) -> anyhow::Result<()> {
    const ROWS_PER_BATCH: i64 = 50_000;
    let target = i64::try_from(target)?;
    let originals = database
        .connection()
        .query_one_raw(Statement::from_string(
            database.backend(),
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM orders WHERE number NOT LIKE '%-copy%'",
        ))
        .await?
        .context("COUNT answered nothing")?
        .try_get::<i64>("", "n")?;
    anyhow::ensure!(originals > 0, "no orders to copy: create some first");
    let templates = originals.min(1_000);
    let originals_of = format!(
        "(SELECT * FROM orders WHERE number NOT LIKE '%-copy%' ORDER BY id LIMIT {templates})"
    );
    // Both statements but for the copies' numbers (`{first}`, `{last}`).
    let (columns_of_orders, copied_orders) = copy_list(
        &columns(database, "orders").await?,
        "o",
        &[("id", COPY_ID), ("number", "o.number || '-copy' || g")],
    );
    let insert_orders = format!(
        "INSERT INTO orders ({columns_of_orders}) SELECT {copied_orders} FROM {originals_of} o \
         CROSS JOIN generate_series({{first}}, {{last}}) g CROSS JOIN LATERAL (SELECT {COPY_ID_PARTS}) t"
    );
    let (columns_of_timeline, copied_timeline) = copy_list(
        &columns(database, "order_timeline").await?,
        "e",
        &[("order_id", COPY_ID)],
    );
    let insert_timeline = format!(
        "INSERT INTO order_timeline ({columns_of_timeline}) SELECT {copied_timeline} \
         FROM {originals_of} o JOIN order_timeline e ON e.order_id = o.id \
         CROSS JOIN generate_series({{first}}, {{last}}) g CROSS JOIN LATERAL (SELECT {COPY_ID_PARTS}) t"
    );
    // Counted once: each batch adds `copies × templates` orders, and the
    // copies are numbered on from the highest number already there.
    let mut now = count(database, "orders").await?;
    let mut first_copy: i64 = database
        .connection()
        .query_one_raw(Statement::from_string(
            database.backend(),
            "SELECT CAST(COALESCE(MAX(CAST(substring(number FROM '-copy([0-9]+)$') AS BIGINT)), 0) + 1 AS BIGINT) AS n FROM orders",
        ))
        .await?
        .context("MAX answered nothing")?
        .try_get("", "n")?;
    let started = Instant::now();
    while now < target {
        let copies = ((target - now).min(ROWS_PER_BATCH) + templates - 1) / templates;
        let last_copy = first_copy + copies - 1;
        let bounded = |statement: &str| {
            statement
                .replace("{first}", &first_copy.to_string())
                .replace("{last}", &last_copy.to_string())
        };
        let transaction = database.begin_write().await?;
        transaction
            .execute_unprepared(&bounded(&insert_orders))
            .await?;
        transaction
            .execute_unprepared(&bounded(&insert_timeline))
            .await?;
        transaction.commit().await?;
        now += copies * templates;
        first_copy = last_copy + 1;
        println!(
            "  grown       to {now} orders ({:.0} s)",
            started.elapsed().as_secs_f64()
        );
    }
    // What autovacuum and the checkpointer would have done by the time a
    // real database had grown this far: measuring while they catch up with
    // a bulk load would time them, not the service.
    for statement in [
        "VACUUM ANALYZE orders",
        "VACUUM ANALYZE order_timeline",
        "CHECKPOINT",
    ] {
        database.execute_unprepared(statement).await?;
    }
    Ok(())
}

/// A copy's column list and its values: each column of `alias`, but those
/// `replaced` by an expression.
fn copy_list(columns: &[String], alias: &str, replaced: &[(&str, &str)]) -> (String, String) {
    let names = columns
        .iter()
        .map(|column| format!("\"{column}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let values = columns
        .iter()
        .map(|column| {
            replaced
                .iter()
                .find(|(name, _)| name == column)
                .map_or_else(
                    || format!("{alias}.\"{column}\""),
                    |(_, value)| (*value).to_owned(),
                )
        })
        .collect::<Vec<_>>()
        .join(", ");
    (names, values)
}

async fn columns(database: &Database, table: &str) -> anyhow::Result<Vec<String>> {
    let rows = database
        .connection()
        .query_all_raw(Statement::from_string(
            database.backend(),
            format!(
                "SELECT column_name AS name FROM information_schema.columns \
                 WHERE table_name = '{table}' AND table_schema = current_schema() \
                 ORDER BY ordinal_position"
            ),
        ))
        .await?;
    Ok(rows
        .iter()
        .map(|row| row.try_get::<String>("", "name"))
        .collect::<Result<Vec<_>, _>>()?)
}
