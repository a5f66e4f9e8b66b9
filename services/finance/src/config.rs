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
    /// FIN-10: days a commercial invoice is due after issue by default.
    pub receivable_term_days: i64,
    /// FIN-6 / SLA-5: days before the expected date the balance reminder
    /// goes out.
    pub balance_reminder_days: i64,
    /// How often overdue receivables and open balances are looked for.
    pub sweep_interval: std::time::Duration,
    /// ORD-20: the lowest margin of a standard order finance confirms, in
    /// basis points (`MINIMUM_MARGIN_BASIS_POINTS`, default 0: any profit).
    pub minimum_margin_basis_points: i64,
}

impl FinanceConfig {
    /// The shared variables (see [`ServiceConfig::from_env`]) plus
    /// `BUSINESS_TIME_ZONE` (default Asia/Shanghai), `LC_LEAD_DAYS` (30),
    /// `APPROVALS_URL` (http://127.0.0.1:50052), `RECEIVABLE_TERM_DAYS` (30),
    /// `BALANCE_REMINDER_DAYS` (3), `FINANCE_SWEEP_INTERVAL_SECS` (60) and
    /// `MINIMUM_MARGIN_BASIS_POINTS` (0).
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let service = ServiceConfig::from_env(SERVICE, DEFAULT_PORT, env)?;
        let business_time_zone = env.business_time_zone()?;
        let lc_lead_days: i64 = env.parse_in("LC_LEAD_DAYS", 30, 0..=365)?;
        let receivable_term_days: i64 = env.parse_in("RECEIVABLE_TERM_DAYS", 30, 0..=365)?;
        let balance_reminder_days: i64 = env.parse_in("BALANCE_REMINDER_DAYS", 3, 0..=60)?;
        let sweep_interval = env.interval_or(
            "FINANCE_SWEEP_INTERVAL_SECS",
            std::time::Duration::from_secs(60),
        )?;
        // Hundredths of a percent.
        let minimum_margin_basis_points: i64 =
            env.parse_in("MINIMUM_MARGIN_BASIS_POINTS", 0, 0..=9_999)?;
        Ok(Self {
            service,
            business_time_zone,
            lc_lead_days,
            approvals_url: env.url_or("APPROVALS_URL", "http://127.0.0.1:50052")?,
            receivable_term_days,
            balance_reminder_days,
            sweep_interval,
            minimum_margin_basis_points,
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
