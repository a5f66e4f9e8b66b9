//! The domain.md scenarios through the public gRPC APIs of the running
//! services. Each scenario goes as far as the services that exist allow.

mod aftersales;
mod authorization;
mod finance;
mod fulfilment;
mod layers;
mod procurement;
mod production;
mod s10;
mod s11;
mod s12;
mod s13;
mod s14;
mod stock;

use std::time::Duration;

use orderflow_e2e::{Cluster, authorized};
use orderflow_proto::approvals::v1 as approvals;
use orderflow_proto::common::v1 as common;
use orderflow_proto::orders::v1 as pb;
use pb::order_service_client::OrderServiceClient;
use pb::quotation_service_client::QuotationServiceClient;

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

fn usd(minor_units: i64) -> Option<common::Money> {
    Some(common::Money {
        currency_code: "USD".to_owned(),
        minor_units,
    })
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

/// S1, as far as the services that exist go: inquiry → quotation revised
/// once → PO → export order → review → contract review with the GM (the USD
/// amount is over the CNY threshold at the day's rate) → awaiting payment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s1_export_order_through_quotation_and_contract_review_with_the_gm() {
    let cluster = Cluster::start().await.unwrap_or_else(|e| panic!("{e:#}"));
    let channel = Cluster::channel(cluster.orders)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    let mut orders = OrderServiceClient::new(channel.clone());
    let mut quotations = QuotationServiceClient::new(channel);
    let sales = ("tom", &["sales"][..]);
    cluster
        .approvals_client()
        .await
        .set_exchange_rate(authorized(
            approvals::SetExchangeRateRequest {
                request_id: String::new(),
                currency_code: "USD".to_owned(),
                rate: "7.1".to_owned(),
            },
            "fiona",
            &["finance"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));

    let customer = orders
        .create_customer(authorized(
            pb::CreateCustomerRequest {
                name: "Baker Street Imports Ltd".to_owned(),
                phone: "+44 20 7946 0000".to_owned(),
                address: Some(address()),
                ..Default::default()
            },
            sales.0,
            sales.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let terms = |price: i64| pb::QuotationTerms {
        currency_code: "USD".to_owned(),
        lines: vec![pb::QuotationLine {
            sku: "PUMP-100".to_owned(),
            description: "Water pump".to_owned(),
            model: "WP-100".to_owned(),
            manufacturer: "Ningbo Pumps".to_owned(),
            quantity: 1_000,
            unit_price: usd(price),
            line_total: None,
        }],
        delivery_date: in_days(60),
        payment_terms: Some(pb::PaymentTerms {
            kind: pb::PaymentTermKind::Lc as i32,
            ..Default::default()
        }),
        packaging: "export carton".to_owned(),
        container_type: "40HQ".to_owned(),
        valid_until: String::new(),
    };
    let quotation = quotations
        .create_quotation(authorized(
            pb::CreateQuotationRequest {
                customer_id: customer.id.clone(),
                inquiry: Some(pb::Inquiry {
                    reference: "RFQ-9".to_owned(),
                    text: "1000 pumps CIF Felixstowe".to_owned(),
                    receive_time: None,
                }),
                terms: Some(terms(9_500)),
                ..Default::default()
            },
            sales.0,
            sales.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    quotations
        .revise_quotation(authorized(
            pb::ReviseQuotationRequest {
                quotation_id: quotation.id.clone(),
                terms: Some(terms(9_000)),
                change_note: "volume discount".to_owned(),
                base_version: 1,
                ..Default::default()
            },
            sales.0,
            sales.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let accepted = quotations
        .accept_quotation(authorized(
            pb::AcceptQuotationRequest {
                quotation_id: quotation.id.clone(),
                version: 2,
                customer_po_number: "BSI-PO-1207".to_owned(),
                ..Default::default()
            },
            sales.0,
            sales.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let order = accepted.order.unwrap_or_default();
    assert_eq!(order.total, usd(9_000_000));

    submit_and_confirm(&mut orders, &order.id, sales).await;
    let waiting = wait_for_entry(&mut orders, &order.id, "approval_requested").await;
    assert!(
        waiting.detail.contains("export_contract")
            && waiting
                .detail
                .contains("sales → dept_manager → admin_reviewer → gm"),
        "90,000.00 USD at 7.1 is 639,000.00 CNY, over the GM threshold: {}",
        waiting.detail
    );
    let mut approvals = cluster.approvals_client().await;
    let request_id = orders
        .get_order(authorized(
            pb::GetOrderRequest {
                order_id: order.id.clone(),
            },
            "e2e",
            &["sales"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .approval_request_id;
    let request = approvals
        .get_approval_request(authorized(
            approvals::GetApprovalRequestRequest {
                approval_request_id: request_id,
            },
            "e2e",
            &["sales"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    for step in &request.steps {
        let role = step.role.as_str();
        let subject = if role == "sales" { "tom" } else { "approver" };
        let roles = [role];
        approvals
            .decide_step(authorized(
                approvals::DecideStepRequest {
                    request_id: String::new(),
                    approval_request_id: request.id.clone(),
                    step_id: step.id.clone(),
                    decision: approvals::Decision::Approve as i32,
                    reason: String::new(),
                },
                subject,
                &roles,
            ))
            .await
            .unwrap_or_else(|s| panic!("{}: {s:?}", step.role));
    }
    wait_for_state(&mut orders, &order.id, pb::OrderState::AwaitingPayment).await;
    let order = wait_for_state(&mut orders, &order.id, pb::OrderState::AwaitingPayment).await;
    assert_eq!(order.quotation_id, quotation.id);
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
pub(crate) fn in_days(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}
