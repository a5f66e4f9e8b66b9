//! The cluster the fault suite runs and breaks: a NATS server of its own,
//! a fresh PostgreSQL database per service, and every service's release
//! binary as separate processes (several replicas each), all of which it
//! can stop, kill and start again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use orderflow_platform::db::Database;
use secrecy::{ExposeSecret as _, SecretString};
use tokio::process::{Child, Command};

/// The services, in the order they are started.
pub const SERVICES: [&str; 8] = [
    "orders",
    "approvals",
    "finance",
    "inventory",
    "production",
    "procurement",
    "logistics",
    "aftersales",
];

/// A nats-server with JetStream on a port and store of its own; stopping
/// and starting it again keeps the streams (the store directory stays).
pub struct Nats {
    binary: PathBuf,
    port: u16,
    store: PathBuf,
    process: Option<Child>,
}

impl Nats {
    pub async fn start(binary: PathBuf, work: &Path) -> anyhow::Result<Self> {
        let mut nats = Self {
            binary,
            port: free_port()?,
            store: work.join("nats"),
            process: None,
        };
        nats.resume().await?;
        Ok(nats)
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Stops the server at once (SIGKILL): the services lose it mid-flight.
    pub async fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill().await;
        }
    }

    /// Starts the server (again) on the same port and store.
    pub async fn resume(&mut self) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.store.with_extension("log"))?;
        let process = Command::new(&self.binary)
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-js",
                "-sd",
            ])
            .arg(&self.store)
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start {}", self.binary.display()))?;
        self.process = Some(process);
        let address = format!("127.0.0.1:{}", self.port);
        until(Duration::from_secs(20), "NATS to listen", || async {
            tokio::net::TcpStream::connect(&address).await.is_ok()
        })
        .await
    }
}

/// One process of one service.
struct Replica {
    port: u16,
    process: Option<Child>,
}

/// Every service's replicas on their own databases.
pub struct Services {
    binaries: PathBuf,
    work: PathBuf,
    admin: Database,
    admin_url: String,
    prefix: String,
    environment: Vec<(String, String)>,
    replicas: BTreeMap<&'static str, Vec<Replica>>,
}

impl Services {
    /// Creates each service's database, then starts its `replicas` one
    /// after another (the first one migrates), each SERVING before the
    /// next, each with at most `connections` to its database.
    pub async fn start(
        binaries: PathBuf,
        work: PathBuf,
        admin_url: &str,
        nats_url: &str,
        secret: &SecretString,
        (replicas, connections): (usize, u32),
    ) -> anyhow::Result<Self> {
        let admin = Database::connect(admin_url, 2)
            .await
            .with_context(|| format!("cannot reach PostgreSQL at {admin_url}"))?;
        let prefix = format!("chaos_{}", std::process::id());
        let mut ports = free_ports(SERVICES.len() * replicas)?.into_iter();
        let mut layout = BTreeMap::new();
        for service in SERVICES {
            let replicas: Vec<Replica> = ports
                .by_ref()
                .take(replicas)
                .map(|port| Replica {
                    port,
                    process: None,
                })
                .collect();
            layout.insert(service, replicas);
        }
        let mut environment = vec![
            ("NATS_URL".to_owned(), nats_url.to_owned()),
            (
                "ORDERFLOW_JWT_SECRET".to_owned(),
                secret.expose_secret().to_owned(),
            ),
            ("RUST_LOG".to_owned(), "warn".to_owned()),
            ("SHUTDOWN_GRACE_SECS".to_owned(), "5".to_owned()),
            (
                "DATABASE_MAX_CONNECTIONS".to_owned(),
                connections.to_string(),
            ),
        ];
        for (service, replicas) in &layout {
            environment.push((
                format!("{}_URL", service.to_uppercase()),
                format!("http://127.0.0.1:{}", replicas[0].port),
            ));
        }
        let mut services = Self {
            binaries,
            work,
            admin,
            admin_url: admin_url.to_owned(),
            prefix,
            environment,
            replicas: layout,
        };
        for service in SERVICES {
            let database = services.database_name(service);
            services
                .admin
                .execute_unprepared(&format!("CREATE DATABASE {database}"))
                .await
                .with_context(|| format!("cannot create database {database}"))?;
            for replica in 0..replicas {
                services.launch(service, replica).await?;
            }
        }
        Ok(services)
    }

    fn database_name(&self, service: &str) -> String {
        format!("{}_{service}", self.prefix)
    }

    /// The URL of `service`'s database.
    pub fn database_url(&self, service: &str) -> String {
        orderflow_platform::db::with_database_name(&self.admin_url, &self.database_name(service))
    }

    /// The gRPC addresses of `service`'s replicas.
    pub fn urls(&self, service: &str) -> Vec<String> {
        self.replicas[service]
            .iter()
            .map(|replica| format!("http://127.0.0.1:{}", replica.port))
            .collect()
    }

    pub fn replica_count(&self) -> usize {
        self.replicas.values().next().map_or(0, Vec::len)
    }

    /// Starts replica `index` of `service` and waits until it is SERVING.
    pub async fn launch(&mut self, service: &'static str, index: usize) -> anyhow::Result<()> {
        let binary = self.binaries.join(format!("orderflow-{service}"));
        anyhow::ensure!(
            binary.exists(),
            "{} is missing: build the services first (cargo build --bins)",
            binary.display()
        );
        let log_path = self.work.join(format!("{service}-{index}.log"));
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)?;
        let port = self.replicas[service][index].port;
        let process = Command::new(&binary)
            .envs(
                self.environment
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str())),
            )
            .env("DATABASE_URL", self.database_url(service))
            .env("GRPC_ADDR", format!("127.0.0.1:{port}"))
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        self.replicas.get_mut(service).context("no such service")?[index].process = Some(process);
        let url = format!("http://127.0.0.1:{port}");
        until(
            Duration::from_secs(120),
            &format!(
                "{service} replica {index} to serve (log: {})",
                log_path.display()
            ),
            || crate::health::serving(&url),
        )
        .await
    }

    /// `kill -9` of replica `index` of `service`.
    pub async fn kill(&mut self, service: &'static str, index: usize) {
        if let Some(replicas) = self.replicas.get_mut(service)
            && let Some(mut process) = replicas[index].process.take()
        {
            let _ = process.kill().await;
        }
    }

    /// Terminates every connection to the services' databases and refuses
    /// new ones until [`Services::admit`].
    pub async fn refuse(&self) -> anyhow::Result<()> {
        for service in SERVICES {
            let database = self.database_name(service);
            self.admin
                .execute_unprepared(&format!(
                    "ALTER DATABASE {database} ALLOW_CONNECTIONS false"
                ))
                .await?;
            self.admin
                .execute_unprepared(&format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = '{database}' AND pid <> pg_backend_pid()"
                ))
                .await?;
        }
        Ok(())
    }

    pub async fn admit(&self) -> anyhow::Result<()> {
        for service in SERVICES {
            self.admin
                .execute_unprepared(&format!(
                    "ALTER DATABASE {} ALLOW_CONNECTIONS true",
                    self.database_name(service)
                ))
                .await?;
        }
        Ok(())
    }

    /// Stops every process and drops the databases.
    pub async fn remove(mut self) {
        for replicas in self.replicas.values_mut() {
            for replica in replicas {
                if let Some(mut process) = replica.process.take() {
                    let _ = process.kill().await;
                }
            }
        }
        let _ = self.admit().await;
        for service in SERVICES {
            let _ = self
                .admin
                .execute_unprepared(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.database_name(service)
                ))
                .await;
        }
    }
}

/// A port nothing listens on now.
fn free_port() -> anyhow::Result<u16> {
    Ok(free_ports(1)?[0])
}

/// `count` different ports nothing listens on now, below Linux's
/// ephemeral range (32768 up), so that no outgoing connection takes one
/// while its service is down between a kill and its restart. All are held
/// open until each is known, so that none is handed out twice.
fn free_ports(count: usize) -> anyhow::Result<Vec<u16>> {
    let start = 20_000 + u16::try_from(std::process::id() % 10_000).unwrap_or(0);
    let mut listeners = Vec::with_capacity(count);
    for port in (start..32_000).chain(20_000..start) {
        if listeners.len() == count {
            break;
        }
        if let Ok(listener) = std::net::TcpListener::bind(("127.0.0.1", port)) {
            listeners.push(listener);
        }
    }
    anyhow::ensure!(
        listeners.len() == count,
        "not {count} free ports below 32000"
    );
    listeners
        .iter()
        .map(|listener| Ok(listener.local_addr()?.port()))
        .collect()
}

/// Polls `done` every 50 ms until it holds, for at most `limit`.
pub async fn until<F, Fut>(limit: Duration, what: &str, mut done: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !done().await {
        anyhow::ensure!(
            Instant::now() < deadline,
            "waited {limit:?} for {what} in vain"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}
