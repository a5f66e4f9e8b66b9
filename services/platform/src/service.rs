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

use crate::auth::{AuthLayer, RoleTable, Verifier};
use crate::bus::consumer::{Consumer, ConsumerSpec, EventHandler};
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
    background: JoinSet<()>,
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
        database.migrate::<M>(service).await?;
        let nats = crate::bus::connect(&config.nats_url, &format!("orderflow-{service}")).await?;
        let jetstream = crate::bus::jetstream(nats.clone());
        let outbox = OutboxSignal::default();
        let mut background = JoinSet::new();
        let relay = Relay::new(
            database.clone(),
            jetstream.clone(),
            outbox.clone(),
            crate::bus::stream_config(service, config.stream_replicas),
        );
        background.spawn(relay.run(shutdown.clone()));
        tracing::info!(service, database = %crate::db::redact(&config.database_url), nats = %config.nats_url, "service infrastructure ready");
        Ok(Self {
            config,
            database,
            nats,
            jetstream,
            outbox,
            clock,
            shutdown,
            background,
        })
    }

    /// Starts a durable consumer that runs until shutdown.
    pub fn spawn_consumer(&mut self, spec: ConsumerSpec, handler: Arc<dyn EventHandler>) {
        let consumer = Consumer::new(
            spec,
            self.jetstream.clone(),
            self.database.clone(),
            handler,
            self.clock.clone(),
            self.outbox.clone(),
        );
        self.background.spawn(consumer.run(self.shutdown.clone()));
    }

    /// Starts any other background task (sweepers) that ends on shutdown.
    pub fn spawn_task(&mut self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        self.background.spawn(task);
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
        let verifier = Arc::new(Verifier::from_config(&self.config.auth)?);
        let (health, base_routes) = StandardServices::new()?.into_parts();
        let routes = routes_of(base_routes);
        let Self {
            config,
            database,
            nats,
            shutdown,
            mut background,
            ..
        } = self;
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
            )
            .await;
            // The server stops only on shutdown or failure; either way the
            // background tasks must stop too.
            shutdown.trigger();
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
            if let Err(error) = nats.drain().await {
                tracing::debug!(%error, "NATS drain failed");
            }
            database.close().await;
            tracing::info!(service, "stopped");
            served
        });
        Ok(RunningService { local_addr, task })
    }
}

/// A service that is serving.
#[derive(Debug)]
pub struct RunningService {
    pub local_addr: SocketAddr,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl RunningService {
    /// Waits until the service has stopped (after its shutdown signal fired).
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await.context("service task panicked")?
    }
}
