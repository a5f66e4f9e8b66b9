//! The trace test: the services of a flow export their spans over OTLP to a
//! receiver started here (built from the OpenTelemetry protocol
//! definitions); the spans of one order, from every service it passed
//! through and across gRPC calls and NATS events, share one trace id and
//! form a connected tree whose root carries `order.number`. The same export
//! carries the metrics: RED per RPC and per event handler, outbox backlog and
//! consumer lag.
//!
//! Its own test binary: it installs the process-wide tracer and meter
//! provider with OTLP export.

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::metrics::v1::{Metric, metric::Data};
use opentelemetry_proto::tonic::trace::v1::Span;
use orderflow_e2e::Cluster;
use orderflow_platform::config::Env;
use orderflow_platform::telemetry::{self, TelemetryConfig};
use orderflow_platform::testing;
use orderflow_proto::common::v1 as common;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::orders::v1 as pb;
use tracing::Instrument;

/// The attribute the receiver adds to each span: its resource's
/// `service.name`.
const RESOURCE_SERVICE: &str = "resource.service.name";

/// Every span and metric exported to it.
#[derive(Clone, Default)]
struct Receiver {
    spans: Arc<Mutex<Vec<Span>>>,
    metrics: Arc<Mutex<Vec<Metric>>>,
}

#[tonic::async_trait]
impl MetricsService for Receiver {
    async fn export(
        &self,
        request: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
        let mut metrics = self
            .metrics
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for resource in request.into_inner().resource_metrics {
            for scope in resource.scope_metrics {
                metrics.extend(scope.metrics);
            }
        }
        Ok(tonic::Response::new(ExportMetricsServiceResponse::default()))
    }
}

/// One exported data point: its metric, attributes and value (a gauge's
/// value, a histogram's count).
#[derive(Debug)]
struct Point {
    metric: String,
    attributes: HashMap<String, String>,
    value: i64,
}

fn points(metrics: &[Metric]) -> Vec<Point> {
    use opentelemetry_proto::tonic::metrics::v1::number_data_point::Value as Number;
    let mut points = Vec::new();
    for metric in metrics {
        match &metric.data {
            Some(Data::Histogram(histogram)) => {
                points.extend(histogram.data_points.iter().map(|point| Point {
                    metric: metric.name.clone(),
                    attributes: attributes(&point.attributes),
                    value: i64::try_from(point.count).unwrap_or(i64::MAX),
                }));
            }
            Some(Data::Gauge(gauge)) => {
                points.extend(gauge.data_points.iter().map(|point| Point {
                    metric: metric.name.clone(),
                    attributes: attributes(&point.attributes),
                    value: match point.value {
                        Some(Number::AsInt(value)) => value,
                        _ => -1,
                    },
                }));
            }
            _ => {}
        }
    }
    points
}

fn attributes(pairs: &[KeyValue]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|kv| {
            let value = kv
                .value
                .as_ref()
                .and_then(|value| value.value.as_ref())
                .map(text)
                .unwrap_or_default();
            (kv.key.clone(), value)
        })
        .collect()
}

fn text(value: &Value) -> String {
    match value {
        Value::StringValue(text) => text.clone(),
        Value::IntValue(number) => number.to_string(),
        other => format!("{other:?}"),
    }
}

/// The points of `metric` whose attributes include every pair of `with`.
fn matching<'a>(points: &'a [Point], metric: &str, with: &[(&str, &str)]) -> Vec<&'a Point> {
    points
        .iter()
        .filter(|point| {
            point.metric == metric
                && with.iter().all(|(key, value)| {
                    point.attributes.get(*key).map(String::as_str) == Some(*value)
                })
        })
        .collect()
}

#[tonic::async_trait]
impl TraceService for Receiver {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let mut spans = self
            .spans
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for resource in request.into_inner().resource_spans {
            // Each span keeps the service.name of the resource it came with.
            let service = resource
                .resource
                .as_ref()
                .and_then(|resource| {
                    resource
                        .attributes
                        .iter()
                        .find(|pair| pair.key == "service.name")
                })
                .cloned()
                .map(|mut pair| {
                    pair.key = RESOURCE_SERVICE.to_owned();
                    pair
                });
            for scope in resource.scope_spans {
                spans.extend(scope.spans.into_iter().map(|mut span| {
                    span.attributes.extend(service.clone());
                    span
                }));
            }
        }
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

async fn start_receiver() -> (SocketAddr, Receiver) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let receiver = Receiver::default();
    let traces = TraceServiceServer::new(receiver.clone());
    let metrics = MetricsServiceServer::new(receiver.clone());
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(traces)
            .add_service(metrics)
            .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener))
            .await
    });
    (address, receiver)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn attribute(span: &Span, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|value| value.value.as_ref())
        .map(text)
}

/// A request with a development token, continuing the current span.
fn traced<T>(message: T, subject: &str, roles: &[&str]) -> tonic::Request<T> {
    let mut request = orderflow_e2e::authorized(message, subject, roles);
    telemetry::inject_into_metadata(request.metadata_mut());
    request
}

fn cny(minor_units: i64) -> Option<common::Money> {
    Some(common::Money {
        currency_code: "CNY".to_owned(),
        minor_units,
    })
}

/// The stock and the customer the journey needs, before the order exists
/// (not part of its trace). Returns the customer.
async fn setup(cluster: &Cluster) -> pb::Customer {
    let mut orders = cluster.orders_client().await;
    let mut stock = cluster.inventory_client().await;
    stock
        .create_item(traced(
            inventory::CreateItemRequest {
                sku: "PUMP-100".to_owned(),
                name: "Water pump".to_owned(),
                unit: "pcs".to_owned(),
                weight_grams: 4_200,
                ..Default::default()
            },
            "wang",
            &["warehouse"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    stock
        .adjust_stock(traced(
            inventory::AdjustStockRequest {
                sku: "PUMP-100".to_owned(),
                warehouse: "FG".to_owned(),
                quantity: 3,
                note: "opening count".to_owned(),
                ..Default::default()
            },
            "wang",
            &["warehouse"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    orders
        .create_customer(traced(
            pb::CreateCustomerRequest {
                name: "Hangzhou Water Works".to_owned(),
                address: Some(common::Address {
                    recipient_name: "Li Lei".to_owned(),
                    phone: "+86 138 0013 8000".to_owned(),
                    country_code: "CN".to_owned(),
                    region: "Zhejiang".to_owned(),
                    city: "Hangzhou".to_owned(),
                    street: "1 Wensan Road".to_owned(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            "tom",
            &["sales"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
}

/// A prepaid standard order from creation to READY_TO_SHIP: orders,
/// inventory (stock check, reservation), finance (payment, sales detail,
/// gate) and the events between them. Returns the order.
async fn journey(cluster: &Cluster, customer: pb::Customer) -> pb::Order {
    let mut orders = cluster.orders_client().await;
    let money = cluster.finance_client().await;
    let order = orders
        .create_order(traced(
            pb::CreateOrderRequest {
                customer_id: customer.id,
                kind: pb::OrderKind::Standard as i32,
                currency_code: "CNY".to_owned(),
                lines: vec![pb::OrderLineInput {
                    sku: "PUMP-100".to_owned(),
                    description: "Water pump".to_owned(),
                    quantity: 1,
                    unit_price: cny(420_000),
                    kit: None,
                    ..Default::default()
                }],
                requested_delivery_date: (chrono::Utc::now() + chrono::Duration::days(20))
                    .format("%Y-%m-%d")
                    .to_string(),
                payment_terms: Some(pb::PaymentTerms {
                    kind: pb::PaymentTermKind::Prepaid as i32,
                    ..Default::default()
                }),
                ..Default::default()
            },
            "tom",
            &["sales"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    tracing::Span::current().record("order.number", order.number.as_str());
    let id = order.id.clone();
    orders
        .submit_order(traced(
            pb::SubmitOrderRequest {
                order_id: id.clone(),
                ..Default::default()
            },
            "tom",
            &["sales"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    orders
        .confirm_order(traced(
            pb::ConfirmOrderRequest {
                order_id: id.clone(),
                ..Default::default()
            },
            "amy",
            &["sales_assistant"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    orderflow_e2e::release_prepaid(
        &money,
        &id,
        cny(420_000).unwrap_or_default(),
        &[("PUMP-100", 80_000)],
        telemetry::inject_into_metadata,
    )
    .await;
    testing::eventually(Duration::from_secs(30), "READY_TO_SHIP", || {
        let mut orders = orders.clone();
        let request = traced(
            pb::GetOrderRequest {
                order_id: id.clone(),
            },
            "tom",
            &["sales"],
        );
        async move {
            let order = orders.get_order(request).await.ok()?.into_inner();
            (order.state == pb::OrderState::ReadyToShip as i32).then_some(())
        }
    })
    .await;
    order
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_orders_journey_is_one_connected_trace_across_services_and_events_with_its_metrics() {
    let (receiver_address, receiver) = start_receiver().await;
    let config = TelemetryConfig::from_env(
        "trace-test",
        &Env::from_pairs([
            (
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                format!("http://{receiver_address}"),
            ),
            ("RUST_LOG", "warn".to_owned()),
        ]),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // One process hosts the services here, as under `orderflow up`.
    let config = TelemetryConfig {
        hosted: telemetry::ALL_SERVICES.map(str::to_owned).to_vec(),
        ..config
    };
    let guard = telemetry::init(&config).unwrap_or_else(|e| panic!("{e:#}"));
    let cluster = Cluster::start().await.unwrap_or_else(|e| panic!("{e:#}"));

    let root = tracing::info_span!("order journey", order.number = tracing::field::Empty);
    let trace_id = telemetry::trace_id_of(&root).unwrap_or_else(|| panic!("no trace id"));
    let customer = setup(&cluster).await;
    let order = journey(&cluster, customer).instrument(root.clone()).await;
    drop(root);
    // A failed call, for the error side of the RPC metrics.
    let refused = cluster
        .orders_client()
        .await
        .get_order(traced(
            pb::GetOrderRequest {
                order_id: "no-such-order".to_owned(),
            },
            "ann",
            &["sales_assistant"],
        ))
        .await
        .err()
        .unwrap_or_else(|| panic!("an unknown order was found"));
    // Each step of the timeline links to its trace: the journey's.
    let timeline = cluster
        .orders_client()
        .await
        .get_order_timeline(traced(
            pb::GetOrderTimelineRequest {
                order_id: order.id.clone(),
            },
            "tom",
            &["sales"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .entries;
    assert!(timeline.len() >= 4, "timeline: {timeline:?}");
    for entry in &timeline {
        assert_eq!(
            entry.trace_id, trace_id,
            "{} ({}) is not linked to the journey's trace",
            entry.action, entry.source
        );
    }
    // Let the consumers' spans end, then flush everything to the receiver.
    tokio::time::sleep(Duration::from_secs(2)).await;
    drop(cluster);
    tokio::time::sleep(Duration::from_millis(500)).await;
    tokio::task::spawn_blocking(move || guard.shutdown())
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let all_spans: Vec<Span> = receiver
        .spans
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    refused_call_has_an_error_status(&all_spans, &refused);
    let spans: Vec<Span> = all_spans
        .into_iter()
        .filter(|span| hex(&span.trace_id) == trace_id)
        .collect();
    assert!(spans.len() > 10, "only {} spans of the trace", spans.len());

    // An operator finds the order by its number: every span of its journey
    // carries it, in every service, over gRPC, peer calls and events.
    let untagged: Vec<&str> = spans
        .iter()
        .filter(|span| attribute(span, "order.number").as_deref() != Some(order.number.as_str()))
        .map(|span| span.name.as_str())
        .collect();
    assert!(
        untagged.is_empty(),
        "spans without order.number {}: {untagged:?}",
        order.number
    );
    // Each service's spans go out under its own service.name, though one
    // process hosts them all.
    let misfiled: Vec<(String, Option<String>)> = spans
        .iter()
        .filter_map(|span| {
            let service = attribute(span, "orderflow.service").filter(|s| !s.is_empty())?;
            let exported = attribute(span, RESOURCE_SERVICE);
            (exported.as_deref() != Some(format!("orderflow-{service}").as_str()))
                .then(|| (span.name.clone(), exported))
        })
        .collect();
    assert!(
        misfiled.is_empty(),
        "spans under another service.name: {misfiled:?}"
    );
    let exported_as: BTreeSet<String> = spans
        .iter()
        .filter_map(|span| attribute(span, RESOURCE_SERVICE))
        .collect();
    for service in [
        "orderflow-orders",
        "orderflow-finance",
        "orderflow-inventory",
    ] {
        assert!(
            exported_as.contains(service),
            "no span of {service}: {exported_as:?}"
        );
    }
    let kinds: BTreeSet<i32> = spans.iter().map(|span| span.kind).collect();
    for (kind, name) in [
        (2, "server"),
        (3, "client"),
        (4, "producer"),
        (5, "consumer"),
    ] {
        assert!(kinds.contains(&kind), "no {name} span in {kinds:?}");
    }

    // A connected tree: one root, every other span's parent is in the trace.
    let ids: BTreeSet<String> = spans.iter().map(|span| hex(&span.span_id)).collect();
    let roots: Vec<&Span> = spans
        .iter()
        .filter(|span| span.parent_span_id.is_empty())
        .collect();
    assert_eq!(
        roots.len(),
        1,
        "roots: {:?}",
        roots.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    assert_eq!(
        attribute(roots[0], "order.number").as_deref(),
        Some(order.number.as_str())
    );
    let orphans: Vec<(&str, String)> = spans
        .iter()
        .filter(|span| !span.parent_span_id.is_empty() && !ids.contains(&hex(&span.parent_span_id)))
        .map(|span| (span.name.as_str(), hex(&span.parent_span_id)))
        .collect();
    assert!(
        orphans.is_empty(),
        "spans whose parent is missing: {orphans:?}"
    );

    // Every service it passed through, over gRPC and over NATS.
    let services: BTreeSet<String> = spans
        .iter()
        .filter_map(|span| attribute(span, "rpc.service"))
        .collect();
    for expected in [
        "orderflow.orders.v1.OrderService",
        "orderflow.finance.v1.FinanceService",
        "orderflow.inventory.v1.InventoryService",
    ] {
        assert!(
            services.contains(expected),
            "no {expected} span: {services:?}"
        );
    }
    let names: HashMap<&str, usize> = spans.iter().fold(HashMap::new(), |mut names, span| {
        *names.entry(span.name.as_str()).or_default() += 1;
        names
    });
    for consumer in [
        "orders-saga orders.order.confirmed",
        "finance-orders orders.order.approval_not_required",
        "orders-finance finance.gate.opened",
        "orders-reservation orders.order.released",
    ] {
        assert!(
            names.contains_key(consumer),
            "no {consumer:?} span: {names:?}"
        );
    }
    metrics_were_exported(&receiver, refused.code());
}

/// A refused call's server span says so: an error status with the gRPC code,
/// found by the trace id the caller got back.
fn refused_call_has_an_error_status(spans: &[Span], refused: &tonic::Status) {
    let trace_id = refused
        .metadata()
        .get(telemetry::TRACE_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_else(|| panic!("no trace id on the refusal: {refused:?}"));
    let span = spans
        .iter()
        .find(|span| hex(&span.trace_id) == trace_id && span.kind == 2)
        .unwrap_or_else(|| panic!("no server span of the refused call {trace_id}"));
    assert_eq!(
        attribute(span, "rpc.grpc.status_code"),
        Some((refused.code() as i32).to_string())
    );
    let status = span.status.clone().unwrap_or_default();
    assert_eq!(status.code, 2, "not an error status: {status:?}");
    assert!(
        status.message.contains(&format!("{:?}", refused.code())),
        "status message: {}",
        status.message
    );
}

/// architecture.md §6: RED per RPC (with the status code a caller saw) and
/// per event handler, the outbox backlog and consumer lag, exported by the
/// same OTLP pipeline as the spans.
fn metrics_were_exported(receiver: &Receiver, refused: tonic::Code) {
    let exported = receiver
        .metrics
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    let points = points(&exported);
    let names: BTreeSet<&str> = points.iter().map(|point| point.metric.as_str()).collect();
    let rpc = "rpc.server.call.duration";
    let served = matching(
        &points,
        rpc,
        &[
            ("rpc.service", "orderflow.orders.v1.OrderService"),
            ("rpc.method", "CreateOrder"),
            ("rpc.grpc.status_code", "0"),
        ],
    );
    assert!(
        served.iter().any(|point| point.value >= 1),
        "no successful CreateOrder in {rpc}: {names:?}"
    );
    let code = (refused as i32).to_string();
    assert_ne!(code, "0");
    let failed = matching(
        &points,
        rpc,
        &[("rpc.method", "GetOrder"), ("rpc.grpc.status_code", &code)],
    );
    assert!(
        failed.iter().any(|point| point.value >= 1),
        "the refused GetOrder is not counted with status {code}: {:?}",
        matching(&points, rpc, &[("rpc.method", "GetOrder")])
    );
    assert!(
        matching(&points, rpc, &[("rpc.service", "grpc.health.v1.Health")]).is_empty(),
        "health checks are not business calls"
    );
    for (consumer, subject) in [
        ("orders-saga", "orders.order.confirmed"),
        ("orders-finance", "finance.gate.opened"),
        ("finance-orders", "orders.order.approval_not_required"),
    ] {
        let handled = matching(
            &points,
            "messaging.process.duration",
            &[
                ("messaging.consumer.group.name", consumer),
                ("messaging.destination.name", subject),
                ("orderflow.outcome", "ack"),
            ],
        );
        assert!(
            handled.iter().any(|point| point.value >= 1),
            "{consumer} handling {subject} not measured: {names:?}"
        );
    }
    let lag = matching(
        &points,
        "orderflow.consumer.lag",
        &[
            ("messaging.consumer.group.name", "orders-saga"),
            ("messaging.destination.name", "ORDERS"),
        ],
    );
    assert!(
        !lag.is_empty(),
        "no consumer lag for orders-saga: {names:?}"
    );
    for service in ["orders", "finance", "inventory"] {
        let backlog = matching(
            &points,
            "orderflow.outbox.backlog",
            &[("orderflow.service", service)],
        );
        assert!(
            backlog.iter().all(|point| point.value >= 0) && !backlog.is_empty(),
            "no outbox backlog for {service}: {names:?}"
        );
    }
}
