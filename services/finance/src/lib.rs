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
        minimum_margin_basis_points: config.minimum_margin_basis_points,
    };
    let approvals = peers::Approvals::new(runtime.peer("APPROVALS_URL", &config.approvals_url)?);
    let finance = app::Finance::new(runtime.base(), settings).with_rates(approvals.clone());
    runtime.consume(
        consumers::ORDERS_SUBSCRIPTION,
        consumers::OrderEvents::new(finance.clone()),
    );
    runtime.consume(
        consumers::AFTERSALES_SUBSCRIPTION,
        consumers::AfterSalesEvents::new(finance.clone()),
    );
    runtime.consume(
        consumers::REFUNDS_SUBSCRIPTION,
        consumers::RefundRequests::new(finance.clone(), approvals),
    );
    runtime.consume(
        consumers::APPROVALS_SUBSCRIPTION,
        consumers::RefundDecisions::new(finance.clone()),
    );
    runtime.consume(
        consumers::LOGISTICS_SUBSCRIPTION,
        consumers::ReceiptEvents::new(finance.clone()),
    );
    runtime.consume(
        consumers::PRODUCTION_SUBSCRIPTION,
        consumers::ProductionPlans::new(finance.clone()),
    );
    // Overdue receivables (FIN-10) and balance reminders (SLA-5).
    runtime.spawn_sweep(
        config.sweep_interval,
        "receivables and balances swept (overdue, reminded)",
        finance.clone(),
        |finance| async move { finance.sweep().await },
    );
    runtime
        .serve_one(
            FinanceServiceServer::new(api::FinanceApi::new(finance)),
            api::ROLES,
        )
        .await
}
