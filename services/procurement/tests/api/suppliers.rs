//! PRC-1 (suppliers) and PRC-2 (requisitions).

use orderflow_platform::backend_tests;
use orderflow_platform::testing::{self, Backend};
use orderflow_proto::procurement::v1 as pb;

use crate::support::*;

backend_tests!(
    prc_1_only_an_approved_supplier_gets_an_order_and_a_suspension_needs_a_reason,
    prc_2_shortages_merge_per_material_and_day_once_per_source,
);

async fn prc_1_only_an_approved_supplier_gets_an_order_and_a_suspension_needs_a_reason(
    backend: Backend,
) {
    let app = spawn_procurement(backend).await;
    app.supplier("ACME", false).await;
    let requisition = app.requisition("SEAL", 21).await;
    app.quote(&requisition.id, "ACME", 150).await;
    let mut purchaser = app.client("purchaser").await;
    let select = pb::SelectSupplierRequest {
        request_id: String::new(),
        requisition_id: requisition.id.clone(),
        supplier_code: "ACME".to_owned(),
        reason: String::new(),
        ..Default::default()
    };
    let refused = purchaser
        .select_supplier(select.clone())
        .await
        .refused("a candidate");
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition);
    assert!(refused.message().contains("PRC-1"), "{refused:?}");
    // Nothing was ordered: the requisition is still open.
    let still = purchaser
        .get_requisition(pb::GetRequisitionRequest {
            id: requisition.id.clone(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(still.state(), pb::RequisitionState::Open);
    let mut manager = app.client("purchasing_manager").await;
    let review = |status: pb::SupplierStatus, note: &str| pb::ReviewSupplierRequest {
        request_id: String::new(),
        code: "ACME".to_owned(),
        status: status.into(),
        note: note.to_owned(),
    };
    let denied = purchaser
        .review_supplier(review(pb::SupplierStatus::Approved, ""))
        .await
        .refused("not the purchasing manager");
    assert_eq!(denied.code(), tonic::Code::PermissionDenied);
    manager
        .review_supplier(review(pb::SupplierStatus::Approved, ""))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let order = purchaser
        .select_supplier(select)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(order.state(), pb::PurchaseOrderState::PendingApproval);
    assert_eq!(order.total, Some(cny(150 * 21)));
    let no_reason = manager
        .review_supplier(review(pb::SupplierStatus::Suspended, ""))
        .await
        .refused("a suspension needs its reason");
    assert_eq!(testing::violated_fields(&no_reason), ["note"]);
    let suspended = manager
        .review_supplier(review(pb::SupplierStatus::Suspended, "two failed IQCs"))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(suspended.status(), pb::SupplierStatus::Suspended);
    // A suspended supplier is sent nothing, even with an approved contract.
    app.contract_decided(&order.id, true).await;
    let refused = purchaser
        .send_purchase_order(pb::SendPurchaseOrderRequest {
            request_id: String::new(),
            id: order.id,
            promised_date: "2026-12-10".to_owned(),
            ..Default::default()
        })
        .await
        .refused("suspended");
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition);
}

async fn prc_2_shortages_merge_per_material_and_day_once_per_source(backend: Backend) {
    let app = spawn_procurement(backend).await;
    let first = "01900000-0000-7000-8000-000000000001";
    let second = "01900000-0000-7000-8000-000000000002";
    let third = "01900000-0000-7000-8000-000000000003";
    app.shortage(first, "SEAL", 21, "2026-12-20").await;
    app.shortage(second, "SEAL", 9, "2026-12-20").await;
    // Redelivered (the same production order and material): nothing twice.
    // Another day: another requisition.
    app.shortage(first, "SEAL", 21, "2026-12-20").await;
    app.shortage(third, "SEAL", 4, "2026-12-28").await;
    app.settled().await;
    let found = requisitions_of(&app, "SEAL", |found| found.len() == 2).await;
    let lines: Vec<(&str, i64, usize)> = found
        .iter()
        .map(|r| (r.need_by.as_str(), r.quantity, r.sources.len()))
        .collect();
    assert_eq!(lines, [("2026-12-20", 30, 2), ("2026-12-28", 4, 1)]);
    assert_eq!(found[0].sources[0].kind, "production");
}
