//! PRC-6: outsourced operations under an approved contract, sent and
//! inspected on return; production is told.

use std::time::Duration;

use orderflow_platform::backend_tests;
use orderflow_platform::testing::{self, Backend, violated_fields};
use orderflow_proto::procurement::v1 as pb;
use orderflow_proto::production::v1 as production;
use tonic::Code;

use crate::support::*;

backend_tests!(prc_6_an_outsourced_operation_goes_out_only_under_an_approved_contract,);

async fn prc_6_an_outsourced_operation_goes_out_only_under_an_approved_contract(backend: Backend) {
    let app = spawn_procurement(backend).await;
    app.supplier("PLATING", true).await;
    app.supplier("NEWCO", false).await;
    use prost::Message;
    let demand = production::OutsourcingDemand {
        event_id: uuid::Uuid::now_v7().to_string(),
        actor: "planner-1".to_owned(),
        production_order_id: uuid::Uuid::now_v7().to_string(),
        order_id: uuid::Uuid::now_v7().to_string(),
        order_number: "2026120100000001".to_owned(),
        sku: "PUMP-100".to_owned(),
        seq: 20,
        operation: "plating".to_owned(),
        quantity: 8,
        send_date: "2026-12-05".to_owned(),
        return_date: "2026-12-12".to_owned(),
        ..Default::default()
    };
    // Delivered twice: one outsourcing order.
    for _ in 0..2 {
        testing::publish_event(
            &app.nats,
            "production",
            "production.outsourcing.requested",
            demand.encode_to_vec(),
        )
        .await;
    }
    // (A busy machine may take a retry to file it; settling does not see a
    // message waiting out its back-off.)
    let mut purchaser = app.client("purchaser").await;
    testing::eventually(Duration::from_secs(20), "the outsourcing order", || {
        let mut purchaser = purchaser.clone();
        async move {
            let listed = purchaser
                .list_outsourcing_orders(pb::ListOutsourcingOrdersRequest::default())
                .await
                .ok()?
                .into_inner()
                .outsourcing_orders;
            (!listed.is_empty()).then_some(())
        }
    })
    .await;
    app.settled().await;
    let listed = purchaser
        .list_outsourcing_orders(pb::ListOutsourcingOrdersRequest::default())
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .outsourcing_orders;
    assert_eq!(listed.len(), 1);
    let order = &listed[0];
    assert_eq!(order.state, pb::OutsourcingState::Requested as i32);
    assert_eq!((order.seq, order.quantity), (20, 8));

    let assign = |vendor: &str| pb::AssignOutsourcingVendorRequest {
        request_id: String::new(),
        id: order.id.clone(),
        vendor_code: vendor.to_owned(),
        unit_price: Some(cny(1_500)),
    };
    let status = purchaser
        .assign_outsourcing_vendor(assign("NEWCO"))
        .await
        .refused("a candidate vendor");
    assert_eq!(status.code(), Code::FailedPrecondition);
    let assigned = purchaser
        .assign_outsourcing_vendor(assign("PLATING"))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(assigned.state, pb::OutsourcingState::PendingApproval as i32);
    assert_eq!(assigned.total, Some(cny(12_000)));
    let send = || pb::SendOutsourcingRequest {
        request_id: String::new(),
        id: order.id.clone(),
    };
    let status = purchaser
        .send_outsourcing(send())
        .await
        .refused("APR-9: not before approval");
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(status.message().contains("approved"), "{status:?}");

    app.decided("outsourcing_contract", &order.id, true).await;
    let sent = purchaser
        .send_outsourcing(send())
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(sent.state, pb::OutsourcingState::Sent as i32);

    let mut qc = app.client("qc").await;
    let inspect = |passed: bool, note: &str| pb::RecordOutsourcingReturnRequest {
        request_id: String::new(),
        id: order.id.clone(),
        passed,
        note: note.to_owned(),
    };
    let status = qc
        .record_outsourcing_return(inspect(false, ""))
        .await
        .refused("a failure says what is wrong");
    assert_eq!(violated_fields(&status), ["note"]);
    let failed = qc
        .record_outsourcing_return(inspect(false, "plating peels"))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(
        failed.state,
        pb::OutsourcingState::Sent as i32,
        "back to the vendor"
    );
    let passed = qc
        .record_outsourcing_return(inspect(true, ""))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(passed.state, pb::OutsourcingState::Returned as i32);
    assert_eq!(passed.inspections.len(), 2);
    app.settled().await;
    let told = testing::stream_messages(
        &app.nats,
        "PROCUREMENT",
        "procurement.outsourcing.inspected",
    )
    .await;
    assert_eq!(told.len(), 2, "production is told each verdict");
}
