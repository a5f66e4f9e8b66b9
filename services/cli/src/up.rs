//! `orderflow up`: every service that exists, on its local defaults, in one
//! process.
//!
//! - NATS: the server at `NATS_URL` (default `nats://127.0.0.1:4222`) if one
//!   answers; otherwise `nats-server -js` is started with its store under
//!   `data/nats` (a clear error names the binary if it is missing).
//! - The development JWT secret is created once under `data/` and given to
//!   every service.
//! - Each service gets its default port and `sqlite://data/<service>.db`;
//!   `<SERVICE>_GRPC_ADDR` and `<SERVICE>_DATABASE_URL` override them.
//! - Ctrl-C stops the services (draining calls and handlers), then NATS.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use orderflow_platform::config::Env;
use orderflow_platform::shutdown::Shutdown;
use secrecy::ExposeSecret;

use crate::{demo, secret};

#[derive(clap::Args, Debug)]
pub struct UpArgs {
    /// After start-up, walk a demo order through the services.
    #[arg(long)]
    demo: bool,
    /// Print the services' log lines here too; without it they go to
    /// `data/logs/orderflow.log`, so the output is the story.
    #[arg(long)]
    verbose: bool,
}

/// Where the services' log lines go unless `--verbose`.
const LOG_FILE: &str = "data/logs/orderflow.log";

/// The environment one service sees: `<SERVICE>_GRPC_ADDR` and
/// `<SERVICE>_DATABASE_URL` become its `GRPC_ADDR` and `DATABASE_URL`; the
/// unprefixed ones would make every service collide and are ignored.
pub fn service_env(base: &Env, service_prefix: &str) -> Env {
    let mut env = base.clone().with("GRPC_ADDR", "").with("DATABASE_URL", "");
    for variable in ["GRPC_ADDR", "DATABASE_URL"] {
        if let Some(value) = base.get(&format!("{service_prefix}_{variable}")) {
            env = env.with(variable, value);
        }
    }
    env
}

pub async fn run(args: UpArgs) -> anyhow::Result<()> {
    let secret = secret::load_or_create()?;
    let process_env = Env::from_process();
    let nats_url = process_env.string_or("NATS_URL", "nats://127.0.0.1:4222");
    let base = process_env
        .with("ORDERFLOW_JWT_SECRET", secret.expose_secret())
        .with("NATS_URL", nats_url.as_str());
    let mut telemetry_config = orderflow_platform::telemetry::TelemetryConfig::from_env(
        "up",
        &base.clone().with(
            "OTEL_SERVICE_NAME",
            base.get("OTEL_SERVICE_NAME").unwrap_or("orderflow"),
        ),
    )?;
    // Each service's spans under its own service.name, as in a cluster.
    telemetry_config.hosted = orderflow_platform::telemetry::ALL_SERVICES
        .map(str::to_owned)
        .to_vec();
    if !args.verbose {
        telemetry_config.log_file = Some(PathBuf::from(LOG_FILE));
        println!("Service logs go to {LOG_FILE} (--verbose prints them here).");
    }
    let telemetry = orderflow_platform::telemetry::init(&telemetry_config)?;
    let mut nats = ensure_nats(&nats_url).await?;

    let shutdown = Shutdown::new();
    shutdown.trigger_on_os_signal();
    let clock = orderflow_platform::clock::system();
    let approvals_config =
        orderflow_approvals::config::ApprovalsConfig::from_env(&service_env(&base, "APPROVALS"))?;
    let approvals = orderflow_approvals::start(approvals_config, clock.clone(), shutdown.clone())
        .await
        .context("the approvals service did not start")?;
    let approvals_url = base
        .get("APPROVALS_URL")
        .map(str::to_owned)
        .unwrap_or_else(|| format!("http://{}", approvals.local_addr));
    let inventory_config =
        orderflow_inventory::config::InventoryConfig::from_env(&service_env(&base, "INVENTORY"))?;
    let inventory = orderflow_inventory::start(inventory_config, clock.clone(), shutdown.clone())
        .await
        .context("the inventory service did not start")?;
    let inventory_url = base
        .get("INVENTORY_URL")
        .map(str::to_owned)
        .unwrap_or_else(|| format!("http://{}", inventory.local_addr));
    let finance_env = service_env(&base, "FINANCE").with("APPROVALS_URL", approvals_url.clone());
    let finance_config = orderflow_finance::config::FinanceConfig::from_env(&finance_env)?;
    let finance = orderflow_finance::start(finance_config, clock.clone(), shutdown.clone())
        .await
        .context("the finance service did not start")?;
    let finance_url = base
        .get("FINANCE_URL")
        .map(str::to_owned)
        .unwrap_or_else(|| format!("http://{}", finance.local_addr));
    let logistics_env = service_env(&base, "LOGISTICS").with("FINANCE_URL", finance_url.clone());
    let logistics_config = orderflow_logistics::config::LogisticsConfig::from_env(&logistics_env)?;
    let logistics = orderflow_logistics::start(logistics_config, clock.clone(), shutdown.clone())
        .await
        .context("the logistics service did not start")?;
    let logistics_url = base
        .get("LOGISTICS_URL")
        .map(str::to_owned)
        .unwrap_or_else(|| format!("http://{}", logistics.local_addr));
    let production_env =
        service_env(&base, "PRODUCTION").with("INVENTORY_URL", inventory_url.clone());
    let production_config =
        orderflow_production::config::ProductionConfig::from_env(&production_env)?;
    let production =
        orderflow_production::start(production_config, clock.clone(), shutdown.clone())
            .await
            .context("the production service did not start")?;
    let procurement_env =
        service_env(&base, "PROCUREMENT").with("APPROVALS_URL", approvals_url.clone());
    let procurement_config =
        orderflow_procurement::config::ProcurementConfig::from_env(&procurement_env)?;
    let procurement =
        orderflow_procurement::start(procurement_config, clock.clone(), shutdown.clone())
            .await
            .context("the procurement service did not start")?;
    let orders_env = service_env(&base, "ORDERS")
        .with("APPROVALS_URL", approvals_url)
        .with("INVENTORY_URL", inventory_url.clone());
    let orders_config = orderflow_orders::config::OrdersConfig::from_env(&orders_env)?;
    let orders = orderflow_orders::start(orders_config, clock.clone(), shutdown.clone())
        .await
        .context("the orders service did not start")?;
    let orders_url = base
        .get("ORDERS_URL")
        .map(str::to_owned)
        .unwrap_or_else(|| format!("http://{}", orders.local_addr));
    let aftersales_env = service_env(&base, "AFTERSALES")
        .with("ORDERS_URL", orders_url)
        .with("FINANCE_URL", finance_url)
        .with("INVENTORY_URL", inventory_url)
        .with("LOGISTICS_URL", logistics_url);
    let aftersales_config =
        orderflow_aftersales::config::AfterSalesConfig::from_env(&aftersales_env)?;
    let aftersales = orderflow_aftersales::start(aftersales_config, clock, shutdown.clone())
        .await
        .context("the after-sales service did not start")?;

    println!();
    println!("Orderflow is up.");
    println!(
        "  NATS       {nats_url}{}",
        if nats.is_some() {
            " (started by orderflow up)"
        } else {
            ""
        }
    );
    println!(
        "  orders     {}   (orderflow.orders.v1.OrderService, QuotationService)",
        orders.local_addr
    );
    println!(
        "  approvals  {}   (orderflow.approvals.v1.ApprovalService)",
        approvals.local_addr
    );
    println!(
        "  finance    {}   (orderflow.finance.v1.FinanceService)",
        finance.local_addr
    );
    println!(
        "  inventory  {}   (orderflow.inventory.v1.InventoryService)",
        inventory.local_addr
    );
    println!(
        "  logistics  {}   (orderflow.logistics.v1.LogisticsService)",
        logistics.local_addr
    );
    println!(
        "  production {}   (orderflow.production.v1.ProductionService)",
        production.local_addr
    );
    println!(
        "  procurement {}  (orderflow.procurement.v1.ProcurementService)",
        procurement.local_addr
    );
    println!(
        "  aftersales {}   (orderflow.aftersales.v1.AfterSalesService)",
        aftersales.local_addr
    );
    println!();
    println!("Try:");
    println!("  grpcurl -plaintext {} list", orders.local_addr);
    println!("  TOKEN=$(cargo run -q --bin orderflow -- token --sub alice --roles sales)");
    println!(
        "  grpcurl -plaintext -H \"authorization: Bearer $TOKEN\" {} orderflow.orders.v1.OrderService/ListOrders",
        orders.local_addr
    );
    println!(
        "  grpcurl -plaintext -H \"authorization: Bearer $TOKEN\" {} orderflow.approvals.v1.ApprovalService/ListMyPendingSteps",
        approvals.local_addr
    );
    println!(
        "  grpcurl -plaintext -H \"authorization: Bearer $TOKEN\" {} orderflow.inventory.v1.InventoryService/ListStock",
        inventory.local_addr
    );
    println!(
        "  grpcurl -plaintext -H \"authorization: Bearer $TOKEN\" -d '{{\"order_id\": \"<order id>\"}}' {} orderflow.finance.v1.FinanceService/GetReleaseGate",
        finance.local_addr
    );
    println!("Ctrl-C stops everything.");
    println!();

    if args.demo {
        let urls = demo::Urls {
            orders: format!("http://{}", orders.local_addr),
            approvals: format!("http://{}", approvals.local_addr),
            inventory: format!("http://{}", inventory.local_addr),
            finance: format!("http://{}", finance.local_addr),
            logistics: format!("http://{}", logistics.local_addr),
            production: format!("http://{}", production.local_addr),
            procurement: format!("http://{}", procurement.local_addr),
            aftersales: format!("http://{}", aftersales.local_addr),
        };
        if let Err(error) = demo::walk(&urls, &secret).await {
            eprintln!("demo failed: {error:#}");
        }
    }

    let result = orders.wait().await;
    let approvals_result = approvals.wait().await;
    let inventory_result = inventory.wait().await;
    let finance_result = finance.wait().await;
    let logistics_result = logistics.wait().await;
    let production_result = production.wait().await;
    let procurement_result = procurement.wait().await;
    let aftersales_result = aftersales.wait().await;
    if let Some(child) = nats.as_mut() {
        let _ = child.kill().await;
    }
    telemetry.shutdown();
    result
        .and(approvals_result)
        .and(inventory_result)
        .and(finance_result)
        .and(logistics_result)
        .and(production_result)
        .and(procurement_result)
        .and(aftersales_result)
}

/// A NATS server to use: the one at `url` if it answers, else one started
/// here (only for a local URL).
async fn ensure_nats(url: &str) -> anyhow::Result<Option<tokio::process::Child>> {
    if nats_answers(url).await {
        return Ok(None);
    }
    let (host, port) = host_and_port(url).with_context(|| format!("cannot read NATS_URL {url}"))?;
    if !matches!(host.as_str(), "127.0.0.1" | "localhost") {
        anyhow::bail!(
            "no NATS server answers at {url}; start it, or unset NATS_URL to let orderflow start one locally"
        );
    }
    let binary = find_nats_server().ok_or_else(|| {
        anyhow::anyhow!(
            "no NATS server answers at {url}, and the `nats-server` binary was not found on PATH: \
             install it (Debian/Ubuntu: `apt install nats-server`; or https://github.com/nats-io/nats-server/releases) \
             or set NATS_SERVER_BIN to its path"
        )
    })?;
    std::fs::create_dir_all("data/nats").context("cannot create data/nats")?;
    let log = std::fs::File::create("data/nats-server.log")
        .context("cannot create data/nats-server.log")?;
    let child = tokio::process::Command::new(&binary)
        .args([
            "-js",
            "-a",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-sd",
            "data/nats",
        ])
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))?;
    for _ in 0..100 {
        if nats_answers(url).await {
            eprintln!(
                "started {} on port {port} (log: data/nats-server.log)",
                binary.display()
            );
            return Ok(Some(child));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!(
        "{} did not come up on port {port}; see data/nats-server.log",
        binary.display()
    )
}

async fn nats_answers(url: &str) -> bool {
    let connect = async_nats::ConnectOptions::new()
        .connection_timeout(Duration::from_secs(1))
        .connect(url);
    matches!(
        tokio::time::timeout(Duration::from_secs(2), connect).await,
        Ok(Ok(_))
    )
}

fn host_and_port(url: &str) -> Option<(String, u16)> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split('/').next()?;
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    match authority.rsplit_once(':') {
        Some((host, port)) => Some((host.to_owned(), port.parse().ok()?)),
        None => Some((authority.to_owned(), 4222)),
    }
}

fn find_nats_server() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("NATS_SERVER_BIN") {
        return Some(PathBuf::from(path)).filter(|path| path.exists());
    }
    let mut directories: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect())
        .unwrap_or_default();
    directories.extend(["/usr/sbin", "/usr/local/sbin", "/usr/local/bin"].map(PathBuf::from));
    directories
        .into_iter()
        .map(|directory| directory.join("nats-server"))
        .find(|candidate| Path::new(candidate).is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nats_urls_give_host_and_port() {
        assert_eq!(
            host_and_port("nats://127.0.0.1:4222"),
            Some(("127.0.0.1".to_owned(), 4222))
        );
        assert_eq!(
            host_and_port("nats://user:pw@localhost:5000"),
            Some(("localhost".to_owned(), 5000))
        );
        assert_eq!(
            host_and_port("nats://nats.example"),
            Some(("nats.example".to_owned(), 4222))
        );
    }

    #[test]
    fn each_service_gets_its_own_address_and_database() {
        let base = Env::from_pairs([
            ("GRPC_ADDR", "0.0.0.0:1"),
            ("DATABASE_URL", "postgres://shared"),
            ("ORDERS_DATABASE_URL", "postgres://orders"),
        ]);
        let orders = service_env(&base, "ORDERS");
        assert_eq!(orders.get("DATABASE_URL"), Some("postgres://orders"));
        assert_eq!(orders.get("GRPC_ADDR"), None);
    }
}
