//! Reservations: INV-2, INV-3, INV-4 and S14.

use orderflow_platform::backend_tests;
use orderflow_platform::testing::Backend;
use orderflow_proto::inventory::v1 as pb;

use crate::support::*;

backend_tests!(
    s14_fifty_concurrent_orders_for_twenty_units_reserve_exactly_twenty,
    inv_3_a_reservation_repeated_for_the_same_order_changes_nothing,
    inv_3_each_line_is_reserved_in_full_or_passed_on_short,
    inv_7_stock_never_falls_below_what_is_reserved,
);

async fn s14_fifty_concurrent_orders_for_twenty_units_reserve_exactly_twenty(backend: Backend) {
    let app = spawn_inventory(backend).await;
    let mut warehouse = app.warehouse().await;
    stocked(&mut warehouse, "PUMP-100", 20).await;
    // PostgreSQL: two instances share the database, as two replicas would.
    let (second, _replica) = if backend == Backend::Postgres {
        let (address, shutdown) = app.replica().await;
        (address, Some(shutdown))
    } else {
        (app.address, None)
    };
    let mut calls = Vec::new();
    for n in 0..50 {
        let address = if n % 2 == 0 { app.address } else { second };
        calls.push(tokio::spawn(async move {
            let mut client = client_at(address, "service:orders", &["service"]).await;
            client
                .reserve_for_order(pb::ReserveForOrderRequest {
                    order_id: test_order_id(n),
                    order_number: format!("20260302{n:08}"),
                    warehouse: "FG".to_owned(),
                    lines: vec![line("PUMP-100", 1)],
                })
                .await
                .map(|response| response.into_inner().fully_reserved)
        }));
    }
    let mut reserved = 0;
    let mut short = 0;
    for call in calls {
        match call.await.unwrap_or_else(|e| panic!("{e}")) {
            Ok(true) => reserved += 1,
            Ok(false) => short += 1,
            Err(status) => panic!("{status:?}"),
        }
    }
    assert_eq!((reserved, short), (20, 30), "exactly 20 reserved, 30 short");
    let level = stock(&mut warehouse, "PUMP-100", "FG").await;
    assert_eq!(
        (level.on_hand, level.reserved, level.available),
        (20, 20, 0),
        "nothing oversold"
    );
    assert_eq!(
        ledger(&mut warehouse, "PUMP-100", "FG").await,
        level.on_hand,
        "INV-7: on hand is the sum of movements"
    );
}

async fn inv_3_a_reservation_repeated_for_the_same_order_changes_nothing(backend: Backend) {
    let app = spawn_inventory(backend).await;
    let mut warehouse = app.warehouse().await;
    stocked(&mut warehouse, "PUMP-100", 10).await;
    let request = pb::ReserveForOrderRequest {
        order_id: test_order_id(1),
        order_number: "2026030200000001".to_owned(),
        warehouse: String::new(),
        lines: vec![line("PUMP-100", 3)],
    };
    let first = warehouse
        .reserve_for_order(request.clone())
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let mut more = request.clone();
    more.lines = vec![line("PUMP-100", 5)];
    let again = warehouse
        .reserve_for_order(more)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(again, first, "the first reservation stands");
    assert_eq!(stock(&mut warehouse, "PUMP-100", "FG").await.reserved, 3);

    let released = warehouse
        .release_reservation(pb::ReleaseReservationRequest {
            order_id: test_order_id(1),
            reason: "order cancelled".to_owned(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(released.state, pb::ReservationState::Released as i32);
    let twice = warehouse
        .release_reservation(pb::ReleaseReservationRequest {
            order_id: test_order_id(1),
            reason: "again".to_owned(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(twice.state, pb::ReservationState::Released as i32);
    assert_eq!(
        stock(&mut warehouse, "PUMP-100", "FG").await.available,
        10,
        "available again, once"
    );
}

async fn inv_3_each_line_is_reserved_in_full_or_passed_on_short(backend: Backend) {
    let app = spawn_inventory(backend).await;
    let mut warehouse = app.warehouse().await;
    stocked(&mut warehouse, "PUMP-100", 10).await;
    stocked(&mut warehouse, "SEAL-KIT", 3).await;
    let reservation = warehouse
        .reserve_for_order(pb::ReserveForOrderRequest {
            order_id: test_order_id(2),
            order_number: "2026030200000002".to_owned(),
            warehouse: "FG".to_owned(),
            lines: vec![line("PUMP-100", 4), line("SEAL-KIT", 5), line("NEW-SKU", 1)],
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let shorts: Vec<(String, i64, i64)> = reservation
        .lines
        .iter()
        .map(|line| (line.sku.clone(), line.reserved, line.short))
        .collect();
    assert_eq!(
        shorts,
        vec![
            ("PUMP-100".to_owned(), 4, 0),
            ("SEAL-KIT".to_owned(), 0, 5),
            ("NEW-SKU".to_owned(), 0, 1),
        ]
    );
    assert!(!reservation.fully_reserved);
    assert_eq!(
        stock(&mut warehouse, "SEAL-KIT", "FG").await.reserved,
        0,
        "a short line holds nothing"
    );
}

async fn inv_7_stock_never_falls_below_what_is_reserved(backend: Backend) {
    let app = spawn_inventory(backend).await;
    let mut warehouse = app.warehouse().await;
    stocked(&mut warehouse, "PUMP-100", 5).await;
    warehouse
        .reserve_for_order(pb::ReserveForOrderRequest {
            order_id: test_order_id(3),
            order_number: "n".to_owned(),
            warehouse: "FG".to_owned(),
            lines: vec![line("PUMP-100", 4)],
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let status = warehouse
        .adjust_stock(pb::AdjustStockRequest {
            request_id: String::new(),
            sku: "PUMP-100".to_owned(),
            warehouse: "FG".to_owned(),
            quantity: -2,
            note: "two found broken".to_owned(),
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("reserved stock was written off"));
    assert_eq!(status.code(), tonic::Code::FailedPrecondition);
    warehouse
        .adjust_stock(pb::AdjustStockRequest {
            request_id: String::new(),
            sku: "PUMP-100".to_owned(),
            warehouse: "FG".to_owned(),
            quantity: -1,
            note: "one found broken".to_owned(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let level = stock(&mut warehouse, "PUMP-100", "FG").await;
    assert_eq!((level.on_hand, level.reserved, level.available), (4, 4, 0));
    assert_eq!(ledger(&mut warehouse, "PUMP-100", "FG").await, 4);
}
