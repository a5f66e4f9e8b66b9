//! The finance service: credit, payments, letters of credit, the production
//! release gate and the append-only sales ledger (FIN-1 … FIN-12, ORD-20).
//!
//! - [`domain`]: order accounts, the gate, L/Cs, payments, ledger, credit.
//! - [`store`]: entities, migrations (with the ledger's append-only
//!   triggers), queries.
//! - [`app`]: the use cases.
//! - [`api`]: the tonic service.
//! - [`events`]: what the service publishes and consumes.
//! - [`peers`]: the services it asks (approvals, for refunds).
//! - [`config`]: the service's settings.

pub mod api;
pub mod app;
pub mod config;
pub mod consumers;
pub mod domain;
pub mod events;
pub mod peers;
pub mod store;
pub mod wire;

use std::sync::Arc;

use orderflow_platform::clock::SharedClock;
use orderflow_platform::service::{RunningService, ServiceRuntime};
use orderflow_platform::shutdown::Shutdown;
use orderflow_proto::finance::v1::finance_service_server::FinanceServiceServer;

use crate::config::FinanceConfig;

/// Starts the service and returns once it is serving.
pub async fn start(
    config: FinanceConfig,
    clock: SharedClock,
    shutdown: Shutdown,
) -> anyhow::Result<RunningService> {
    let mut runtime =
        ServiceRuntime::start::<store::Migrator>(config.service.clone(), clock.clone(), shutdown)
            .await?;
    let settings = app::Settings {
        time_zone: config.business_time_zone,
        lc_lead_days: config.lc_lead_days,
        receivable_term_days: config.receivable_term_days,
        balance_reminder_days: config.balance_reminder_days,
    };
    let finance = app::Finance::new(
        runtime.database.clone(),
        clock,
        runtime.outbox.clone(),
        settings,
    );
    let replicas = config.service.stream_replicas;
    runtime.spawn_consumer(
        consumers::orders_consumer_spec(replicas, config.service.consumer.clone()),
        Arc::new(consumers::OrderEvents::new(finance.clone())),
    );
    runtime.spawn_consumer(
        consumers::aftersales_consumer_spec(replicas, config.service.consumer.clone()),
        Arc::new(consumers::AfterSalesEvents::new(finance.clone())),
    );
    let identity =
        orderflow_platform::auth::ServiceIdentity::new(config::SERVICE, &config.service.auth);
    let approvals = peers::Approvals::new(orderflow_platform::grpc::with_identity(
        orderflow_platform::grpc::peer_channel(
            "APPROVALS_URL",
            &config.approvals_url,
            &config.service.grpc_tls,
        )?,
        identity,
    ));
    runtime.spawn_consumer(
        consumers::refunds_consumer_spec(replicas, config.service.consumer.clone()),
        Arc::new(consumers::RefundRequests::new(finance.clone(), approvals)),
    );
    runtime.spawn_consumer(
        consumers::approvals_consumer_spec(replicas, config.service.consumer.clone()),
        Arc::new(consumers::RefundDecisions::new(finance.clone())),
    );
    runtime.spawn_consumer(
        consumers::logistics_consumer_spec(replicas, config.service.consumer.clone()),
        Arc::new(consumers::ReceiptEvents::new(finance.clone())),
    );
    runtime.spawn_consumer(
        consumers::production_consumer_spec(replicas, config.service.consumer.clone()),
        Arc::new(consumers::ProductionPlans::new(finance.clone())),
    );
    let sweeper = finance.clone();
    runtime.spawn_sweeper(config.sweep_interval, move || {
        let finance = sweeper.clone();
        async move {
            // Overdue receivables (FIN-10) and balance reminders (SLA-5).
            match finance.sweep().await {
                Ok((0, 0)) => {}
                Ok((overdue, reminded)) => {
                    tracing::info!(overdue, reminded, "receivables and balances swept");
                }
                Err(error) => tracing::warn!(%error, "finance sweep failed"),
            }
        }
    });
    let api = FinanceServiceServer::new(api::FinanceApi::new(finance));
    runtime
        .serve(
            |routes| routes.add_service(api),
            vec!["orderflow.finance.v1.FinanceService".to_owned()],
            api::ROLES,
        )
        .await
}

/// Runs the service until `shutdown` fires and it has drained.
pub async fn run(config: FinanceConfig, shutdown: Shutdown) -> anyhow::Result<()> {
    start(config, orderflow_platform::clock::system(), shutdown)
        .await?
        .wait()
        .await
}
