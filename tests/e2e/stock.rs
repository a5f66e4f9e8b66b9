//! Orders and inventory together: the stock answer at confirmation (ORD-5),
//! the order's notes on the pick list (ORD-12), and a cancellation releasing
//! the reservation (ORD-6).

use std::time::Duration;

use inventory::inventory_service_client::InventoryServiceClient;
use orderflow_e2e::{Cluster, authorized};
use orderflow_proto::common::v1 as common;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::orders::v1 as pb;
use pb::order_service_client::OrderServiceClient;

use crate::{create_customer, in_days, submit_and_confirm, wait_for_entry, wait_for_state};

const WAREHOUSE: (&str, &[&str]) = ("wang", &["warehouse"]);

async fn place_and_confirm(
    orders: &mut OrderServiceClient<tonic::transport::Channel>,
    quantity: i64,
    special_requirements: &str,
) -> pb::Order {
    let customer = create_customer(orders, "Suzhou Garden Supplies", ("tom", &["sales"])).await;
    let order = orders
        .create_order(authorized(
            pb::CreateOrderRequest {
                customer_id: customer.id,
                kind: pb::OrderKind::Standard as i32,
                currency_code: "CNY".to_owned(),
                lines: vec![pb::OrderLineInput {
                    sku: "PUMP-100".to_owned(),
                    description: "Water pump".to_owned(),
                    quantity,
                    unit_price: Some(common::Money {
                        currency_code: "CNY".to_owned(),
                        minor_units: 125_000,
                    }),
                }],
                requested_delivery_date: in_days(10),
                payment_terms: Some(pb::PaymentTerms {
                    kind: pb::PaymentTermKind::Prepaid as i32,
                    ..Default::default()
                }),
                special_requirements: "gift: one spare seal kit; double carton".to_owned()
                    + special_requirements,
                ..Default::default()
            },
            "tom",
            &["sales"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    submit_and_confirm(orders, &order.id, ("tom", &["sales"])).await
}

async fn stock_up(inventory: &mut InventoryServiceClient<tonic::transport::Channel>, on_hand: i64) {
    inventory
        .create_item(authorized(
            inventory::CreateItemRequest {
                sku: "PUMP-100".to_owned(),
                name: "Water pump".to_owned(),
                unit: "pcs".to_owned(),
                weight_grams: 4_200,
                ..Default::default()
            },
            WAREHOUSE.0,
            WAREHOUSE.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    inventory
        .adjust_stock(authorized(
            inventory::AdjustStockRequest {
                sku: "PUMP-100".to_owned(),
                warehouse: "FG".to_owned(),
                quantity: on_hand,
                note: "opening count".to_owned(),
                ..Default::default()
            },
            WAREHOUSE.0,
            WAREHOUSE.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ord_5_confirmation_records_what_the_warehouse_has() {
    let cluster = Cluster::start().await.unwrap_or_else(|e| panic!("{e:#}"));
    let mut orders = cluster.orders_client().await;
    let mut stock = cluster.inventory_client().await;
    stock_up(&mut stock, 2).await;
    let order = place_and_confirm(&mut orders, 3, "").await;
    let confirmed = wait_for_entry(&mut orders, &order.id, "confirmed").await;
    assert!(
        confirmed.detail.contains("stock: short")
            && confirmed.detail.contains("PUMP-100 2 of 3 available"),
        "{}",
        confirmed.detail
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ord_12_the_pick_list_carries_the_orders_notes_and_ord_6_a_cancellation_releases_the_stock()
{
    let cluster = Cluster::start().await.unwrap_or_else(|e| panic!("{e:#}"));
    let mut orders = cluster.orders_client().await;
    let mut stock = cluster.inventory_client().await;
    stock_up(&mut stock, 10).await;
    let order = place_and_confirm(&mut orders, 3, "").await;
    wait_for_state(&mut orders, &order.id, pb::OrderState::AwaitingPayment).await;

    let reservation = stock
        .reserve_for_order(authorized(
            inventory::ReserveForOrderRequest {
                order_id: order.id.clone(),
                order_number: order.number.clone(),
                warehouse: "FG".to_owned(),
                lines: vec![inventory::Line {
                    sku: "PUMP-100".to_owned(),
                    quantity: 3,
                }],
            },
            "service:orders",
            &["service"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(reservation.fully_reserved);

    let mut pick_list = None;
    for _ in 0..200 {
        let list = stock
            .create_pick_list(authorized(
                inventory::CreatePickListRequest {
                    order_id: order.id.clone(),
                    ..Default::default()
                },
                WAREHOUSE.0,
                WAREHOUSE.1,
            ))
            .await
            .unwrap_or_else(|s| panic!("{s:?}"))
            .into_inner();
        if list.notes.contains("gift") {
            pick_list = Some(list);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pick_list =
        pick_list.unwrap_or_else(|| panic!("the order's notes never reached the pick list"));
    assert!(
        pick_list
            .notes
            .contains("gift: one spare seal kit; double carton"),
        "{}",
        pick_list.notes
    );

    orders
        .cancel_order(authorized(
            pb::CancelOrderRequest {
                order_id: order.id.clone(),
                reason: "customer withdrew the order".to_owned(),
                ..Default::default()
            },
            "tom",
            &["sales"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    for _ in 0..200 {
        let reservation = stock
            .get_reservation(authorized(
                inventory::GetReservationRequest {
                    order_id: order.id.clone(),
                },
                "e2e",
                &["sales"],
            ))
            .await
            .unwrap_or_else(|s| panic!("{s:?}"))
            .into_inner();
        if reservation.state == inventory::ReservationState::Released as i32 {
            let level = stock
                .get_stock(authorized(
                    inventory::GetStockRequest {
                        sku: "PUMP-100".to_owned(),
                        warehouse: "FG".to_owned(),
                    },
                    "e2e",
                    &["sales"],
                ))
                .await
                .unwrap_or_else(|s| panic!("{s:?}"))
                .into_inner();
            assert_eq!(
                (level.reserved, level.available),
                (0, 10),
                "available again"
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the cancelled order's reservation was never released");
}
