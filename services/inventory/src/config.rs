//! The inventory service's settings: only the shared ones.

use orderflow_platform::config::{ConfigError, Env, ServiceConfig};

pub const SERVICE: &str = "inventory";
pub const DEFAULT_PORT: u16 = 50054;

#[derive(Debug, Clone)]
pub struct InventoryConfig {
    pub service: ServiceConfig,
}

impl InventoryConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            service: ServiceConfig::from_env(SERVICE, DEFAULT_PORT, env)?,
        })
    }
}
