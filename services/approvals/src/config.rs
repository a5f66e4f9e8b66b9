//! The approvals service's settings.

use std::time::Duration;

use orderflow_platform::config::{ConfigError, Env, ServiceConfig};
use orderflow_platform::money::{Currency, Money};

pub const SERVICE: &str = "approvals";
pub const DEFAULT_PORT: u16 = 50052;

#[derive(Debug, Clone)]
pub struct ApprovalsConfig {
    pub service: ServiceConfig,
    /// Thresholds and exchange rates are in this currency.
    pub base_currency: Currency,
    /// APR-2: export contracts at or above this need the GM (default policy).
    pub gm_threshold: Money,
    /// The SLA of the default policies' steps.
    pub default_sla_minutes: i32,
    /// How often overdue steps are looked for (APR-10).
    pub sla_sweep_interval: Duration,
}

impl ApprovalsConfig {
    /// The shared variables plus `APPROVAL_BASE_CURRENCY` (CNY),
    /// `APPROVAL_GM_THRESHOLD_MINOR` (50000000, i.e. 500,000.00),
    /// `APPROVAL_DEFAULT_SLA_MINUTES` (240) and `SLA_SWEEP_INTERVAL_SECS` (30).
    /// The threshold and SLA shape the default policies created at first
    /// start; afterwards operators change policies through the API.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let service = ServiceConfig::from_env(SERVICE, DEFAULT_PORT, env)?;
        let code = env.string_or("APPROVAL_BASE_CURRENCY", "CNY");
        let base_currency = Currency::parse(&code)
            .map_err(|problem| ConfigError::new("APPROVAL_BASE_CURRENCY", problem))?;
        let threshold: i64 = env.parse_or("APPROVAL_GM_THRESHOLD_MINOR", 50_000_000)?;
        if threshold <= 0 {
            return Err(ConfigError::new(
                "APPROVAL_GM_THRESHOLD_MINOR",
                "must be greater than zero",
            ));
        }
        let default_sla_minutes: i32 = env.parse_in(
            "APPROVAL_DEFAULT_SLA_MINUTES",
            240,
            1..=crate::domain::policy::MAX_SLA_MINUTES,
        )?;
        let sla_sweep_interval =
            env.interval_or("SLA_SWEEP_INTERVAL_SECS", Duration::from_secs(30))?;
        Ok(Self {
            service,
            base_currency,
            gm_threshold: Money::new(base_currency, threshold),
            default_sla_minutes,
            sla_sweep_interval,
        })
    }
}
