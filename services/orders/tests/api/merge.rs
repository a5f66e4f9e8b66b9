//! ORD-9: merging orders that go to the identical recipient.

use orderflow_platform::backend_tests;
use orderflow_platform::testing::Backend;
use orderflow_proto::common::v1 as common;
use orderflow_proto::orders::v1 as pb;

use crate::support::*;

backend_tests!(
    ord_9_orders_to_the_identical_recipient_merge_into_one_listing_its_sources,
    ord_9_another_phone_or_a_reviewed_order_refuses_the_merge_and_changes_nothing,
    ord_9_bad_merge_requests_name_the_field,
);

/// A submitted order of `customer` with one line of `sku`, shipped to
/// `ship_to`, carrying `note` as its special requirement.
async fn submitted(
    app: &TestApp,
    customer: &pb::Customer,
    sku: &str,
    quantity: i64,
    ship_to: common::Address,
    note: &str,
) -> pb::Order {
    let mut request = standard_order(&customer.id);
    request.lines[0].sku = sku.to_owned();
    request.lines[0].quantity = quantity;
    request.ship_to = Some(ship_to);
    request.special_requirements = note.to_owned();
    create_and_submit(app, request).await
}

fn merge(ids: &[&str], request_id: &str) -> pb::MergeOrdersRequest {
    pb::MergeOrdersRequest {
        request_id: request_id.to_owned(),
        order_ids: ids.iter().map(|id| (*id).to_owned()).collect(),
    }
}

async fn order_count(app: &TestApp) -> usize {
    list_all(&mut app.sales().await).await.len()
}

async fn ord_9_orders_to_the_identical_recipient_merge_into_one_listing_its_sources(
    backend: Backend,
) {
    let app = spawn_orders(backend).await;
    let customer = create_customer(&mut app.sales().await).await;
    let first = submitted(&app, &customer, "PUMP-100", 3, address(), "gift: a cap").await;
    let second = submitted(&app, &customer, "VALVE-20", 2, address(), "wrap each").await;
    // The reviewer claims both for review (ORD-10).
    let claimed = app
        .assistant()
        .await
        .claim_orders(pb::ClaimOrdersRequest { count: 10 })
        .await
        .unwrap_or_else(|status| panic!("claim: {status:?}"))
        .into_inner();
    assert_eq!(claimed.orders.len(), 2);

    let merged = app
        .assistant()
        .await
        .merge_orders(merge(&[&first.id, &second.id], "merge-1"))
        .await
        .unwrap_or_else(|status| panic!("merge: {status:?}"))
        .into_inner();
    assert_eq!(merged.state, pb::OrderState::Submitted as i32);
    assert_eq!(
        merged.merged_from_order_ids,
        vec![first.id.clone(), second.id.clone()]
    );
    let lines: Vec<(i32, &str, i64)> = merged
        .lines
        .iter()
        .map(|line| (line.line_no, line.sku.as_str(), line.quantity))
        .collect();
    assert_eq!(lines, vec![(1, "PUMP-100", 3), (2, "VALVE-20", 2)]);
    assert_eq!(merged.total, cny(5 * 125_000));
    assert_eq!(merged.special_requirements, "gift: a cap\nwrap each");
    assert_eq!(merged.ship_to, Some(address()));
    assert_eq!(merged.confirmation_due_time, first.confirmation_due_time);
    assert_ne!(merged.number, first.number);

    for source in [&first, &second] {
        let closed = get_order(&app, &source.id).await;
        assert_eq!(closed.state, pb::OrderState::Closed as i32);
        assert_eq!(closed.merged_into_order_id, merged.id);
        let entry = timeline(&app, &source.id)
            .await
            .into_iter()
            .find(|entry| entry.action == "closed")
            .unwrap_or_else(|| panic!("no closed entry"));
        assert_eq!(entry.reason, format!("merged into order {}", merged.number));
    }
    let history = timeline(&app, &merged.id).await;
    assert!(
        history.iter().any(|entry| entry.action == "merged"
            && entry.detail.contains(&first.number)
            && entry.detail.contains(&second.number)),
        "{history:?}"
    );
    let announced = app.wait_for_published("orders.order.merged", 1).await;
    assert_eq!(announced.len(), 1);
    // The reviewer who merged claimed orders holds the merged one: a
    // colleague claiming a batch does not get it.
    let colleague = app
        .orders_as("bob", &["sales_assistant"])
        .await
        .claim_orders(pb::ClaimOrdersRequest { count: 10 })
        .await
        .unwrap_or_else(|status| panic!("claim: {status:?}"))
        .into_inner();
    assert!(colleague.orders.is_empty(), "{:?}", colleague.orders);
    let held: Vec<String> = app
        .assistant()
        .await
        .claim_orders(pb::ClaimOrdersRequest { count: 1 })
        .await
        .unwrap_or_else(|status| panic!("claim: {status:?}"))
        .into_inner()
        .orders
        .into_iter()
        .filter_map(|claimed| claimed.order.map(|order| order.id))
        .collect();
    assert_eq!(held, std::slice::from_ref(&merged.id));
    app.assistant()
        .await
        .release_claims(pb::ReleaseClaimsRequest::default())
        .await
        .unwrap_or_else(|status| panic!("release: {status:?}"));

    // The same request again answers with the same merged order.
    let again = app
        .assistant()
        .await
        .merge_orders(merge(&[&first.id, &second.id], "merge-1"))
        .await
        .unwrap_or_else(|status| panic!("merge again: {status:?}"))
        .into_inner();
    assert_eq!(again.id, merged.id);
    // A closed source cannot be merged a second time.
    let third = submitted(&app, &customer, "PUMP-100", 1, address(), "").await;
    let refused = app
        .assistant()
        .await
        .merge_orders(merge(&[&first.id, &third.id], "merge-2"))
        .await
        .err()
        .unwrap_or_else(|| panic!("a closed order was merged again"));
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition);
    assert_eq!(order_count(&app).await, 4);

    // The merged order goes on like any other: reviewed and confirmed.
    confirm(&app, &merged.id).await;
}

async fn ord_9_another_phone_or_a_reviewed_order_refuses_the_merge_and_changes_nothing(
    backend: Backend,
) {
    let app = spawn_orders(backend).await;
    let customer = create_customer(&mut app.sales().await).await;
    let first = submitted(&app, &customer, "PUMP-100", 3, address(), "").await;
    let other_phone = common::Address {
        phone: "+86 138 0013 8001".to_owned(),
        ..address()
    };
    let second = submitted(&app, &customer, "PUMP-100", 1, other_phone, "").await;
    let reviewed = submitted(&app, &customer, "PUMP-100", 1, address(), "").await;
    confirm(&app, &reviewed.id).await;
    let before = order_count(&app).await;

    let status = app
        .assistant()
        .await
        .merge_orders(merge(&[&first.id, &second.id, &reviewed.id], ""))
        .await
        .err()
        .unwrap_or_else(|| panic!("orders to another phone were merged"));
    let violations = unmet_preconditions(&status);
    assert!(
        violations.contains(&(
            "MERGE_RECIPIENT".to_owned(),
            format!("orders/{}", second.id)
        )),
        "{violations:?}"
    );
    assert!(
        violations.contains(&(
            "MERGE_REVIEWED".to_owned(),
            format!("orders/{}", reviewed.id)
        )),
        "{violations:?}"
    );
    assert_eq!(order_count(&app).await, before);
    assert_eq!(
        get_order(&app, &first.id).await.state,
        pb::OrderState::Submitted as i32
    );
    assert_eq!(
        get_order(&app, &second.id).await.state,
        pb::OrderState::Submitted as i32
    );
    assert!(app.published("orders.order.merged").await.is_empty());
}

async fn ord_9_bad_merge_requests_name_the_field(backend: Backend) {
    let app = spawn_orders(backend).await;
    let order = submitted_order(&app).await;
    let mut assistant = app.assistant().await;
    for (request, field) in [
        (merge(&[&order.id], ""), "order_ids"),
        (merge(&[&order.id, &order.id], ""), "order_ids[1]"),
        (merge(&[&order.id, ""], ""), "order_ids[1]"),
    ] {
        let status = assistant
            .merge_orders(request)
            .await
            .err()
            .unwrap_or_else(|| panic!("a bad merge was accepted"));
        assert_eq!(violated_fields(&status), vec![field.to_owned()]);
    }
    let unknown = assistant
        .merge_orders(merge(
            &[&order.id, "01999999-0000-7000-8000-000000000000"],
            "",
        ))
        .await
        .err()
        .unwrap_or_else(|| panic!("an unknown order was merged"));
    assert_eq!(unknown.code(), tonic::Code::NotFound);
    let denied = app
        .sales()
        .await
        .merge_orders(merge(&[&order.id, &order.id], ""))
        .await
        .err()
        .unwrap_or_else(|| panic!("a salesperson merged at review"));
    assert_eq!(denied.code(), tonic::Code::PermissionDenied);
    assert_eq!(
        get_order(&app, &order.id).await.state,
        pb::OrderState::Submitted as i32
    );
}
