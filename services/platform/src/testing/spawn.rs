//! The generic service spawner: any service of this repository in-process on
//! port 0 for a test, with a database and a NATS server of the test's own
//! and a settable clock. Each service's test support wraps one [`Spawned`]
//! and adds its typed clients.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{TestDatabase, TestNats, quiescent, service_env};
use crate::clock::{ManualClock, SharedClock};
use crate::config::Env;
use crate::service::{RunningService, Sweeps};
use crate::shutdown::Shutdown;

type Starting = Pin<Box<dyn Future<Output = anyhow::Result<RunningService>> + Send>>;

/// How to start one service: its environment in, a running service out.
pub type Starter = Arc<dyn Fn(Env, SharedClock, Shutdown) -> Starting + Send + Sync>;

/// The [`Starter`] of a service whose crate has `Config::from_env` and
/// `start(config, clock, shutdown)`, as all of them do:
/// `starter(FinanceConfig::from_env, orderflow_finance::start)`.
pub fn starter<C, E, Fut>(
    config: fn(&Env) -> Result<C, E>,
    start: fn(C, SharedClock, Shutdown) -> Fut,
) -> Starter
where
    C: Send + 'static,
    E: std::fmt::Display + 'static,
    Fut: Future<Output = anyhow::Result<RunningService>> + Send + 'static,
{
    Arc::new(move |env, clock, shutdown| {
        let config = config(&env).map_err(|error| anyhow::anyhow!("bad test config: {error}"));
        Box::pin(async move { start(config?, clock, shutdown).await })
    })
}

/// Declares a service's test app, `pub struct $name(Spawned)`, which reads
/// as the [`Spawned`] it wraps; the service's test support adds its typed
/// clients to it.
#[macro_export]
macro_rules! test_app {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        pub struct $name(pub $crate::testing::Spawned);

        impl ::std::ops::Deref for $name {
            type Target = $crate::testing::Spawned;
            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }

        impl ::std::ops::DerefMut for $name {
            fn deref_mut(&mut self) -> &mut Self::Target {
                &mut self.0
            }
        }
    };
}

/// A test's fixed instant, written as RFC 3339 (`"2027-01-11T01:00:00Z"`).
pub fn utc(at: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(at)
        .map(|at| at.to_utc())
        .unwrap_or_else(|error| panic!("{at} is not an RFC 3339 instant: {error}"))
}

/// A service under test and what it runs on.
pub struct Spawned {
    pub address: SocketAddr,
    pub database: Arc<TestDatabase>,
    pub nats: TestNats,
    pub clock: Arc<ManualClock>,
    pub shutdown: Shutdown,
    /// The environment the service was started with (the database and NATS
    /// addresses and whatever the test set).
    pub env: Env,
    running: Option<RunningService>,
    start: Starter,
}

impl Drop for Spawned {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

impl Spawned {
    /// Starts the service of `start` on a fresh database of `backend`, a
    /// NATS server of its own and a clock set to `now`, with the test
    /// environment ([`service_env`]) plus what `env` adds.
    pub async fn start(
        backend: super::Backend,
        now: DateTime<Utc>,
        env: impl FnOnce(Env) -> Env,
        start: Starter,
    ) -> Self {
        crate::telemetry::init_for_tests();
        let database = Arc::new(TestDatabase::create(backend).await);
        let nats = TestNats::start().await;
        let env = env(service_env(&database.url, &nats.url()));
        let clock = ManualClock::new(now);
        let shutdown = Shutdown::new();
        let running = start(env.clone(), clock.clone(), shutdown.clone())
            .await
            .unwrap_or_else(|error| panic!("cannot start the service: {error:#}"));
        subscribed(&running).await;
        Self {
            address: running.local_addr,
            database,
            nats,
            clock,
            shutdown,
            env,
            running: Some(running),
            start,
        }
    }

    /// The passes of the service's sweepers.
    pub fn sweeps(&self) -> &Sweeps {
        &self
            .running
            .as_ref()
            .unwrap_or_else(|| panic!("the service is not running"))
            .sweeps
    }

    /// Waits for two more passes of the sweepers (so one ran entirely after
    /// this call) and for what they announced to be published, ignoring the
    /// consumers named.
    pub async fn after_a_sweep(&self, ignoring: &[&str]) {
        self.sweeps()
            .more(2, Duration::from_secs(30))
            .await
            .unwrap_or_else(|| panic!("the sweeper did not run"));
        self.quiescent(ignoring).await;
    }

    /// Waits until the service has handled every event and published every
    /// row of its outbox, ignoring the consumers named (those that keep
    /// retrying a peer no test runs).
    pub async fn quiescent(&self, ignoring: &[&str]) {
        quiescent(&self.nats, &[&self.database], ignoring).await;
    }

    /// Another instance on the same database, NATS and clock, as a second
    /// replica: its address and its shutdown signal.
    pub async fn replica(&self) -> (SocketAddr, Shutdown) {
        let shutdown = Shutdown::new();
        let running = (self.start)(self.env.clone(), self.clock.clone(), shutdown.clone())
            .await
            .unwrap_or_else(|error| panic!("cannot start a replica: {error:#}"));
        subscribed(&running).await;
        (running.local_addr, shutdown)
    }

    /// Stops the service gracefully, waits until it has drained, and starts
    /// it again on the same database, NATS and clock (a new address).
    pub async fn restart(&mut self) {
        self.shutdown.trigger();
        if let Some(running) = self.running.take() {
            tokio::time::timeout(Duration::from_secs(15), running.wait())
                .await
                .unwrap_or_else(|_| panic!("the service did not stop in time"))
                .unwrap_or_else(|error| panic!("the service failed: {error:#}"));
        }
        self.shutdown = Shutdown::new();
        let running = (self.start)(self.env.clone(), self.clock.clone(), self.shutdown.clone())
            .await
            .unwrap_or_else(|error| panic!("cannot restart the service: {error:#}"));
        subscribed(&running).await;
        self.address = running.local_addr;
        self.running = Some(running);
    }
}

/// Waits until every consumer of a service just started is declared, so an
/// event the test publishes next is pending for it (not missed by a
/// [`quiescent`] that saw no consumer yet).
async fn subscribed(running: &RunningService) {
    if !running.declared.all(Duration::from_secs(30)).await {
        panic!("the service's consumers were not declared within 30 s");
    }
}
