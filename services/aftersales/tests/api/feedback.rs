//! Return analysis (AFS-9) and complaints (AFS-10).

use orderflow_platform::backend_tests;
use orderflow_platform::testing::{self, Backend};
use orderflow_proto::aftersales::v1 as pb;
use pb::after_sales_service_client::AfterSalesServiceClient;
use tonic::Code;

use crate::support::*;

backend_tests!(
    afs_9_returns_are_counted_and_rated_by_product_and_reason_over_a_period,
    afs_10_a_complaint_is_answered_by_its_assignee_and_an_overdue_one_announced_once,
);

async fn afs_9_returns_are_counted_and_rated_by_product_and_reason_over_a_period(backend: Backend) {
    let app = spawn_aftersales(backend).await;
    // Two delivered orders: 4 pumps and 6 seals shipped on 2027-01-11.
    let first = app.delivered_order().await;
    let second = app.delivered_order().await;
    let mut service = app.client("customer_service").await;
    service
        .create_case(return_request(
            &first,
            vec![line("PUMP-100", 1), line("SEAL-7", 2)],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    service
        .create_case(pb::CreateCaseRequest {
            reason: pb::ReturnReason::SizeOrFit.into(),
            ..return_request(&second, vec![line("PUMP-100", 1)])
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let rejected = service
        .create_case(return_request(&second, vec![line("SEAL-7", 3)]))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    service
        .reject_case(pb::RejectCaseRequest {
            case_id: rejected.id,
            reason: "no proof".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));

    let mut reader = app.client("gm").await;
    let analysis =
        |dimension: pb::AnalysisDimension, from: &str, to: &str| pb::GetReturnAnalysisRequest {
            from_date: from.to_owned(),
            to_date: to.to_owned(),
            dimension: dimension.into(),
        };
    let by_product = reader
        .get_return_analysis(analysis(
            pb::AnalysisDimension::Product,
            "2027-01-01",
            "2027-01-31",
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let rows: Vec<(&str, i64, i64, i64, i64)> = by_product
        .rows
        .iter()
        .map(|row| {
            (
                row.key.as_str(),
                row.cases,
                row.returned_units,
                row.shipped_units,
                row.return_rate_bps,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [("PUMP-100", 2, 2, 4, 5_000), ("SEAL-7", 1, 2, 6, 3_333)],
        "the rejected case does not count"
    );
    let total = by_product.total.unwrap_or_default();
    assert_eq!(
        (total.cases, total.returned_units, total.shipped_units),
        (2, 4, 10)
    );
    assert_eq!(total.return_rate_bps, 4_000);

    let by_reason = reader
        .get_return_analysis(analysis(
            pb::AnalysisDimension::Reason,
            "2027-01-01",
            "2027-01-31",
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let rows: Vec<(&str, i64, i64)> = by_reason
        .rows
        .iter()
        .map(|row| (row.key.as_str(), row.returned_units, row.return_rate_bps))
        .collect();
    assert_eq!(rows, [("quality", 3, 3_000), ("size_or_fit", 1, 1_000)]);

    // Another period: nothing.
    let february = reader
        .get_return_analysis(analysis(
            pb::AnalysisDimension::Month,
            "2027-02-01",
            "2027-02-28",
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(february.rows.is_empty());

    let status = reader
        .get_return_analysis(analysis(
            pb::AnalysisDimension::Unspecified,
            "2027-02-01",
            "someday",
        ))
        .await
        .refused("bad input");
    let mut fields = violated_fields(&status);
    fields.sort();
    assert_eq!(fields, ["dimension", "to_date"]);
    let status = reader
        .get_return_analysis(analysis(
            pb::AnalysisDimension::Month,
            "2027-02-01",
            "2027-01-01",
        ))
        .await
        .refused("backwards");
    assert_eq!(violated_fields(&status), ["to_date"]);
}

async fn client_as(app: &TestApp, subject: &str) -> Client {
    AfterSalesServiceClient::new(
        testing::authorized(app.address, subject, &["customer_service"]).await,
    )
}

async fn afs_10_a_complaint_is_answered_by_its_assignee_and_an_overdue_one_announced_once(
    backend: Backend,
) {
    let app = spawn_aftersales(backend).await;
    let mut cathy = client_as(&app, "cathy").await;
    let record = |kind: pb::ComplaintKind, satisfaction| pb::RecordComplaintRequest {
        request_id: String::new(),
        kind: kind.into(),
        customer_id: CUSTOMER.to_owned(),
        order_id: String::new(),
        subject: "late delivery".to_owned(),
        text: "the pumps came three days late".to_owned(),
        satisfaction,
    };
    let status = cathy
        .record_complaint(record(pb::ComplaintKind::Feedback, 0))
        .await
        .refused("feedback needs a score");
    assert_eq!(violated_fields(&status), ["satisfaction"]);
    let status = cathy
        .record_complaint(pb::RecordComplaintRequest {
            subject: String::new(),
            order_id: "not-an-id".to_owned(),
            ..record(pb::ComplaintKind::Unspecified, 9)
        })
        .await
        .refused("bad input");
    let mut fields = violated_fields(&status);
    fields.sort();
    assert_eq!(fields, ["kind", "order_id", "subject"]);
    let feedback = cathy
        .record_complaint(record(pb::ComplaintKind::Feedback, 4))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(feedback.satisfaction, 4);
    let complaint = cathy
        .record_complaint(record(pb::ComplaintKind::Complaint, 0))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(complaint.state, pb::ComplaintState::Open as i32);
    cathy
        .assign_complaint(pb::AssignComplaintRequest {
            request_id: String::new(),
            complaint_id: complaint.id.clone(),
            assignee: "dora".to_owned(),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let answer = |text: &str| pb::AnswerComplaintRequest {
        request_id: String::new(),
        complaint_id: complaint.id.clone(),
        answer: text.to_owned(),
    };
    let status = cathy
        .answer_complaint(answer("sorry"))
        .await
        .refused("dora answers it");
    assert_eq!(status.code(), Code::FailedPrecondition);
    let answered = client_as(&app, "dora")
        .await
        .answer_complaint(answer("sorry: a voucher for the next order"))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(answered.state, pb::ComplaintState::Answered as i32);
    assert_eq!(answered.answered_by, "dora");

    // The feedback is still unanswered a day later: overdue, announced once.
    app.clock.advance(chrono::Duration::hours(25));
    app.after_a_sweep(CALLING_PEERS).await;
    app.after_a_sweep(CALLING_PEERS).await;
    app.settled().await;
    let overdue = cathy
        .list_complaints(pb::ListComplaintsRequest {
            overdue_only: true,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .complaints;
    assert_eq!(
        overdue.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
        [feedback.id],
        "the answered complaint is not overdue"
    );
    let announced =
        testing::stream_messages(&app.nats, "AFTERSALES", "aftersales.complaint.overdue").await;
    assert_eq!(announced.len(), 1);
}
