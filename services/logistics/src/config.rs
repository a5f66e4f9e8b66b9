//! The logistics service's settings.

use chrono_tz::Tz;
use orderflow_platform::config::{ConfigError, Env, ServiceConfig};

pub const SERVICE: &str = "logistics";
pub const DEFAULT_PORT: u16 = 50057;

#[derive(Debug, Clone)]
pub struct LogisticsConfig {
    pub service: ServiceConfig,
    pub business_time_zone: Tz,
    /// The finance service (`FINANCE_URL`): FIN-6 before shipping.
    pub finance_url: String,
    /// LOG-5: receipt confirmed automatically this many days after delivery.
    pub receipt_auto_confirm_days: i64,
    /// How often late shipments and automatic receipts are looked for.
    pub sweep_interval: std::time::Duration,
}

impl LogisticsConfig {
    /// The shared variables plus `BUSINESS_TIME_ZONE` (Asia/Shanghai),
    /// `FINANCE_URL` (http://127.0.0.1:50053), `RECEIPT_AUTO_CONFIRM_DAYS`
    /// (7) and `LOGISTICS_SWEEP_INTERVAL_SECS` (60).
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let service = ServiceConfig::from_env(SERVICE, DEFAULT_PORT, env)?;
        let business_time_zone = env.business_time_zone()?;
        let receipt_auto_confirm_days: i64 =
            env.parse_in("RECEIPT_AUTO_CONFIRM_DAYS", 7, 1..=90)?;
        let sweep_interval = env.interval_or(
            "LOGISTICS_SWEEP_INTERVAL_SECS",
            std::time::Duration::from_secs(60),
        )?;
        Ok(Self {
            service,
            business_time_zone,
            finance_url: env.url_or("FINANCE_URL", "http://127.0.0.1:50053")?,
            receipt_auto_confirm_days,
            sweep_interval,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_5_the_automatic_receipt_is_configurable_and_checked() {
        let base = Env::from_pairs([(
            "ORDERFLOW_JWT_SECRET",
            "a-development-secret-of-some-length-0123",
        )]);
        let config = LogisticsConfig::from_env(&base).ok();
        assert_eq!(config.map(|c| c.receipt_auto_confirm_days), Some(7));
        let bad = LogisticsConfig::from_env(&base.with("RECEIPT_AUTO_CONFIRM_DAYS", "0")).err();
        assert_eq!(
            bad.map(|e| e.variable),
            Some("RECEIPT_AUTO_CONFIRM_DAYS".to_owned())
        );
    }
}
