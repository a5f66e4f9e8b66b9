//! The approvals service: approval policies, requests, steps, decisions and
//! their SLAs (APR-1 … APR-10).
//!
//! - [`domain`]: policies, requests walking their chain, exchange rates.
//! - [`store`]: entities, migrations, queries.
//! - [`app`]: the use cases.
//! - [`api`]: the tonic service.
//! - [`events`]: what the service publishes.
//! - [`config`]: the service's settings.

pub mod api;
pub mod app;
pub mod config;
pub mod domain;
pub mod events;
pub mod store;
pub mod wire;

use orderflow_platform::clock::SharedClock;
use orderflow_platform::service::{RunningService, ServiceRuntime};
use orderflow_platform::shutdown::Shutdown;
use orderflow_proto::approvals::v1::approval_service_server::ApprovalServiceServer;

use crate::config::ApprovalsConfig;

/// Starts the service and returns once it is serving.
pub async fn start(
    config: ApprovalsConfig,
    clock: SharedClock,
    shutdown: Shutdown,
) -> anyhow::Result<RunningService> {
    let mut runtime = ServiceRuntime::start::<store::Migrator>(
        config.service.clone(),
        clock.clone(),
        shutdown.clone(),
    )
    .await?;
    let approvals = app::Approvals::new(
        runtime.base(),
        app::Settings {
            base_currency: config.base_currency,
            gm_threshold: config.gm_threshold,
            default_sla_minutes: config.default_sla_minutes,
        },
    );
    approvals
        .ensure_default_policies()
        .await
        .map_err(|error| anyhow::anyhow!("cannot create the default policies: {error}"))?;
    // Steps past their SLA (APR-10).
    runtime.spawn_sweep(
        config.sla_sweep_interval,
        "overdue approval steps flagged",
        approvals.clone(),
        |approvals| async move { approvals.sweep_overdue().await },
    );
    runtime
        .serve_one(
            ApprovalServiceServer::new(api::ApprovalApi::new(approvals)),
            api::ROLES,
        )
        .await
}
