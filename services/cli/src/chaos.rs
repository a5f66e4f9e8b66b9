//! `orderflow chaos`: the standing fault suite (issue 17). It runs every
//! service as separate processes (two replicas each by default) on fresh
//! PostgreSQL databases with a NATS server of its own, drives prepaid
//! standard orders to COMPLETED through the public APIs, and breaks the
//! cluster while they run, one fault per batch of orders:
//!
//! - `calm`: nothing (the yardstick);
//! - `nats`: the NATS server killed and started again after a while;
//! - `kill`: `kill -9` of each service in turn (a replica each), started
//!   again at once;
//! - `database`: every connection to the services' databases terminated
//!   and new ones refused for a while.
//!
//! Then it reads the accounts from the databases and the broker: every
//! order COMPLETED, nothing done twice (timeline actions, payments, ledger
//! entries, invoices, stock movements), stock on hand equal to its
//! movements and to what the orders took, no dead letter, nothing left
//! unpublished, and no INTERNAL answer to any caller. It exits non-zero
//! when any of that fails. `cargo test -p orderflow-cli --test faults`
//! runs a short version; docs/operations.md has the long one's figures.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use secrecy::SecretString;
use serde::Serialize;

mod audit;
mod cluster;
mod driver;

use audit::{Accounts, Books, Ledgers};
use cluster::{Nats, SERVICES, Services};
use driver::Callers;

/// What breaks while a batch of orders runs.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    Calm,
    Nats,
    Kill,
    Database,
}

#[derive(clap::Args, Debug)]
pub struct ChaosArgs {
    /// The PostgreSQL server (an administrator's URL): each service gets a
    /// fresh database on it, dropped afterwards.
    #[arg(
        long,
        env = "ORDERFLOW_TEST_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    database_url: String,
    /// The nats-server binary (a server of its own is started).
    #[arg(long, env = "NATS_SERVER_BIN", default_value = "nats-server")]
    nats_server: PathBuf,
    /// Where the `orderflow-<service>` binaries are; default: beside this
    /// one.
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    /// Processes per service.
    #[arg(long, default_value_t = 2)]
    replicas: usize,
    /// Database connections per process (`DATABASE_MAX_CONNECTIONS`): eight
    /// services × replicas × this, plus the suite's own 18, must stay below
    /// the server's `max_connections` (100 by default).
    #[arg(long, default_value_t = 4)]
    database_connections: u32,
    /// Orders per fault.
    #[arg(long, default_value_t = 30)]
    orders: usize,
    /// Order arrivals per second.
    #[arg(long, default_value_t = 3.0)]
    rate: f64,
    /// The faults, one batch of orders each, in this order.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "calm,nats,kill,database"
    )]
    faults: Vec<Fault>,
    /// How long NATS stays down.
    #[arg(long, default_value_t = 20)]
    nats_outage_secs: u64,
    /// How long the databases refuse connections.
    #[arg(long, default_value_t = 60)]
    database_outage_secs: u64,
    /// How long one order may take before it counts as stuck.
    #[arg(long, default_value_t = 300)]
    order_timeout_secs: u64,
    /// Where the JSON report goes.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// One fault's batch of orders.
#[derive(Debug, Serialize)]
struct Phase {
    fault: Fault,
    orders_sent: usize,
    completed: usize,
    /// The first few drivers' failures.
    failures: Vec<String>,
    seconds: f64,
    accounts: Accounts,
}

#[derive(Debug, Serialize)]
struct Report {
    replicas: usize,
    phases: Vec<Phase>,
    books: Books,
    /// Every error answer callers saw, by code.
    answers: std::collections::BTreeMap<String, u64>,
    passed: bool,
}

pub async fn run(args: ChaosArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.orders > 0 && args.rate > 0.0 && args.replicas > 0,
        "--orders, --rate and --replicas must be positive"
    );
    let binaries = match &args.bin_dir {
        Some(directory) => directory.clone(),
        None => std::env::current_exe()?
            .parent()
            .context("this binary has no directory")?
            .to_path_buf(),
    };
    let work = std::env::temp_dir().join(format!("orderflow-chaos-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    let secret = SecretString::from(uuid::Uuid::new_v4().simple().to_string());
    println!(
        "starting NATS and {} services × {} replicas on PostgreSQL (logs in {})",
        SERVICES.len(),
        args.replicas,
        work.display()
    );
    let mut nats = Nats::start(args.nats_server.clone(), &work).await?;
    let mut services = Services::start(
        binaries,
        work.clone(),
        &args.database_url,
        &nats.url(),
        &secret,
        (args.replicas, args.database_connections),
    )
    .await?;
    // Interrupted (Ctrl-C, SIGTERM), the suite stops where it is and still
    // removes what it made: the services' processes and databases, NATS.
    let outcome = tokio::select! {
        outcome = suite(&args, &mut nats, &mut services, secret) => outcome,
        signal = interrupted() => Err(anyhow::anyhow!("interrupted by {signal}")),
    };
    services.remove().await;
    nats.stop().await;
    let report = outcome?;
    if let Some(path) = &args.out {
        std::fs::write(path, serde_json::to_vec_pretty(&report)?)?;
    }
    anyhow::ensure!(
        report.passed,
        "the fault suite failed (service logs kept in {})",
        work.display()
    );
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

/// The first Ctrl-C or SIGTERM; its name.
async fn interrupted() -> &'static str {
    let mut terminate =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(terminate) => terminate,
            Err(error) => {
                tracing::warn!(%error, "SIGTERM cannot be watched");
                let _ = tokio::signal::ctrl_c().await;
                return "Ctrl-C";
            }
        };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => "Ctrl-C",
        _ = terminate.recv() => "SIGTERM",
    }
}

async fn suite(
    args: &ChaosArgs,
    nats: &mut Nats,
    services: &mut Services,
    secret: SecretString,
) -> anyhow::Result<Report> {
    let run = format!("chaos{}", std::process::id());
    let callers = Arc::new(
        Callers::new(
            |service| services.urls(service),
            secret,
            &run,
            Duration::from_secs(args.order_timeout_secs),
        )
        .map_err(|e| anyhow::anyhow!(e))?,
    );
    callers
        .stock(args.orders * args.faults.len())
        .await
        .map_err(anyhow::Error::msg)?;
    let customer = callers.customer().await.map_err(anyhow::Error::msg)?;
    let ledgers = Ledgers::open(services).await?;
    let mut phases = Vec::new();
    let mut completed_orders = 0;
    for (index, fault) in args.faults.iter().copied().enumerate() {
        println!();
        println!(
            "{fault:?}: {} orders at {}/s{}",
            args.orders,
            args.rate,
            match fault {
                Fault::Calm => String::new(),
                Fault::Nats => format!(", NATS down for {} s", args.nats_outage_secs),
                Fault::Kill => ", kill -9 of each service in turn".to_owned(),
                Fault::Database =>
                    format!(", databases refused for {} s", args.database_outage_secs),
            }
        );
        let started = Instant::now();
        let drivers = arrivals(args, &callers, &customer, index);
        let injected = inject(args, fault, nats, services, &drivers).await;
        let mut ids = Vec::new();
        let mut failures = Vec::new();
        for driver in drivers {
            match driver.await {
                Ok((id, outcome)) => {
                    ids.extend(id);
                    if let Err(failure) = outcome {
                        failures.push(failure);
                    }
                }
                Err(panic) => failures.push(format!("driver panicked: {panic}")),
            }
        }
        injected?;
        let accounts = ledgers.accounts(&ids).await?;
        let completed = accounts.states.get("completed").copied().unwrap_or(0);
        completed_orders += completed;
        let phase = Phase {
            fault,
            orders_sent: args.orders,
            completed: usize::try_from(completed)?,
            failures: failures.into_iter().take(5).collect(),
            seconds: started.elapsed().as_secs_f64(),
            accounts,
        };
        println!(
            "  {} sent, {} COMPLETED ({:?}), {} duplicated, {:.1} s",
            phase.orders_sent,
            phase.completed,
            phase.accounts.states,
            phase.accounts.duplicated(),
            phase.seconds
        );
        for failure in &phase.failures {
            println!("  failed: {failure}");
        }
        phases.push(phase);
    }
    cluster::until(Duration::from_secs(60), "the outboxes to drain", || async {
        matches!(ledgers.unpublished().await, Ok(0))
    })
    .await
    .ok();
    let jetstream = async_nats::jetstream::new(async_nats::connect(nats.url()).await?);
    let books = ledgers.books(completed_orders, &jetstream).await?;
    let answers = callers.answers();
    let internal: u64 = answers
        .iter()
        .filter(|(answer, _)| answer.starts_with("Internal"))
        .map(|(_, count)| count)
        .sum();
    let passed = phases
        .iter()
        .all(|phase| phase.completed == phase.orders_sent && phase.accounts.duplicated() == 0)
        && books.balanced()
        && internal == 0;
    println!();
    println!(
        "books: stock off its movements {:?}; posted out vs needed {:?}; \
         dead letters {} (outbox {}); unpublished {}",
        books.stock_off_its_movements,
        books.outbound,
        books.dead_letters,
        books.outbox_dead_letters,
        books.outbox_backlog
    );
    println!("callers' error answers, by code and call:");
    for (answer, count) in &answers {
        println!("  {count:>6}  {answer}");
    }
    println!("{}", if passed { "PASSED" } else { "FAILED" });
    Ok(Report {
        replicas: services.replica_count(),
        phases,
        books,
        answers,
        passed,
    })
}

/// One order's driver: the order's id once created, and how it went.
type Driver = tokio::task::JoinHandle<(Option<String>, Result<(), String>)>;

/// The batch's orders, each started on schedule (open loop) and driven to
/// its end in its own task.
fn arrivals(args: &ChaosArgs, callers: &Arc<Callers>, customer: &str, batch: usize) -> Vec<Driver> {
    let start = tokio::time::Instant::now();
    (0..args.orders)
        .map(|index| {
            let callers = Arc::clone(callers);
            let customer = customer.to_owned();
            let due = start + Duration::from_secs_f64(index as f64 / args.rate);
            tokio::spawn(async move {
                tokio::time::sleep_until(due).await;
                callers
                    .complete(&format!("b{batch}o{index}"), &customer)
                    .await
            })
        })
        .collect()
}

/// Breaks the cluster as `fault` says, a second into the batch, and mends
/// it. Kills go on, a service at a time, until every order of the batch
/// has ended (at least one round of all services).
async fn inject<T>(
    args: &ChaosArgs,
    fault: Fault,
    nats: &mut Nats,
    services: &mut Services,
    drivers: &[tokio::task::JoinHandle<T>],
) -> anyhow::Result<()> {
    tokio::time::sleep(Duration::from_secs(1)).await;
    match fault {
        Fault::Calm => {}
        Fault::Nats => {
            nats.stop().await;
            tokio::time::sleep(Duration::from_secs(args.nats_outage_secs)).await;
            nats.resume().await?;
        }
        Fault::Kill => {
            let mut turn = 0;
            while turn < SERVICES.len() || !drivers.iter().all(|d| d.is_finished()) {
                let service = SERVICES[turn % SERVICES.len()];
                let replica = (turn / SERVICES.len() + turn) % services.replica_count();
                services.kill(service, replica).await;
                tokio::time::sleep(Duration::from_millis(500)).await;
                services.launch(service, replica).await?;
                tokio::time::sleep(Duration::from_millis(500)).await;
                turn += 1;
            }
            println!("  {turn} processes killed and started again");
        }
        Fault::Database => {
            services.refuse().await?;
            tokio::time::sleep(Duration::from_secs(args.database_outage_secs)).await;
            services.admit().await?;
        }
    }
    Ok(())
}
