//! Configuration from the environment, with working local defaults (12-factor),
//! validated at start-up with an error that names the variable.
//!
//! The environment is read through an [`Env`] map passed in, so tests build one
//! from pairs and never touch the process environment.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use secrecy::SecretString;

use crate::auth::AuthConfig;
use crate::telemetry::TelemetryConfig;

/// A snapshot of environment variables. An empty value counts as unset.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: HashMap<String, String>,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("invalid configuration: {variable}: {message}")]
pub struct ConfigError {
    pub variable: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(variable: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            variable: variable.into(),
            message: message.into(),
        }
    }
}

impl Env {
    pub fn from_process() -> Self {
        Self {
            vars: std::env::vars().collect(),
        }
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            vars: pairs
                .into_iter()
                .map(|(key, value)| (key.into(), value.into()))
                .collect(),
        }
    }

    /// A copy with `name` set to `value`.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.vars.insert(name.into(), value.into());
        self
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(|value| value.trim())
            .filter(|value| !value.is_empty())
    }

    pub fn string_or(&self, name: &str, default: &str) -> String {
        self.get(name).unwrap_or(default).to_owned()
    }

    /// Material given either as the variable `value_name` itself or in the
    /// file that `file_name` names (both at once is refused as ambiguous): its
    /// bytes and the variable they came from, for errors about them.
    pub fn value_or_file(
        &self,
        value_name: &'static str,
        file_name: &'static str,
    ) -> Result<Option<(Vec<u8>, &'static str)>, ConfigError> {
        match (self.get(value_name), self.get(file_name)) {
            (None, None) => Ok(None),
            (Some(_), Some(_)) => Err(ConfigError::new(
                value_name,
                format!("set either {value_name} or {file_name}, not both"),
            )),
            (Some(value), None) => Ok(Some((value.as_bytes().to_vec(), value_name))),
            (None, Some(path)) => std::fs::read(path)
                .map(|contents| Some((contents, file_name)))
                .map_err(|error| {
                    ConfigError::new(file_name, format!("cannot read {path}: {error}"))
                }),
        }
    }

    pub fn secret(&self, name: &str) -> Option<SecretString> {
        self.get(name)
            .map(|value| SecretString::from(value.to_owned()))
    }

    /// Parses `name`, or returns `default` when it is unset.
    pub fn parse_or<T>(&self, name: &str, default: T) -> Result<T, ConfigError>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        match self.get(name) {
            None => Ok(default),
            Some(raw) => raw
                .parse()
                .map_err(|error| ConfigError::new(name, format!("cannot parse {raw:?}: {error}"))),
        }
    }

    /// Parses `name` (or takes `default` when it is unset) and refuses a
    /// value outside `range`: "must be 1 to 64".
    pub fn parse_in<T>(
        &self,
        name: &str,
        default: T,
        range: std::ops::RangeInclusive<T>,
    ) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + std::fmt::Display,
        T::Err: std::fmt::Display,
    {
        let value = self.parse_or(name, default)?;
        if range.contains(&value) {
            Ok(value)
        } else {
            Err(ConfigError::new(
                name,
                format!("must be {} to {}", range.start(), range.end()),
            ))
        }
    }

    /// A duration given in whole seconds.
    pub fn seconds_or(&self, name: &str, default: Duration) -> Result<Duration, ConfigError> {
        let seconds: u64 = self.parse_or(name, default.as_secs())?;
        Ok(Duration::from_secs(seconds))
    }

    /// How often something runs, in whole seconds: at least one.
    pub fn interval_or(&self, name: &str, default: Duration) -> Result<Duration, ConfigError> {
        let interval = self.seconds_or(name, default)?;
        if interval.is_zero() {
            return Err(ConfigError::new(name, "must be at least 1"));
        }
        Ok(interval)
    }

    /// An `http://` or `https://` address, or `None` when unset.
    pub fn url(&self, name: &str) -> Result<Option<String>, ConfigError> {
        match self.get(name) {
            None => Ok(None),
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                Ok(Some(url.to_owned()))
            }
            Some(_) => Err(ConfigError::new(
                name,
                "expected an http:// or https:// URL",
            )),
        }
    }

    /// A peer's address ([`Self::url`]), or `default` when unset.
    pub fn url_or(&self, name: &str, default: &str) -> Result<String, ConfigError> {
        Ok(self.url(name)?.unwrap_or_else(|| default.to_owned()))
    }

    /// `BUSINESS_TIME_ZONE` (an IANA name, default Asia/Shanghai): business
    /// dates (order numbers, ledger days, notice days) are days there.
    pub fn business_time_zone(&self) -> Result<chrono_tz::Tz, ConfigError> {
        let zone = self.string_or("BUSINESS_TIME_ZONE", "Asia/Shanghai");
        zone.parse().map_err(|_| {
            ConfigError::new(
                "BUSINESS_TIME_ZONE",
                format!("{zone:?} is not an IANA time zone"),
            )
        })
    }

    pub fn bool_or(&self, name: &str, default: bool) -> Result<bool, ConfigError> {
        match self.get(name).map(str::to_ascii_lowercase).as_deref() {
            None => Ok(default),
            Some("1" | "true" | "yes" | "on") => Ok(true),
            Some("0" | "false" | "no" | "off") => Ok(false),
            Some(other) => Err(ConfigError::new(
                name,
                format!("expected true or false, got {other:?}"),
            )),
        }
    }
}

/// How durable consumers redeliver (architecture.md §4).
#[derive(Debug, Clone)]
pub struct ConsumerSettings {
    /// Deliveries before a failing message goes to the dead-letter stream.
    pub max_deliver: i64,
    /// How long a delivered message may stay unacknowledged.
    pub ack_wait: Duration,
    /// Redelivery delays after a failed attempt, the last one repeating.
    pub backoff: Vec<Duration>,
    /// How long an event ahead of its order (issue 17) waits for the order
    /// to catch up — the sum of its redelivery delays — before it is
    /// dead-lettered as stuck.
    pub max_wait: Duration,
    /// How many messages of one consumer are handled side by side, each
    /// order's in turn on its own lane (issue 18); 1 handles all in turn.
    pub lanes: usize,
}

impl Default for ConsumerSettings {
    fn default() -> Self {
        Self {
            max_deliver: 5,
            ack_wait: Duration::from_secs(30),
            backoff: vec![
                Duration::from_millis(200),
                Duration::from_secs(1),
                Duration::from_secs(5),
                Duration::from_secs(30),
            ],
            max_wait: Duration::from_secs(24 * 60 * 60),
            lanes: 4,
        }
    }
}

/// How a service proves itself to NATS and checks NATS' certificate
/// (production: per-service users, TLS with the cluster's CA).
#[derive(Debug, Clone, Default)]
pub struct NatsSecurity {
    /// `NATS_USER` (by default the service's name) and `NATS_PASSWORD` (or
    /// `NATS_PASSWORD_FILE`).
    pub user: Option<(String, SecretString)>,
    /// `NATS_CREDS_FILE`: a decentralised-auth credentials file (JWT + nkey).
    pub credentials_file: Option<std::path::PathBuf>,
    /// `NATS_CA_FILE`: the CA that signed the server's certificate; TLS is
    /// then required (as it is for a `tls://` URL, with the system's roots).
    pub ca_file: Option<std::path::PathBuf>,
    /// `NATS_CERT_FILE` and `NATS_KEY_FILE`: a client certificate (mTLS).
    pub client_certificate: Option<(std::path::PathBuf, std::path::PathBuf)>,
}

impl NatsSecurity {
    /// `default_user`: the user when a password is given without one.
    pub fn from_env(env: &Env, default_user: &str) -> Result<Self, ConfigError> {
        let file = |name: &'static str| -> Result<Option<std::path::PathBuf>, ConfigError> {
            env.get(name)
                .map(|path| {
                    let path = std::path::PathBuf::from(path);
                    if path.is_file() {
                        Ok(path)
                    } else {
                        Err(ConfigError::new(
                            name,
                            format!("no file {}", path.display()),
                        ))
                    }
                })
                .transpose()
        };
        let password = env
            .value_or_file("NATS_PASSWORD", "NATS_PASSWORD_FILE")?
            .map(|(bytes, name)| {
                String::from_utf8(bytes)
                    .map(|text| SecretString::from(text.trim().to_owned()))
                    .map_err(|_| ConfigError::new(name, "not UTF-8 text"))
            })
            .transpose()?;
        let user = match (env.get("NATS_USER").or(Some(default_user)), password) {
            (Some(user), Some(password)) if !user.is_empty() => Some((user.to_owned(), password)),
            (_, Some(_)) => {
                return Err(ConfigError::new(
                    "NATS_USER",
                    "a NATS password is set: name its user",
                ));
            }
            (user, None) if env.get("NATS_USER").is_some() => {
                return Err(ConfigError::new(
                    "NATS_PASSWORD",
                    format!(
                        "NATS_USER {} is set: set its password too",
                        user.unwrap_or_default()
                    ),
                ));
            }
            (_, None) => None,
        };
        let credentials_file = file("NATS_CREDS_FILE")?;
        if user.is_some() && credentials_file.is_some() {
            return Err(ConfigError::new(
                "NATS_CREDS_FILE",
                "set either NATS_USER/NATS_PASSWORD or NATS_CREDS_FILE, not both",
            ));
        }
        let client_certificate = match (file("NATS_CERT_FILE")?, file("NATS_KEY_FILE")?) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            (Some(_), None) => {
                return Err(ConfigError::new(
                    "NATS_KEY_FILE",
                    "the client certificate's key is missing",
                ));
            }
            (None, Some(_)) => {
                return Err(ConfigError::new(
                    "NATS_CERT_FILE",
                    "the key's certificate is missing",
                ));
            }
        };
        Ok(Self {
            user,
            credentials_file,
            ca_file: file("NATS_CA_FILE")?,
            client_certificate,
        })
    }
}

/// TLS for gRPC (issue 17): the certificate a service serves and presents
/// to its peers, and the CA it trusts for theirs.
#[derive(Debug, Clone, Default)]
pub struct GrpcTls {
    /// `GRPC_TLS_CERT_FILE` and `GRPC_TLS_KEY_FILE` (PEM): the listener
    /// speaks TLS with them, and peer calls present them (mutual TLS).
    pub identity: Option<(Vec<u8>, Vec<u8>)>,
    /// `GRPC_TLS_CA_FILE` (PEM): the CA of the peers' certificates, for
    /// `https://` peer URLs, and of the callers' when they must present one.
    pub ca: Option<Vec<u8>>,
    /// `GRPC_TLS_CLIENT_AUTH=required`: callers must present a certificate
    /// signed by that CA (mutual TLS between the services).
    pub require_client_certificate: bool,
}

impl GrpcTls {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let read = |name: &'static str| -> Result<Option<Vec<u8>>, ConfigError> {
            env.get(name)
                .map(|path| {
                    std::fs::read(path).map_err(|error| {
                        ConfigError::new(name, format!("cannot read {path}: {error}"))
                    })
                })
                .transpose()
        };
        let identity = match (read("GRPC_TLS_CERT_FILE")?, read("GRPC_TLS_KEY_FILE")?) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            (Some(_), None) => {
                return Err(ConfigError::new(
                    "GRPC_TLS_KEY_FILE",
                    "the certificate's key is missing",
                ));
            }
            (None, Some(_)) => {
                return Err(ConfigError::new(
                    "GRPC_TLS_CERT_FILE",
                    "the key's certificate is missing",
                ));
            }
        };
        let ca = read("GRPC_TLS_CA_FILE")?;
        let require_client_certificate = match env.get("GRPC_TLS_CLIENT_AUTH") {
            None | Some("none") => false,
            Some("required") => true,
            Some(other) => {
                return Err(ConfigError::new(
                    "GRPC_TLS_CLIENT_AUTH",
                    format!("expected none or required, got {other:?}"),
                ));
            }
        };
        if require_client_certificate && (ca.is_none() || identity.is_none()) {
            return Err(ConfigError::new(
                "GRPC_TLS_CLIENT_AUTH",
                "requiring client certificates needs GRPC_TLS_CERT_FILE, GRPC_TLS_KEY_FILE and GRPC_TLS_CA_FILE",
            ));
        }
        Ok(Self {
            identity,
            ca,
            require_client_certificate,
        })
    }
}

/// What every service reads.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// The service's name: `orders`, `approvals`, ...
    pub service: &'static str,
    pub grpc_addr: SocketAddr,
    pub grpc_tls: GrpcTls,
    /// `HEALTH_ADDR`: where `grpc.health.v1` alone is served in plaintext,
    /// without auth, besides the service's own port (issue 17). For probes
    /// that cannot speak TLS, such as the kubelet's, while `GRPC_ADDR`
    /// speaks TLS only. Unset: health is served on `GRPC_ADDR` only.
    pub health_addr: Option<SocketAddr>,
    pub database_url: String,
    pub database_max_connections: u32,
    pub nats_url: String,
    pub nats_security: NatsSecurity,
    /// JetStream stream replicas (1 locally, 3 on a NATS cluster).
    pub stream_replicas: usize,
    pub consumer: ConsumerSettings,
    pub auth: AuthConfig,
    pub telemetry: TelemetryConfig,
    /// How long shutdown waits for in-flight calls and handlers.
    pub shutdown_grace: Duration,
    /// Whether start-up applies pending migrations (`MIGRATE_ON_START`, on
    /// by default for local runs). Off in production: the `migrate` step
    /// (`orderflow-<service> migrate`) applies them before the pods start,
    /// and a pod whose schema is older than it needs refuses to start.
    pub migrate_on_start: bool,
    /// How long the inbox and request ids are kept ([`crate::db::retention`]).
    pub retention: crate::db::retention::Retention,
}

impl ServiceConfig {
    /// Reads `GRPC_ADDR`, `HEALTH_ADDR`, `DATABASE_URL`, `DATABASE_MAX_CONNECTIONS`,
    /// `NATS_URL` (and [`NatsSecurity`]'s), `NATS_STREAM_REPLICAS`, `CONSUMER_MAX_DELIVER`,
    /// `CONSUMER_ACK_WAIT_SECS`, `CONSUMER_MAX_WAIT_SECS`, `CONSUMER_LANES`, `SHUTDOWN_GRACE_SECS`, `MIGRATE_ON_START`, the `ORDERFLOW_JWT_*`
    /// variables, the telemetry variables and the retention's
    /// (`INBOX_RETENTION_HOURS`, `REQUEST_ID_RETENTION_HOURS`, `RETENTION_SWEEP_SECS`).
    pub fn from_env(
        service: &'static str,
        default_port: u16,
        env: &Env,
    ) -> Result<Self, ConfigError> {
        let grpc_addr = env.parse_or(
            "GRPC_ADDR",
            SocketAddr::from(([127, 0, 0, 1], default_port)),
        )?;
        let database_url = env.string_or(
            "DATABASE_URL",
            &format!("sqlite://data/{service}.db?mode=rwc"),
        );
        if !(database_url.starts_with("sqlite:") || database_url.starts_with("postgres")) {
            return Err(ConfigError::new(
                "DATABASE_URL",
                "expected a sqlite:// or postgres:// URL",
            ));
        }
        let database_max_connections = env.parse_or("DATABASE_MAX_CONNECTIONS", 16u32)?;
        if database_max_connections == 0 {
            return Err(ConfigError::new(
                "DATABASE_MAX_CONNECTIONS",
                "must be at least 1",
            ));
        }
        let nats_url = env.string_or("NATS_URL", "nats://127.0.0.1:4222");
        let stream_replicas = env.parse_in("NATS_STREAM_REPLICAS", 1usize, 1..=5)?;
        let defaults = ConsumerSettings::default();
        let consumer = ConsumerSettings {
            max_deliver: env.parse_or("CONSUMER_MAX_DELIVER", defaults.max_deliver)?,
            ack_wait: env.seconds_or("CONSUMER_ACK_WAIT_SECS", defaults.ack_wait)?,
            backoff: defaults.backoff,
            max_wait: env.seconds_or("CONSUMER_MAX_WAIT_SECS", defaults.max_wait)?,
            lanes: env.parse_in("CONSUMER_LANES", defaults.lanes, 1..=64)?,
        };
        if consumer.max_deliver < 1 {
            return Err(ConfigError::new(
                "CONSUMER_MAX_DELIVER",
                "must be at least 1",
            ));
        }
        let health_addr = match env.get("HEALTH_ADDR") {
            None => None,
            Some(_) => Some(env.parse_or("HEALTH_ADDR", grpc_addr)?),
        };
        let clashes = |health: SocketAddr| {
            health.port() != 0
                && health.port() == grpc_addr.port()
                && (health.ip() == grpc_addr.ip()
                    || health.ip().is_unspecified()
                    || grpc_addr.ip().is_unspecified())
        };
        if health_addr.is_some_and(clashes) {
            return Err(ConfigError::new(
                "HEALTH_ADDR",
                "must differ from GRPC_ADDR",
            ));
        }
        Ok(Self {
            service,
            grpc_addr,
            grpc_tls: GrpcTls::from_env(env)?,
            health_addr,
            database_url,
            database_max_connections,
            nats_url,
            nats_security: NatsSecurity::from_env(env, service)?,
            stream_replicas,
            consumer,
            auth: AuthConfig::from_env(env)?,
            telemetry: TelemetryConfig::from_env(service, env)?,
            shutdown_grace: env.seconds_or("SHUTDOWN_GRACE_SECS", Duration::from_secs(20))?,
            migrate_on_start: env.bool_or("MIGRATE_ON_START", true)?,
            retention: crate::db::retention::Retention::from_env(env)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Env {
        Env::from_pairs([(
            "ORDERFLOW_JWT_SECRET",
            "a-development-secret-of-some-length",
        )])
    }

    #[test]
    fn grpc_tls_variables_are_checked_and_an_https_peer_needs_a_ca() {
        let named = |env: Env| GrpcTls::from_env(&env).err().map(|error| error.to_string());
        let cert = std::env::current_exe()
            .unwrap_or_default()
            .display()
            .to_string();
        assert!(
            named(base().with("GRPC_TLS_CERT_FILE", &cert))
                .is_some_and(|error| error.contains("GRPC_TLS_KEY_FILE"))
        );
        assert!(
            named(base().with("GRPC_TLS_CLIENT_AUTH", "required"))
                .is_some_and(|error| error.contains("GRPC_TLS_CLIENT_AUTH"))
        );
        assert!(
            named(base().with("GRPC_TLS_CLIENT_AUTH", "sometimes"))
                .is_some_and(|error| error.contains("GRPC_TLS_CLIENT_AUTH"))
        );
        assert!(
            named(base().with("GRPC_TLS_CA_FILE", "/no/such/ca.pem"))
                .is_some_and(|error| error.contains("GRPC_TLS_CA_FILE"))
        );
        let plain = GrpcTls::from_env(&base()).unwrap_or_else(|e| panic!("{e}"));
        assert!(plain.identity.is_none() && !plain.require_client_certificate);
        let refused = crate::grpc::peer_channel("FINANCE_URL", "https://finance:50053", &plain)
            .err()
            .map(|error| error.to_string())
            .unwrap_or_default();
        assert!(
            refused.contains("FINANCE_URL") && refused.contains("GRPC_TLS_CA_FILE"),
            "{refused}"
        );
    }

    #[test]
    fn defaults_are_local() {
        let config =
            ServiceConfig::from_env("orders", 50051, &base()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.grpc_addr.port(), 50051);
        assert_eq!(config.database_url, "sqlite://data/orders.db?mode=rwc");
        assert_eq!(config.nats_url, "nats://127.0.0.1:4222");
    }

    #[test]
    fn a_bad_value_names_the_variable() {
        let env = base().with("GRPC_ADDR", "not-an-address");
        let error = ServiceConfig::from_env("orders", 50051, &env).err();
        assert_eq!(error.map(|e| e.variable), Some("GRPC_ADDR".to_owned()));

        let env = base().with("DATABASE_URL", "mysql://x");
        let error = ServiceConfig::from_env("orders", 50051, &env).err();
        assert_eq!(error.map(|e| e.variable), Some("DATABASE_URL".to_owned()));

        for health in ["nowhere", "127.0.0.1:50051", "0.0.0.0:50051"] {
            let env = base().with("HEALTH_ADDR", health);
            let error = ServiceConfig::from_env("orders", 50051, &env).err();
            assert_eq!(error.map(|e| e.variable), Some("HEALTH_ADDR".to_owned()));
        }
        let env = base().with("HEALTH_ADDR", "0.0.0.0:8081");
        let config =
            ServiceConfig::from_env("orders", 50051, &env).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.health_addr.map(|address| address.port()), Some(8081));
        let unset = ServiceConfig::from_env("orders", 50051, &base());
        assert_eq!(unset.map(|config| config.health_addr).ok(), Some(None));
    }

    #[test]
    fn empty_values_count_as_unset() {
        let env = base().with("NATS_URL", "  ");
        let config =
            ServiceConfig::from_env("orders", 50051, &env).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.nats_url, "nats://127.0.0.1:4222");
    }
}
