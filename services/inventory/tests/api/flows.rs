//! Kits, picking and outbound, inbound, returns, material issue.

use orderflow_platform::backend_tests;
use orderflow_platform::testing::{self, Backend};
use orderflow_proto::inventory::v1 as pb;
use sea_orm::ConnectionTrait;

use crate::support::*;

backend_tests!(
    ord_8_a_kit_line_with_a_wrong_quantity_or_weight_is_flagged,
    inv_5_picking_carries_the_notes_and_goods_leave_after_inspection,
    ord_12_the_notes_of_an_older_order_version_handled_last_do_not_win,
    inv_6_prc_5_goods_come_in_after_inspection_and_damaged_returns_go_to_quarantine,
    inv_8_materials_are_issued_to_production_and_a_work_contact_sheet_is_kept,
    inv_7_the_store_refuses_to_change_or_delete_a_stock_movement,
    a_repeated_adjustment_returns_the_first_movement_and_counts_nothing_more,
    d4_an_adjustment_of_i64_min_is_refused_not_a_panic,
    d7_a_kit_of_a_hundred_thousand_components_is_refused_not_internal,
    prc_6_parts_at_an_outsourcing_vendor_are_stock_there_until_their_return_passes,
);

async fn ord_8_a_kit_line_with_a_wrong_quantity_or_weight_is_flagged(backend: Backend) {
    let app = spawn_inventory(backend).await;
    let mut warehouse = app.warehouse().await;
    stocked(&mut warehouse, "PUMP-100", 0).await;
    warehouse
        .create_item(pb::CreateItemRequest {
            sku: "SEAL-KIT".to_owned(),
            name: "Seal kit".to_owned(),
            weight_grams: 150,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let kit = warehouse
        .define_kit(pb::DefineKitRequest {
            request_id: String::new(),
            sku: "PUMP-SET".to_owned(),
            name: "Pump with two seal kits".to_owned(),
            components: vec![
                pb::KitComponent {
                    sku: "PUMP-100".to_owned(),
                    quantity: 1,
                },
                pb::KitComponent {
                    sku: "SEAL-KIT".to_owned(),
                    quantity: 2,
                },
            ],
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(kit.total_weight_grams, 4_500);

    let check = |components: Vec<pb::KitComponent>, weight| pb::CheckKitRequest {
        kit_sku: "PUMP-SET".to_owned(),
        components,
        total_weight_grams: weight,
    };
    let right = warehouse
        .check_kit(check(
            vec![
                pb::KitComponent {
                    sku: "PUMP-100".to_owned(),
                    quantity: 1,
                },
                pb::KitComponent {
                    sku: "SEAL-KIT".to_owned(),
                    quantity: 2,
                },
            ],
            4_500,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(right.matches, "{:?}", right.discrepancies);
    let wrong = warehouse
        .check_kit(check(
            vec![
                pb::KitComponent {
                    sku: "PUMP-100".to_owned(),
                    quantity: 1,
                },
                pb::KitComponent {
                    sku: "SEAL-KIT".to_owned(),
                    quantity: 1,
                },
            ],
            4_350,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(!wrong.matches);
    assert_eq!(wrong.discrepancies.len(), 2, "{:?}", wrong.discrepancies);
}

async fn inv_5_picking_carries_the_notes_and_goods_leave_after_inspection(backend: Backend) {
    let app = spawn_inventory(backend).await;
    let mut warehouse = app.warehouse().await;
    stocked(&mut warehouse, "PUMP-100", 10).await;
    warehouse
        .reserve_for_order(pb::ReserveForOrderRequest {
            order_id: test_order_id(9),
            order_number: "2026030200000009".to_owned(),
            warehouse: "FG".to_owned(),
            lines: vec![line("PUMP-100", 3)],
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let pick = pb::CreatePickListRequest {
        request_id: "pick-order-9".to_owned(),
        order_id: test_order_id(9),
        notes: "gift: one spare seal kit; double carton".to_owned(),
    };
    let list = warehouse
        .create_pick_list(pick.clone())
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    // A retried request gets the same pick list, not a second one.
    let again = warehouse
        .create_pick_list(pick)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(again.id, list.id);
    assert!(
        list.notes.contains("gift: one spare seal kit"),
        "ORD-12: {}",
        list.notes
    );
    assert_eq!(list.lines, vec![line("PUMP-100", 3)]);

    let early = warehouse
        .post_outbound(pb::PostOutboundRequest {
            pick_list_id: list.id.clone(),
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("posted without inspection"));
    assert_eq!(early.code(), tonic::Code::FailedPrecondition);
    let not_qc = warehouse
        .record_outbound_inspection(pb::RecordOutboundInspectionRequest {
            pick_list_id: list.id.clone(),
            passed: true,
            note: String::new(),
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("the warehouse inspected its own picking"));
    assert_eq!(not_qc.code(), tonic::Code::PermissionDenied);
    app.client("li", &["qc"])
        .await
        .record_outbound_inspection(pb::RecordOutboundInspectionRequest {
            pick_list_id: list.id.clone(),
            passed: true,
            note: "3 cartons checked".to_owned(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let posted = warehouse
        .post_outbound(pb::PostOutboundRequest {
            pick_list_id: list.id.clone(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(posted.state, pb::PickListState::Posted as i32);
    let level = stock(&mut warehouse, "PUMP-100", "FG").await;
    assert_eq!((level.on_hand, level.reserved), (7, 0));
    assert_eq!(ledger(&mut warehouse, "PUMP-100", "FG").await, 7, "INV-7");
    let reservation = warehouse
        .get_reservation(pb::GetReservationRequest {
            order_id: test_order_id(9),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(reservation.state, pb::ReservationState::Consumed as i32);
}

async fn inv_6_prc_5_goods_come_in_after_inspection_and_damaged_returns_go_to_quarantine(
    backend: Backend,
) {
    let app = spawn_inventory(backend).await;
    let mut warehouse = app.warehouse().await;
    stocked(&mut warehouse, "PUMP-100", 0).await;
    let uninspected = warehouse
        .receive_from_production(pb::ReceiveRequest {
            warehouse: "FG".to_owned(),
            lines: vec![line("PUMP-100", 50)],
            reference: "PO-PROD-1".to_owned(),
            inspection_passed: false,
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("received without QA"));
    assert_eq!(uninspected.code(), tonic::Code::FailedPrecondition);
    let receipt = warehouse
        .receive_from_production(pb::ReceiveRequest {
            warehouse: "FG".to_owned(),
            lines: vec![line("PUMP-100", 50)],
            reference: "PO-PROD-1".to_owned(),
            inspection_passed: true,
            inspection_reference: "QA-77".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(receipt.movements.len(), 1);
    assert_eq!(receipt.movements[0].reason, "inbound_production");
    // PRC-5: purchased goods only against a receipt procurement's IQC
    // passed, and no more than it accepted.
    let receipt_id = "01900000-0000-7000-8000-000000000001";
    let purchase = |quantity: i64| pb::ReceiveRequest {
        warehouse: "FG".to_owned(),
        lines: vec![line("PUMP-100", quantity)],
        reference: receipt_id.to_owned(),
        inspection_passed: true,
        inspection_reference: "IQC-9".to_owned(),
        ..Default::default()
    };
    let unpassed = warehouse
        .receive_from_purchase(purchase(5))
        .await
        .err()
        .unwrap_or_else(|| panic!("booked without IQC"));
    assert_eq!(unpassed.code(), tonic::Code::FailedPrecondition);
    assert!(unpassed.message().contains("PRC-5"), "{unpassed:?}");
    {
        use orderflow_proto::procurement::v1 as procurement;
        use prost::Message;
        let inspected = procurement::PurchaseOrderEvent {
            event_id: "e-1".to_owned(),
            actor: "quinn".to_owned(),
            purchase_order: Some(procurement::PurchaseOrder {
                id: "01900000-0000-7000-8000-0000000000aa".to_owned(),
                ..Default::default()
            }),
            receipt: Some(procurement::Receipt {
                id: receipt_id.to_owned(),
                line: 1,
                sku: "PUMP-100".to_owned(),
                quantity: 6,
                accepted: 5,
                rejected: 1,
                ..Default::default()
            }),
            ..Default::default()
        };
        orderflow_platform::testing::publish_event(
            &app.nats,
            "procurement",
            "procurement.receipt.inspected",
            inspected.encode_to_vec(),
        )
        .await;
        app.quiescent(&[]).await;
    }
    let too_many = warehouse
        .receive_from_purchase(purchase(6))
        .await
        .err()
        .unwrap_or_else(|| panic!("booked what IQC rejected"));
    assert_eq!(too_many.code(), tonic::Code::FailedPrecondition);
    warehouse
        .receive_from_purchase(purchase(5))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    for (restock, expected_warehouse) in [(true, "FG"), (false, "QUARANTINE")] {
        let returned = warehouse
            .receive_return(pb::ReceiveReturnRequest {
                request_id: String::new(),
                warehouse: "FG".to_owned(),
                lines: vec![line("PUMP-100", 1)],
                reference: "RMA-1".to_owned(),
                restock,
                inspection_note: if restock {
                    "complete, tags on"
                } else {
                    "housing cracked"
                }
                .to_owned(),
            })
            .await
            .unwrap_or_else(|s| panic!("{s:?}"))
            .into_inner();
        assert_eq!(returned.warehouse, expected_warehouse);
    }
    assert_eq!(stock(&mut warehouse, "PUMP-100", "FG").await.on_hand, 56);
    assert_eq!(
        stock(&mut warehouse, "PUMP-100", "QUARANTINE")
            .await
            .on_hand,
        1
    );
    assert_eq!(ledger(&mut warehouse, "PUMP-100", "FG").await, 56);
}

async fn inv_8_materials_are_issued_to_production_and_a_work_contact_sheet_is_kept(
    backend: Backend,
) {
    let app = spawn_inventory(backend).await;
    let mut warehouse = app.warehouse().await;
    stocked(&mut warehouse, "STEEL-2MM", 0).await;
    warehouse
        .adjust_stock(pb::AdjustStockRequest {
            request_id: String::new(),
            sku: "STEEL-2MM".to_owned(),
            warehouse: "MATERIALS".to_owned(),
            quantity: 100,
            note: "opening count".to_owned(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let issued = warehouse
        .issue_materials(pb::IssueMaterialsRequest {
            request_id: "issue-1".to_owned(),
            warehouse: String::new(),
            lines: vec![line("STEEL-2MM", 30)],
            production_order: "MO-2026-001".to_owned(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(issued.movements[0].quantity, -30);
    let too_much = warehouse
        .issue_materials(pb::IssueMaterialsRequest {
            request_id: String::new(),
            warehouse: "MATERIALS".to_owned(),
            lines: vec![line("STEEL-2MM", 71)],
            production_order: "MO-2026-002".to_owned(),
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("issued more than there is"));
    assert_eq!(too_much.code(), tonic::Code::FailedPrecondition);
    assert_eq!(
        stock(&mut warehouse, "STEEL-2MM", "MATERIALS")
            .await
            .on_hand,
        70
    );

    let sheet = warehouse
        .create_work_contact_sheet(pb::CreateWorkContactSheetRequest {
            request_id: String::new(),
            reference: "material-prep order 2026030200000042".to_owned(),
            subject: "Prepare steel for the Q2 pump run".to_owned(),
            body: "GM signed the material-prep order.".to_owned(),
            lines: vec![line("STEEL-2MM", 500)],
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(sheet.created_by, "wang");
    assert_eq!(sheet.lines, vec![line("STEEL-2MM", 500)]);
}

async fn inv_7_the_store_refuses_to_change_or_delete_a_stock_movement(backend: Backend) {
    let app = spawn_inventory(backend).await;
    let mut warehouse = app.warehouse().await;
    stocked(&mut warehouse, "PUMP-100", 5).await;
    let database = app.database.connect().await;
    let connection = database.connection();
    let update = connection
        .execute_unprepared("UPDATE movements SET quantity = 500")
        .await;
    assert!(
        update.is_err(),
        "an UPDATE of a stock movement went through"
    );
    let delete = connection.execute_unprepared("DELETE FROM movements").await;
    assert!(delete.is_err(), "a DELETE of a stock movement went through");
    assert_eq!(ledger(&mut warehouse, "PUMP-100", "FG").await, 5);
    assert_eq!(stock(&mut warehouse, "PUMP-100", "FG").await.on_hand, 5);
}

async fn a_repeated_adjustment_returns_the_first_movement_and_counts_nothing_more(
    backend: Backend,
) {
    let app = spawn_inventory(backend).await;
    let mut warehouse = app.warehouse().await;
    stocked(&mut warehouse, "PUMP-100", 0).await;
    let client = warehouse.clone();
    let (first, second) = testing::assert_idempotent("adjust", |request_id, variant| {
        let mut client = client.clone();
        let request = pb::AdjustStockRequest {
            request_id,
            sku: "PUMP-100".to_owned(),
            warehouse: "FG".to_owned(),
            quantity: [3, 4][usize::from(variant)],
            note: "cycle count".to_owned(),
        };
        async move {
            client
                .adjust_stock(request)
                .await
                .map(|movement| movement.into_inner().id)
        }
    })
    .await;
    assert_ne!(first, second);
    // Two adjustments of 3 were counted, not five.
    assert_eq!(stock(&mut warehouse, "PUMP-100", "FG").await.on_hand, 6);
    assert_eq!(ledger(&mut warehouse, "PUMP-100", "FG").await, 6);
}

async fn d4_an_adjustment_of_i64_min_is_refused_not_a_panic(backend: Backend) {
    let app = spawn_inventory(backend).await;
    let mut warehouse = app.warehouse().await;
    stocked(&mut warehouse, "STEEL-2MM", 5).await;
    for quantity in [i64::MIN, i64::MAX, -1_000_000_001] {
        let refused = warehouse
            .adjust_stock(pb::AdjustStockRequest {
                request_id: String::new(),
                sku: "STEEL-2MM".to_owned(),
                warehouse: String::new(),
                quantity,
                note: "fat finger".to_owned(),
            })
            .await
            .err()
            .unwrap_or_else(|| panic!("{quantity} accepted"));
        assert_eq!(refused.code(), tonic::Code::InvalidArgument, "{refused:?}");
        assert_eq!(testing::violated_fields(&refused), ["quantity"]);
    }
    // The service is still there, and nothing was counted.
    let stock = warehouse
        .get_stock(pb::GetStockRequest {
            sku: "STEEL-2MM".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(stock.on_hand, 5);
}

async fn d7_a_kit_of_a_hundred_thousand_components_is_refused_not_internal(backend: Backend) {
    let app = spawn_inventory(backend).await;
    let mut warehouse = app.warehouse().await;
    let components: Vec<pb::KitComponent> = (0..100_000)
        .map(|index| pb::KitComponent {
            sku: format!("PART-{index}"),
            quantity: 1,
        })
        .collect();
    let refused = warehouse
        .define_kit(pb::DefineKitRequest {
            request_id: String::new(),
            sku: "HUGE-SET".to_owned(),
            name: "Everything".to_owned(),
            components: components.clone(),
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("a kit of 100,000 components was defined"));
    assert_eq!(refused.code(), tonic::Code::InvalidArgument, "{refused:?}");
    assert_eq!(testing::violated_fields(&refused), ["components"]);
    let refused = warehouse
        .check_kit(pb::CheckKitRequest {
            kit_sku: "HUGE-SET".to_owned(),
            components,
            total_weight_grams: 1,
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("checked"));
    assert_eq!(refused.code(), tonic::Code::InvalidArgument, "{refused:?}");
}

async fn prc_6_parts_at_an_outsourcing_vendor_are_stock_there_until_their_return_passes(
    backend: Backend,
) {
    use orderflow_proto::procurement::v1 as procurement;
    use prost::Message;
    let app = spawn_inventory(backend).await;
    let mut warehouse = app.warehouse().await;
    let event = |id: &str, state: procurement::OutsourcingState| {
        procurement::OutsourcingEvent {
            event_id: uuid::Uuid::now_v7().to_string(),
            actor: "pat".to_owned(),
            outsourcing_order: Some(procurement::OutsourcingOrder {
                id: id.to_owned(),
                order_number: "2026120100000001".to_owned(),
                sku: "HOUSING".to_owned(),
                operation: "plating".to_owned(),
                quantity: 40,
                vendor_code: "PLATECO".to_owned(),
                state: state.into(),
                ..Default::default()
            }),
            ..Default::default()
        }
        .encode_to_vec()
    };
    use procurement::OutsourcingState::{Returned, Sent};
    let (sent, inspected) = (
        "procurement.outsourcing.sent",
        "procurement.outsourcing.inspected",
    );
    // How many movements of `reason` (and of `reference`, if given) the
    // ledger at OUTSOURCED holds, once it holds `count`: a handler may be
    // retried (a busy database, a return before its send), which a quiet
    // consumer does not show while it waits to redeliver.
    let reader = warehouse.clone();
    let booked = |reason: &'static str, reference: Option<&'static str>, count: usize| {
        let warehouse = reader.clone();
        async move {
            testing::eventually(
                std::time::Duration::from_secs(20),
                &format!("{count} × {reason}"),
                || {
                    let mut warehouse = warehouse.clone();
                    async move {
                        let found = warehouse
                            .list_movements(pb::ListMovementsRequest {
                                sku: "HOUSING".to_owned(),
                                warehouse: "OUTSOURCED".to_owned(),
                                ..Default::default()
                            })
                            .await
                            .ok()?
                            .into_inner()
                            .movements
                            .into_iter()
                            .filter(|m| {
                                m.reason == reason
                                    && reference.is_none_or(|wanted| m.reference == wanted)
                            })
                            .count();
                        (found >= count).then_some(found)
                    }
                },
            )
            .await
        }
    };
    for (subject, payload) in [(sent, event("os-1", Sent)), (sent, event("os-2", Sent))] {
        testing::publish_event(&app.nats, "procurement", subject, payload).await;
    }
    booked("outsourcing_sent", None, 2).await;
    assert_eq!(
        stock(&mut warehouse, "HOUSING", "OUTSOURCED").await.on_hand,
        80
    );
    // A failed inspection leaves the parts with the vendor; a passed one
    // takes them out, once however often it is reported.
    for (subject, payload) in [
        (inspected, event("os-1", Sent)),
        (inspected, event("os-2", Returned)),
        (inspected, event("os-2", Returned)),
    ] {
        testing::publish_event(&app.nats, "procurement", subject, payload).await;
    }
    booked("outsourcing_returned", None, 1).await;
    app.quiescent(&[]).await;
    assert_eq!(
        stock(&mut warehouse, "HOUSING", "OUTSOURCED").await.on_hand,
        40
    );
    assert_eq!(ledger(&mut warehouse, "HOUSING", "OUTSOURCED").await, 40);
    // A return that arrives before its send waits for it: both are booked.
    for (subject, payload) in [
        (inspected, event("os-3", Returned)),
        (sent, event("os-3", Sent)),
    ] {
        testing::publish_event(&app.nats, "procurement", subject, payload).await;
    }
    booked("outsourcing_returned", Some("os-3"), 1).await;
    app.quiescent(&[]).await;
    assert_eq!(
        stock(&mut warehouse, "HOUSING", "OUTSOURCED").await.on_hand,
        40
    );
    assert_eq!(ledger(&mut warehouse, "HOUSING", "OUTSOURCED").await, 40);
    // Only outsourcing orders move parts at vendors.
    let counted = warehouse
        .adjust_stock(pb::AdjustStockRequest {
            sku: "HOUSING".to_owned(),
            warehouse: "OUTSOURCED".to_owned(),
            quantity: -40,
            note: "count".to_owned(),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("parts at a vendor adjusted by hand"));
    assert_eq!(testing::violated_fields(&counted), ["warehouse"]);
    let movements = warehouse
        .list_movements(pb::ListMovementsRequest {
            sku: "HOUSING".to_owned(),
            warehouse: "OUTSOURCED".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .movements;
    // os-3's return was booked after its send, though it arrived first.
    let mut os_3: Vec<(String, String)> = movements
        .iter()
        .filter(|movement| movement.reference == "os-3")
        .map(|movement| (movement.id.clone(), movement.reason.clone()))
        .collect();
    os_3.sort();
    let os_3: Vec<&str> = os_3.iter().map(|(_, reason)| reason.as_str()).collect();
    assert_eq!(os_3, ["outsourcing_sent", "outsourcing_returned"]);
    let reasons: Vec<String> = movements
        .into_iter()
        .map(|movement| movement.reason)
        .collect();
    assert_eq!(
        reasons.iter().filter(|r| *r == "outsourcing_sent").count(),
        3
    );
    assert_eq!(
        reasons
            .iter()
            .filter(|r| *r == "outsourcing_returned")
            .count(),
        2
    );
}

/// ORD-12, issue 17: two replicas handle an order's events side by side, so
/// an older version of the order can be handled after a newer one: the pick
/// list carries the newer special requirements all the same.
async fn ord_12_the_notes_of_an_older_order_version_handled_last_do_not_win(backend: Backend) {
    use orderflow_proto::orders::v1 as orders;
    let app = spawn_inventory(backend).await;
    let mut warehouse = app.warehouse().await;
    stocked(&mut warehouse, "PUMP-100", 10).await;
    let at = |seconds: i64| {
        Some(prost_types::Timestamp {
            seconds: 1_800_000_000 + seconds,
            nanos: 0,
        })
    };
    let older = orders::Order {
        id: test_order_id(12),
        number: "2026030200000012".to_owned(),
        special_requirements: "gift: one spare seal kit".to_owned(),
        update_time: at(0),
        ..Default::default()
    };
    let newer = orders::Order {
        special_requirements: "gift: two spare seal kits; double carton".to_owned(),
        update_time: at(1),
        ..older.clone()
    };
    testing::publish_order_event(&app.nats, "edited", &newer).await;
    app.quiescent(&[]).await;
    testing::publish_order_event(&app.nats, "created", &older).await;
    app.quiescent(&[]).await;
    warehouse
        .reserve_for_order(pb::ReserveForOrderRequest {
            order_id: older.id.clone(),
            order_number: older.number.clone(),
            warehouse: "FG".to_owned(),
            lines: vec![line("PUMP-100", 1)],
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let list = warehouse
        .create_pick_list(pb::CreatePickListRequest {
            order_id: older.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(list.notes, newer.special_requirements);
}
