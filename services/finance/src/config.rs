//! The finance service's settings.

use chrono_tz::Tz;
use orderflow_platform::config::{ConfigError, Env, ServiceConfig};

pub const SERVICE: &str = "finance";
pub const DEFAULT_PORT: u16 = 50053;

#[derive(Debug, Clone)]
pub struct FinanceConfig {
    pub service: ServiceConfig,
    /// Ledger dates and review days are business days here.
    pub business_time_zone: Tz,
    /// FIN-5: an L/C reviewed fewer days than this before the delivery date
    /// is flagged.
    pub lc_lead_days: i64,
    /// The approvals service (`APPROVALS_URL`): refunds need the GM.
    pub approvals_url: String,
}

impl FinanceConfig {
    /// The shared variables (see [`ServiceConfig::from_env`]) plus
    /// `BUSINESS_TIME_ZONE` (default Asia/Shanghai), `LC_LEAD_DAYS` (30) and
    /// `APPROVALS_URL` (http://127.0.0.1:50052).
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let service = ServiceConfig::from_env(SERVICE, DEFAULT_PORT, env)?;
        let zone = env.string_or("BUSINESS_TIME_ZONE", "Asia/Shanghai");
        let business_time_zone: Tz = zone.parse().map_err(|_| {
            ConfigError::new(
                "BUSINESS_TIME_ZONE",
                format!("{zone:?} is not an IANA time zone"),
            )
        })?;
        let lc_lead_days: i64 = env.parse_or("LC_LEAD_DAYS", 30)?;
        if !(0..=365).contains(&lc_lead_days) {
            return Err(ConfigError::new("LC_LEAD_DAYS", "must be 0 to 365"));
        }
        Ok(Self {
            service,
            business_time_zone,
            lc_lead_days,
            approvals_url: env.string_or("APPROVALS_URL", "http://127.0.0.1:50052"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fin_5_the_lead_time_is_configurable_and_checked() {
        let base = Env::from_pairs([(
            "ORDERFLOW_JWT_SECRET",
            "a-development-secret-of-some-length-0123",
        )]);
        let config = FinanceConfig::from_env(&base).ok();
        assert_eq!(config.map(|config| config.lc_lead_days), Some(30));
        let config = FinanceConfig::from_env(&base.clone()).ok();
        assert_eq!(
            config.map(|config| config.business_time_zone),
            Some(chrono_tz::Asia::Shanghai)
        );
        let config = FinanceConfig::from_env(&base.clone().with("LC_LEAD_DAYS", "45")).ok();
        assert_eq!(config.map(|config| config.lc_lead_days), Some(45));
        let bad = FinanceConfig::from_env(&base.with("LC_LEAD_DAYS", "-1")).err();
        assert_eq!(
            bad.map(|error| error.variable),
            Some("LC_LEAD_DAYS".to_owned())
        );
    }
}
