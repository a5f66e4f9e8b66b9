//! S3 Shop channel (domain.md §6): 150 orders imported from a shop
//! (ORD-10) → a reviewer claims 100 of them, hidden from a colleague until
//! given back → the review checks the kit lines against their definition
//! (ORD-8) → two orders to the identical recipient are merged (ORD-9) → the
//! carrier follows the routing rules by region (LOG-1) → paid, released,
//! shipped and delivered, all 98 reviewed (ORD-20, LOG-2 … LOG-5, FIN-9) — checked in orders,
//! inventory, logistics and finance.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;
use orderflow_e2e::{Cluster, authorized};
use orderflow_platform::testing;
use orderflow_proto::finance::v1 as finance;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::logistics::v1 as logistics;
use orderflow_proto::orders::v1 as pb;

use crate::fulfilment::ship_to_completion;
use crate::stock::PUMP;
use crate::{get_order, timeline, wait_for_entry};

mod profit;
mod shop;

use shop::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_shop_orders_are_imported_claimed_checked_merged_routed_shipped_and_delivered() {
    let cluster = Cluster::start().await.unwrap_or_else(|e| panic!("{e:#}"));
    let mut orders = cluster.orders_client().await;
    let mut stock = cluster.inventory_client().await;
    let shipping = cluster.logistics_client().await;
    let mut money = cluster.finance_client().await;

    let customer = shop::setup(&cluster).await;

    // ------------------------------------------------ ORD-10: the import
    let imported: Vec<pb::Order> = orders
        .import_channel_orders(authorized(
            pb::ImportChannelOrdersRequest {
                channel: CHANNEL.to_owned(),
                orders: (1..=IMPORTED)
                    .map(|n| shop_order(n, &customer.id))
                    .collect(),
            },
            "service:shop-sync",
            &["service"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .orders
        .into_iter()
        .map(|imported| {
            assert!(!imported.duplicate, "{}", imported.external_id);
            imported.order.unwrap_or_default()
        })
        .collect();
    assert_eq!(imported.len(), IMPORTED);
    for order in &imported {
        assert_eq!(order.state, pb::OrderState::Submitted as i32);
        assert_eq!(order.channel, CHANNEL);
        assert_eq!(order.salesperson, SALESPERSON);
    }
    // `order(n)`: shop order TM-n as imported.
    let order = |n: usize| imported[n - 1].clone();
    // The next sync brings two of them again: nothing new.
    let again = orders
        .import_channel_orders(authorized(
            pb::ImportChannelOrdersRequest {
                channel: CHANNEL.to_owned(),
                orders: vec![
                    shop_order(MERGE_FIRST, &customer.id),
                    shop_order(IMPORTED, &customer.id),
                ],
            },
            "service:shop-sync",
            &["service"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .orders;
    assert!(again.iter().all(|imported| imported.duplicate));
    assert_eq!(
        again
            .iter()
            .map(|imported| imported.order.clone().unwrap_or_default().id)
            .collect::<Vec<_>>(),
        vec![order(MERGE_FIRST).id, order(IMPORTED).id]
    );

    // ------------------------------------------------ ORD-10: the claims
    let claimed = orders
        .claim_orders(authorized(
            pb::ClaimOrdersRequest { count: 0 },
            REVIEWER.0,
            REVIEWER.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .orders;
    assert_eq!(
        claimed_ids(&claimed),
        ids(&imported[..CLAIMED]),
        "the default batch of 100, oldest first"
    );
    // A colleague's batch takes what is left; he sees none of Rita's and
    // cannot review them; he gives his back.
    let bobs = orders
        .claim_orders(authorized(
            pb::ClaimOrdersRequest { count: 0 },
            COLLEAGUE.0,
            COLLEAGUE.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .orders;
    assert_eq!(claimed_ids(&bobs), ids(&imported[CLAIMED..]));
    let seen_by_bob = ids(&visible_orders(&mut orders, COLLEAGUE, pb::OrderState::Submitted).await);
    assert_eq!(seen_by_bob.len(), IMPORTED - CLAIMED);
    assert!(
        ids(&imported[..CLAIMED])
            .iter()
            .all(|id| !seen_by_bob.contains(id))
    );
    let refused = orders
        .confirm_order(authorized(
            pb::ConfirmOrderRequest {
                order_id: order(SICHUAN).id,
                ..Default::default()
            },
            COLLEAGUE.0,
            COLLEAGUE.1,
        ))
        .await
        .err()
        .unwrap_or_else(|| panic!("bob reviewed an order rita holds"));
    assert_eq!(
        testing::unmet_described(&refused)
            .into_iter()
            .map(|(kind, subject, _)| (kind, subject))
            .collect::<Vec<_>>(),
        vec![(
            "CLAIMED".to_owned(),
            format!("orders/{}", order(SICHUAN).id)
        )]
    );
    let given_back = orders
        .release_claims(authorized(
            pb::ReleaseClaimsRequest { order_ids: vec![] },
            COLLEAGUE.0,
            COLLEAGUE.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .released;
    assert_eq!(given_back, (IMPORTED - CLAIMED) as i32);

    // ------------------------------------------------------ ORD-9: merge
    // Li Lei bought twice; a third order has his name and address but
    // another phone: not the same recipient, and nothing is merged.
    let merge = |order_ids: Vec<String>, request_id: &str| {
        authorized(
            pb::MergeOrdersRequest {
                request_id: request_id.to_owned(),
                order_ids,
            },
            REVIEWER.0,
            REVIEWER.1,
        )
    };
    let refused = orders
        .merge_orders(merge(
            vec![
                order(MERGE_FIRST).id,
                order(MERGE_SECOND).id,
                order(OTHER_PHONE).id,
            ],
            "merge-li-lei-1",
        ))
        .await
        .err()
        .unwrap_or_else(|| panic!("an order to another phone was merged"));
    assert_eq!(
        testing::unmet_described(&refused)
            .into_iter()
            .map(|(kind, subject, _)| (kind, subject))
            .collect::<Vec<_>>(),
        vec![(
            "MERGE_RECIPIENT".to_owned(),
            format!("orders/{}", order(OTHER_PHONE).id)
        )]
    );
    let merged = orders
        .merge_orders(merge(
            vec![order(MERGE_FIRST).id, order(MERGE_SECOND).id],
            "merge-li-lei-2",
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(merged.state, pb::OrderState::Submitted as i32);
    assert_eq!(
        merged.merged_from_order_ids,
        vec![order(MERGE_FIRST).id, order(MERGE_SECOND).id]
    );
    assert_eq!(merged.ship_to, Some(li_lei()));
    assert_eq!(merged.channel, CHANNEL);
    assert_eq!(merged.total, cny(KIT_PRICE + 2 * HOSE_PRICE));
    assert_eq!(
        merged
            .lines
            .iter()
            .map(|line| (
                line.line_no,
                line.sku.as_str(),
                line.quantity,
                line.kit.is_some()
            ))
            .collect::<Vec<_>>(),
        vec![(1, "GARDEN-SET", 1, true), (2, "HOSE-20", 2, false)]
    );
    assert_eq!(
        merged.special_requirements,
        "gift: garden gloves\ngift wrap"
    );
    for source in [MERGE_FIRST, MERGE_SECOND] {
        let closed = get_order(&mut orders, &order(source).id).await;
        assert_eq!(closed.state, pb::OrderState::Closed as i32);
        assert_eq!(closed.merged_into_order_id, merged.id);
    }

    // --------------------------------------- ORD-5, ORD-8: Rita's review
    // Every order she holds that is still open, and the merged one. The
    // garden set listed with one seal kit is refused, naming the line, and
    // sent back to the shop.
    let to_review: Vec<String> = imported[..CLAIMED]
        .iter()
        .map(|order| order.id.clone())
        .filter(|id| {
            ![MERGE_FIRST, MERGE_SECOND, WRONG_KIT]
                .iter()
                .any(|n| &order(*n).id == id)
        })
        .chain([merged.id.clone()])
        .collect();
    assert_eq!(to_review.len(), CLAIMED - 2);
    let refused = orders
        .confirm_order(authorized(
            pb::ConfirmOrderRequest {
                order_id: order(WRONG_KIT).id,
                ..Default::default()
            },
            REVIEWER.0,
            REVIEWER.1,
        ))
        .await
        .err()
        .unwrap_or_else(|| panic!("a kit that differs from its definition was confirmed"));
    assert_eq!(
        refused.code(),
        tonic::Code::FailedPrecondition,
        "{refused:?}"
    );
    let kit_findings = testing::unmet_described(&refused);
    assert_eq!(kit_findings.len(), 2, "{kit_findings:?}");
    assert!(
        kit_findings
            .iter()
            .all(|(kind, subject, _)| kind == "KIT_MISMATCH" && subject == "lines[0].kit")
            && kit_findings[0]
                .2
                .contains("SEAL-KIT: 2 per kit, the line says 1")
            && kit_findings[1].2.contains("4800"),
        "{kit_findings:?}"
    );
    orders
        .reject_order(authorized(
            pb::RejectOrderRequest {
                order_id: order(WRONG_KIT).id,
                reason: "the garden set has two seal kits (4.8 kg): correct the shop listing"
                    .to_owned(),
                ..Default::default()
            },
            REVIEWER.0,
            REVIEWER.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let confirmed: Vec<pb::Order> = futures::stream::iter(to_review.clone())
        .map(|id| {
            let mut orders = orders.clone();
            async move {
                orders
                    .confirm_order(authorized(
                        pb::ConfirmOrderRequest {
                            order_id: id.clone(),
                            ..Default::default()
                        },
                        REVIEWER.0,
                        REVIEWER.1,
                    ))
                    .await
                    .unwrap_or_else(|s| panic!("confirming {id}: {s:?}"))
                    .into_inner()
            }
        })
        .buffer_unordered(4)
        .collect()
        .await;
    assert_eq!(confirmed.len(), to_review.len());
    let review = wait_for_entry(&mut orders, &merged.id, "confirmed").await;
    assert_eq!(review.actor, REVIEWER.0);
    assert!(
        review.detail.contains(
            "stock: all available (PUMP-100 1 of 1 available, SEAL-KIT 2 of 2 available, HOSE-20 2 of 2 available)"
        ),
        "the kit is asked for as its components: {}",
        review.detail
    );
    // Nothing she claimed is left for review; the colleague's 50, given
    // back, are open to her and everyone for the next round.
    let mut open_for_review =
        ids(&visible_orders(&mut orders, REVIEWER, pb::OrderState::Submitted).await);
    open_for_review.sort();
    let mut rest = ids(&imported[CLAIMED..]);
    rest.sort();
    assert_eq!(open_for_review, rest);

    // ------------------------------ ORD-20: the day's sales, confirmed
    // Finance books every reviewed order's sale for the salesperson; the
    // day's sales detail is signed, then confirmed with each order's
    // profit.
    let reviewed = to_review.len();
    let sales = testing::eventually(Duration::from_secs(30), "98 sale entries", || {
        let mut money = money.clone();
        let request = authorized(
            finance::ListLedgerEntriesRequest {
                page_size: 500,
                salesperson: SALESPERSON.to_owned(),
                ..Default::default()
            },
            FINANCE.0,
            FINANCE.1,
        );
        async move {
            let entries = money
                .list_ledger_entries(request)
                .await
                .ok()?
                .into_inner()
                .entries;
            (entries.len() == reviewed).then_some(entries)
        }
    })
    .await;
    let mut booked: Vec<String> = sales.iter().map(|entry| entry.order_id.clone()).collect();
    booked.sort();
    let mut expected_booked = to_review.clone();
    expected_booked.sort();
    assert_eq!(booked, expected_booked, "one sale per reviewed order");
    assert!(
        sales
            .iter()
            .all(|entry| entry.kind == finance::LedgerEntryKind::Sale as i32)
    );
    let detail = money
        .sign_sales_detail(authorized(
            finance::SignSalesDetailRequest {
                salesperson: SALESPERSON.to_owned(),
                entry_date: sales[0].entry_date.clone(),
                ..Default::default()
            },
            "mia",
            &["dept_manager"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(detail.entry_ids.len(), reviewed);
    let day_total: i64 = sales
        .iter()
        .map(|entry| entry.amount.as_ref().map_or(0, |money| money.minor_units))
        .sum();
    assert_eq!(detail.totals, vec![cny(day_total).unwrap_or_default()]);
    profit::confirmed(&cluster, &money, &detail.id, reviewed).await;
    // Its sales detail confirmed, an order waits for its shop payment only.
    let gate = money
        .get_release_gate(authorized(
            finance::GetReleaseGateRequest {
                order_id: order(OTHER_PHONE).id,
            },
            FINANCE.0,
            FINANCE.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(!gate.open && gate.awaiting_payment, "{gate:?}");
    assert_eq!(
        gate.blockers
            .iter()
            .map(|blocker| blocker.code.as_str())
            .collect::<Vec<_>>(),
        ["PAYMENT_NOT_CONFIRMED"],
        "{gate:?}"
    );

    // --------------------- FIN-9: paid in the shop, released, ready to ship
    // The shop's payment of every reviewed order is booked and confirmed;
    // each order is released and reserved from finished goods.
    futures::stream::iter(&confirmed)
        .for_each_concurrent(4, |order| paid_in_shop(&orders, &money, order))
        .await;
    testing::eventually(
        Duration::from_secs(180),
        "every reviewed order ready to ship",
        || {
            let mut orders = orders.clone();
            async move {
                let ready =
                    visible_orders(&mut orders, SUPERVISOR, pb::OrderState::ReadyToShip).await;
                (ready.len() == reviewed).then_some(())
            }
        },
    )
    .await;
    for order in &confirmed {
        let reserved = wait_for_entry(&mut orders, &order.id, "stock_reserved").await;
        assert!(
            reserved.detail.starts_with("stock reserved in FG:"),
            "{}: {}",
            order.number,
            reserved.detail
        );
    }

    // ------------------------------------- LOG-1 … LOG-5: ship, deliver
    let carriers: BTreeMap<String, String> = futures::stream::iter(&confirmed)
        .map(|order| async {
            let shipped = ship_to_completion(&cluster, &order.id, &order.number, |_| {}).await;
            (order.id.clone(), shipped.carrier_code)
        })
        .buffer_unordered(4)
        .collect()
        .await;
    for order in &confirmed {
        let region = order.ship_to.clone().unwrap_or_default().region;
        assert_eq!(
            carriers.get(&order.id).map(String::as_str),
            Some(routed(&region).0),
            "{} to {region} (LOG-1)",
            order.number
        );
    }
    assert_eq!(
        [merged.id.clone(), order(SICHUAN).id, order(GUANGDONG).id]
            .map(|id| carriers.get(&id).cloned().unwrap_or_default()),
        ["TTKD", "EMS", "SF"],
        "Jiangsu, Sichuan, Guangdong (LOG-1)"
    );

    // ============================================== the final state: orders
    // Every service has handled every event: what is not there now is
    // not on its way either.
    cluster.quiescent().await;
    let merged_number = merged.number.clone();
    for source in [MERGE_FIRST, MERGE_SECOND] {
        let source = get_order(&mut orders, &order(source).id).await;
        assert_eq!(source.state, pb::OrderState::Closed as i32);
        assert_eq!(source.merged_into_order_id, merged.id);
        let closed = timeline(&mut orders, &source.id)
            .await
            .into_iter()
            .find(|entry| entry.action == "closed")
            .unwrap_or_else(|| panic!("{} has no closed entry", source.number));
        assert_eq!(closed.reason, format!("merged into order {merged_number}"));
    }
    let history = timeline(&mut orders, &merged.id).await;
    assert!(
        history.iter().any(|entry| entry.action == "merged"
            && entry.detail.contains(&order(MERGE_FIRST).number)
            && entry.detail.contains(&order(MERGE_SECOND).number)),
        "{history:?}"
    );
    let moves: Vec<&str> = history
        .iter()
        .filter(|entry| entry.to_state != 0 && entry.action != "merged")
        .map(|entry| entry.action.as_str())
        .collect();
    assert_eq!(
        moves,
        [
            "confirmed",
            "approval_not_required",
            "released",
            "ready_to_ship",
            "shipped",
            "delivered",
            "completed"
        ],
        "{history:?}"
    );
    for order in &confirmed {
        let done = get_order(&mut orders, &order.id).await;
        assert_eq!(done.state, pb::OrderState::Completed as i32);
        assert_eq!(done.amount_paid, order.total, "{}", order.number);
        assert_eq!(Some(&done.carrier_code), carriers.get(&order.id));
        assert_eq!(done.tracking_number, format!("TT{}", order.number));
    }
    let merged_now = get_order(&mut orders, &merged.id).await;
    assert_eq!(merged_now.amount_paid, cny(KIT_PRICE + 2 * HOSE_PRICE));
    assert_eq!(
        merged_now.merged_from_order_ids,
        vec![order(MERGE_FIRST).id, order(MERGE_SECOND).id]
    );
    let rejected = get_order(&mut orders, &order(WRONG_KIT).id).await;
    assert_eq!(rejected.state, pb::OrderState::Rejected as i32);
    // Every order of the channel and where it stands, as a supervisor sees
    // them: the colleague's 50 still to review, every reviewed one
    // completed.
    let mut by_state: BTreeMap<String, usize> = BTreeMap::new();
    for state in [
        pb::OrderState::Submitted,
        pb::OrderState::AwaitingPayment,
        pb::OrderState::ReadyToShip,
        pb::OrderState::Completed,
        pb::OrderState::Closed,
        pb::OrderState::Rejected,
    ] {
        let listed = visible_orders(&mut orders, SUPERVISOR, state).await;
        assert!(listed.iter().all(|order| order.channel == CHANNEL));
        by_state.insert(state.as_str_name().to_owned(), listed.len());
    }
    assert_eq!(
        by_state,
        BTreeMap::from([
            ("ORDER_STATE_SUBMITTED".to_owned(), IMPORTED - CLAIMED),
            ("ORDER_STATE_AWAITING_PAYMENT".to_owned(), 0),
            ("ORDER_STATE_READY_TO_SHIP".to_owned(), 0),
            ("ORDER_STATE_COMPLETED".to_owned(), reviewed),
            ("ORDER_STATE_CLOSED".to_owned(), 2),
            ("ORDER_STATE_REJECTED".to_owned(), 1),
        ])
    );

    // ============================================ the final state: inventory
    // What each order took, from the lines the shop sent: a garden set as
    // its pump and two seal kits. The merged order took both its sources'.
    let mut lines_of: BTreeMap<String, Vec<pb::OrderLineInput>> = (1..=CLAIMED)
        .map(|n| (order(n).id, shop_lines(n)))
        .collect();
    lines_of.insert(
        merged.id.clone(),
        [shop_lines(MERGE_FIRST), shop_lines(MERGE_SECOND)].concat(),
    );
    let mut taken_in_all: BTreeMap<String, i64> = BTreeMap::new();
    for order in &confirmed {
        let expected = taken(lines_of.get(&order.id).map_or(&[][..], Vec::as_slice));
        for (sku, quantity) in &expected {
            *taken_in_all.entry(sku.clone()).or_default() += quantity;
        }
        stock_taken_by(&mut stock, order, &expected).await;
    }
    // Finished goods gave 32 garden sets (the merged order's among them)
    // and 70 hoses; nothing is left reserved; the overseas warehouse was
    // not touched.
    assert_eq!(
        taken_in_all,
        BTreeMap::from([
            (HOSE.0.to_owned(), 70),
            (PUMP.0.to_owned(), 32),
            (SEAL_KIT.0.to_owned(), 64),
        ])
    );
    assert_eq!(stock_level(&mut stock, PUMP.0, "FG").await, (8, 0));
    assert_eq!(stock_level(&mut stock, SEAL_KIT.0, "FG").await, (16, 0));
    assert_eq!(stock_level(&mut stock, HOSE.0, "FG").await, (10, 0));
    assert_eq!(stock_level(&mut stock, PUMP.0, "OVERSEAS").await, (5, 0));
    for unreleased in [
        order(MERGE_FIRST).id,
        order(MERGE_SECOND).id,
        order(WRONG_KIT).id,
    ] {
        let status = reservation(&mut stock, &unreleased)
            .await
            .err()
            .unwrap_or_else(|| panic!("{unreleased} has a reservation"));
        assert_eq!(status.code(), tonic::Code::NotFound, "{status:?}");
    }
    // INV-7: on hand is the sum of the movements, per warehouse.
    for (sku, warehouse) in [
        (PUMP.0, "FG"),
        (SEAL_KIT.0, "FG"),
        (HOSE.0, "FG"),
        (PUMP.0, "OVERSEAS"),
    ] {
        let sum: i64 = movements(
            &mut stock,
            inventory::ListMovementsRequest {
                sku: sku.to_owned(),
                warehouse: warehouse.to_owned(),
                page_size: 500,
                ..Default::default()
            },
        )
        .await
        .iter()
        .map(|m| m.quantity)
        .sum();
        assert_eq!(
            sum,
            stock_level(&mut stock, sku, warehouse).await.0,
            "{sku} {warehouse}"
        );
    }

    // ============================================ the final state: logistics
    let shipment = |order_id: String| {
        let mut shipping = shipping.clone();
        async move {
            shipping
                .get_shipment(authorized(
                    logistics::GetShipmentRequest { order_id },
                    LOGISTICS.0,
                    LOGISTICS.1,
                ))
                .await
                .unwrap_or_else(|s| panic!("{s:?}"))
                .into_inner()
        }
    };
    for order in &confirmed {
        let shipped = shipment(order.id.clone()).await;
        let region = order.ship_to.clone().unwrap_or_default().region;
        assert_eq!(
            shipped.state,
            logistics::ShipmentState::Received as i32,
            "{}",
            order.number
        );
        assert_eq!(
            (
                shipped.carrier_code.as_str(),
                shipped.carrier_reason.as_str()
            ),
            routed(&region),
            "{} to {region}",
            order.number
        );
        assert_eq!(shipped.tracking_number, format!("TT{}", order.number));
        assert!(shipped.goods_out);
        assert_eq!(shipped.note_approved_by, FINANCE.0);
        assert_eq!(shipped.receipt_confirmed_by, "customer");
        assert!(
            shipped
                .tracking
                .iter()
                .any(|event| event.status == "delivered"),
            "{:?}",
            shipped.tracking
        );
    }
    assert_eq!(shipment(merged.id.clone()).await.ship_to, Some(li_lei()));
    // The merged-away orders never ship.
    for source in [MERGE_FIRST, MERGE_SECOND] {
        let cancelled = shipment(order(source).id).await;
        assert_eq!(cancelled.state, logistics::ShipmentState::Cancelled as i32);
    }

    // ============================================== the final state: finance
    for order in &confirmed {
        let documents = money
            .list_documents(authorized(
                finance::ListDocumentsRequest {
                    order_id: order.id.clone(),
                },
                FINANCE.0,
                FINANCE.1,
            ))
            .await
            .unwrap_or_else(|s| panic!("{s:?}"))
            .into_inner()
            .documents;
        let settlement = documents
            .iter()
            .find(|document| document.kind == finance::DocumentKind::FinalInvoice as i32)
            .unwrap_or_else(|| panic!("{} has no final invoice: {documents:?}", order.number));
        assert_eq!(settlement.number, format!("FI-{}", order.number));
        assert_eq!(
            (
                &settlement.net_sales,
                &settlement.received,
                &settlement.balance
            ),
            (&order.total, &order.total, &cny(0)),
            "{}",
            order.number
        );
    }
    let paid = money
        .list_payments(authorized(
            finance::ListPaymentsRequest {
                order_id: merged.id.clone(),
                ..Default::default()
            },
            FINANCE.0,
            FINANCE.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .payments;
    assert_eq!(paid.len(), 1);
    assert_eq!(paid[0].confirmed_by, FINANCE.0);
    // The merged-away and the rejected orders were never sold.
    for never_sold in [MERGE_FIRST, MERGE_SECOND, WRONG_KIT] {
        assert!(!booked.contains(&order(never_sold).id));
    }
}
