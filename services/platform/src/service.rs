//! What starting a service means, in one place: connect the database and run
//! its migrations, connect NATS, start the outbox relay, start consumers,
//! serve gRPC with health and reflection, and on shutdown drain calls and
//! handlers before closing the pool.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use sea_orm_migration::MigratorTrait;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tonic::service::Routes;

use crate::auth::{AuthLayer, RoleTable, ServiceIdentity, Verifier};
use crate::bus::consumer::{Consumer, ConsumerSpec, EventHandler, Subscription};
use crate::bus::outbox::OutboxSignal;
use crate::bus::relay::Relay;
use crate::clock::SharedClock;
use crate::config::ServiceConfig;
use crate::db::Database;
use crate::grpc::StandardServices;
use crate::shutdown::Shutdown;

/// A service's shared infrastructure, between start-up and serving.
pub struct ServiceRuntime {
    pub config: ServiceConfig,
    pub database: Database,
    pub nats: async_nats::Client,
    pub jetstream: async_nats::jetstream::Context,
    pub outbox: OutboxSignal,
    pub clock: SharedClock,
    pub shutdown: Shutdown,
    sweeps: Sweeps,
    /// How many of the consumers have been declared on the broker.
    declared: Declared,
    /// Stops the consumers, sweepers and other tasks: after the gRPC server
    /// has let its calls finish (see [`ServiceRuntime::serve`]).
    tasks_stop: Shutdown,
    background: JoinSet<()>,
    /// Stops the relay, last of all, for its final pass.
    relay_stop: Shutdown,
    /// The relay alone (a set, so that dropping an unserved runtime stops it).
    relay: JoinSet<()>,
    /// The consumers started, for the service's NATS permissions.
    consumers: Vec<ConsumerSpec>,
    /// Who the service is when it calls its peers.
    identity: ServiceIdentity,
}

/// What one pass of a sweeper did, for its log line: counts of what it
/// flagged, quiet when all are zero.
pub trait Swept: std::fmt::Debug + Send {
    fn is_nothing(&self) -> bool;
}

impl Swept for usize {
    fn is_nothing(&self) -> bool {
        *self == 0
    }
}

impl<A: Swept, B: Swept> Swept for (A, B) {
    fn is_nothing(&self) -> bool {
        self.0.is_nothing() && self.1.is_nothing()
    }
}

impl<A: Swept, B: Swept, C: Swept> Swept for (A, B, C) {
    fn is_nothing(&self) -> bool {
        self.0.is_nothing() && self.1.is_nothing() && self.2.is_nothing()
    }
}

/// How many passes a service's periodic sweepers have completed: what a test
/// waits on instead of sleeping ("two more sweeps and it was still announced
/// only once").
#[derive(Debug, Clone)]
pub struct Sweeps(Arc<tokio::sync::watch::Sender<u64>>);

impl Default for Sweeps {
    fn default() -> Self {
        Self(Arc::new(tokio::sync::watch::Sender::new(0)))
    }
}

impl Sweeps {
    fn completed(&self) {
        self.0.send_modify(|passes| *passes += 1);
    }

    /// Passes completed so far, by all sweepers together.
    pub fn passes(&self) -> u64 {
        *self.0.borrow()
    }

    /// Waits until `count` more passes have completed (every sweeper of the
    /// service has then run at least once since the call when `count` is at
    /// least one more than the number of sweepers); `None` after `timeout`.
    pub async fn more(&self, count: u64, timeout: std::time::Duration) -> Option<u64> {
        let mut receiver = self.0.subscribe();
        let target = *receiver.borrow_and_update() + count;
        tokio::time::timeout(timeout, receiver.wait_for(|passes| *passes >= target))
            .await
            .ok()?
            .ok()
            .map(|passes| *passes)
    }
}

/// The service's consumers and how many of them are declared on the broker
/// (each is declared in the background after start-up): a test that
/// publishes an event right after starting a service waits for
/// [`Declared::all`] first, so that "nothing pending" means handled, not
/// "no consumer yet".
#[derive(Debug, Clone, Default)]
pub struct Declared {
    count: Arc<tokio::sync::watch::Sender<usize>>,
    /// The consumers started (set when the service starts serving).
    expected: usize,
}

impl Declared {
    pub(crate) fn one_more(&self) {
        self.count.send_modify(|count| *count += 1);
    }

    /// Waits until every consumer of the service has been declared once;
    /// `false` after `timeout`.
    pub async fn all(&self, timeout: std::time::Duration) -> bool {
        let mut receiver = self.count.subscribe();
        let expected = self.expected;
        tokio::time::timeout(timeout, receiver.wait_for(|count| *count >= expected))
            .await
            .is_ok_and(|waited| waited.is_ok())
    }
}

impl std::fmt::Debug for ServiceRuntime {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("ServiceRuntime")
            .field("service", &self.config.service)
            .finish_non_exhaustive()
    }
}

impl ServiceRuntime {
    /// Connects and migrates the database (`M` is the service's migrator),
    /// connects NATS and starts the relay for the service's own stream.
    pub async fn start<M: MigratorTrait>(
        config: ServiceConfig,
        clock: SharedClock,
        shutdown: Shutdown,
    ) -> anyhow::Result<Self> {
        let service = config.service;
        let database =
            Database::connect(&config.database_url, config.database_max_connections).await?;
        database
            .migrate::<M>(service, config.migrate_on_start)
            .await?;
        let nats = crate::bus::connect_secured(
            &config.nats_url,
            &crate::bus::client_name(service),
            &config.nats_security,
        )
        .await?;
        let jetstream = crate::bus::jetstream(nats.clone());
        let outbox = OutboxSignal::default();
        let relay = Relay::new(
            database.clone(),
            jetstream.clone(),
            outbox.clone(),
            crate::bus::stream_config(service, config.stream_replicas),
        );
        let relay_stop = Shutdown::new();
        let mut relay_task = JoinSet::new();
        relay_task.spawn(relay.run(relay_stop.clone()));
        let tasks_stop = Shutdown::new();
        let mut background = JoinSet::new();
        background.spawn(crate::db::retention::run(
            service,
            database.clone(),
            clock.clone(),
            config.retention,
            tasks_stop.clone(),
        ));
        tracing::info!(service, database = %crate::db::redact(&config.database_url), nats = %config.nats_url, "service infrastructure ready");
        let identity = ServiceIdentity::new(service, &config.auth);
        Ok(Self {
            identity,
            config,
            database,
            nats,
            jetstream,
            outbox,
            clock,
            shutdown,
            sweeps: Sweeps::default(),
            declared: Declared::default(),
            tasks_stop,
            background,
            relay_stop,
            relay: relay_task,
            consumers: Vec::new(),
        })
    }

    /// Starts a durable consumer that runs until shutdown.
    pub fn spawn_consumer(&mut self, spec: ConsumerSpec, handler: Arc<dyn EventHandler>) {
        self.consumers.push(spec.clone());
        let consumer = Consumer::new(
            spec,
            self.jetstream.clone(),
            self.database.clone(),
            handler,
            self.clock.clone(),
            self.outbox.clone(),
        )
        .of_service(self.config.service)
        .announcing(self.declared.clone());
        self.background.spawn(consumer.run(self.tasks_stop.clone()));
    }

    /// What the service's application layer stands on: the runtime's
    /// database, clock and outbox signal.
    pub fn base(&self) -> crate::base::AppBase {
        crate::base::AppBase::new(
            self.database.clone(),
            self.clock.clone(),
            self.outbox.clone(),
        )
    }

    /// Starts a durable consumer of the service's `subscription`, with the
    /// deployment's stream replicas and consumer settings.
    pub fn consume(&mut self, subscription: Subscription, handler: impl EventHandler) {
        self.consume_shared(subscription, Arc::new(handler));
    }

    /// [`Self::consume`] for a handler already shared.
    pub fn consume_shared(&mut self, subscription: Subscription, handler: Arc<dyn EventHandler>) {
        let spec = subscription.spec(self.config.stream_replicas, self.config.consumer.clone());
        self.spawn_consumer(spec, handler);
    }

    /// A channel to a peer service at `url` (from the variable `variable`),
    /// over the service's gRPC TLS settings, its calls carrying the
    /// service's own identity.
    pub fn peer(&self, variable: &str, url: &str) -> anyhow::Result<crate::grpc::PeerChannel> {
        let channel = crate::grpc::peer_channel(variable, url, &self.config.grpc_tls)?;
        Ok(crate::grpc::with_identity(channel, self.identity.clone()))
    }

    /// [`Self::spawn_sweeper`] for a pass that returns what it flagged:
    /// logged under `what` when it flagged anything, a failure as a warning.
    pub fn spawn_sweep<S, F, Fut, T, E>(
        &mut self,
        interval: std::time::Duration,
        what: &'static str,
        subject: S,
        pass: F,
    ) where
        S: Clone + Send + 'static,
        F: Fn(S) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<T, E>> + Send,
        T: Swept,
        E: std::fmt::Display + Send,
    {
        self.spawn_sweeper(interval, move || {
            let swept = pass(subject.clone());
            async move {
                match swept.await {
                    Ok(swept) if swept.is_nothing() => {}
                    Ok(swept) => tracing::info!(?swept, "{what}"),
                    Err(error) => tracing::warn!(%error, "{what}: the sweep failed"),
                }
            }
        });
    }

    /// Starts any other background task; it must end when the signal it is
    /// given fires (after the gRPC server has drained its calls).
    pub fn spawn_task<F, Fut>(&mut self, task: F)
    where
        F: FnOnce(Shutdown) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        self.background.spawn(task(self.tasks_stop.clone()));
    }

    /// Runs `pass` every `interval` until shutdown (the first after one
    /// interval), counting completed passes in [`RunningService::sweeps`].
    /// A pass reports its own failures; the next one runs regardless.
    pub fn spawn_sweeper<F, Fut>(&mut self, interval: std::time::Duration, pass: F)
    where
        F: Fn() -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send,
    {
        let shutdown = self.tasks_stop.clone();
        let sweeps = self.sweeps.clone();
        self.background.spawn(async move {
            loop {
                tokio::select! {
                    _ = shutdown.wait() => return,
                    _ = tokio::time::sleep(interval) => {}
                }
                pass().await;
                sweeps.completed();
            }
        });
    }

    /// [`Self::serve`] for a service that serves one gRPC service (every one
    /// but orders): its name comes from the generated server.
    pub async fn serve_one<S>(self, service: S, roles: RoleTable) -> anyhow::Result<RunningService>
    where
        S: tower::Service<http::Request<tonic::body::Body>, Error = std::convert::Infallible>
            + tonic::server::NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Response: axum::response::IntoResponse,
        S::Future: Send + 'static,
    {
        self.serve(
            |routes| routes.add_service(service),
            vec![S::NAME.to_owned()],
            roles,
        )
        .await
    }

    /// Binds the configured address and serves; see [`RunningService`].
    pub async fn serve(
        self,
        routes_of: impl FnOnce(Routes) -> Routes,
        service_names: Vec<String>,
        roles: RoleTable,
    ) -> anyhow::Result<RunningService> {
        let listener = TcpListener::bind(self.config.grpc_addr)
            .await
            .with_context(|| format!("cannot listen on GRPC_ADDR {}", self.config.grpc_addr))?;
        let local_addr = listener.local_addr()?;
        let health_listener = match self.config.health_addr {
            Some(address) => Some(
                TcpListener::bind(address)
                    .await
                    .with_context(|| format!("cannot listen on HEALTH_ADDR {address}"))?,
            ),
            None => None,
        };
        let health_addr = health_listener
            .as_ref()
            .map(TcpListener::local_addr)
            .transpose()?;
        let verifier = Arc::new(Verifier::from_config(&self.config.auth)?);
        let (health, base_routes) = StandardServices::new()?.into_parts();
        let routes = routes_of(base_routes);
        let Self {
            config,
            database,
            nats,
            shutdown,
            sweeps,
            mut declared,
            tasks_stop,
            mut background,
            relay_stop,
            mut relay,
            consumers,
            ..
        } = self;
        declared.expected = consumers.len();
        let nats_permissions =
            crate::bus::permissions::Permissions::of_service(config.service, &consumers);
        if let Some(listener) = health_listener {
            let (reporter, shutdown) = (health.clone(), shutdown.clone());
            tracing::info!(address = ?health_addr, "serving health in plaintext");
            background.spawn(async move {
                if let Err(error) = crate::grpc::serve_health(listener, reporter, shutdown).await {
                    tracing::error!(error = format!("{error:#}"), "health listener failed");
                }
            });
        }
        background.spawn(crate::grpc::watch_health(
            health,
            service_names,
            database.clone(),
            nats.clone(),
            shutdown.clone(),
        ));
        let auth = AuthLayer::new(verifier, roles);
        let service = config.service;
        tracing::info!(service, address = %local_addr, "serving gRPC");
        let task = tokio::spawn(async move {
            let served = crate::grpc::serve(
                listener,
                routes,
                auth,
                shutdown.clone(),
                config.shutdown_grace,
                service,
                &config.grpc_tls,
            )
            .await;
            // The drain, in order (issue 16): health said NOT_SERVING as
            // soon as the shutdown fired (readiness off; the pod's preStop
            // wait came before that); the server has stopped accepting and
            // let its calls finish. Now the consumers and sweepers stop, and
            // the relay last, so that its final pass publishes every event
            // the calls and handlers committed. Telemetry is flushed after
            // this returns.
            shutdown.trigger();
            tasks_stop.trigger();
            let drained = tokio::time::timeout(config.shutdown_grace, async {
                while background.join_next().await.is_some() {}
            })
            .await;
            if drained.is_err() {
                tracing::warn!(
                    service,
                    "background tasks still running after the grace period"
                );
                background.abort_all();
            }
            relay_stop.trigger();
            if tokio::time::timeout(config.shutdown_grace, relay.join_next())
                .await
                .is_err()
            {
                tracing::warn!(service, "the relay's final pass outlasted the grace period");
            }
            if let Err(error) = nats.drain().await {
                tracing::debug!(%error, "NATS drain failed");
            }
            database.close().await;
            tracing::info!(service, "stopped");
            served
        });
        Ok(RunningService {
            local_addr,
            health_addr,
            sweeps,
            declared,
            nats_permissions,
            task,
        })
    }
}

/// `orderflow-<service> migrate`: applies the service's pending migrations
/// and returns (the migration step of a deployment: a Kubernetes Job or init
/// container runs it before the new pods start, so pods never race over the
/// schema). A schema newer than the binary is left as it is.
pub async fn migrate_only<M: MigratorTrait>(config: &ServiceConfig) -> anyhow::Result<()> {
    let database = Database::connect(&config.database_url, 1).await?;
    let state = database.migrate::<M>(config.service, true).await?;
    tracing::info!(
        service = config.service,
        applied = ?state.pending,
        newer = ?state.unknown,
        "migration step done"
    );
    database.close().await;
    Ok(())
}

/// The whole `main` of a service binary after its config is read:
/// telemetry up; then `<binary> migrate` applies the schema and returns,
/// anything else runs the service (`run`) until SIGTERM or Ctrl-C; a
/// failure is logged before the spans are flushed.
pub async fn main<M, Fut>(
    service: ServiceConfig,
    start: impl FnOnce(SharedClock, crate::shutdown::Shutdown) -> Fut,
) -> anyhow::Result<()>
where
    M: MigratorTrait,
    Fut: std::future::Future<Output = anyhow::Result<RunningService>>,
{
    let telemetry = crate::telemetry::init(&service.telemetry)?;
    let result = if migrate_requested() {
        migrate_only::<M>(&service).await
    } else {
        let shutdown = crate::shutdown::Shutdown::new();
        shutdown.trigger_on_os_signal();
        match start(crate::clock::system(), shutdown).await {
            Ok(running) => running.wait().await,
            Err(error) => Err(error),
        }
    };
    if let Err(error) = &result {
        tracing::error!(
            service = service.service,
            error = %format!("{error:#}"),
            "service failed"
        );
    }
    telemetry.shutdown();
    result
}

/// A service binary, whole: `service_main!(orderflow_finance, FinanceConfig)`
/// reads `orderflow_finance::config::FinanceConfig` from the process
/// environment and runs [`main`] with the crate's `store::Migrator` and
/// `start`. The binary allocates with mimalloc: many small, short-lived
/// buffers per call (protobuf, SQL parameters, HTTP/2 frames), on which
/// glibc malloc spent a tenth of the CPU under load. The binary's crate
/// depends on `mimalloc`, `tokio` and `anyhow`.
#[macro_export]
macro_rules! service_main {
    ($service:ident, $config:ident) => {
        #[global_allocator]
        static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

        #[tokio::main]
        async fn main() -> anyhow::Result<()> {
            let config = $service::config::$config::from_env(&$crate::config::Env::from_process())?;
            $crate::service::main::<$service::store::Migrator, _>(
                config.service.clone(),
                |clock, shutdown| $service::start(config, clock, shutdown),
            )
            .await
        }
    };
}

/// Whether the process was started as `<binary> migrate`.
pub fn migrate_requested() -> bool {
    std::env::args().nth(1).as_deref() == Some("migrate")
}

/// A service that is serving.
#[derive(Debug)]
pub struct RunningService {
    pub local_addr: SocketAddr,
    /// Where health alone is served in plaintext (`HEALTH_ADDR`), if anywhere.
    pub health_addr: Option<SocketAddr>,
    /// The passes of the service's sweepers.
    pub sweeps: Sweeps,
    /// Its consumers declared on the broker so far.
    pub declared: Declared,
    /// What the service needs of NATS: its events and its consumers.
    pub nats_permissions: crate::bus::permissions::Permissions,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl RunningService {
    /// Waits until the service has stopped (after its shutdown signal fired).
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await.context("service task panicked")?
    }
}
