//! PRC-7: made-to-measure fabric, between commerce, the supplier and the
//! manufacturer, each partner on its own purchases only.

use orderflow_platform::backend_tests;
use orderflow_platform::testing::{Backend, violated_fields};
use orderflow_proto::orders::v1 as orders;
use orderflow_proto::procurement::v1 as pb;

use crate::support::*;

backend_tests!(
    prc_7_the_supplier_confirms_and_ships_and_the_manufacturers_receipt_closes_it,
    prc_7_a_partner_sees_and_acts_on_its_own_fabric_purchases_only,
);

const ORDER: &str = "0193a1b2-0000-7000-8000-00000000000a";

fn fabric_for(supplier: &str) -> pb::RecordFabricPurchaseRequest {
    pb::RecordFabricPurchaseRequest {
        order_id: ORDER.to_owned(),
        order_number: "2026120100000007".to_owned(),
        garment: "suit jacket".to_owned(),
        fabric_code: "VBC-2201".to_owned(),
        length_cm: 280,
        price: Some(cny(126_000)),
        supplier_code: supplier.to_owned(),
        manufacturer_code: "TAILORS".to_owned(),
        ..Default::default()
    }
}

async fn partners(app: &TestApp) {
    for code in ["WOOLCO", "SILKCO", "TAILORS"] {
        app.supplier(code, true).await;
    }
    app.supplier("CAND", false).await;
    garment_order(app, ORDER, orders::OrderState::AwaitingPayment).await;
    // Known once a purchase for it is refused for the supplier, not for the
    // order (a busy machine may take a retry to file the order; settling
    // does not see a message waiting out its back-off).
    let commerce = app.client("commerce").await;
    orderflow_platform::testing::eventually(
        std::time::Duration::from_secs(20),
        "the garment order known",
        || {
            let mut commerce = commerce.clone();
            async move {
                let refused = commerce
                    .record_fabric_purchase(fabric_for("CAND"))
                    .await
                    .err()?;
                (refused.code() == tonic::Code::FailedPrecondition).then_some(())
            }
        },
    )
    .await;
}

/// The orders service reporting a made-to-measure order in `state`.
async fn garment_order(app: &TestApp, id: &str, state: orders::OrderState) {
    use prost::Message;
    let event = orders::OrderEvent {
        event_id: uuid::Uuid::now_v7().to_string(),
        order: Some(orders::Order {
            id: id.to_owned(),
            number: "2026120100000007".to_owned(),
            kind: orders::OrderKind::MadeToMeasure.into(),
            state: state.into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    orderflow_platform::testing::publish_event(
        &app.nats,
        "orders",
        "orders.order.approved",
        event.encode_to_vec(),
    )
    .await;
    app.settled().await;
}

async fn prc_7_the_supplier_confirms_and_ships_and_the_manufacturers_receipt_closes_it(
    backend: Backend,
) {
    let app = spawn_procurement(backend).await;
    partners(&app).await;
    let mut commerce = app.client("commerce").await;
    // Bad input and a candidate supplier: refused, nothing recorded.
    let bad = commerce
        .record_fabric_purchase(pb::RecordFabricPurchaseRequest {
            length_cm: 0,
            price: None,
            ..fabric_for("WOOLCO")
        })
        .await
        .refused("no length, no price");
    assert_eq!(violated_fields(&bad), ["length_cm", "price"]);
    let candidate = commerce
        .record_fabric_purchase(fabric_for("CAND"))
        .await
        .refused("not an approved supplier");
    assert_eq!(candidate.code(), tonic::Code::FailedPrecondition);
    // APR-8: only for a made-to-measure order the orders service reported
    // as approved.
    let unknown = commerce
        .record_fabric_purchase(pb::RecordFabricPurchaseRequest {
            order_id: "0193a1b2-0000-7000-8000-0000000000ff".to_owned(),
            ..fabric_for("WOOLCO")
        })
        .await
        .refused("no such made-to-measure order");
    assert_eq!(violated_fields(&unknown), ["order_id"]);
    const PENDING: &str = "0193a1b2-0000-7000-8000-0000000000fe";
    garment_order(&app, PENDING, orders::OrderState::PendingApproval).await;
    let pending = commerce
        .record_fabric_purchase(pb::RecordFabricPurchaseRequest {
            order_id: PENDING.to_owned(),
            ..fabric_for("WOOLCO")
        })
        .await
        .refused("tech has not approved it yet");
    assert_eq!(pending.code(), tonic::Code::FailedPrecondition);
    let fabric = commerce
        .record_fabric_purchase(fabric_for("woolco"))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(fabric.state(), pb::FabricPurchaseState::Ordered);
    assert_eq!(fabric.supplier_code, "WOOLCO");

    let mut woolco = app.partner("supplier", "WOOLCO").await;
    let decline = woolco
        .answer_fabric_purchase(pb::AnswerFabricPurchaseRequest {
            id: fabric.id.clone(),
            accept: false,
            ..Default::default()
        })
        .await
        .refused("a decline needs its reason");
    assert_eq!(violated_fields(&decline), ["reason"]);
    woolco
        .answer_fabric_purchase(pb::AnswerFabricPurchaseRequest {
            id: fabric.id.clone(),
            accept: true,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let shipped = woolco
        .record_fabric_shipment(pb::RecordFabricShipmentRequest {
            id: fabric.id.clone(),
            carrier: "SF Express".to_owned(),
            tracking_number: "SF1234567890".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(shipped.tracking_number, "SF1234567890");
    let mut tailors = app.partner("manufacturer", "TAILORS").await;
    let refused = tailors
        .receive_fabric(pb::ReceiveFabricRequest {
            id: fabric.id.clone(),
            accepted: false,
            note: "wrong shade of navy".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(
        refused.state(),
        pb::FabricPurchaseState::Confirmed,
        "ship again"
    );
    woolco
        .record_fabric_shipment(pb::RecordFabricShipmentRequest {
            id: fabric.id.clone(),
            carrier: "SF Express".to_owned(),
            tracking_number: "SF1234567891".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let received = tailors
        .receive_fabric(pb::ReceiveFabricRequest {
            id: fabric.id.clone(),
            accepted: true,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(received.state(), pb::FabricPurchaseState::Received);
    let steps: Vec<&str> = received.history.iter().map(|s| s.what.as_str()).collect();
    assert_eq!(
        steps,
        [
            "ordered",
            "confirmed",
            "shipped",
            "refused",
            "shipped",
            "received"
        ]
    );
    assert_eq!(received.history[1].partner, "WOOLCO");
    // Closed: nothing more is received.
    let again = tailors
        .receive_fabric(pb::ReceiveFabricRequest {
            id: fabric.id,
            accepted: true,
            ..Default::default()
        })
        .await
        .refused("closed");
    assert_eq!(again.code(), tonic::Code::FailedPrecondition);
    app.settled().await;
    for (step, times) in [
        ("ordered", 1),
        ("confirmed", 1),
        ("shipped", 2),
        ("refused", 1),
        ("received", 1),
    ] {
        let subject = format!("procurement.fabric.{step}");
        let announced =
            orderflow_platform::testing::stream_messages(&app.nats, "PROCUREMENT", &subject).await;
        assert_eq!(announced.len(), times, "{subject}");
    }
}

async fn prc_7_a_partner_sees_and_acts_on_its_own_fabric_purchases_only(backend: Backend) {
    let app = spawn_procurement(backend).await;
    partners(&app).await;
    let mut commerce = app.client("commerce").await;
    let woolcos = commerce
        .record_fabric_purchase(fabric_for("WOOLCO"))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    commerce
        .record_fabric_purchase(fabric_for("SILKCO"))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let listed = |mut client: Client| async move {
        client
            .list_fabric_purchases(pb::ListFabricPurchasesRequest::default())
            .await
            .map(|r| {
                r.into_inner()
                    .fabric_purchases
                    .into_iter()
                    .map(|p| p.supplier_code)
                    .collect::<Vec<_>>()
            })
    };
    let mut silkco = app.partner("supplier", "SILKCO").await;
    assert_eq!(listed(silkco.clone()).await.unwrap_or_default(), ["SILKCO"]);
    assert_eq!(
        listed(app.partner("manufacturer", "TAILORS").await)
            .await
            .unwrap_or_default()
            .len(),
        2,
        "the manufacturer of both"
    );
    assert_eq!(listed(commerce.clone()).await.unwrap_or_default().len(), 2);
    // A supplier's person without its partner code sees nothing.
    let anonymous = listed(app.client("supplier").await).await.err();
    assert_eq!(
        anonymous.map(|s| s.code()),
        Some(tonic::Code::PermissionDenied)
    );
    // Another supplier's purchase: not found to read, refused to act on.
    let hidden = silkco
        .get_fabric_purchase(pb::GetFabricPurchaseRequest {
            id: woolcos.id.clone(),
        })
        .await
        .refused("WOOLCO's");
    assert_eq!(hidden.code(), tonic::Code::NotFound);
    let meddling = silkco
        .answer_fabric_purchase(pb::AnswerFabricPurchaseRequest {
            id: woolcos.id.clone(),
            accept: false,
            reason: "mine now".to_owned(),
            ..Default::default()
        })
        .await
        .refused("WOOLCO's");
    assert_eq!(meddling.code(), tonic::Code::PermissionDenied);
    let untouched = commerce
        .get_fabric_purchase(pb::GetFabricPurchaseRequest { id: woolcos.id })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(untouched.state(), pb::FabricPurchaseState::Ordered);
}
