//! gRPC server bootstrap and the helpers every API layer uses.
//!
//! [`serve`] runs a service's routes with, around every call, the telemetry
//! layer (server span from `traceparent`, `x-trace-id` in the response) and
//! the auth layer; adds health (`grpc.health.v1`) and reflection (v1 and
//! v1alpha, health included); drains in-flight calls on shutdown.

pub mod convert;
pub mod paging;
pub mod status;

use crate::auth::{ClientInterceptor, ServiceIdentity};

use std::time::Duration;

use anyhow::Context as _;

use tokio::net::TcpListener;
use tonic::service::Routes;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use crate::auth::AuthLayer;
use crate::db::Database;
use crate::shutdown::Shutdown;
use crate::telemetry::GrpcTelemetryLayer;

/// Health and reflection, ready to be added to a service's routes.
pub struct StandardServices {
    pub health: HealthReporter,
    routes: Routes,
}

impl std::fmt::Debug for StandardServices {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("StandardServices")
            .finish_non_exhaustive()
    }
}

impl StandardServices {
    pub fn new() -> anyhow::Result<Self> {
        let (health, health_service) = tonic_health::server::health_reporter();
        let reflection_v1 = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(orderflow_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .build_v1()?;
        let reflection_v1alpha = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(orderflow_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .build_v1alpha()?;
        let routes = Routes::new(health_service)
            .add_service(reflection_v1)
            .add_service(reflection_v1alpha);
        Ok(Self { health, routes })
    }

    /// The health reporter, and the routes to which the service adds its own.
    pub fn into_parts(self) -> (HealthReporter, Routes) {
        (self.health, self.routes)
    }
}

/// Serves `routes` on `listener` until `shutdown` fires, then lets in-flight
/// calls finish (up to `grace`).
pub async fn serve(
    listener: TcpListener,
    routes: Routes,
    auth: AuthLayer,
    shutdown: Shutdown,
    grace: Duration,
    service: &'static str,
    tls: &crate::config::GrpcTls,
) -> anyhow::Result<()> {
    // No Nagle: small gRPC frames would otherwise wait for delayed ACKs.
    let incoming = tonic::transport::server::TcpIncoming::from(listener)
        .with_nodelay(Some(true))
        .with_keepalive(Some(Duration::from_secs(60)));
    let layers = tower::ServiceBuilder::new()
        .layer(GrpcTelemetryLayer::new(service))
        .layer(auth)
        // Innermost, so that the spans and metrics see the final code.
        .map_response(undecodable_is_invalid_argument)
        .into_inner();
    let mut builder = tonic::transport::Server::builder();
    if let Some((cert, key)) = &tls.identity {
        let mut config = tonic::transport::ServerTlsConfig::new()
            .identity(tonic::transport::Identity::from_pem(cert, key));
        if tls.require_client_certificate
            && let Some(ca) = &tls.ca
        {
            config = config.client_ca_root(tonic::transport::Certificate::from_pem(ca));
        }
        builder = builder
            .tls_config(config)
            .context("GRPC_TLS_CERT_FILE / GRPC_TLS_KEY_FILE")?;
    }
    let server = builder
        .layer(layers)
        .add_routes(routes)
        .serve_with_incoming_shutdown(incoming, {
            let shutdown = shutdown.clone();
            async move { shutdown.wait().await }
        });
    tokio::pin!(server);
    tokio::select! {
        result = &mut server => result?,
        () = async {
            shutdown.wait().await;
            tokio::time::sleep(grace).await;
        } => tracing::warn!("in-flight calls still running after the grace period; stopping"),
    }
    Ok(())
}

/// Serves `grpc.health.v1` alone on `listener`, in plaintext and without
/// auth, with the statuses `reporter` sets, until `shutdown` fires (issue
/// 17: `HEALTH_ADDR`, for probes that cannot speak the service port's TLS).
/// It tells whether the service is serving, nothing else.
pub async fn serve_health(
    listener: TcpListener,
    reporter: HealthReporter,
    shutdown: Shutdown,
) -> anyhow::Result<()> {
    let health = tonic_health::pb::health_server::HealthServer::new(
        tonic_health::server::HealthService::from_health_reporter(reporter),
    );
    tonic::transport::Server::builder()
        .add_service(health)
        .serve_with_incoming_shutdown(
            tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true)),
            async move { shutdown.wait().await },
        )
        .await?;
    Ok(())
}

/// D8 (issue 17): a request body that is not the RPC's protobuf message is
/// the caller's fault. tonic answers `INTERNAL` (the gRPC spec's choice for
/// parse errors); the services answer `INVALID_ARGUMENT`, keeping `INTERNAL`
/// for their own bugs. The answer is trailers-only, so the status is in the
/// response headers.
fn undecodable_is_invalid_argument<B>(mut response: http::Response<B>) -> http::Response<B> {
    let headers = response.headers_mut();
    let undecodable = headers
        .get("grpc-status")
        .is_some_and(|status| status == "13")
        && headers
            .get("grpc-message")
            .and_then(|message| message.to_str().ok())
            .is_some_and(|message| {
                message.starts_with("failed to decode Protobuf message")
                    || message.starts_with("failed%20to%20decode%20Protobuf%20message")
            });
    if undecodable {
        headers.insert("grpc-status", http::HeaderValue::from_static("3"));
    }
    response
}

/// Keeps health in step with the database and NATS: NOT_SERVING while either
/// is unreachable.
/// The health service name that reports the process alive, whatever its
/// dependencies do (for liveness probes).
pub const LIVENESS: &str = "liveness";

pub async fn watch_health(
    reporter: HealthReporter,
    service_names: Vec<String>,
    database: Database,
    nats: async_nats::Client,
    shutdown: Shutdown,
) {
    // Liveness (the Kubernetes liveness probe asks for it): the process
    // answers. Readiness is the overall status below, which follows the
    // database and NATS; a pod whose dependencies are down is taken out of
    // its Service but not restarted.
    reporter
        .set_service_status(LIVENESS, ServingStatus::Serving)
        .await;
    let mut last: Option<ServingStatus> = None;
    let mut served = false;
    loop {
        let database_ok = database.ping().await;
        let nats_ok = nats.connection_state() == async_nats::connection::State::Connected;
        let status = if shutdown.is_triggered() || !(database_ok && nats_ok) {
            ServingStatus::NotServing
        } else {
            ServingStatus::Serving
        };
        if last != Some(status) {
            if status == ServingStatus::NotServing
                && last == Some(ServingStatus::Serving)
                && !shutdown.is_triggered()
            {
                tracing::warn!(database_ok, nats_ok, "not serving");
            } else if status == ServingStatus::Serving {
                tracing::info!("serving");
            }
            reporter.set_service_status("", status).await;
            for name in &service_names {
                reporter.set_service_status(name, status).await;
            }
            last = Some(status);
        }
        if shutdown.is_triggered() {
            return;
        }
        // Until the first SERVING, look again soon: NATS reports the
        // connection a moment after connect returns, and a one-second wait
        // there made one service in each start-up take 1.1 s to serve.
        served |= last == Some(ServingStatus::Serving);
        let pause = if served {
            Duration::from_secs(1)
        } else {
            Duration::from_millis(20)
        };
        tokio::select! {
            _ = shutdown.wait() => {}
            _ = tokio::time::sleep(pause) => {}
        }
    }
}

/// A channel to a peer service that connects on first use (so services can
/// start in any order) and reconnects after failures.
/// An `https://` URL speaks TLS, trusting `GRPC_TLS_CA_FILE` and presenting
/// this service's certificate when it has one (mutual TLS).
pub fn peer_channel(
    variable: &str,
    url: &str,
    tls: &crate::config::GrpcTls,
) -> Result<tonic::transport::Channel, crate::config::ConfigError> {
    let error = |message: String| crate::config::ConfigError::new(variable, message);
    let mut endpoint = tonic::transport::Channel::from_shared(url.to_owned())
        .map_err(|cause| error(format!("not a URL: {cause}")))?
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(15))
        .tcp_nodelay(true);
    if url.starts_with("https://") {
        let ca = tls
            .ca
            .as_ref()
            .ok_or_else(|| error("an https:// peer needs GRPC_TLS_CA_FILE".to_owned()))?;
        let mut config = tonic::transport::ClientTlsConfig::new()
            .ca_certificate(tonic::transport::Certificate::from_pem(ca));
        if let Some((cert, key)) = &tls.identity {
            config = config.identity(tonic::transport::Identity::from_pem(cert, key));
        }
        endpoint = endpoint
            .tls_config(config)
            .map_err(|cause| error(format!("TLS: {cause}")))?;
    }
    Ok(endpoint.connect_lazy())
}

/// A peer's channel: a client span per call, with this service's identity,
/// the span's trace context and the order it is about on every call.
pub type PeerChannel = crate::telemetry::GrpcClientTelemetry<
    tonic::service::interceptor::InterceptedService<tonic::transport::Channel, ClientInterceptor>,
>;

pub fn with_identity(channel: tonic::transport::Channel, identity: ServiceIdentity) -> PeerChannel {
    let service = identity.subject().trim_start_matches("service:").to_owned();
    crate::telemetry::GrpcClientTelemetry::new(
        tonic::service::interceptor::InterceptedService::new(
            channel,
            ClientInterceptor::new(identity),
        ),
        &service,
    )
}
