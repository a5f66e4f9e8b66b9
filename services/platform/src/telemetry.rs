//! Logs and traces.
//!
//! - A `tracing` subscriber: human-readable logs locally, JSON when
//!   `LOG_FORMAT=json`; filter from `RUST_LOG` (default `info`).
//! - OpenTelemetry: a tracer provider is always installed so that every span
//!   has a trace id and W3C trace context propagates even without a backend;
//!   spans are exported over OTLP/gRPC when `OTEL_EXPORTER_OTLP_ENDPOINT` is set,
//!   and so are the [`crate::metrics`] unless `OTEL_METRICS_EXPORTER=none`.
//! - Propagation helpers for gRPC metadata ([`GrpcTelemetryLayer`],
//!   [`inject_into_metadata`]) and NATS headers ([`inject_into_nats`],
//!   [`extract_from_nats`]); the outbox stores [`current_context_headers`].

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};

use opentelemetry::Context;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::{ConfigError, Env};

mod by_service;
mod order;

pub use by_service::SERVICE_ATTRIBUTE;

/// Every Orderflow service, for a process that hosts them all
/// ([`TelemetryConfig::hosted`]).
pub const ALL_SERVICES: [&str; 8] = [
    "orders",
    "approvals",
    "finance",
    "inventory",
    "logistics",
    "production",
    "procurement",
    "aftersales",
];

pub use order::{
    ORDER_ID_HEADER, ORDER_NUMBER_HEADER, OrderTag, current_order, tag_order, tag_span,
};

const DEFAULT_TRACE_FILTER: &str =
    "info,h2=off,tower=off,hyper=off,sqlx=off,sea_orm=off,async_nats=off";

/// The response header that carries the trace id of every gRPC call.
pub const TRACE_ID_HEADER: &str = "x-trace-id";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct TelemetryConfig {
    /// `service.name` of the exported spans.
    pub service_name: String,
    pub otlp_endpoint: Option<String>,
    pub log_format: LogFormat,
    pub log_filter: String,
    /// Which spans become OpenTelemetry spans (`OTEL_TRACES_FILTER`).
    pub trace_filter: String,
    /// Whether metrics go to the OTLP endpoint too (`OTEL_METRICS_EXPORTER`:
    /// `otlp`, the default, or `none` for a backend that takes only traces).
    pub export_metrics: bool,
    /// How often metrics are exported (`OTEL_METRIC_EXPORT_INTERVAL`, ms).
    pub metric_export_interval: Duration,
    /// Where the log lines go instead of standard output (appended, no
    /// colours): `orderflow up` keeps them out of its story this way.
    pub log_file: Option<std::path::PathBuf>,
    /// The services this process hosts beside each other (`orderflow up`):
    /// each one's spans are exported as `service.name=orderflow-<service>`,
    /// not under `service_name`. Empty for a service's own binary.
    pub hosted: Vec<String>,
}

impl TelemetryConfig {
    /// Reads `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_SERVICE_NAME`,
    /// `OTEL_METRICS_EXPORTER`, `OTEL_METRIC_EXPORT_INTERVAL`, `LOG_FORMAT`
    /// (`text` or `json`) and `RUST_LOG`.
    pub fn from_env(service: &str, env: &Env) -> Result<Self, ConfigError> {
        let log_format = match env.string_or("LOG_FORMAT", "text").as_str() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(ConfigError::new(
                    "LOG_FORMAT",
                    format!("expected text or json, got {other:?}"),
                ));
            }
        };
        let otlp_endpoint = env.url("OTEL_EXPORTER_OTLP_ENDPOINT")?;
        let export_metrics = match env.string_or("OTEL_METRICS_EXPORTER", "otlp").as_str() {
            "otlp" => true,
            "none" => false,
            other => {
                return Err(ConfigError::new(
                    "OTEL_METRICS_EXPORTER",
                    format!("expected otlp or none, got {other:?}"),
                ));
            }
        };
        let interval_ms = env.parse_or("OTEL_METRIC_EXPORT_INTERVAL", 60_000_u64)?;
        if interval_ms == 0 {
            return Err(ConfigError::new(
                "OTEL_METRIC_EXPORT_INTERVAL",
                "expected a number of milliseconds above zero",
            ));
        }
        Ok(Self {
            export_metrics,
            metric_export_interval: Duration::from_millis(interval_ms),
            service_name: env.string_or("OTEL_SERVICE_NAME", &format!("orderflow-{service}")),
            otlp_endpoint,
            log_format,
            log_filter: env.string_or("RUST_LOG", "info,sqlx=warn,sea_orm=warn,async_nats=warn"),
            trace_filter: env.string_or("OTEL_TRACES_FILTER", DEFAULT_TRACE_FILTER),
            log_file: None,
            hosted: Vec::new(),
        })
    }
}

/// Flushes and shuts down trace and metric export when the service stops.
#[derive(Debug)]
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
    meter_provider: Option<SdkMeterProvider>,
}

impl TelemetryGuard {
    pub fn shutdown(mut self) {
        self.flush_and_stop();
    }

    fn flush_and_stop(&mut self) {
        if let Some(provider) = self.provider.take() {
            if let Err(error) = provider.force_flush() {
                eprintln!("trace flush failed: {error}");
            }
            if let Err(error) = provider.shutdown() {
                eprintln!("trace exporter shutdown failed: {error}");
            }
        }
        if let Some(meter_provider) = self.meter_provider.take() {
            // Shutting down exports what was recorded since the last export.
            if let Err(error) = meter_provider.shutdown() {
                eprintln!("metric exporter shutdown failed: {error}");
            }
        }
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        self.flush_and_stop();
    }
}

/// Installs the global subscriber, tracer provider and W3C propagator.
///
/// Only the first call in a process installs anything (several services may
/// run in one process under `orderflow up` or in tests); later calls return a
/// guard that does nothing.
pub fn init(config: &TelemetryConfig) -> anyhow::Result<TelemetryGuard> {
    init_with(config, false)
}

fn init_with(config: &TelemetryConfig, test_writer: bool) -> anyhow::Result<TelemetryGuard> {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    if INSTALLED.set(()).is_err() {
        return Ok(TelemetryGuard {
            provider: None,
            meter_provider: None,
        });
    }
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());

    let resource = Resource::builder()
        .with_service_name(config.service_name.clone())
        .build();
    let mut builder = SdkTracerProvider::builder().with_resource(resource.clone());
    let mut meter_provider = None;
    if let Some(endpoint) = &config.otlp_endpoint {
        use opentelemetry_otlp::WithExportConfig;
        let exporter = || {
            opentelemetry_otlp::SpanExporter::builder()
                .with_tonic()
                .with_endpoint(endpoint.clone())
                .build()
                .map_err(anyhow::Error::from)
        };
        let own = opentelemetry_sdk::trace::BatchSpanProcessor::builder(exporter()?).build();
        builder = if config.hosted.is_empty() {
            builder.with_span_processor(own)
        } else {
            builder.with_span_processor(by_service::ByService::new(own, &config.hosted, exporter)?)
        };
        if config.export_metrics {
            let exporter = opentelemetry_otlp::MetricExporter::builder()
                .with_tonic()
                .with_endpoint(endpoint.clone())
                .build()?;
            let reader = PeriodicReader::builder(exporter)
                .with_interval(config.metric_export_interval)
                .build();
            let provider = SdkMeterProvider::builder()
                .with_resource(resource)
                .with_reader(reader)
                .build();
            opentelemetry::global::set_meter_provider(provider.clone());
            meter_provider = Some(provider);
        }
    }
    let provider = builder.build();
    opentelemetry::global::set_tracer_provider(provider.clone());
    let tracer = provider.tracer("orderflow");

    let filter = EnvFilter::try_new(&config.log_filter)
        .map_err(|error| anyhow::anyhow!("RUST_LOG: {error}"))?;
    let log_file = config
        .log_file
        .as_deref()
        .map(|path| -> anyhow::Result<std::sync::Mutex<std::fs::File>> {
            if let Some(directory) = path.parent() {
                std::fs::create_dir_all(directory)?;
            }
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|error| anyhow::anyhow!("log file {}: {error}", path.display()))?;
            Ok(std::sync::Mutex::new(file))
        })
        .transpose()?;
    let fmt_layer = match (config.log_format, log_file) {
        (LogFormat::Text, _) if test_writer => {
            tracing_subscriber::fmt::layer().with_test_writer().boxed()
        }
        (LogFormat::Text, Some(file)) => tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(file)
            .boxed(),
        (LogFormat::Text, None) => tracing_subscriber::fmt::layer().with_target(true).boxed(),
        (LogFormat::Json, file) => {
            let mut layer = json_subscriber::fmt::layer()
                .with_current_span(true)
                .with_span_list(true);
            let inner = layer.inner_layer_mut();
            inner.add_dynamic_field("trace_id", |event, context| {
                log_line_ids(context.event_span(event)?.id()).map(|(trace, _)| trace)
            });
            inner.add_dynamic_field("span_id", |event, context| {
                log_line_ids(context.event_span(event)?.id()).map(|(_, span)| span)
            });
            match file {
                Some(file) => layer.with_writer(file).boxed(),
                None => layer.boxed(),
            }
        }
    };
    // Logs follow RUST_LOG; traces always record the info-level spans, so a
    // quiet log level never breaks trace propagation.
    let trace_filter = EnvFilter::try_new(&config.trace_filter)
        .map_err(|error| anyhow::anyhow!("OTEL_TRACES_FILTER: {error}"))?;
    tracing_subscriber::registry()
        .with(fmt_layer.with_filter(filter))
        .with(
            tracing_opentelemetry::layer()
                .with_tracer(tracer)
                .with_filter(trace_filter),
        )
        .try_init()?;
    Ok(TelemetryGuard {
        provider: Some(provider),
        meter_provider,
    })
}

/// The trace and span id of the span a log line is written in, put at the
/// top level of each JSON line so that a log search joins the trace.
fn log_line_ids(span: tracing::span::Id) -> Option<(String, String)> {
    let context = tracing::dispatcher::get_default(|dispatch| {
        tracing_opentelemetry::get_otel_context(&span, dispatch)
    })?;
    let span_context = context.span().span_context().clone();
    span_context.is_valid().then(|| {
        (
            span_context.trace_id().to_string(),
            span_context.span_id().to_string(),
        )
    })
}

/// Telemetry for tests: spans get trace ids, logs go to the test's output at
/// `RUST_LOG` (default `warn`). Safe to call from every test.
pub fn init_for_tests() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let config = TelemetryConfig {
            service_name: "orderflow-tests".to_owned(),
            otlp_endpoint: None,
            log_format: LogFormat::Text,
            log_filter: std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".to_owned()),
            trace_filter: DEFAULT_TRACE_FILTER.to_owned(),
            export_metrics: false,
            metric_export_interval: Duration::from_secs(60),
            log_file: None,
            hosted: Vec::new(),
        };
        // The guard would flush an exporter; tests have none.
        if let Ok(guard) = init_with(&config, true) {
            std::mem::forget(guard);
        }
    });
}

/// The trace id of the current span, as 32 lowercase hex digits.
pub fn current_trace_id() -> Option<String> {
    trace_id_of(&tracing::Span::current())
}

pub fn trace_id_of(span: &tracing::Span) -> Option<String> {
    let context = span.context();
    let span_context = context.span().span_context().clone();
    span_context
        .is_valid()
        .then(|| span_context.trace_id().to_string())
}

/// The W3C trace context of the current span (`traceparent`, `tracestate`)
/// and the order it is about ([`OrderTag`]), to be stored with an outbox row
/// and sent as message headers.
pub fn current_context_headers() -> HashMap<String, String> {
    let mut headers = HashMap::new();
    let context = tracing::Span::current().context();
    TraceContextPropagator::new().inject_context(&context, &mut headers);
    if let Some(order) = current_order() {
        for (name, value) in order.headers() {
            headers.insert(name.to_owned(), value.to_owned());
        }
    }
    headers
}

/// The trace id in stored `traceparent` / `tracestate` pairs.
pub fn trace_id_in(headers: &HashMap<String, String>) -> Option<String> {
    let context = context_from_headers(headers);
    let span_context = context.span().span_context().clone();
    span_context
        .is_valid()
        .then(|| span_context.trace_id().to_string())
}

/// A context from stored `traceparent` / `tracestate` pairs.
pub fn context_from_headers(headers: &HashMap<String, String>) -> Context {
    TraceContextPropagator::new().extract(headers)
}

struct NatsHeaders<'a>(&'a async_nats::HeaderMap);

impl Extractor for NatsHeaders<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(|value| value.as_str())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.iter().map(|(name, _)| name.as_ref()).collect()
    }
}

/// The trace context a NATS message carries.
pub fn extract_from_nats(headers: Option<&async_nats::HeaderMap>) -> Context {
    match headers {
        Some(headers) => TraceContextPropagator::new().extract(&NatsHeaders(headers)),
        None => Context::new(),
    }
}

/// Adds the current span's trace context to NATS headers.
pub fn inject_into_nats(headers: &mut async_nats::HeaderMap) {
    for (name, value) in current_context_headers() {
        headers.insert(name.as_str(), value.as_str());
    }
}

struct HttpHeaders<'a>(&'a http::HeaderMap);

impl Extractor for HttpHeaders<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

struct MetadataInjector<'a>(&'a mut tonic::metadata::MetadataMap);

impl Injector for MetadataInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(key), Ok(value)) = (
            tonic::metadata::MetadataKey::from_bytes(key.as_bytes()),
            tonic::metadata::MetadataValue::try_from(value.as_str()),
        ) {
            self.0.insert(key, value);
        }
    }
}

/// Adds the current span's trace context, and the order it is about, to
/// outgoing gRPC metadata; used by the client interceptor.
pub fn inject_into_metadata(metadata: &mut tonic::metadata::MetadataMap) {
    let context = tracing::Span::current().context();
    let mut injector = MetadataInjector(metadata);
    TraceContextPropagator::new().inject_context(&context, &mut injector);
    if let Some(order) = current_order() {
        for (name, value) in order.headers() {
            injector.set(name, value.to_owned());
        }
    }
}

/// Wraps every gRPC call in a server span whose parent is the caller's
/// `traceparent`, and returns the trace id in the `x-trace-id` header.
#[derive(Debug, Clone, Copy)]
pub struct GrpcTelemetryLayer {
    service: &'static str,
}

impl GrpcTelemetryLayer {
    /// The server spans of `service` (their [`SERVICE_ATTRIBUTE`]).
    pub fn new(service: &'static str) -> Self {
        Self { service }
    }
}

impl<S> tower::Layer<S> for GrpcTelemetryLayer {
    type Service = GrpcTelemetry<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GrpcTelemetry {
            inner,
            service: self.service,
        }
    }
}

#[derive(Debug, Clone)]
pub struct GrpcTelemetry<S> {
    inner: S,
    service: &'static str,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, ReqBody, ResBody> tower::Service<http::Request<ReqBody>> for GrpcTelemetry<S>
where
    S: tower::Service<http::Request<ReqBody>, Response = http::Response<ResBody>> + Send + 'static,
    S::Future: Send + 'static,
    ReqBody: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        let path = request.uri().path().to_owned();
        let (service, method) = split_grpc_path(&path);
        let quiet = service.starts_with("grpc.health") || service.starts_with("grpc.reflection");
        let span = if quiet {
            tracing::debug_span!("grpc", otel.name = %path, rpc.system = "grpc", rpc.service = %service, rpc.method = %method, otel.kind = "server", orderflow.service = self.service, trace_id = tracing::field::Empty, enduser.id = tracing::field::Empty)
        } else {
            tracing::info_span!("grpc", otel.name = %path, rpc.system = "grpc", rpc.service = %service, rpc.method = %method, otel.kind = "server", orderflow.service = self.service, trace_id = tracing::field::Empty, enduser.id = tracing::field::Empty)
        };
        let parent = TraceContextPropagator::new().extract(&HttpHeaders(request.headers()));
        if parent.span().span_context().is_valid() {
            let _ = span.set_parent(parent);
        }
        if let Some(order) = OrderTag::from_http(request.headers()) {
            tag_span(&span, &order);
        }
        let trace_id = trace_id_of(&span);
        if let Some(trace_id) = &trace_id {
            span.record("trace_id", trace_id.as_str());
        }
        // The inner layers' synchronous part (authentication and its "call
        // refused" line) runs in the span too.
        let future = span
            .in_scope(|| self.inner.call(request))
            .instrument(span.clone());
        let measured = (!quiet).then(|| (service.to_owned(), method.to_owned(), Instant::now()));
        Box::pin(async move {
            let result = future.await;
            let status_code = match &result {
                Ok(response) => grpc_status_code(response.headers()),
                Err(_) => i64::from(tonic::Code::Unknown as i32),
            };
            record_status(
                &span,
                status_code,
                result.as_ref().ok().map(|r| r.headers()),
            );
            if let Some((service, method, start)) = measured {
                crate::metrics::rpc_served(&service, &method, status_code, start.elapsed());
            }
            let mut response = result?;
            if let Some(value) = trace_id.and_then(|id| http::HeaderValue::from_str(&id).ok()) {
                response.headers_mut().insert(TRACE_ID_HEADER, value);
            }
            Ok(response)
        })
    }
}

/// Puts a call's gRPC status on its span: `rpc.grpc.status_code` always, and
/// an error status with the status message when it failed, so that refused
/// and failed calls can be found in the trace backend.
fn record_status(span: &tracing::Span, status_code: i64, headers: Option<&http::HeaderMap>) {
    span.set_attribute("rpc.grpc.status_code", status_code);
    if status_code != 0 {
        let description = match headers.and_then(tonic::Status::from_header_map) {
            Some(status) => format!("{:?}: {}", status.code(), status.message()),
            None => format!(
                "{:?}",
                tonic::Code::from(i32::try_from(status_code).unwrap_or(2))
            ),
        };
        span.set_status(opentelemetry::trace::Status::error(description));
    }
}

/// Wraps every call to a peer in a client span (the caller's side of the
/// server span), tagged with the order the caller is working on; the
/// trace context and the order tag the peer receives are the client span's
/// (the inner [`crate::auth::ClientInterceptor`] injects them in its scope).
#[derive(Debug, Clone)]
pub struct GrpcClientTelemetry<S> {
    inner: S,
    service: String,
}

impl<S> GrpcClientTelemetry<S> {
    /// The calls `service` makes through `inner`.
    pub fn new(inner: S, service: &str) -> Self {
        Self {
            inner,
            service: service.to_owned(),
        }
    }
}

impl<S, ReqBody, ResBody> tower::Service<http::Request<ReqBody>> for GrpcClientTelemetry<S>
where
    S: tower::Service<http::Request<ReqBody>, Response = http::Response<ResBody>> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        let path = request.uri().path().to_owned();
        let (service, method) = split_grpc_path(&path);
        let span = tracing::info_span!("grpc.client", otel.name = %path, rpc.system = "grpc", rpc.service = %service, rpc.method = %method, otel.kind = "client", orderflow.service = %self.service);
        if let Some(order) = current_order() {
            tag_span(&span, &order);
        }
        let future = span.in_scope(|| self.inner.call(request));
        Box::pin(async move {
            let result = future.instrument(span.clone()).await;
            let status_code = match &result {
                Ok(response) => grpc_status_code(response.headers()),
                Err(_) => i64::from(tonic::Code::Unavailable as i32),
            };
            record_status(
                &span,
                status_code,
                result.as_ref().ok().map(|r| r.headers()),
            );
            result
        })
    }
}

/// The gRPC status of a response from its headers: a failed call is
/// "trailers only" (`grpc-status` in the headers); a successful one sends its
/// status in the trailers after the body, so no `grpc-status` header means OK.
fn grpc_status_code(headers: &http::HeaderMap) -> i64 {
    headers
        .get("grpc-status")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
        .unwrap_or(0)
}

/// `/orderflow.orders.v1.OrderService/CreateOrder` → (`orderflow.orders.v1.OrderService`, `CreateOrder`).
pub fn split_grpc_path(path: &str) -> (&str, &str) {
    let trimmed = path.trim_start_matches('/');
    trimmed.split_once('/').unwrap_or((trimmed, ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grpc_path_splits_into_service_and_method() {
        assert_eq!(
            split_grpc_path("/orderflow.orders.v1.OrderService/CreateOrder"),
            ("orderflow.orders.v1.OrderService", "CreateOrder")
        );
        assert_eq!(split_grpc_path("/weird"), ("weird", ""));
    }

    #[test]
    fn a_response_without_grpc_status_is_ok_and_a_trailers_only_one_has_its_code() {
        let mut headers = http::HeaderMap::new();
        assert_eq!(grpc_status_code(&headers), 0);
        headers.insert("grpc-status", http::HeaderValue::from_static("5"));
        assert_eq!(grpc_status_code(&headers), 5);
    }

    #[test]
    fn metric_export_settings_are_read_and_bad_ones_named() {
        let config = TelemetryConfig::from_env(
            "orders",
            &Env::from_pairs([
                ("OTEL_METRICS_EXPORTER", "none"),
                ("OTEL_METRIC_EXPORT_INTERVAL", "2500"),
            ]),
        )
        .unwrap_or_else(|error| panic!("{error}"));
        assert!(!config.export_metrics);
        assert_eq!(config.metric_export_interval, Duration::from_millis(2500));
        let defaults = TelemetryConfig::from_env("orders", &Env::from_pairs::<&str, &str>([]))
            .unwrap_or_else(|error| panic!("{error}"));
        assert!(defaults.export_metrics);
        assert_eq!(defaults.metric_export_interval, Duration::from_secs(60));
        for (variable, value) in [
            ("OTEL_METRICS_EXPORTER", "prometheus"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "0"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "soon"),
        ] {
            let error = TelemetryConfig::from_env("orders", &Env::from_pairs([(variable, value)]))
                .err()
                .unwrap_or_else(|| panic!("{variable}={value} was accepted"));
            assert!(error.to_string().contains(variable), "{error}");
        }
    }

    #[test]
    fn trace_context_survives_a_round_trip_through_stored_headers() {
        init_for_tests();
        let span = tracing::info_span!("outer");
        let headers = span.in_scope(current_context_headers);
        let expected = trace_id_of(&span);
        assert!(expected.is_some());
        let restored = context_from_headers(&headers);
        assert_eq!(
            Some(restored.span().span_context().trace_id().to_string()),
            expected
        );
    }
}
