//! S10 Made-to-measure garment: the store enters the measurements, finance
//! approves, tech rejects with a reason, the store corrects and resubmits,
//! all approve (APR-8); the deposit the store records opens the gate and
//! the order goes to the manufacturer, not to stock or to the factory;
//! commerce records the fabric purchase, the supplier confirms and ships
//! it, the manufacturer receives it (PRC-7) and the order is IN_PRODUCTION;
//! the manufacturer ships the garment to the store, the store confirms its
//! receipt, records the balance, and the customer's pick-up completes it.

use approvals::approval_service_client::ApprovalServiceClient;
use orderflow_e2e::{Cluster, authorized, authorized_partner};
use orderflow_proto::approvals::v1 as approvals;
use orderflow_proto::common::v1 as common;
use orderflow_proto::finance::v1 as finance;
use orderflow_proto::orders::v1 as pb;
use orderflow_proto::procurement::v1 as procurement;
use pb::order_service_client::OrderServiceClient;
use tonic::transport::Channel;

use crate::s13::{approval_of, decision};
use crate::{address, in_days, timeline, wait_for_entry, wait_for_state};

const STORE: &str = "NANJING-1";

fn cny(minor_units: i64) -> Option<common::Money> {
    Some(common::Money {
        currency_code: "CNY".to_owned(),
        minor_units,
    })
}

fn jacket(sleeve_mm: i32) -> pb::GarmentFit {
    pb::GarmentFit {
        category: "jacket".to_owned(),
        pattern: "SB-2B-notch".to_owned(),
        measurements: [
            ("chest", 1020),
            ("waist", 880),
            ("hip", 1000),
            ("shoulder", 460),
            ("sleeve", sleeve_mm),
            ("back_length", 760),
        ]
        .into_iter()
        .map(|(name, mm)| (name.to_owned(), mm))
        .collect(),
    }
}

fn store<T>(message: T) -> tonic::Request<T> {
    authorized_partner(message, "ms-wang", &["store"], STORE)
}

async fn decide_all(
    approvals: &mut ApprovalServiceClient<Channel>,
    orders: &mut OrderServiceClient<Channel>,
    order_id: &str,
    round: i32,
    rejecting: Option<(&str, &str)>,
) {
    let request = approval_of(approvals, orders, order_id, round).await;
    let chain: Vec<&str> = request
        .steps
        .iter()
        .filter(|step| step.round == round)
        .map(|step| step.role.as_str())
        .collect();
    assert_eq!(chain, ["finance", "tech", "commerce"], "APR-8, in order");
    for role in chain {
        let (approve, reason) = match rejecting {
            Some((rejecter, reason)) if rejecter == role => (false, reason),
            _ => (true, ""),
        };
        approvals
            .decide_step(authorized(
                decision(&request, role, approve, reason),
                &format!("{role}-1"),
                &[role],
            ))
            .await
            .unwrap_or_else(|s| panic!("{role}: {s:?}"));
        if !approve {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s10_a_made_to_measure_garment_from_the_store_to_the_manufacturer() {
    let cluster = Cluster::start().await.unwrap_or_else(|e| panic!("{e:#}"));
    let mut orders = cluster.orders_client().await;
    let mut approvals = cluster.approvals_client().await;
    let mut money = cluster.finance_client().await;
    let mut buying = cluster.procurement_client().await;

    // The partners: the fabric supplier and the manufacturer, approved.
    for code in ["WOOLCO", "TAILORS"] {
        buying
            .create_supplier(authorized(
                procurement::CreateSupplierRequest {
                    code: code.to_owned(),
                    name: format!("{code} Ltd"),
                    categories: vec!["fabric".to_owned()],
                    ..Default::default()
                },
                "pat",
                &["purchaser"],
            ))
            .await
            .unwrap_or_else(|s| panic!("{s:?}"));
        buying
            .review_supplier(authorized(
                procurement::ReviewSupplierRequest {
                    code: code.to_owned(),
                    status: procurement::SupplierStatus::Approved.into(),
                    ..Default::default()
                },
                "max",
                &["purchasing_manager"],
            ))
            .await
            .unwrap_or_else(|s| panic!("{s:?}"));
    }

    // The store registers the customer and enters the measurements.
    let customer = orders
        .create_customer(store(pb::CreateCustomerRequest {
            name: "Zhou Ming".to_owned(),
            phone: "+86 138 0013 8000".to_owned(),
            address: Some(address()),
            ..Default::default()
        }))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let order = orders
        .create_order(store(pb::CreateOrderRequest {
            customer_id: customer.id.clone(),
            kind: pb::OrderKind::MadeToMeasure as i32,
            currency_code: "CNY".to_owned(),
            lines: vec![pb::OrderLineInput {
                sku: "SUIT-JACKET".to_owned(),
                description: "Navy jacket".to_owned(),
                quantity: 1,
                unit_price: cny(380_000),
                kit: None,
                fit: Some(jacket(640)),
            }],
            requested_delivery_date: in_days(30),
            payment_terms: Some(pb::PaymentTerms {
                kind: pb::PaymentTermKind::TtDeposit as i32,
                deposit_percent: 30,
                ..Default::default()
            }),
            ..Default::default()
        }))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(order.store_code, STORE);
    orders
        .submit_order(store(pb::SubmitOrderRequest {
            order_id: order.id.clone(),
            ..Default::default()
        }))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let confirm = || {
        authorized(
            pb::ConfirmOrderRequest {
                order_id: order.id.clone(),
                ..Default::default()
            },
            "amy",
            &["sales_assistant"],
        )
    };
    orders
        .confirm_order(confirm())
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));

    // APR-8: finance approves, tech rejects with its reason.
    decide_all(
        &mut approvals,
        &mut orders,
        &order.id,
        1,
        Some(("tech", "a 640 mm sleeve is too long for this pattern")),
    )
    .await;
    wait_for_state(&mut orders, &order.id, pb::OrderState::Rejected).await;
    let rejection = wait_for_entry(&mut orders, &order.id, "approval_rejected").await;
    assert_eq!(
        rejection.reason,
        "a 640 mm sleeve is too long for this pattern"
    );

    // The store corrects the measurement and resubmits; all approve.
    let corrected = pb::OrderLineInput {
        sku: "SUIT-JACKET".to_owned(),
        description: "Navy jacket".to_owned(),
        quantity: 1,
        unit_price: cny(380_000),
        kit: None,
        fit: Some(jacket(615)),
    };
    orders
        .update_order(store(pb::UpdateOrderRequest {
            order_id: order.id.clone(),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["lines".to_owned()],
            }),
            order: Some(pb::OrderUpdate {
                lines: vec![corrected],
                ..Default::default()
            }),
            reason: "sleeve measured again".to_owned(),
            ..Default::default()
        }))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    orders
        .submit_order(store(pb::SubmitOrderRequest {
            order_id: order.id.clone(),
            ..Default::default()
        }))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    orders
        .confirm_order(confirm())
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    decide_all(&mut approvals, &mut orders, &order.id, 2, None).await;
    let approved = wait_for_state(&mut orders, &order.id, pb::OrderState::AwaitingPayment).await;
    let sleeve = approved.lines[0]
        .fit
        .as_ref()
        .and_then(|fit| fit.measurements.get("sleeve").copied());
    assert_eq!(sleeve, Some(615), "the corrected measurement");

    // The store records the deposit (30 % of 3,800.00); finance confirms
    // it and the gate opens.
    let payment = store_payment(
        &mut money,
        &order.id,
        finance::PaymentKind::Deposit,
        114_000,
    )
    .await;
    money
        .confirm_payment(authorized(
            finance::ConfirmPaymentRequest {
                payment_id: payment,
                ..Default::default()
            },
            "fiona",
            &["finance"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    wait_for_state(&mut orders, &order.id, pb::OrderState::Released).await;
    let handed = wait_for_entry(&mut orders, &order.id, "to_manufacturer").await;
    assert!(handed.detail.contains("nothing reserved"), "{handed:?}");

    // PRC-7: commerce buys the fabric; the supplier confirms and ships it;
    // the manufacturer receives it.
    // Procurement learns the order from its events: until then it is not
    // there to buy for.
    let record = procurement::RecordFabricPurchaseRequest {
        order_id: order.id.clone(),
        order_number: order.number.clone(),
        garment: "jacket".to_owned(),
        fabric_code: "VBC-2201".to_owned(),
        length_cm: 180,
        price: cny(126_000),
        supplier_code: "WOOLCO".to_owned(),
        manufacturer_code: "TAILORS".to_owned(),
        ..Default::default()
    };
    let fabric = orderflow_platform::testing::eventually(
        std::time::Duration::from_secs(20),
        "procurement to know the order",
        || {
            let mut buying = buying.clone();
            let request = authorized(record.clone(), "cora", &["commerce"]);
            async move { buying.record_fabric_purchase(request).await.ok() }
        },
    )
    .await
    .into_inner();
    let woolco = |message| authorized_partner(message, "ms-li", &["supplier"], "WOOLCO");
    buying
        .answer_fabric_purchase(woolco(procurement::AnswerFabricPurchaseRequest {
            id: fabric.id.clone(),
            accept: true,
            ..Default::default()
        }))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    buying
        .record_fabric_shipment(authorized_partner(
            procurement::RecordFabricShipmentRequest {
                id: fabric.id.clone(),
                carrier: "SF Express".to_owned(),
                tracking_number: "SF1234567890".to_owned(),
                ..Default::default()
            },
            "ms-li",
            &["supplier"],
            "WOOLCO",
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    wait_for_entry(&mut orders, &order.id, "fabric_shipped").await;
    buying
        .receive_fabric(authorized_partner(
            procurement::ReceiveFabricRequest {
                id: fabric.id.clone(),
                accepted: true,
                ..Default::default()
            },
            "mr-wu",
            &["manufacturer"],
            "TAILORS",
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    wait_for_state(&mut orders, &order.id, pb::OrderState::InProduction).await;

    // The timeline tells the garment's story; nothing was reserved or
    // planned in the company's own factory.
    cluster.quiescent().await;
    let actions: Vec<String> = timeline(&mut orders, &order.id)
        .await
        .into_iter()
        .map(|entry| entry.action)
        .collect();
    for expected in [
        "approval_rejected",
        "to_manufacturer",
        "fabric_ordered",
        "fabric_confirmed",
        "fabric_shipped",
        "in_production",
    ] {
        assert!(
            actions.iter().any(|action| action == expected),
            "{expected} not in {actions:?}"
        );
    }
    assert!(
        !actions
            .iter()
            .any(|action| action == "stock_short" || action == "stock_reserved"),
        "{actions:?}"
    );
    let planned = cluster
        .production_client()
        .await
        .list_production_orders(authorized(
            orderflow_proto::production::v1::ListProductionOrdersRequest {
                order_id: order.id.clone(),
                ..Default::default()
            },
            "pete",
            &["planner"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(
        planned.production_orders.is_empty(),
        "no production order of our own factory"
    );
    // The store sees its order; another store does not.
    let seen = orders
        .get_order(store(pb::GetOrderRequest {
            order_id: order.id.clone(),
        }))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(seen.state(), pb::OrderState::InProduction);
    let other = orders
        .get_order(authorized_partner(
            pb::GetOrderRequest {
                order_id: order.id.clone(),
            },
            "mr-li",
            &["store"],
            "SUZHOU-2",
        ))
        .await
        .err()
        .map(|status| status.code());
    assert_eq!(other, Some(tonic::Code::NotFound));

    // The manufacturer ships the finished garment to the store; another
    // manufacturer cannot.
    let ship = |partner: &str| {
        authorized_partner(
            pb::ShipToStoreRequest {
                order_id: order.id.clone(),
                carrier: "SF Express".to_owned(),
                tracking_number: "SF9876543210".to_owned(),
                ..Default::default()
            },
            "mr-wu",
            &["manufacturer"],
            partner,
        )
    };
    let stranger = orders
        .ship_to_store(ship("STITCHCO"))
        .await
        .err()
        .map(|status| status.code());
    assert_eq!(stranger, Some(tonic::Code::NotFound));
    let shipped = orders
        .ship_to_store(ship("TAILORS"))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(
        (shipped.state(), shipped.tracking_number.as_str()),
        (pb::OrderState::Shipped, "SF9876543210")
    );
    orders
        .confirm_store_receipt(store(pb::ConfirmStoreReceiptRequest {
            order_id: order.id.clone(),
            ..Default::default()
        }))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    // Not paid in full: the customer does not take the garment yet.
    let pick_up = || {
        store(pb::ConfirmPickUpRequest {
            order_id: order.id.clone(),
            ..Default::default()
        })
    };
    let unpaid = orders
        .confirm_pick_up(pick_up())
        .await
        .err()
        .map(|status| status.code());
    assert_eq!(unpaid, Some(tonic::Code::FailedPrecondition));
    // The store records the balance, finance confirms it, the customer
    // picks the garment up.
    let balance = store_payment(
        &mut money,
        &order.id,
        finance::PaymentKind::Balance,
        266_000,
    )
    .await;
    money
        .confirm_payment(authorized(
            finance::ConfirmPaymentRequest {
                payment_id: balance,
                ..Default::default()
            },
            "fiona",
            &["finance"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let completed = orderflow_platform::testing::eventually(
        std::time::Duration::from_secs(20),
        "the pick-up once the balance is in",
        || {
            let mut orders = orders.clone();
            let request = pick_up();
            async move { orders.confirm_pick_up(request).await.ok() }
        },
    )
    .await
    .into_inner();
    assert_eq!(completed.state(), pb::OrderState::Completed);
    let story: Vec<i32> = timeline(&mut orders, &order.id)
        .await
        .into_iter()
        .map(|entry| entry.to_state)
        .filter(|state| *state != pb::OrderState::Unspecified as i32)
        .collect();
    let last = &story[story.len().saturating_sub(4)..];
    use pb::OrderState::{Completed, Delivered, InProduction, Shipped};
    assert_eq!(
        last,
        [InProduction, Shipped, Delivered, Completed].map(|state| state as i32)
    );
}

/// A payment the store records once finance knows the order (S10).
async fn store_payment(
    money: &mut orderflow_proto::finance::v1::finance_service_client::FinanceServiceClient<Channel>,
    order_id: &str,
    kind: finance::PaymentKind,
    minor_units: i64,
) -> String {
    orderflow_platform::testing::eventually(
        std::time::Duration::from_secs(20),
        "finance to know the order",
        || {
            let mut money = money.clone();
            let request = store(finance::RecordPaymentRequest {
                order_id: order_id.to_owned(),
                kind: kind as i32,
                amount: cny(minor_units),
                method: "card at the store".to_owned(),
                reference: format!("POS-{minor_units}"),
                ..Default::default()
            });
            async move { money.record_payment(request).await.ok() }
        },
    )
    .await
    .into_inner()
    .id
}
