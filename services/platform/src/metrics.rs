//! Metrics (architecture.md §6): RED per RPC and per event handler, the
//! outbox backlog, consumer lag and SLA breaches.
//!
//! The instruments live on the global OpenTelemetry meter; [`crate::telemetry::init`]
//! installs a meter provider that exports them over OTLP next to the spans
//! (`OTEL_METRICS_EXPORTER=otlp`, the default when an endpoint is set). Without
//! one every recording is a no-op, so call sites never check.
//!
//! | instrument | kind | attributes |
//! |---|---|---|
//! | `rpc.server.call.duration` (s) | histogram | `rpc.system`, `rpc.service`, `rpc.method`, `rpc.grpc.status_code` |
//! | `messaging.process.duration` (s) | histogram | `messaging.system`, `messaging.consumer.group.name`, `messaging.destination.name`, `orderflow.outcome` |
//! | `orderflow.outbox.backlog` | gauge | `orderflow.service` |
//! | `orderflow.consumer.lag` | gauge | `messaging.consumer.group.name`, `messaging.destination.name` (the stream) |
//! | `orderflow.sla.breaches` | counter | `orderflow.service`, `orderflow.rule` |
//! | `orderflow.retention.pruned` | counter | `orderflow.service`, `orderflow.table` |
//!
//! Rates and errors come from the histograms' counts (by status code or
//! outcome), durations from their buckets.

use std::sync::OnceLock;
use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Gauge, Histogram, Meter};

/// Bucket bounds in seconds, from a fast read to a slow peer call.
const DURATION_BUCKETS: [f64; 14] = [
    0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

struct Instruments {
    rpc_duration: Histogram<f64>,
    event_duration: Histogram<f64>,
    outbox_backlog: Gauge<u64>,
    consumer_lag: Gauge<u64>,
    sla_breaches: Counter<u64>,
    outbox_dead_letters: Counter<u64>,
    retention_pruned: Counter<u64>,
}

fn instruments() -> &'static Instruments {
    static INSTRUMENTS: OnceLock<Instruments> = OnceLock::new();
    INSTRUMENTS.get_or_init(|| {
        let meter: Meter = opentelemetry::global::meter("orderflow");
        Instruments {
            rpc_duration: meter
                .f64_histogram("rpc.server.call.duration")
                .with_unit("s")
                .with_description("Duration of gRPC calls served, by method and status code")
                .with_boundaries(DURATION_BUCKETS.to_vec())
                .build(),
            event_duration: meter
                .f64_histogram("messaging.process.duration")
                .with_unit("s")
                .with_description("Duration of event handling, by consumer, subject and outcome")
                .with_boundaries(DURATION_BUCKETS.to_vec())
                .build(),
            outbox_backlog: meter
                .u64_gauge("orderflow.outbox.backlog")
                .with_unit("{event}")
                .with_description("Events committed to the outbox and not yet published")
                .build(),
            consumer_lag: meter
                .u64_gauge("orderflow.consumer.lag")
                .with_unit("{message}")
                .with_description("Messages on the stream not yet delivered to the consumer")
                .build(),
            sla_breaches: meter
                .u64_counter("orderflow.sla.breaches")
                .with_unit("{breach}")
                .with_description("Service-level targets missed, by rule")
                .build(),
            outbox_dead_letters: meter
                .u64_counter("orderflow.outbox.dead_letters")
                .with_unit("{event}")
                .with_description("Events that can never be published, set aside from the outbox")
                .build(),
            retention_pruned: meter
                .u64_counter("orderflow.retention.pruned")
                .with_unit("{row}")
                .with_description("Bookkeeping rows (inbox, request ids) deleted by retention")
                .build(),
        }
    })
}

/// One gRPC call served: `status_code` is the numeric gRPC code (0 = OK).
pub fn rpc_served(service: &str, method: &str, status_code: i64, elapsed: Duration) {
    instruments().rpc_duration.record(
        elapsed.as_secs_f64(),
        &[
            KeyValue::new("rpc.system", "grpc"),
            KeyValue::new("rpc.service", service.to_owned()),
            KeyValue::new("rpc.method", method.to_owned()),
            KeyValue::new("rpc.grpc.status_code", status_code),
        ],
    );
}

/// One event handled by `consumer`; `outcome` is `ack`, `retry` or
/// `dead_letter`.
pub fn event_handled(consumer: &str, subject: &str, outcome: &'static str, elapsed: Duration) {
    instruments().event_duration.record(
        elapsed.as_secs_f64(),
        &[
            KeyValue::new("messaging.system", "nats"),
            KeyValue::new("messaging.consumer.group.name", consumer.to_owned()),
            KeyValue::new("messaging.destination.name", subject.to_owned()),
            KeyValue::new("orderflow.outcome", outcome),
        ],
    );
}

/// What `consumer` has not yet been delivered from `stream`.
pub fn consumer_lag(consumer: &str, stream: &str, pending: u64) {
    instruments().consumer_lag.record(
        pending,
        &[
            KeyValue::new("messaging.consumer.group.name", consumer.to_owned()),
            KeyValue::new("messaging.destination.name", stream.to_owned()),
        ],
    );
}

/// Rows waiting in `service`'s outbox.
pub fn outbox_backlog(service: &str, rows: u64) {
    instruments().outbox_backlog.record(
        rows,
        &[KeyValue::new("orderflow.service", service.to_owned())],
    );
}

/// A service-level target missed: `rule` is its id (`SLA-1`, `APR-10`, ...).
pub fn sla_breached(service: &'static str, rule: &'static str) {
    instruments().sla_breaches.add(
        1,
        &[
            KeyValue::new("orderflow.service", service),
            KeyValue::new("orderflow.rule", rule),
        ],
    );
}

/// An event set aside because it can never be published (too large for the
/// broker); alert on any.
pub fn outbox_dead_lettered(subject: &str) {
    instruments().outbox_dead_letters.add(
        1,
        &[KeyValue::new("messaging.destination", subject.to_owned())],
    );
}

/// Rows of `table` deleted by a retention sweep.
pub fn retention_pruned(service: &'static str, table: &'static str, rows: u64) {
    instruments().retention_pruned.add(
        rows,
        &[
            KeyValue::new("orderflow.service", service),
            KeyValue::new("orderflow.table", table),
        ],
    );
}
