//! Which chain a request walks (APR-1, APR-2, APR-5 … APR-9).

use orderflow_platform::backend_tests;
use orderflow_platform::testing::{self, Backend};
use orderflow_proto::approvals::v1 as pb;
use orderflow_proto::common::v1 as common;

use crate::support::*;

backend_tests!(
    apr_2_an_export_contract_of_600000_needs_the_gm,
    apr_2_an_export_contract_of_100000_without_prepayment_or_commission_stops_at_admin_review,
    apr_2_a_commission_clause_brings_in_the_gm,
    apr_2_a_foreign_currency_amount_is_compared_through_its_exchange_rate,
    apr_5_to_9_each_chain_of_the_domain_is_there,
    bad_input_names_each_field_and_files_nothing,
    a_subject_has_one_request_and_only_a_service_files_for_someone_else,
    a_repeated_filing_returns_the_first_request_and_files_nothing_more,
);

async fn apr_2_an_export_contract_of_600000_needs_the_gm(backend: Backend) {
    let app = spawn_approvals(backend).await;
    let request = file(&app, export_review("order-600k", cny(60_000_000), &[])).await;
    assert_eq!(
        chain(&request),
        vec!["sales", "dept_manager", "admin_reviewer", "gm"]
    );
    assert_eq!(request.requester, "alice");
    assert_eq!(request.state, pb::ApprovalState::Pending as i32);
    assert_eq!(
        request.attachments.len(),
        2,
        "customer PO and factory contract"
    );
    let costs: Vec<&str> = request
        .estimated_costs
        .iter()
        .map(|cost| cost.name.as_str())
        .collect();
    assert_eq!(
        costs,
        vec!["ocean freight", "agent commission"],
        "APR-2: the review form lists the estimated costs"
    );
}

async fn apr_2_an_export_contract_of_100000_without_prepayment_or_commission_stops_at_admin_review(
    backend: Backend,
) {
    let app = spawn_approvals(backend).await;
    let request = file(&app, export_review("order-100k", cny(10_000_000), &[])).await;
    assert_eq!(
        chain(&request),
        vec!["sales", "dept_manager", "admin_reviewer"]
    );
}

async fn apr_2_a_commission_clause_brings_in_the_gm(backend: Backend) {
    let app = spawn_approvals(backend).await;
    let request = file(
        &app,
        export_review("order-100k-commission", cny(10_000_000), &["commission"]),
    )
    .await;
    assert_eq!(
        chain(&request),
        vec!["sales", "dept_manager", "admin_reviewer", "gm"]
    );
    let prepaid = file(
        &app,
        export_review("order-100k-prepayment", cny(10_000_000), &["prepayment"]),
    )
    .await;
    assert_eq!(
        chain(&prepaid),
        vec!["sales", "dept_manager", "admin_reviewer", "gm"]
    );
}

async fn apr_2_a_foreign_currency_amount_is_compared_through_its_exchange_rate(backend: Backend) {
    let app = spawn_approvals(backend).await;
    let usd = |minor_units| {
        Some(common::Money {
            currency_code: "USD".to_owned(),
            minor_units,
        })
    };
    let unknown_rate = file(&app, export_review("order-usd-0", usd(100_000), &[])).await;
    assert_eq!(
        chain(&unknown_rate).len(),
        4,
        "without a rate the threshold counts as reached"
    );

    app.client("fiona", &["finance"])
        .await
        .set_exchange_rate(pb::SetExchangeRateRequest {
            request_id: String::new(),
            currency_code: "USD".to_owned(),
            rate: "7.1".to_owned(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    // 80,000.00 USD × 7.1 = 568,000.00 CNY ≥ 500,000.00
    let large = file(&app, export_review("order-usd-1", usd(8_000_000), &[])).await;
    assert_eq!(
        chain(&large),
        vec!["sales", "dept_manager", "admin_reviewer", "gm"]
    );
    // 60,000.00 USD × 7.1 = 426,000.00 CNY
    let small = file(&app, export_review("order-usd-2", usd(6_000_000), &[])).await;
    assert_eq!(
        chain(&small),
        vec!["sales", "dept_manager", "admin_reviewer"]
    );
}

async fn apr_5_to_9_each_chain_of_the_domain_is_there(backend: Backend) {
    let app = spawn_approvals(backend).await;
    for (kind, roles) in [
        ("special_order", vec!["gm", "finance"]),
        ("refund", vec!["gm"]),
        ("material_prep", vec!["gm"]),
        ("self_stock", vec!["gm"]),
        ("made_to_measure", vec!["finance", "tech", "commerce"]),
        (
            "purchase_contract",
            vec!["purchasing_manager", "vp_production"],
        ),
        (
            "outsourcing_contract",
            vec!["purchasing_manager", "vp_production"],
        ),
    ] {
        let mut request = export_review(&format!("{kind}-1"), cny(100), &[]);
        request.subject_kind = kind.to_owned();
        let filed = file(&app, request).await;
        assert_eq!(chain(&filed), roles, "{kind}");
    }
}

async fn bad_input_names_each_field_and_files_nothing(backend: Backend) {
    use tonic_types::StatusExt;
    let app = spawn_approvals(backend).await;
    let mut bad = export_review(
        "",
        Some(common::Money {
            currency_code: "EURO".to_owned(),
            minor_units: 1,
        }),
        &["Not A Flag"],
    );
    bad.subject_kind = "Export Contract".to_owned();
    let status = app
        .client("service:orders", &["service"])
        .await
        .create_approval_request(bad)
        .await
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    let fields: Vec<String> = status
        .get_error_details()
        .bad_request()
        .map(|bad| {
            bad.field_violations
                .iter()
                .map(|v| v.field.clone())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        fields,
        vec![
            "subject_kind",
            "subject_id",
            "amount.currency_code",
            "flags[0]"
        ]
    );
    let listed = app
        .client("gary", &["gm"])
        .await
        .list_approval_requests(pb::ListApprovalRequestsRequest::default())
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(listed.approval_requests.is_empty());

    let mut unknown = export_review("order-x", cny(1), &[]);
    unknown.subject_kind = "space_travel".to_owned();
    let status = app
        .client("service:orders", &["service"])
        .await
        .create_approval_request(unknown)
        .await
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    assert_eq!(
        status.code(),
        tonic::Code::FailedPrecondition,
        "no policy for it"
    );
}

async fn a_subject_has_one_request_and_only_a_service_files_for_someone_else(backend: Backend) {
    let app = spawn_approvals(backend).await;
    file(&app, export_review("order-once", cny(100), &[])).await;
    let status = app
        .client("service:orders", &["service"])
        .await
        .create_approval_request(export_review("order-once", cny(100), &[]))
        .await
        .err()
        .unwrap_or_else(|| panic!("a second request for the same order"));
    assert_eq!(status.code(), tonic::Code::AlreadyExists);

    let status = app
        .client("tom", &["sales"])
        .await
        .create_approval_request(export_review("order-on-behalf", cny(100), &[]))
        .await
        .err()
        .unwrap_or_else(|| panic!("tom filed for alice"));
    assert_eq!(status.code(), tonic::Code::PermissionDenied);

    let mut own = export_review("order-own", cny(100), &[]);
    own.requester = String::new();
    own.request_id = "tom-own-1".to_owned();
    let mut tom = app.client("tom", &["sales"]).await;
    let filed = tom
        .create_approval_request(own.clone())
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(filed.requester, "tom");
    let again = tom
        .create_approval_request(own)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(
        again.id, filed.id,
        "the request id makes a retry return the first request"
    );
}

async fn a_repeated_filing_returns_the_first_request_and_files_nothing_more(backend: Backend) {
    let app = spawn_approvals(backend).await;
    let tom = app.client("tom", &["sales"]).await;
    let (first, second) = testing::assert_idempotent("filing", |request_id, variant| {
        let mut tom = tom.clone();
        // Another body for the same request id: another subject.
        let subject = ["", "-other"][usize::from(variant)];
        let mut request = export_review(&format!("order-{request_id}{subject}"), cny(100), &[]);
        request.requester = String::new();
        request.request_id = request_id;
        async move {
            tom.create_approval_request(request)
                .await
                .map(|filed| filed.into_inner().id)
        }
    })
    .await;
    assert_ne!(first, second);
    let filed = tom
        .clone()
        .list_approval_requests(pb::ListApprovalRequestsRequest {
            requester: "tom".to_owned(),
            page_size: 50,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .approval_requests;
    assert_eq!(filed.len(), 2, "two requests filed, not five");
}
