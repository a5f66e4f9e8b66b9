//! The domain.md scenarios through the public gRPC APIs of the running
//! services. Each scenario goes as far as the services that exist allow.

mod aftersales;
mod authorization;
mod finance;
mod fulfilment;
mod fuzz;
mod layers;
mod nats;
mod procurement;
mod production;
mod refunds;
mod s1;
mod s10;
mod s11;
mod s12;
mod s13;
mod s14;
mod s3;
mod s6;
mod stock;

use std::time::Duration;

use orderflow_e2e::{Cluster, authorized};
use orderflow_proto::common::v1 as common;
use orderflow_proto::orders::v1 as pb;
use pb::order_service_client::OrderServiceClient;

pub(crate) fn address() -> common::Address {
    common::Address {
        recipient_name: "John Smith".to_owned(),
        phone: "+44 20 7946 0000".to_owned(),
        country_code: "GB".to_owned(),
        region: "Greater London".to_owned(),
        city: "London".to_owned(),
        district: String::new(),
        street: "221B Baker Street".to_owned(),
        postal_code: "NW1 6XE".to_owned(),
    }
}

pub(crate) async fn get_order(
    orders: &mut OrderServiceClient<tonic::transport::Channel>,
    id: &str,
) -> pb::Order {
    orders
        .get_order(authorized(
            pb::GetOrderRequest {
                order_id: id.to_owned(),
            },
            "e2e",
            &["sales"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
}

pub(crate) async fn wait_for_state(
    orders: &mut OrderServiceClient<tonic::transport::Channel>,
    id: &str,
    state: pb::OrderState,
) -> pb::Order {
    for _ in 0..200 {
        let order = get_order(orders, id).await;
        if order.state == state as i32 {
            return order;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("order {id} never reached {state:?}");
}

/// Someone selling: a subject and their roles.
pub(crate) type Seller<'a> = (&'a str, &'a [&'a str]);

pub(crate) async fn create_customer(
    orders: &mut OrderServiceClient<tonic::transport::Channel>,
    name: &str,
    seller: Seller<'_>,
) -> pb::Customer {
    orders
        .create_customer(authorized(
            pb::CreateCustomerRequest {
                name: name.to_owned(),
                address: Some(address()),
                ..Default::default()
            },
            seller.0,
            seller.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
}

/// The seller submits the order and the sales assistant confirms it (ORD-4).
pub(crate) async fn submit_and_confirm(
    orders: &mut OrderServiceClient<tonic::transport::Channel>,
    order_id: &str,
    seller: Seller<'_>,
) -> pb::Order {
    orders
        .submit_order(authorized(
            pb::SubmitOrderRequest {
                order_id: order_id.to_owned(),
                ..Default::default()
            },
            seller.0,
            seller.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    orders
        .confirm_order(authorized(
            pb::ConfirmOrderRequest {
                order_id: order_id.to_owned(),
                ..Default::default()
            },
            "amy",
            &["sales_assistant"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
}

pub(crate) async fn timeline(
    orders: &mut OrderServiceClient<tonic::transport::Channel>,
    order_id: &str,
) -> Vec<pb::TimelineEntry> {
    orders
        .get_order_timeline(authorized(
            pb::GetOrderTimelineRequest {
                order_id: order_id.to_owned(),
            },
            "e2e",
            &["sales"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .entries
}

/// The order's first timeline entry with `action`, once it is there.
pub(crate) async fn wait_for_entry(
    orders: &mut OrderServiceClient<tonic::transport::Channel>,
    order_id: &str,
    action: &str,
) -> pb::TimelineEntry {
    for _ in 0..200 {
        let entries = timeline(orders, order_id).await;
        if let Some(entry) = entries.into_iter().find(|e| e.action == action) {
            return entry;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("order {order_id} never got a {action:?} entry");
}

/// A standard prepaid order passes the approval step at once and waits for
/// its payment (S2's start, with prepaid terms).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standard_order_passes_approval_and_awaits_payment() {
    let cluster = Cluster::start().await.unwrap_or_else(|e| panic!("{e:#}"));
    let mut orders = cluster.orders_client().await;
    let customer = orders
        .create_customer(authorized(
            pb::CreateCustomerRequest {
                name: "Suzhou Garden Supplies".to_owned(),
                address: Some(common::Address {
                    country_code: "CN".to_owned(),
                    region: "Jiangsu".to_owned(),
                    city: "Suzhou".to_owned(),
                    ..address()
                }),
                ..Default::default()
            },
            "tom",
            &["sales"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let order = orders
        .create_order(authorized(
            pb::CreateOrderRequest {
                customer_id: customer.id,
                kind: pb::OrderKind::Standard as i32,
                currency_code: "CNY".to_owned(),
                lines: vec![pb::OrderLineInput {
                    sku: "HOSE-20".to_owned(),
                    description: "Garden hose 20 m".to_owned(),
                    quantity: 40,
                    unit_price: Some(common::Money {
                        currency_code: "CNY".to_owned(),
                        minor_units: 8_800,
                    }),
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
            "tom",
            &["sales"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    submit_and_confirm(&mut orders, &order.id, ("tom", &["sales"])).await;
    wait_for_state(&mut orders, &order.id, pb::OrderState::AwaitingPayment).await;
}

/// A business date `days` from today.
/// The business date `days` from today, in the services' business time
/// zone (`BUSINESS_TIME_ZONE`, default Asia/Shanghai): the date they write
/// on what they record. (A UTC date is a day behind from 16:00 UTC on.)
pub(crate) fn in_days(days: i64) -> String {
    let zone = orderflow_platform::config::Env::from_process()
        .business_time_zone()
        .unwrap_or_else(|error| panic!("{error}"));
    (chrono::Utc::now().with_timezone(&zone).date_naive() + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}
