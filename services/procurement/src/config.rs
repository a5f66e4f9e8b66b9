//! The procurement service's settings.

use chrono_tz::Tz;
use orderflow_platform::config::{ConfigError, Env, ServiceConfig};

pub const SERVICE: &str = "procurement";
pub const DEFAULT_PORT: u16 = 50056;

#[derive(Debug, Clone)]
pub struct ProcurementConfig {
    pub service: ServiceConfig,
    pub business_time_zone: Tz,
    /// The approvals service (`APPROVALS_URL`): purchase contracts (APR-9).
    pub approvals_url: String,
    /// How often late purchase orders (PRC-4) are looked for.
    pub sweep_interval: std::time::Duration,
    /// PRC-3: the currency quotes are compared in
    /// (`PURCHASE_BASE_CURRENCY`, CNY).
    pub base_currency: orderflow_platform::money::Currency,
}

impl ProcurementConfig {
    /// The shared variables plus `BUSINESS_TIME_ZONE` (Asia/Shanghai),
    /// `APPROVALS_URL` (http://127.0.0.1:50052) and
    /// `PROCUREMENT_SWEEP_INTERVAL_SECS` (60).
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let service = ServiceConfig::from_env(SERVICE, DEFAULT_PORT, env)?;
        let business_time_zone = env.business_time_zone()?;
        let sweep_interval = env.interval_or(
            "PROCUREMENT_SWEEP_INTERVAL_SECS",
            std::time::Duration::from_secs(60),
        )?;
        let base_currency = orderflow_platform::money::Currency::parse(
            &env.string_or("PURCHASE_BASE_CURRENCY", "CNY"),
        )
        .map_err(|problem| ConfigError::new("PURCHASE_BASE_CURRENCY", problem))?;
        Ok(Self {
            base_currency,
            service,
            business_time_zone,
            approvals_url: env.url_or("APPROVALS_URL", "http://127.0.0.1:50052")?,
            sweep_interval,
        })
    }
}
