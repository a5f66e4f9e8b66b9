//! S14 Contention across the services: 50 orders for one pump each, 20
//! pumps on the shelf, all released at once → exactly 20 reserved and ready
//! to ship, the other 30 short and each made a production order; nothing
//! oversold. On PostgreSQL (as CI runs it) two replicas of orders and of
//! inventory share the work: the orders are placed through both, and each
//! orders replica reserves through its own inventory replica.

use std::time::Duration;

use futures::StreamExt;
use orderflow_e2e::{Cluster, authorized};
use orderflow_platform::testing;
use orderflow_proto::common::v1 as common;
use orderflow_proto::finance::v1 as finance;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::orders::v1 as pb;
use orderflow_proto::production::v1 as production;

use crate::stock::{PUMP, place_and_confirm, stock_item};
use crate::{timeline, wait_for_state};

const ORDERS: usize = 50;
const ON_HAND: i64 = 20;

fn cny(minor_units: i64) -> Option<common::Money> {
    Some(common::Money {
        currency_code: "CNY".to_owned(),
        minor_units,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s14_fifty_orders_for_twenty_pumps_reserve_twenty_and_send_thirty_to_production() {
    let cluster = Cluster::start_replicated()
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    let mut stock = cluster.inventory_client().await;
    stock_item(&mut stock, PUMP, ON_HAND).await;
    let replicas = cluster.orders_clients().await;
    let expected = if testing::postgres_configured() { 2 } else { 1 };
    assert_eq!(replicas.len(), expected, "replicas on PostgreSQL");
    let orders = replicas[0].clone();
    let money = cluster.finance_client().await;

    // 50 orders, each paid in full and the payment confirmed, placed
    // through every orders replica in turn.
    let placed: Vec<pb::Order> = futures::stream::iter(0..ORDERS)
        .map(|index| {
            let mut orders = replicas[index % replicas.len()].clone();
            let money = money.clone();
            async move {
                let order = place_and_confirm(&mut orders, 1, "").await;
                wait_for_state(&mut orders, &order.id, pb::OrderState::AwaitingPayment).await;
                orderflow_e2e::pay_in_full(
                    &money,
                    &order.id,
                    cny(125_000).unwrap_or_default(),
                    ("bank transfer", ""),
                    |_| {},
                )
                .await;
                order
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;

    // ORD-20: the day's sales detail, signed and confirmed once for all 50,
    // opens every gate at once: the reservations race.
    let entries = testing::eventually(Duration::from_secs(30), "50 sale entries", || {
        let mut money = money.clone();
        let request = authorized(
            finance::ListLedgerEntriesRequest {
                page_size: 200,
                ..Default::default()
            },
            "fiona",
            &["finance"],
        );
        async move {
            let entries = money.list_ledger_entries(request).await.ok()?.into_inner();
            (entries.entries.len() == ORDERS).then_some(entries.entries)
        }
    })
    .await;
    let mut money = money.clone();
    let detail = money
        .sign_sales_detail(authorized(
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
        .confirm_sales_detail(authorized(
            finance::ConfirmSalesDetailRequest {
                sales_detail_id: detail.id,
                ..Default::default()
            },
            "fiona",
            &["finance"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));

    // Every order hears whether it got its pump.
    let mut ready = 0;
    let mut short = 0;
    for order in &placed {
        let mut orders = orders.clone();
        let outcome = testing::eventually(Duration::from_secs(30), "the reservation", || {
            let mut orders = orders.clone();
            let id = order.id.clone();
            async move {
                let entries = timeline(&mut orders, &id).await;
                entries
                    .iter()
                    .find(|entry| matches!(entry.action.as_str(), "stock_reserved" | "stock_short"))
                    .map(|entry| entry.action.clone())
            }
        })
        .await;
        if outcome == "stock_reserved" {
            wait_for_state(&mut orders, &order.id, pb::OrderState::ReadyToShip).await;
            ready += 1;
        } else {
            short += 1;
        }
    }
    assert_eq!(
        (ready, short),
        (20, 30),
        "exactly the 20 on the shelf reserved"
    );
    let fg = stock
        .get_stock(authorized(
            inventory::GetStockRequest {
                sku: PUMP.0.to_owned(),
                warehouse: "FG".to_owned(),
            },
            "wang",
            &["warehouse"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(
        (fg.on_hand, fg.reserved, fg.available),
        (20, 20, 0),
        "nothing oversold"
    );
    // Every inventory replica tells the same.
    for mut replica in cluster.inventory_clients().await {
        let seen = replica
            .get_stock(authorized(
                inventory::GetStockRequest {
                    sku: PUMP.0.to_owned(),
                    warehouse: "FG".to_owned(),
                },
                "wang",
                &["warehouse"],
            ))
            .await
            .unwrap_or_else(|s| panic!("{s:?}"))
            .into_inner();
        assert_eq!((seen.on_hand, seen.reserved), (20, 20));
    }

    // The rest go to production: one production order per short order.
    let plant = cluster.production_client().await;
    let made = testing::eventually(Duration::from_secs(30), "30 production orders", || {
        let mut plant = plant.clone();
        let request = authorized(
            production::ListProductionOrdersRequest {
                page_size: 100,
                ..Default::default()
            },
            "pei",
            &["planner"],
        );
        async move {
            let found = plant
                .list_production_orders(request)
                .await
                .ok()?
                .into_inner()
                .production_orders;
            (found.len() == 30).then_some(found)
        }
    })
    .await;
    assert!(
        made.iter()
            .all(|order| order.sku == PUMP.0 && order.quantity == 1)
    );
    cluster.quiescent().await;
}
