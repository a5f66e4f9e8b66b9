//! A prepaid standard order from creation to COMPLETED through orders,
//! approvals, finance, inventory and logistics, every call in one trace.

use std::time::Duration;

use orderflow_e2e::{Cluster, authorized_with};
use orderflow_platform::testing;
use orderflow_proto::common::v1 as common;
use orderflow_proto::finance::v1 as finance;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::logistics::v1 as logistics;
use orderflow_proto::orders::v1 as pb;

use crate::stock::{PUMP, stock_item};
use crate::{address, in_days, timeline, wait_for_entry, wait_for_state};

/// The trace every call of the test continues (W3C `traceparent`).
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

/// The test's trace on a request (W3C `traceparent`).
fn with_trace(metadata: &mut tonic::metadata::MetadataMap) {
    let parent = format!("00-{TRACE_ID}-00f067aa0ba902b7-01");
    if let Ok(value) = parent.parse() {
        metadata.insert("traceparent", value);
    }
}

/// A request with a development token and the test's trace.
fn traced<T>(message: T, subject: &str, roles: &[&str]) -> tonic::Request<T> {
    orderflow_e2e::authorized_with(message, subject, roles, with_trace)
}

/// The trace id a response reports.
fn trace_of<T>(response: &tonic::Response<T>) -> String {
    response
        .metadata()
        .get("x-trace-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn cny(minor_units: i64) -> Option<common::Money> {
    Some(common::Money {
        currency_code: "CNY".to_owned(),
        minor_units,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prepaid_standard_order_is_completed_through_five_services_in_one_trace() {
    let cluster = Cluster::start().await.unwrap_or_else(|e| panic!("{e:#}"));
    let mut orders = cluster.orders_client().await;
    let mut money = cluster.finance_client().await;
    let mut stock = cluster.inventory_client().await;
    let mut traces = Vec::new();
    stock_item(&mut stock, PUMP, 5).await;

    let sales = ("tom", &["sales"][..]);
    let customer = orders
        .create_customer(traced(
            pb::CreateCustomerRequest {
                name: "Hangzhou Water Works".to_owned(),
                address: Some(common::Address {
                    country_code: "CN".to_owned(),
                    region: "Zhejiang".to_owned(),
                    city: "Hangzhou".to_owned(),
                    ..address()
                }),
                ..Default::default()
            },
            sales.0,
            sales.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    traces.push(trace_of(&customer));
    let customer = customer.into_inner();
    let created = orders
        .create_order(traced(
            pb::CreateOrderRequest {
                customer_id: customer.id.clone(),
                kind: pb::OrderKind::Standard as i32,
                currency_code: "CNY".to_owned(),
                lines: vec![pb::OrderLineInput {
                    sku: PUMP.0.to_owned(),
                    description: PUMP.1.to_owned(),
                    quantity: 2,
                    unit_price: cny(420_000),
                    kit: None,
                    ..Default::default()
                }],
                requested_delivery_date: in_days(10),
                payment_terms: Some(pb::PaymentTerms {
                    kind: pb::PaymentTermKind::Prepaid as i32,
                    ..Default::default()
                }),
                ..Default::default()
            },
            sales.0,
            sales.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    traces.push(trace_of(&created));
    let order = created.into_inner();
    let id = order.id.clone();
    traces.push(trace_of(
        &orders
            .submit_order(traced(
                pb::SubmitOrderRequest {
                    order_id: id.clone(),
                    ..Default::default()
                },
                sales.0,
                sales.1,
            ))
            .await
            .unwrap_or_else(|s| panic!("{s:?}")),
    ));
    traces.push(trace_of(
        &orders
            .confirm_order(traced(
                pb::ConfirmOrderRequest {
                    order_id: id.clone(),
                    ..Default::default()
                },
                "amy",
                &["sales_assistant"],
            ))
            .await
            .unwrap_or_else(|s| panic!("{s:?}")),
    ));
    wait_for_state(&mut orders, &id, pb::OrderState::AwaitingPayment).await;

    // Finance: the full payment confirmed, the day's sales detail signed and confirmed.
    let payment = testing::eventually(Duration::from_secs(20), "finance to know the order", || {
        let mut money = money.clone();
        let request = traced(
            finance::RecordPaymentRequest {
                order_id: id.clone(),
                kind: finance::PaymentKind::Full as i32,
                amount: cny(840_000),
                method: "bank transfer".to_owned(),
                reference: "ICBC-1".to_owned(),
                ..Default::default()
            },
            sales.0,
            sales.1,
        );
        async move { money.record_payment(request).await.ok() }
    })
    .await;
    traces.push(trace_of(&payment));
    traces.push(trace_of(
        &money
            .confirm_payment(traced(
                finance::ConfirmPaymentRequest {
                    payment_id: payment.into_inner().id,
                    ..Default::default()
                },
                "fiona",
                &["finance"],
            ))
            .await
            .unwrap_or_else(|s| panic!("{s:?}")),
    ));
    // Finance books the sale from the order's events: wait for its entry.
    let entries = testing::eventually(Duration::from_secs(20), "the sale entry", || {
        let mut money = money.clone();
        let request = traced(
            finance::ListLedgerEntriesRequest {
                order_id: id.clone(),
                ..Default::default()
            },
            "fiona",
            &["finance"],
        );
        async move {
            let entries = money.list_ledger_entries(request).await.ok()?.into_inner();
            (!entries.entries.is_empty()).then_some(entries.entries)
        }
    })
    .await;
    let detail = money
        .sign_sales_detail(traced(
            finance::SignSalesDetailRequest {
                salesperson: "tom".to_owned(),
                entry_date: entries[0].entry_date.clone(),
                ..Default::default()
            },
            "mia",
            &["dept_manager"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    crate::stock::pump_costed(&money).await;
    money
        .confirm_sales_detail(traced(
            finance::ConfirmSalesDetailRequest {
                sales_detail_id: detail.id,
                ..Default::default()
            },
            "fiona",
            &["finance"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));

    // Released, reserved, ready to ship.
    wait_for_state(&mut orders, &id, pb::OrderState::ReadyToShip).await;

    let shipped = ship_to_completion(&cluster, &id, &order.number, with_trace).await;
    assert_eq!(shipped.carrier_code, "TTKD", "Zhejiang (LOG-1)");
    traces.extend(shipped.traces);
    let completed = shipped.completed;
    assert_eq!(completed.amount_paid, cny(840_000));
    let entry = wait_for_entry(&mut orders, &id, "completed").await;
    assert!(entry.detail.contains("FI-"), "{}", entry.detail);
    let actions: Vec<String> = timeline(&mut orders, &id)
        .await
        .into_iter()
        .filter(|entry| entry.to_state != 0)
        .map(|entry| entry.action)
        .collect();
    assert_eq!(
        actions,
        [
            "submitted",
            "confirmed",
            "approval_not_required",
            "released",
            "ready_to_ship",
            "shipped",
            "delivered",
            "completed"
        ]
    );

    // One trace: every call answered in it, and the events that moved the
    // order across the services carried it (orders ← finance ← logistics).
    assert!(traces.iter().all(|trace| trace == TRACE_ID), "{traces:?}");
    for (stream, subject) in [
        ("LOGISTICS", "logistics.shipment.receipt_confirmed"),
        ("FINANCE", "finance.order.settled"),
        ("ORDERS", "orders.order.completed"),
        ("ORDERS", "orders.order.shipped"),
        ("FINANCE", "finance.gate.opened"),
    ] {
        let messages = testing::stream_messages(&cluster.nats, stream, subject).await;
        assert!(!messages.is_empty(), "no {subject}");
        let traceparent = messages[0]
            .headers
            .get("traceparent")
            .map(|value| value.to_string())
            .unwrap_or_default();
        assert!(
            traceparent.contains(TRACE_ID),
            "{subject} carries {traceparent:?}"
        );
    }
}

/// What [`ship_to_completion`] saw.
pub(crate) struct Shipped {
    pub carrier_code: String,
    pub completed: pb::Order,
    /// The trace ids the answers reported.
    pub traces: Vec<String>,
}

/// From READY_TO_SHIP to COMPLETED as the services' people do it: see
/// [`ship_and_deliver`], then finance's settlement completes the order.
pub(crate) async fn ship_to_completion(
    cluster: &Cluster,
    id: &str,
    number: &str,
    decorate: fn(&mut tonic::metadata::MetadataMap),
) -> Shipped {
    let (carrier_code, traces) = ship_and_deliver(cluster, id, number, decorate).await;
    let mut orders = cluster.orders_client().await;
    let completed = wait_for_state(&mut orders, id, pb::OrderState::Completed).await;
    Shipped {
        carrier_code,
        completed,
        traces,
    }
}

/// From READY_TO_SHIP to the customer's receipt: the shipping notice and
/// note (approved by finance), picking, outbound inspection and posting,
/// dispatch (tracking number `TT<number>`), delivery and the receipt.
/// `decorate` adds to every request's metadata. Returns the carrier and the
/// trace ids the answers reported.
pub(crate) async fn ship_and_deliver(
    cluster: &Cluster,
    id: &str,
    number: &str,
    decorate: fn(&mut tonic::metadata::MetadataMap),
) -> (String, Vec<String>) {
    let mut orders = cluster.orders_client().await;
    let mut stock = cluster.inventory_client().await;
    let mut shipping = cluster.logistics_client().await;
    let mut traces = Vec::new();
    // Logistics: the notice, the note approved by finance.
    // (A shipment planned before, its note perhaps refused, keeps its plan.)
    let (carrier_code, trace) = testing::eventually(
        Duration::from_secs(20),
        "logistics to know the order",
        || {
            let mut shipping = shipping.clone();
            let request = authorized_with(
                logistics::PlanShipmentRequest {
                    order_id: id.to_owned(),
                    planned_ship_date: in_days(3),
                    ..Default::default()
                },
                "lou",
                &["logistics"],
                decorate,
            );
            let get = authorized_with(
                logistics::GetShipmentRequest {
                    order_id: id.to_owned(),
                },
                "lou",
                &["logistics"],
                decorate,
            );
            async move {
                if let Ok(planned) = shipping.plan_shipment(request).await {
                    let trace = trace_of(&planned);
                    return Some((planned.into_inner().carrier_code, Some(trace)));
                }
                let shipment = shipping.get_shipment(get).await.ok()?.into_inner();
                (shipment.state() == logistics::ShipmentState::NotePending)
                    .then_some((shipment.carrier_code, None))
            }
        },
    )
    .await;
    traces.extend(trace);
    // Logistics and finance may still be catching up with READY_TO_SHIP.
    testing::eventually(Duration::from_secs(20), "the shipping note", || {
        let mut shipping = shipping.clone();
        let request = authorized_with(
            logistics::CreateShippingNoteRequest {
                order_id: id.to_owned(),
                ..Default::default()
            },
            "lou",
            &["logistics"],
            decorate,
        );
        async move { shipping.create_shipping_note(request).await.ok() }
    })
    .await;
    let approved = testing::eventually(Duration::from_secs(20), "finance's approval", || {
        let mut shipping = shipping.clone();
        let request = authorized_with(
            logistics::ApproveShippingNoteRequest {
                order_id: id.to_owned(),
                ..Default::default()
            },
            "fiona",
            &["finance"],
            decorate,
        );
        async move { shipping.approve_shipping_note(request).await.ok() }
    })
    .await;
    traces.push(trace_of(&approved));

    // Inventory: pick, inspect, post the outbound.
    let pick_list = stock
        .create_pick_list(authorized_with(
            inventory::CreatePickListRequest {
                order_id: id.to_owned(),
                ..Default::default()
            },
            "wang",
            &["warehouse"],
            decorate,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    stock
        .record_outbound_inspection(authorized_with(
            inventory::RecordOutboundInspectionRequest {
                pick_list_id: pick_list.id.clone(),
                passed: true,
                note: "cartons intact".to_owned(),
            },
            "quinn",
            &["qc"],
            decorate,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    stock
        .post_outbound(authorized_with(
            inventory::PostOutboundRequest {
                pick_list_id: pick_list.id.clone(),
            },
            "wang",
            &["warehouse"],
            decorate,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));

    // Dispatch once logistics saw the goods leave.
    let tracking = format!("TT{number}");
    let dispatched = testing::eventually(Duration::from_secs(20), "the dispatch", || {
        let mut shipping = shipping.clone();
        let request = authorized_with(
            logistics::DispatchShipmentRequest {
                order_id: id.to_owned(),
                tracking_number: tracking.clone(),
                ..Default::default()
            },
            "wang",
            &["warehouse"],
            decorate,
        );
        async move { shipping.dispatch_shipment(request).await.ok() }
    })
    .await;
    traces.push(trace_of(&dispatched));
    let shipped = wait_for_state(&mut orders, id, pb::OrderState::Shipped).await;
    assert_eq!(shipped.carrier_code, carrier_code);
    assert_eq!(shipped.tracking_number, tracking);

    shipping
        .record_tracking_event(authorized_with(
            logistics::RecordTrackingEventRequest {
                tracking_number: tracking.clone(),
                event: Some(logistics::TrackingEvent {
                    time: Some(prost_types::Timestamp {
                        seconds: chrono::Utc::now().timestamp(),
                        nanos: 0,
                    }),
                    status: "delivered".to_owned(),
                    location: "Hangzhou".to_owned(),
                    description: "signed by Li Lei".to_owned(),
                }),
                ..Default::default()
            },
            "lou",
            &["logistics"],
            decorate,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    wait_for_state(&mut orders, id, pb::OrderState::Delivered).await;
    let receipt = testing::eventually(Duration::from_secs(20), "the receipt", || {
        let mut shipping = shipping.clone();
        let request = authorized_with(
            logistics::ConfirmReceiptRequest {
                order_id: id.to_owned(),
                ..Default::default()
            },
            "cathy",
            &["customer_service"],
            decorate,
        );
        async move { shipping.confirm_receipt(request).await.ok() }
    })
    .await;
    traces.push(trace_of(&receipt));
    (carrier_code, traces)
}
