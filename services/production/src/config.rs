//! The production service's settings.

use chrono_tz::Tz;
use orderflow_platform::config::{ConfigError, Env, ServiceConfig};

use crate::domain::order::InspectionDays;

pub const SERVICE: &str = "production";
pub const DEFAULT_PORT: u16 = 50055;

#[derive(Debug, Clone)]
pub struct ProductionConfig {
    pub service: ServiceConfig,
    pub business_time_zone: Tz,
    /// The inventory service (`INVENTORY_URL`): materials available and
    /// issued (PRD-2, INV-8).
    pub inventory_url: String,
    /// SLA-3: a released order is scheduled within this many hours.
    pub schedule_sla_hours: i64,
    /// PRD-6: days before delivery each pre-shipment inspection is booked
    /// by.
    pub inspection_days: InspectionDays,
    /// How often unscheduled production orders past SLA-3 and unbooked
    /// inspections (PRD-6) are looked for.
    pub sweep_interval: std::time::Duration,
}

impl ProductionConfig {
    /// The shared variables plus `BUSINESS_TIME_ZONE` (Asia/Shanghai),
    /// `INVENTORY_URL` (http://127.0.0.1:50054), `SCHEDULE_SLA_HOURS` (4),
    /// `OWN_QC_INSPECTION_DAYS` (7), `CUSTOMER_INSPECTION_DAYS` (7),
    /// `THIRD_PARTY_INSPECTION_DAYS` (14) and
    /// `PRODUCTION_SWEEP_INTERVAL_SECS` (60).
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let service = ServiceConfig::from_env(SERVICE, DEFAULT_PORT, env)?;
        let business_time_zone = env.business_time_zone()?;
        let schedule_sla_hours: i64 = env.parse_in("SCHEDULE_SLA_HOURS", 4, 1..=168)?;
        let sweep_interval = env.interval_or(
            "PRODUCTION_SWEEP_INTERVAL_SECS",
            std::time::Duration::from_secs(60),
        )?;
        let days = |variable: &str, default: i64| env.parse_in(variable, default, 0..=120);
        Ok(Self {
            service,
            business_time_zone,
            inventory_url: env.url_or("INVENTORY_URL", "http://127.0.0.1:50054")?,
            schedule_sla_hours,
            inspection_days: InspectionDays {
                own_qc: days("OWN_QC_INSPECTION_DAYS", 7)?,
                customer: days("CUSTOMER_INSPECTION_DAYS", 7)?,
                third_party: days("THIRD_PARTY_INSPECTION_DAYS", 14)?,
            },
            sweep_interval,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sla_3_the_scheduling_target_is_configurable_and_checked() {
        let base = Env::from_pairs([(
            "ORDERFLOW_JWT_SECRET",
            "a-development-secret-of-some-length-0123",
        )]);
        let config = ProductionConfig::from_env(&base).ok();
        assert_eq!(config.map(|c| c.schedule_sla_hours), Some(4));
        let bad = ProductionConfig::from_env(&base.with("SCHEDULE_SLA_HOURS", "0")).err();
        assert_eq!(
            bad.map(|e| e.variable),
            Some("SCHEDULE_SLA_HOURS".to_owned())
        );
    }

    #[test]
    fn prd_6_the_inspection_days_are_configurable_and_checked() {
        let base = Env::from_pairs([(
            "ORDERFLOW_JWT_SECRET",
            "a-development-secret-of-some-length-0123",
        )]);
        let config =
            ProductionConfig::from_env(&base.clone().with("THIRD_PARTY_INSPECTION_DAYS", "21"))
                .ok();
        assert_eq!(
            config.map(|c| c.inspection_days),
            Some(InspectionDays {
                own_qc: 7,
                customer: 7,
                third_party: 21
            })
        );
        let bad = ProductionConfig::from_env(&base.with("OWN_QC_INSPECTION_DAYS", "-1")).err();
        assert_eq!(
            bad.map(|e| e.variable),
            Some("OWN_QC_INSPECTION_DAYS".to_owned())
        );
    }
}
