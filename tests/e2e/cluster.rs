//! A whole Orderflow in one test process: a NATS server of its own, a fresh
//! database per service (PostgreSQL when `ORDERFLOW_TEST_DATABASE_URL` is set,
//! else SQLite), and every service started in-process on port 0, as
//! `orderflow up` runs them. Services are added here as they land.

use std::net::SocketAddr;

use orderflow_platform::bus::permissions::{Permissions, render_authorization};
use orderflow_platform::clock::{self, SharedClock};
use orderflow_platform::config::Env;
use orderflow_platform::shutdown::Shutdown;
use orderflow_platform::testing::{self, Backend, TestDatabase, TestNats};
use orderflow_proto::aftersales::v1::after_sales_service_client::AfterSalesServiceClient;
use orderflow_proto::approvals::v1::approval_service_client::ApprovalServiceClient;
use orderflow_proto::finance::v1::finance_service_client::FinanceServiceClient;
use orderflow_proto::inventory::v1::inventory_service_client::InventoryServiceClient;
use orderflow_proto::logistics::v1::logistics_service_client::LogisticsServiceClient;
use orderflow_proto::orders::v1::order_service_client::OrderServiceClient;
use orderflow_proto::procurement::v1::procurement_service_client::ProcurementServiceClient;
use orderflow_proto::production::v1::production_service_client::ProductionServiceClient;
use tonic::transport::Channel;

/// Every running service and what it runs on.
pub struct Cluster {
    pub nats: TestNats,
    pub orders: SocketAddr,
    pub approvals: SocketAddr,
    pub inventory: SocketAddr,
    pub finance: SocketAddr,
    pub logistics: SocketAddr,
    pub production: SocketAddr,
    pub procurement: SocketAddr,
    pub aftersales: SocketAddr,
    /// S14: a second instance of orders and of inventory on the same
    /// databases and NATS (PostgreSQL only; see [`Cluster::start_replicated`]).
    pub orders_replica: Option<SocketAddr>,
    pub inventory_replica: Option<SocketAddr>,
    pub shutdown: Shutdown,
    _databases: Vec<TestDatabase>,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

fn service_env(database: &TestDatabase, nats: &TestNats) -> Env {
    testing::service_env(&database.url, &nats.url())
        // Two clusters run side by side (the test threads), one of them
        // with replicas: ten services of 8 connections each beside eight
        // more went over PostgreSQL's 100 connections. Four each is plenty
        // for a scenario's load.
        .with("DATABASE_MAX_CONNECTIONS", "4")
        .with("CONSUMER_ACK_WAIT_SECS", "2")
        // Each service logs in as itself (the user is the service's name).
        .with("NATS_PASSWORD", NATS_PASSWORD)
}

/// The NATS users' permissions of both Kubernetes overlays (issue 17): every
/// scenario runs on them, so a service that needs more than they allow fails
/// its scenarios, and [`Cluster::start`] fails when they are out of date.
pub const NATS_AUTHORIZATION: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../k8s/base/nats/authorization.conf"
);

/// Every service user's password on the test's NATS server.
pub const NATS_PASSWORD: &str = "e2e-secret";

/// Set to write [`NATS_AUTHORIZATION`] from the running services instead of
/// checking it.
const WRITE_NATS_AUTHORIZATION: &str = "ORDERFLOW_WRITE_NATS_AUTHORIZATION";

/// A NATS server with the overlays' users and permissions; this test's
/// own client is the operator.
async fn authorized_nats() -> anyhow::Result<TestNats> {
    if std::env::var_os(WRITE_NATS_AUTHORIZATION).is_some() {
        return Ok(TestNats::start().await);
    }
    let authorization = std::fs::read_to_string(NATS_AUTHORIZATION)
        .map_err(|error| anyhow::anyhow!("{NATS_AUTHORIZATION}: {error}"))?;
    let mut variables: Vec<(String, String)> = orderflow_platform::telemetry::ALL_SERVICES
        .iter()
        .map(|service| {
            (
                format!("{}_PASSWORD", service.to_ascii_uppercase()),
                NATS_PASSWORD.to_owned(),
            )
        })
        .collect();
    variables.push(("OPERATOR_PASSWORD".to_owned(), NATS_PASSWORD.to_owned()));
    Ok(TestNats::start_authorized(
        &authorization,
        variables,
        ("operator".to_owned(), NATS_PASSWORD.to_owned()),
    )
    .await)
}

/// Checks (or, with [`WRITE_NATS_AUTHORIZATION`], writes) the overlays'
/// NATS permissions against what the running services need.
fn check_nats_authorization(running: &[(&str, Permissions)]) -> anyhow::Result<()> {
    let rendered = render_authorization(running);
    if std::env::var_os(WRITE_NATS_AUTHORIZATION).is_some() {
        std::fs::write(NATS_AUTHORIZATION, &rendered)?;
        return Ok(());
    }
    let committed = std::fs::read_to_string(NATS_AUTHORIZATION)?;
    anyhow::ensure!(
        committed == rendered,
        "{NATS_AUTHORIZATION} is not what the services' consumers need; regenerate it with \
         {WRITE_NATS_AUTHORIZATION}=1 cargo test -p orderflow-e2e --test e2e nats_permissions"
    );
    Ok(())
}

impl Cluster {
    /// Starts every service, each with its own database.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(false).await
    }

    /// [`Cluster::start`], plus a second replica of orders and of inventory
    /// sharing their databases and streams — on PostgreSQL, as production
    /// runs them (SQLite is one process's file: no replicas there).
    pub async fn start_replicated() -> anyhow::Result<Self> {
        Self::start_with(testing::postgres_configured()).await
    }

    async fn start_with(replicated: bool) -> anyhow::Result<Self> {
        orderflow_platform::telemetry::init_for_tests();
        let backend = if testing::postgres_configured() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let nats = authorized_nats().await?;
        let shutdown = Shutdown::new();
        let clock: SharedClock = clock::system();
        let approvals_database = TestDatabase::create(backend).await;
        let approvals_config = orderflow_approvals::config::ApprovalsConfig::from_env(
            &service_env(&approvals_database, &nats),
        )?;
        let approvals =
            orderflow_approvals::start(approvals_config, clock.clone(), shutdown.clone()).await?;

        let inventory_database = TestDatabase::create(backend).await;
        let inventory_config = orderflow_inventory::config::InventoryConfig::from_env(
            &service_env(&inventory_database, &nats),
        )?;
        let inventory =
            orderflow_inventory::start(inventory_config, clock.clone(), shutdown.clone()).await?;

        let finance_database = TestDatabase::create(backend).await;
        let finance_env = service_env(&finance_database, &nats)
            .with("APPROVALS_URL", format!("http://{}", approvals.local_addr))
            .with("FINANCE_SWEEP_INTERVAL_SECS", "1");
        let finance_config = orderflow_finance::config::FinanceConfig::from_env(&finance_env)?;
        let finance =
            orderflow_finance::start(finance_config, clock.clone(), shutdown.clone()).await?;

        let logistics_database = TestDatabase::create(backend).await;
        let logistics_env = service_env(&logistics_database, &nats)
            .with("FINANCE_URL", format!("http://{}", finance.local_addr))
            .with("LOGISTICS_SWEEP_INTERVAL_SECS", "1");
        let logistics_config =
            orderflow_logistics::config::LogisticsConfig::from_env(&logistics_env)?;
        let logistics =
            orderflow_logistics::start(logistics_config, clock.clone(), shutdown.clone()).await?;

        let production_database = TestDatabase::create(backend).await;
        let production_env = service_env(&production_database, &nats)
            .with("INVENTORY_URL", format!("http://{}", inventory.local_addr))
            .with("PRODUCTION_SWEEP_INTERVAL_SECS", "1");
        let production_config =
            orderflow_production::config::ProductionConfig::from_env(&production_env)?;
        let production =
            orderflow_production::start(production_config, clock.clone(), shutdown.clone()).await?;

        let procurement_database = TestDatabase::create(backend).await;
        let procurement_env = service_env(&procurement_database, &nats)
            .with("APPROVALS_URL", format!("http://{}", approvals.local_addr))
            .with("PROCUREMENT_SWEEP_INTERVAL_SECS", "1");
        let procurement_config =
            orderflow_procurement::config::ProcurementConfig::from_env(&procurement_env)?;
        let procurement =
            orderflow_procurement::start(procurement_config, clock.clone(), shutdown.clone())
                .await?;

        let orders_database = TestDatabase::create(backend).await;
        let orders_env = service_env(&orders_database, &nats)
            .with("APPROVALS_URL", format!("http://{}", approvals.local_addr))
            .with("INVENTORY_URL", format!("http://{}", inventory.local_addr));
        let orders_config = orderflow_orders::config::OrdersConfig::from_env(&orders_env)?;
        let orders =
            orderflow_orders::start(orders_config, clock.clone(), shutdown.clone()).await?;
        let (orders_replica, inventory_replica) = if replicated {
            let inventory_config = orderflow_inventory::config::InventoryConfig::from_env(
                &service_env(&inventory_database, &nats),
            )?;
            let inventory_replica =
                orderflow_inventory::start(inventory_config, clock.clone(), shutdown.clone())
                    .await?;
            // The second orders asks the second inventory.
            let orders_config =
                orderflow_orders::config::OrdersConfig::from_env(&orders_env.clone().with(
                    "INVENTORY_URL",
                    format!("http://{}", inventory_replica.local_addr),
                ))?;
            let orders_replica =
                orderflow_orders::start(orders_config, clock.clone(), shutdown.clone()).await?;
            (
                Some(orders_replica.local_addr),
                Some(inventory_replica.local_addr),
            )
        } else {
            (None, None)
        };

        let aftersales_database = TestDatabase::create(backend).await;
        let aftersales_env = service_env(&aftersales_database, &nats)
            .with("ORDERS_URL", format!("http://{}", orders.local_addr))
            .with("FINANCE_URL", format!("http://{}", finance.local_addr))
            .with("INVENTORY_URL", format!("http://{}", inventory.local_addr))
            .with("LOGISTICS_URL", format!("http://{}", logistics.local_addr))
            .with("AFTERSALES_SWEEP_INTERVAL_SECS", "1");
        let aftersales_config =
            orderflow_aftersales::config::AfterSalesConfig::from_env(&aftersales_env)?;
        let aftersales =
            orderflow_aftersales::start(aftersales_config, clock, shutdown.clone()).await?;
        // Every consumer declared before the first call, so that "nothing
        // pending" in `quiescent` means handled.
        for running in [
            &orders,
            &approvals,
            &finance,
            &inventory,
            &logistics,
            &production,
            &procurement,
            &aftersales,
        ] {
            anyhow::ensure!(
                running
                    .declared
                    .all(std::time::Duration::from_secs(30))
                    .await,
                "a service's consumers were not declared within 30 s"
            );
        }
        check_nats_authorization(&[
            ("orders", orders.nats_permissions.clone()),
            ("approvals", approvals.nats_permissions.clone()),
            ("finance", finance.nats_permissions.clone()),
            ("inventory", inventory.nats_permissions.clone()),
            ("logistics", logistics.nats_permissions.clone()),
            ("production", production.nats_permissions.clone()),
            ("procurement", procurement.nats_permissions.clone()),
            ("aftersales", aftersales.nats_permissions.clone()),
        ])?;
        Ok(Self {
            nats,
            orders: orders.local_addr,
            approvals: approvals.local_addr,
            inventory: inventory.local_addr,
            finance: finance.local_addr,
            logistics: logistics.local_addr,
            production: production.local_addr,
            procurement: procurement.local_addr,
            aftersales: aftersales.local_addr,
            orders_replica,
            inventory_replica,
            shutdown,
            _databases: vec![
                approvals_database,
                inventory_database,
                finance_database,
                logistics_database,
                production_database,
                procurement_database,
                orders_database,
                aftersales_database,
            ],
        })
    }

    /// Every service's database, table by table ([`testing::contents`]),
    /// once the sweepers (every second here) have nothing left to do: the
    /// same over two snapshots a sweep interval apart.
    pub async fn contents(&self) -> Vec<std::collections::BTreeMap<String, String>> {
        let snapshot = || async {
            let mut all = Vec::with_capacity(self._databases.len());
            for database in &self._databases {
                all.push(testing::contents(database).await);
            }
            all
        };
        let mut last = snapshot().await;
        for _ in 0..10 {
            tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
            let now = snapshot().await;
            if now == last {
                return now;
            }
            last = now;
        }
        panic!("the services' databases kept changing with nothing sent to them");
    }

    /// Waits until every service has handled every event and published
    /// every row of its outbox: what has not happened by then is not on its
    /// way either.
    pub async fn quiescent(&self) {
        let databases: Vec<&TestDatabase> = self._databases.iter().collect();
        testing::quiescent(&self.nats, &databases, &[]).await;
    }

    pub async fn channel(address: SocketAddr) -> anyhow::Result<Channel> {
        Ok(Channel::from_shared(format!("http://{address}"))?
            .connect()
            .await?)
    }

    async fn connected(address: SocketAddr) -> Channel {
        Self::channel(address)
            .await
            .unwrap_or_else(|e| panic!("connecting to {address}: {e:#}"))
    }

    pub async fn orders_client(&self) -> OrderServiceClient<Channel> {
        OrderServiceClient::new(Self::connected(self.orders).await)
    }

    pub async fn approvals_client(&self) -> ApprovalServiceClient<Channel> {
        ApprovalServiceClient::new(Self::connected(self.approvals).await)
    }

    pub async fn finance_client(&self) -> FinanceServiceClient<Channel> {
        FinanceServiceClient::new(Self::connected(self.finance).await)
    }

    pub async fn logistics_client(&self) -> LogisticsServiceClient<Channel> {
        LogisticsServiceClient::new(Self::connected(self.logistics).await)
    }

    pub async fn production_client(&self) -> ProductionServiceClient<Channel> {
        ProductionServiceClient::new(Self::connected(self.production).await)
    }

    pub async fn procurement_client(&self) -> ProcurementServiceClient<Channel> {
        ProcurementServiceClient::new(Self::connected(self.procurement).await)
    }

    pub async fn aftersales_client(&self) -> AfterSalesServiceClient<Channel> {
        AfterSalesServiceClient::new(Self::connected(self.aftersales).await)
    }

    pub async fn inventory_client(&self) -> InventoryServiceClient<Channel> {
        InventoryServiceClient::new(Self::connected(self.inventory).await)
    }

    /// Clients of every running orders instance (one, or two when
    /// replicated).
    pub async fn orders_clients(&self) -> Vec<OrderServiceClient<Channel>> {
        let mut clients = vec![self.orders_client().await];
        if let Some(replica) = self.orders_replica {
            clients.push(OrderServiceClient::new(Self::connected(replica).await));
        }
        clients
    }

    /// Clients of every running inventory instance.
    pub async fn inventory_clients(&self) -> Vec<InventoryServiceClient<Channel>> {
        let mut clients = vec![self.inventory_client().await];
        if let Some(replica) = self.inventory_replica {
            clients.push(InventoryServiceClient::new(Self::connected(replica).await));
        }
        clients
    }
}

/// A request carrying a development token for `subject` with `roles`.
pub fn authorized<T>(message: T, subject: &str, roles: &[&str]) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    if let Ok(value) = format!("Bearer {}", testing::token(subject, roles)).parse() {
        request.metadata_mut().insert("authorization", value);
    }
    request
}

/// A request from a person of the outside partner `partner` (a store,
/// supplier or manufacturer), with `roles`.
pub fn authorized_partner<T>(
    message: T,
    subject: &str,
    roles: &[&str],
    partner: &str,
) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    if let Ok(value) = format!("Bearer {}", testing::partner_token(subject, roles, partner)).parse()
    {
        request.metadata_mut().insert("authorization", value);
    }
    request
}

/// ORD-20: finance's standard cost of one unit of `sku`, in `unit_cost`'s
/// currency, for every day of the tests (from 2020-01-01).
pub async fn set_standard_cost(
    money: &FinanceServiceClient<Channel>,
    sku: &str,
    unit_cost: orderflow_proto::common::v1::Money,
    decorate: fn(&mut tonic::metadata::MetadataMap),
) {
    use orderflow_proto::finance::v1 as finance;
    money
        .clone()
        .set_standard_cost(authorized_with(
            finance::SetStandardCostRequest {
                request_id: format!("cost-{sku}-{}", unit_cost.minor_units),
                sku: sku.to_owned(),
                unit_cost: Some(unit_cost),
                effective_from: "2020-01-01".to_owned(),
                note: "costing sheet".to_owned(),
            },
            "fiona",
            &["finance"],
            decorate,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
}

/// A full payment of `amount` for the order, recorded by sales (once
/// finance knows the order) with its `(method, reference)`, and confirmed
/// by finance. `decorate` adds to each request's metadata.
pub async fn pay_in_full(
    money: &FinanceServiceClient<Channel>,
    order_id: &str,
    amount: orderflow_proto::common::v1::Money,
    (method, reference): (&str, &str),
    decorate: fn(&mut tonic::metadata::MetadataMap),
) {
    use orderflow_proto::finance::v1 as finance;
    use std::time::Duration;
    let payment = testing::eventually(Duration::from_secs(20), "finance to know the order", || {
        let mut money = money.clone();
        let payment = authorized_with(
            finance::RecordPaymentRequest {
                order_id: order_id.to_owned(),
                kind: finance::PaymentKind::Full as i32,
                amount: Some(amount.clone()),
                method: method.to_owned(),
                reference: reference.to_owned(),
                ..Default::default()
            },
            "tom",
            &["sales"],
            decorate,
        );
        async move { money.record_payment(payment).await.ok() }
    })
    .await
    .into_inner();
    money
        .clone()
        .confirm_payment(authorized_with(
            finance::ConfirmPaymentRequest {
                payment_id: payment.id,
                ..Default::default()
            },
            "fiona",
            &["finance"],
            decorate,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
}

/// ORD-20's release of a prepaid order as sales, the manager and finance do
/// it: the full `amount` recorded by sales (once finance knows the order)
/// and confirmed by finance, then the day's sales detail signed by the
/// manager and confirmed by finance, payment and profit, against the
/// standard `unit_costs` (per SKU, in the amount's currency) finance sets
/// first. `decorate` adds to each request's metadata (a trace context, say).
pub async fn release_prepaid(
    money: &FinanceServiceClient<Channel>,
    order_id: &str,
    amount: orderflow_proto::common::v1::Money,
    unit_costs: &[(&str, i64)],
    decorate: fn(&mut tonic::metadata::MetadataMap),
) {
    use orderflow_proto::finance::v1 as finance;
    use std::time::Duration;
    for (sku, unit_cost) in unit_costs {
        let unit_cost = orderflow_proto::common::v1::Money {
            currency_code: amount.currency_code.clone(),
            minor_units: *unit_cost,
        };
        // Master data, not a step of the order's journey: not in its trace.
        set_standard_cost(money, sku, unit_cost, |_| {}).await;
    }
    pay_in_full(money, order_id, amount, ("bank transfer", ""), decorate).await;
    let mut money = money.clone();
    // Finance books the sale from the order's events: wait for its entry.
    let entries = testing::eventually(Duration::from_secs(20), "the sale entry", || {
        let mut money = money.clone();
        let list = authorized_with(
            finance::ListLedgerEntriesRequest {
                order_id: order_id.to_owned(),
                ..Default::default()
            },
            "fiona",
            &["finance"],
            decorate,
        );
        async move {
            let entries = money.list_ledger_entries(list).await.ok()?.into_inner();
            (!entries.entries.is_empty()).then_some(entries.entries)
        }
    })
    .await;
    let detail = money
        .sign_sales_detail(authorized_with(
            finance::SignSalesDetailRequest {
                salesperson: "tom".to_owned(),
                entry_date: entries[0].entry_date.clone(),
                ..Default::default()
            },
            "mia",
            &["dept_manager"],
            decorate,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    money
        .confirm_sales_detail(authorized_with(
            finance::ConfirmSalesDetailRequest {
                sales_detail_id: detail.id,
                ..Default::default()
            },
            "fiona",
            &["finance"],
            decorate,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
}

/// [`authorized`], then `decorate` on its metadata.
pub fn authorized_with<T>(
    message: T,
    subject: &str,
    roles: &[&str],
    decorate: fn(&mut tonic::metadata::MetadataMap),
) -> tonic::Request<T> {
    let mut request = authorized(message, subject, roles);
    decorate(request.metadata_mut());
    request
}
