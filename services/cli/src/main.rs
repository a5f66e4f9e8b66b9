//! `orderflow`: the local launcher and operator CLI.
//!
//! - `up`: every service on its local defaults in one process, with a NATS
//!   server started if none answers; `--demo` walks an order through them.
//! - `token`: a development token for the local secret.
//! - `demo`: walks an order as far as the running services allow.
//! - `bench create-orders`: a load generator against a running orders service.
//! - `chaos`: the fault suite: every service as separate processes on
//!   PostgreSQL, broken while orders run, then the accounts.

mod bench;
mod chaos;
mod demo;
mod dlq;
mod health;
mod secret;
mod up;

use clap::{Parser, Subcommand};

/// mimalloc: the services allocate many small, short-lived buffers (protobuf,
/// SQL parameters, HTTP/2 frames); glibc malloc spent a tenth of the CPU on
/// them under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(
    name = "orderflow",
    version,
    about = "Orderflow: run it, call it, load it"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start every service locally (SQLite under ./data, NATS started if needed).
    Up(up::UpArgs),
    /// Print a development token for the local secret.
    Token(TokenArgs),
    /// Walk an order through the running services and print its timeline.
    Demo(demo::DemoArgs),
    /// Load generators against running services.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Exit 0 when a service's gRPC health says SERVING (a container health
    /// check).
    Health(health::HealthArgs),
    /// The dead letters: list them, replay them once the cause is fixed.
    #[command(subcommand)]
    Dlq(dlq::DlqCommand),
    /// The fault suite: the services as separate processes on PostgreSQL,
    /// NATS stopped, services killed, databases refused while orders run;
    /// then every order's end, duplicates, stock and dead letters.
    Chaos(chaos::ChaosArgs),
}

#[derive(clap::Args, Debug)]
struct TokenArgs {
    /// The token's subject (who acts).
    #[arg(long)]
    sub: String,
    /// Comma-separated roles, e.g. sales,sales_assistant.
    #[arg(long, value_delimiter = ',')]
    roles: Vec<String>,
    /// The partner (supplier, manufacturer or store code) a partner's
    /// person acts for.
    #[arg(long)]
    partner: Option<String>,
    /// Lifetime in hours.
    #[arg(long, default_value_t = 12)]
    ttl_hours: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Up(args) => up::run(args).await,
        Command::Token(args) => {
            let secret = secret::load()?;
            let token = orderflow_platform::auth::mint_hs256_for(
                &secret,
                &args.sub,
                &args.roles,
                args.partner.as_deref(),
                std::time::Duration::from_secs(args.ttl_hours * 3600),
            )?;
            println!("{token}");
            Ok(())
        }
        Command::Demo(args) => demo::run(args).await,
        Command::Bench(command) => bench::run(command).await,
        Command::Health(args) => health::run(args).await,
        Command::Dlq(command) => dlq::run(command).await,
        Command::Chaos(args) => chaos::run(args).await,
    }
}
