//! The demo's shipping leg, the same for every order that leaves the
//! finished-goods warehouse: logistics plans and notes the shipment,
//! finance approves the note, the warehouse picks, QC inspects, the goods
//! go out, the carrier delivers and the customer confirms the receipt.

use inventory::inventory_service_client::InventoryServiceClient;
use logistics::logistics_service_client::LogisticsServiceClient;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::logistics::v1 as logistics;
use orderflow_proto::orders::v1 as pb;
use secrecy::SecretString;

use super::{Urls, authorized, retry};

/// An order's way out once it is READY_TO_SHIP: shipping notice and note
/// (logistics), the note approved by finance (its shipment gate: a prepaid
/// order paid, an L/C order's credit accepted), picked, inspected and
/// posted out (inventory), dispatched, delivered, receipt confirmed. The
/// order is DELIVERED; finance settles it when its money is in.
pub(super) async fn ship_and_deliver(
    urls: &Urls,
    secret: &SecretString,
    order: &pb::Order,
) -> anyhow::Result<()> {
    let planner = LogisticsServiceClient::new(
        authorized(&urls.logistics, secret, "demo-logistics", &["logistics"]).await?,
    );
    let approver = LogisticsServiceClient::new(
        authorized(&urls.logistics, secret, "demo-finance", &["finance"]).await?,
    );
    let dispatcher = LogisticsServiceClient::new(
        authorized(&urls.logistics, secret, "demo-warehouse", &["warehouse"]).await?,
    );
    let service = LogisticsServiceClient::new(
        authorized(
            &urls.logistics,
            secret,
            "demo-service",
            &["customer_service"],
        )
        .await?,
    );
    let mut warehouse = InventoryServiceClient::new(
        authorized(&urls.inventory, secret, "demo-warehouse", &["warehouse"]).await?,
    );
    let mut qc =
        InventoryServiceClient::new(authorized(&urls.inventory, secret, "demo-qc", &["qc"]).await?);
    let order_id = order.id.clone();
    let ship_date = (chrono::Utc::now() + chrono::Duration::days(3))
        .format("%Y-%m-%d")
        .to_string();
    let planned = retry("planning the shipment", || {
        let mut client = planner.clone();
        let request = logistics::PlanShipmentRequest {
            order_id: order_id.clone(),
            planned_ship_date: ship_date.clone(),
            ..Default::default()
        };
        async move { client.plan_shipment(request).await }
    })
    .await?;
    println!(
        "   shipping notice for {} by {} ({})",
        planned.planned_ship_date, planned.carrier_code, planned.carrier_reason
    );
    let noted = retry("the shipping note", || {
        let mut client = planner.clone();
        let request = logistics::CreateShippingNoteRequest {
            order_id: order_id.clone(),
            ..Default::default()
        };
        async move { client.create_shipping_note(request).await }
    })
    .await?;
    retry("finance's approval of the note", || {
        let mut client = approver.clone();
        let request = logistics::ApproveShippingNoteRequest {
            order_id: order_id.clone(),
            ..Default::default()
        };
        async move { client.approve_shipping_note(request).await }
    })
    .await?;
    println!(
        "   shipping note {} approved by demo-finance",
        noted.note_number
    );
    let pick_list = warehouse
        .create_pick_list(inventory::CreatePickListRequest {
            order_id: order_id.clone(),
            ..Default::default()
        })
        .await?
        .into_inner();
    qc.record_outbound_inspection(inventory::RecordOutboundInspectionRequest {
        pick_list_id: pick_list.id.clone(),
        passed: true,
        note: "cartons intact".to_owned(),
    })
    .await?;
    warehouse
        .post_outbound(inventory::PostOutboundRequest {
            pick_list_id: pick_list.id.clone(),
        })
        .await?;
    println!("   picked, inspected and posted out of FG");
    let tracking = format!("TT{}", order.number);
    retry("the dispatch", || {
        let mut client = dispatcher.clone();
        let request = logistics::DispatchShipmentRequest {
            order_id: order_id.clone(),
            tracking_number: tracking.clone(),
            ..Default::default()
        };
        async move { client.dispatch_shipment(request).await }
    })
    .await?;
    let mut planner = planner;
    planner
        .record_tracking_event(logistics::RecordTrackingEventRequest {
            tracking_number: tracking.clone(),
            event: Some(logistics::TrackingEvent {
                time: Some(prost_types::Timestamp {
                    seconds: chrono::Utc::now().timestamp(),
                    nanos: 0,
                }),
                status: "delivered".to_owned(),
                location: "Hangzhou".to_owned(),
                description: "signed by Li Lei".to_owned(),
            }),
            ..Default::default()
        })
        .await?;
    println!("   dispatched with {tracking}, delivered");
    retry("the receipt", || {
        let mut client = service.clone();
        let request = logistics::ConfirmReceiptRequest {
            order_id: order_id.clone(),
            ..Default::default()
        };
        async move { client.confirm_receipt(request).await }
    })
    .await?;
    println!("   receipt confirmed by the customer");
    Ok(())
}
