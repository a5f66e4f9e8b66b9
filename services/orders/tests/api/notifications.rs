//! ORD-17: customers told of a production delay, the shipment and a
//! delivery problem through the notifier, every message in their log;
//! SLA-6 measured when the notifier sent the shipment notice.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use orderflow_orders::domain::notification::Notification;
use orderflow_orders::notifier::{Notifier, NotifyError};
use orderflow_platform::backend_tests;
use orderflow_platform::testing::{self, Backend};
use orderflow_proto::finance::v1 as finance;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::logistics::v1 as logistics;
use orderflow_proto::orders::v1 as pb;
use orderflow_proto::production::v1 as production;
use prost::Message;

use crate::support::*;

backend_tests!(
    ord_17_sla_6_a_shipment_notice_sent_late_is_missed_by_its_send_time_and_sent_once,
    ord_17_the_same_delay_is_told_once_and_a_later_date_again,
    ord_17_a_carriers_exception_is_a_delivery_problem_told_once,
    log_5_fin_9_reports_that_overtake_the_order_wait_for_it,
);

/// A notifier whose channel is down until opened; it counts what it sent.
#[derive(Debug, Default)]
struct Gateway {
    up: AtomicBool,
    sent: AtomicUsize,
}

#[async_trait]
impl Notifier for Gateway {
    async fn send(&self, _: &Notification) -> Result<(), NotifyError> {
        if !self.up.load(Ordering::SeqCst) {
            return Err(NotifyError("SMS gateway down".to_owned()));
        }
        self.sent.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

async fn publish(app: &TestApp, service: &str, subject: &str, payload: Vec<u8>) {
    testing::publish_event(&app.nats, service, subject, payload).await;
}

/// A standard order confirmed, released by finance and made whole by
/// inventory: READY_TO_SHIP.
pub(crate) async fn ready_to_ship(app: &TestApp, customer: &pb::Customer) -> pb::Order {
    let order = released(app, customer).await;
    reservation_completed(app, &order).await;
    wait_for_state(app, &order.id, pb::OrderState::ReadyToShip).await
}

/// A standard order confirmed and released by finance: RELEASED.
async fn released(app: &TestApp, customer: &pb::Customer) -> pb::Order {
    let order = create_and_submit(app, standard_order(&customer.id)).await;
    confirm(app, &order.id).await;
    let order = wait_for_state(app, &order.id, pb::OrderState::AwaitingPayment).await;
    crate::fake_orders::gate_opened(app, &order).await;
    wait_for_state(app, &order.id, pb::OrderState::Released).await
}

/// Inventory made the order's reservation whole.
async fn reservation_completed(app: &TestApp, order: &pb::Order) {
    let reserved = inventory::ReservationEvent {
        event_id: uuid::Uuid::now_v7().to_string(),
        actor: "inventory".to_owned(),
        reservation: Some(inventory::Reservation {
            order_id: order.id.clone(),
            warehouse: "FG".to_owned(),
            ..Default::default()
        }),
        ..Default::default()
    };
    publish(
        app,
        "inventory",
        "inventory.reservation.completed",
        reserved.encode_to_vec(),
    )
    .await;
}

/// Logistics reporting the order `event` (dispatched, delayed) at `at`.
pub(crate) async fn shipment(
    app: &TestApp,
    order: &pb::Order,
    event: &str,
    at: prost_types::Timestamp,
) {
    let message = logistics::ShipmentEvent {
        event_id: uuid::Uuid::now_v7().to_string(),
        occur_time: Some(at),
        actor: "wang".to_owned(),
        shipment: Some(logistics::Shipment {
            order_id: order.id.clone(),
            order_number: order.number.clone(),
            carrier_code: "SF".to_owned(),
            tracking_number: format!("SF{}", order.number),
            note_number: format!("SN-{}", order.number),
            dispatch_time: Some(at),
            ..Default::default()
        }),
        tracking: None,
    };
    publish(
        app,
        "logistics",
        &format!("logistics.shipment.{event}"),
        message.encode_to_vec(),
    )
    .await;
}

pub(crate) async fn messages(
    app: &TestApp,
    customer: &pb::Customer,
    order: &pb::Order,
) -> Vec<pb::CustomerMessage> {
    app.orders_as("cathy", &["customer_service"])
        .await
        .list_customer_messages(pb::ListCustomerMessagesRequest {
            customer_id: customer.id.clone(),
            order_id: order.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|status| panic!("{status:?}"))
        .into_inner()
        .messages
}

/// The order's messages once `done` says they are as awaited.
async fn messages_when(
    app: &TestApp,
    customer: &pb::Customer,
    order: &pb::Order,
    what: &str,
    done: fn(&[pb::CustomerMessage]) -> bool,
) -> Vec<pb::CustomerMessage> {
    testing::eventually(Duration::from_secs(20), what, || async {
        let found = messages(app, customer, order).await;
        done(&found).then_some(found)
    })
    .await
}

fn timestamp(at: chrono::DateTime<chrono::Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.timestamp(),
        nanos: 0,
    }
}

async fn ord_17_sla_6_a_shipment_notice_sent_late_is_missed_by_its_send_time_and_sent_once(
    backend: Backend,
) {
    let gateway = Arc::new(Gateway::default());
    let app = spawn_orders_with_notifier(backend, gateway.clone()).await;
    // A second replica sends from the same queue: nothing goes out twice.
    let (_replica, _stop) = spawn_replica(&app).await;
    let customer = create_customer(&mut app.sales().await).await;
    let late = ready_to_ship(&app, &customer).await;

    // Production plans past the due date: a delay the customer is told of.
    let delayed = production::ProductionEvent {
        event_id: uuid::Uuid::now_v7().to_string(),
        actor: "ma".to_owned(),
        detail: "planned completion 2026-04-20 (ASSY full)".to_owned(),
        production_order: Some(production::ProductionOrder {
            order_id: late.id.clone(),
            order_number: late.number.clone(),
            due_date: "2026-04-15".to_owned(),
            planned_completion: "2026-04-20".to_owned(),
            ..Default::default()
        }),
        ..Default::default()
    };
    publish(
        &app,
        "production",
        "production.order.scheduled",
        delayed.encode_to_vec(),
    )
    .await;

    // Its notice is queued before the shipment's (the two reports come by
    // different consumers: without this wait, either may be filed first),
    // after the confirmation sheet's (ORD-16).
    messages_when(&app, &customer, &late, "the delay notice", |found| {
        found.len() == 2
    })
    .await;

    // Dispatched at T0 and heard of at once — but the SMS gateway is down:
    // the notices wait, their failures counted.
    let dispatched_at = start_time();
    shipment(&app, &late, "dispatched", timestamp(dispatched_at)).await;
    wait_for_state(&app, &late.id, pb::OrderState::Shipped).await;
    let waiting = messages_when(&app, &customer, &late, "failed sends", |found| {
        found.len() == 3 && found.iter().all(|m| m.attempts > 0)
    })
    .await;
    assert!(waiting.iter().all(|m| m.send_time.is_none()));
    assert_eq!(waiting[0].last_error, "SMS gateway down");

    // Two hours on, the gateway is back: sent now, 120 minutes after the
    // dispatch — SLA-6 missed, though the dispatch was heard of in time.
    app.clock.set(dispatched_at + chrono::Duration::hours(2));
    gateway.up.store(true, Ordering::SeqCst);
    let sent = messages_when(&app, &customer, &late, "the notices sent", |found| {
        found.iter().all(|m| m.send_time.is_some())
    })
    .await;
    let kinds: Vec<(pb::NotificationKind, bool)> =
        sent.iter().map(|m| (m.kind(), m.late)).collect();
    assert_eq!(
        kinds,
        [
            (pb::NotificationKind::Shipment, true),
            (pb::NotificationKind::ProductionDelay, false),
            (pb::NotificationKind::Confirmation, false)
        ],
        "newest first"
    );
    let notice = &sent[0];
    assert_eq!(
        notice.due_time,
        Some(timestamp(dispatched_at + chrono::Duration::hours(1)))
    );
    assert_eq!(
        notice.send_time,
        Some(timestamp(dispatched_at + chrono::Duration::hours(2)))
    );
    assert!(
        notice.text.contains(&format!("SF{}", late.number)),
        "{}",
        notice.text
    );
    assert!(sent[1].text.contains("2026-04-20"), "{}", sent[1].text);
    let entries = timeline(&app, &late.id).await;
    let missed: Vec<&str> = entries
        .iter()
        .filter(|e| e.action == "sla_missed")
        .map(|e| e.detail.as_str())
        .collect();
    assert_eq!(
        missed,
        ["SLA-6 missed: the customer was told of the shipment 120 minutes after dispatch"]
    );
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.action == "customer_notified")
            .count(),
        3
    );

    // Dispatched and told at once: in time. A delay on the way is told too.
    let prompt = ready_to_ship(&app, &customer).await;
    let now = timestamp(dispatched_at + chrono::Duration::hours(2));
    shipment(&app, &prompt, "dispatched", now).await;
    shipment(&app, &prompt, "delayed", now).await;
    let sent = messages_when(&app, &customer, &prompt, "the prompt notices", |found| {
        found.len() == 3 && found.iter().all(|m| m.send_time.is_some())
    })
    .await;
    let kinds: Vec<(pb::NotificationKind, bool)> =
        sent.iter().map(|m| (m.kind(), m.late)).collect();
    assert_eq!(
        kinds,
        [
            (pb::NotificationKind::DeliveryProblem, false),
            (pb::NotificationKind::Shipment, false),
            (pb::NotificationKind::Confirmation, false)
        ]
    );
    app.quiescent().await;
    assert!(
        timeline(&app, &prompt.id)
            .await
            .iter()
            .all(|e| e.action != "sla_missed"),
        "SLA-6 kept"
    );
    assert_eq!(
        gateway.sent.load(Ordering::SeqCst),
        6,
        "each message sent once, by one of the two replicas"
    );

    // The customer's whole log, and a bad request.
    let all = app
        .sales()
        .await
        .list_customer_messages(pb::ListCustomerMessagesRequest {
            customer_id: customer.id.clone(),
            page_size: 3,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|status| panic!("{status:?}"))
        .into_inner();
    assert_eq!(all.messages.len(), 3);
    assert!(!all.next_page_token.is_empty());
    let refused = app
        .sales()
        .await
        .list_customer_messages(pb::ListCustomerMessagesRequest::default())
        .await
        .err()
        .unwrap_or_else(|| panic!("listed without a customer"));
    assert_eq!(testing::violated_fields(&refused), ["customer_id"]);
}

/// Two replicas share each consumer, and finance's and logistics' reports
/// come through different consumers, so a report can be handled before the
/// one it follows. The fault suite found orders left for good in SHIPPED
/// (a delivery handled before the dispatch) and in DELIVERED (a settlement
/// handled before the delivery): the early report was acknowledged and
/// dropped. An early report now waits for the order to catch up.
async fn log_5_fin_9_reports_that_overtake_the_order_wait_for_it(backend: Backend) {
    let app = spawn_orders(backend).await;
    let customer = create_customer(&mut app.sales().await).await;
    // Released, its stock still being reserved: the shipment's reports and
    // the settlement overtake inventory's.
    let order = released(&app, &customer).await;
    let now = timestamp(chrono::Utc::now());
    let settled = finance::DocumentEvent {
        event_id: uuid::Uuid::now_v7().to_string(),
        actor: "finance".to_owned(),
        document: Some(finance::Document {
            order_id: order.id.clone(),
            number: format!("FI-{}", order.number),
            ..Default::default()
        }),
        ..Default::default()
    };
    publish(
        &app,
        "finance",
        "finance.order.settled",
        settled.encode_to_vec(),
    )
    .await;
    shipment(&app, &order, "delivered", now).await;
    shipment(&app, &order, "dispatched", now).await;
    // All three reached their consumers before the reservation is whole.
    testing::eventually(Duration::from_secs(20), "the reports handled", || async {
        let logistics = testing::consumer_info(
            &app.nats,
            "LOGISTICS",
            orderflow_orders::consumers::release::LOGISTICS_CONSUMER,
        )
        .await?
        .delivered
        .stream_sequence;
        let finance = testing::consumer_info(
            &app.nats,
            "FINANCE",
            orderflow_orders::consumers::release::FINANCE_CONSUMER,
        )
        .await?
        .delivered
        .stream_sequence;
        (logistics >= 2 && finance >= 1).then_some(())
    })
    .await;
    assert_eq!(
        get_order(&app, &order.id).await.state,
        pb::OrderState::Released as i32
    );
    reservation_completed(&app, &order).await;
    testing::eventually(Duration::from_secs(60), "the order completed", || async {
        (get_order(&app, &order.id).await.state == pb::OrderState::Completed as i32).then_some(())
    })
    .await;
    let actions: Vec<String> = timeline(&app, &order.id)
        .await
        .into_iter()
        .map(|entry| entry.action)
        .filter(|action| {
            ["ready_to_ship", "shipped", "delivered", "completed"].contains(&action.as_str())
        })
        .collect();
    assert_eq!(
        actions,
        ["ready_to_ship", "shipped", "delivered", "completed"]
    );
}

/// Production's schedule of `order`, finishing on `planned_completion`
/// after the order's due date.
async fn scheduled(app: &TestApp, order: &pb::Order, planned_completion: &str) {
    let event = production::ProductionEvent {
        event_id: uuid::Uuid::now_v7().to_string(),
        actor: "ma".to_owned(),
        detail: format!("planned completion {planned_completion}"),
        production_order: Some(production::ProductionOrder {
            order_id: order.id.clone(),
            order_number: order.number.clone(),
            due_date: "2026-04-15".to_owned(),
            planned_completion: planned_completion.to_owned(),
            ..Default::default()
        }),
        ..Default::default()
    };
    publish(
        app,
        "production",
        "production.order.scheduled",
        event.encode_to_vec(),
    )
    .await;
}

async fn ord_17_the_same_delay_is_told_once_and_a_later_date_again(backend: Backend) {
    let app = spawn_orders(backend).await;
    let customer = create_customer(&mut app.sales().await).await;
    let order = ready_to_ship(&app, &customer).await;
    scheduled(&app, &order, "2026-04-20").await;
    messages_when(&app, &customer, &order, "the delay notice", |found| {
        found.len() == 2
    })
    .await;
    // Production re-plans to the same date: nothing new to tell.
    scheduled(&app, &order, "2026-04-20").await;
    app.quiescent().await;
    let told = messages(&app, &customer, &order).await;
    // The confirmation sheet and the delay, each once.
    assert_eq!(told.len(), 2, "the same news told twice: {told:?}");
    // A later date is news again.
    scheduled(&app, &order, "2026-04-27").await;
    let told = messages_when(
        &app,
        &customer,
        &order,
        "the second delay notice",
        |found| found.len() == 3,
    )
    .await;
    assert!(told[0].text.contains("2026-04-27"), "{}", told[0].text);
    assert!(told[1].text.contains("2026-04-20"), "{}", told[1].text);
    let scheduled_entries = timeline(&app, &order.id)
        .await
        .iter()
        .filter(|entry| entry.action == "production_scheduled")
        .count();
    assert_eq!(scheduled_entries, 3, "each schedule is on the timeline");
    // Back to the first date: news again, since the customer last heard of
    // the later one.
    scheduled(&app, &order, "2026-04-20").await;
    let told = messages_when(&app, &customer, &order, "the date back", |found| {
        found.len() == 4
    })
    .await;
    assert!(told[0].text.contains("2026-04-20"), "{}", told[0].text);
}

/// The carrier's tracking of `order`'s shipment: `status` at `location`.
async fn tracked(app: &TestApp, order: &pb::Order, status: &str, location: &str) {
    let message = logistics::ShipmentEvent {
        event_id: uuid::Uuid::now_v7().to_string(),
        actor: "carrier-feed".to_owned(),
        shipment: Some(logistics::Shipment {
            order_id: order.id.clone(),
            order_number: order.number.clone(),
            carrier_code: "SF".to_owned(),
            tracking_number: format!("SF{}", order.number),
            ..Default::default()
        }),
        tracking: Some(logistics::TrackingEvent {
            time: Some(timestamp(start_time())),
            status: status.to_owned(),
            location: location.to_owned(),
            description: String::new(),
        }),
        ..Default::default()
    };
    publish(
        app,
        "logistics",
        "logistics.shipment.tracked",
        message.encode_to_vec(),
    )
    .await;
}

async fn ord_17_a_carriers_exception_is_a_delivery_problem_told_once(backend: Backend) {
    let app = spawn_orders(backend).await;
    let customer = create_customer(&mut app.sales().await).await;
    let order = ready_to_ship(&app, &customer).await;
    shipment(&app, &order, "dispatched", timestamp(start_time())).await;
    wait_for_state(&app, &order.id, pb::OrderState::Shipped).await;
    // On its way: on the timeline, nothing to tell.
    tracked(&app, &order, "in_transit", "Hangzhou hub").await;
    // Held at customs: a problem, told once however often it is reported.
    tracked(&app, &order, "exception", "Shanghai customs").await;
    tracked(&app, &order, "exception", "Shanghai customs").await;
    app.quiescent().await;
    let told = messages_when(&app, &customer, &order, "the problem told", |found| {
        found.len() == 3
    })
    .await;
    let kinds: Vec<pb::NotificationKind> = told.iter().map(pb::CustomerMessage::kind).collect();
    assert_eq!(
        kinds,
        [
            pb::NotificationKind::DeliveryProblem,
            pb::NotificationKind::Shipment,
            pb::NotificationKind::Confirmation
        ]
    );
    assert!(
        told[0].text.contains(&format!("SF SF{}", order.number))
            && told[0].text.contains("exception Shanghai customs"),
        "{}",
        told[0].text
    );
    let tracking = timeline(&app, &order.id)
        .await
        .iter()
        .filter(|entry| entry.action == "tracking")
        .count();
    assert_eq!(tracking, 3, "every report is on the timeline");
}
