//! The after-sales service's settings.

use chrono::NaiveDate;
use chrono_tz::Tz;
use orderflow_platform::config::{ConfigError, Env, ServiceConfig};

pub const SERVICE: &str = "aftersales";
pub const DEFAULT_PORT: u16 = 50058;

#[derive(Debug, Clone)]
pub struct AfterSalesConfig {
    pub service: ServiceConfig,
    pub business_time_zone: Tz,
    pub orders_url: String,
    pub finance_url: String,
    pub inventory_url: String,
    pub logistics_url: String,
    /// AFS-1: days after delivery during which goods may be returned.
    pub return_window_days: i64,
    /// SLA-7: working days to complete a paid, unshipped shop order's refund.
    pub shop_refund_working_days: u32,
    /// Non-working days besides weekends (SLA-7).
    pub holidays: Vec<NaiveDate>,
    /// Inventory's warehouse that restocked returns go back to.
    pub returns_warehouse: String,
    /// Inventory's overseas warehouse (AFS-8).
    pub overseas_warehouse: String,
    /// AFS-10: hours to answer a complaint.
    pub complaint_answer_hours: i64,
    /// AFS-2: hours before a customer asked for information is reminded.
    pub information_reminder_hours: i64,
    /// How often overdue refunds (SLA-7) are looked for.
    pub sweep_interval: std::time::Duration,
}

impl AfterSalesConfig {
    /// The shared variables plus `BUSINESS_TIME_ZONE` (Asia/Shanghai),
    /// `ORDERS_URL`, `FINANCE_URL`, `INVENTORY_URL`, `LOGISTICS_URL`,
    /// `RETURN_WINDOW_DAYS` (7), `SHOP_REFUND_WORKING_DAYS` (2),
    /// `HOLIDAYS` (comma-separated dates), `RETURNS_WAREHOUSE` (FG),
    /// `OVERSEAS_WAREHOUSE` (OVERSEAS), `COMPLAINT_ANSWER_HOURS` (24),
    /// `INFORMATION_REMINDER_HOURS` (48) and
    /// `AFTERSALES_SWEEP_INTERVAL_SECS` (60).
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let service = ServiceConfig::from_env(SERVICE, DEFAULT_PORT, env)?;
        let business_time_zone = env.business_time_zone()?;
        let return_window_days: i64 = env.parse_in("RETURN_WINDOW_DAYS", 7, 0..=365)?;
        let shop_refund_working_days: u32 = env.parse_in("SHOP_REFUND_WORKING_DAYS", 2, 1..=30)?;
        let holidays = env
            .string_or("HOLIDAYS", "")
            .split(',')
            .map(str::trim)
            .filter(|day| !day.is_empty())
            .map(|day| {
                NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| {
                    ConfigError::new("HOLIDAYS", format!("{day} is not a date YYYY-MM-DD"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let complaint_answer_hours: i64 = env.parse_in("COMPLAINT_ANSWER_HOURS", 24, 1..=720)?;
        let information_reminder_hours: i64 =
            env.parse_in("INFORMATION_REMINDER_HOURS", 48, 1..=720)?;
        let sweep_interval = env.interval_or(
            "AFTERSALES_SWEEP_INTERVAL_SECS",
            std::time::Duration::from_secs(60),
        )?;
        Ok(Self {
            service,
            business_time_zone,
            orders_url: env.url_or("ORDERS_URL", "http://127.0.0.1:50051")?,
            finance_url: env.url_or("FINANCE_URL", "http://127.0.0.1:50053")?,
            inventory_url: env.url_or("INVENTORY_URL", "http://127.0.0.1:50054")?,
            logistics_url: env.url_or("LOGISTICS_URL", "http://127.0.0.1:50057")?,
            return_window_days,
            shop_refund_working_days,
            holidays,
            returns_warehouse: env.string_or("RETURNS_WAREHOUSE", "FG"),
            overseas_warehouse: env.string_or("OVERSEAS_WAREHOUSE", "OVERSEAS"),
            complaint_answer_hours,
            information_reminder_hours,
            sweep_interval,
        })
    }
}
