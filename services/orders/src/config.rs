//! The orders service's settings: the shared ones plus business settings.

use std::time::Duration;

use chrono_tz::Tz;
use orderflow_platform::config::{ConfigError, Env, ServiceConfig};

pub const SERVICE: &str = "orders";
pub const DEFAULT_PORT: u16 = 50051;

#[derive(Debug, Clone)]
pub struct OrdersConfig {
    pub service: ServiceConfig,
    /// The time zone of business dates in order numbers (ORD-2).
    pub business_time_zone: Tz,
    /// SLA-1: how long after submission an order must be confirmed.
    pub confirmation_sla: chrono::Duration,
    /// How often overdue confirmations are looked for.
    pub sla_sweep_interval: Duration,
    /// How often waiting customer notifications are sent (ORD-17).
    pub notify_interval: Duration,
    /// Order numbers each instance reserves at a time (ORD-2).
    pub number_block_size: i64,
    /// Concurrent order-creation batches on PostgreSQL.
    pub order_writers: usize,
    /// Orders written together at most.
    pub order_write_batch: usize,
    /// The approvals service (`APPROVALS_URL`).
    pub approvals_url: String,
    /// The inventory service (`INVENTORY_URL`).
    pub inventory_url: String,
    /// ORD-10: orders a reviewer claims at once by default.
    pub claim_batch_size: u32,
    /// ORD-10: how long a claim lasts unless released.
    pub claim_ttl: chrono::Duration,
}

impl OrdersConfig {
    /// The shared variables (see [`ServiceConfig::from_env`]) plus
    /// `BUSINESS_TIME_ZONE` (default Asia/Shanghai),
    /// `ORDER_CONFIRMATION_SLA_MINUTES` (60), `SLA_SWEEP_INTERVAL_SECS` (30)
    /// `ORDER_NUMBER_BLOCK_SIZE` (1000), `ORDER_WRITERS` (3) and
    /// `ORDER_WRITE_BATCH` (32), `APPROVALS_URL` (http://127.0.0.1:50052),
    /// `INVENTORY_URL` (http://127.0.0.1:50054), `CLAIM_BATCH_SIZE` (100) and
    /// `CLAIM_TTL_MINUTES` (120), `NOTIFY_INTERVAL_SECS` (2).
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let service = ServiceConfig::from_env(SERVICE, DEFAULT_PORT, env)?;
        let business_time_zone = env.business_time_zone()?;
        let sla_minutes: i64 =
            env.parse_in("ORDER_CONFIRMATION_SLA_MINUTES", 60, 1..=7 * 24 * 60)?;
        let sla_sweep_interval =
            env.interval_or("SLA_SWEEP_INTERVAL_SECS", Duration::from_secs(30))?;
        let notify_interval = env.interval_or("NOTIFY_INTERVAL_SECS", Duration::from_secs(2))?;
        let number_block_size: i64 = env.parse_in("ORDER_NUMBER_BLOCK_SIZE", 1000, 1..=10_000)?;
        let order_writers: usize = env.parse_in("ORDER_WRITERS", 3, 1..=64)?;
        let order_write_batch: usize = env.parse_in("ORDER_WRITE_BATCH", 32, 1..=256)?;
        let claim_batch_size: u32 = env.parse_in("CLAIM_BATCH_SIZE", 100, 1..=1000)?;
        // At most a week.
        let claim_ttl_minutes: i64 = env.parse_in("CLAIM_TTL_MINUTES", 120, 1..=7 * 24 * 60)?;
        let approvals_url = env.url_or("APPROVALS_URL", "http://127.0.0.1:50052")?;
        let inventory_url = env.url_or("INVENTORY_URL", "http://127.0.0.1:50054")?;
        Ok(Self {
            service,
            approvals_url,
            inventory_url,
            order_writers,
            order_write_batch,
            business_time_zone,
            confirmation_sla: chrono::Duration::minutes(sla_minutes),
            sla_sweep_interval,
            notify_interval,
            number_block_size,
            claim_batch_size,
            claim_ttl: chrono::Duration::minutes(claim_ttl_minutes),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env {
        Env::from_pairs([(
            "ORDERFLOW_JWT_SECRET",
            "a-development-secret-of-some-length-0123",
        )])
    }

    #[test]
    fn business_settings_have_defaults_and_name_bad_variables() {
        let config = OrdersConfig::from_env(&env()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.business_time_zone, chrono_tz::Asia::Shanghai);
        assert_eq!(config.confirmation_sla, chrono::Duration::hours(1));
        assert_eq!(config.claim_batch_size, 100);
        assert_eq!(config.claim_ttl, chrono::Duration::hours(2));
        for (variable, value) in [("CLAIM_BATCH_SIZE", "0"), ("CLAIM_TTL_MINUTES", "soon")] {
            let bad = OrdersConfig::from_env(&env().with(variable, value)).err();
            assert_eq!(bad.map(|e| e.variable), Some(variable.to_owned()));
        }
        let bad = OrdersConfig::from_env(&env().with("BUSINESS_TIME_ZONE", "Mars/Olympus")).err();
        assert_eq!(
            bad.map(|e| e.variable),
            Some("BUSINESS_TIME_ZONE".to_owned())
        );
    }
}
