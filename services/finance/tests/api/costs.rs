//! ORD-20 through the API: finance confirms payment *and profit*. Each
//! standard order on a sales detail must sell above the standard cost of its
//! goods on the detail's day, or the confirmation is refused, every cause
//! named, and nothing is released.

use orderflow_platform::backend_tests;
use orderflow_platform::testing::{self, Backend};
use orderflow_proto::finance::v1 as pb;
use tonic::Code;

use crate::support::*;

backend_tests!(
    ord_20_finance_confirms_each_standard_orders_profit_against_its_standard_cost,
    ord_20_standard_costs_are_validated_kept_per_day_and_set_once_per_request,
);

async fn confirm(app: &TestApp, detail_id: &str) -> Result<pb::SalesDetail, tonic::Status> {
    app.finance()
        .await
        .confirm_sales_detail(pb::ConfirmSalesDetailRequest {
            sales_detail_id: detail_id.to_owned(),
            ..Default::default()
        })
        .await
        .map(tonic::Response::into_inner)
}

async fn ord_20_finance_confirms_each_standard_orders_profit_against_its_standard_cost(
    backend: Backend,
) {
    let app = spawn_finance(backend).await;
    // Ten pumps at 10,000.00 CNY: 100,000.00 CNY.
    let order = paid_standard_order(&app).await;
    let detail = sign(&mut app.manager().await, "tom", "2027-01-04")
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));

    // No cost known for the pump: finance cannot confirm a profit.
    let refused = confirm(&app, &detail.id)
        .await
        .err()
        .unwrap_or_else(|| panic!("confirmed"));
    assert_eq!(
        testing::unmet_preconditions(&refused),
        [(
            "COST_UNKNOWN".to_owned(),
            "standard_costs/PUMP-100".to_owned()
        )]
    );
    // A cost that applies only from a later day is not this day's cost.
    set_standard_cost(&app, "PUMP-100", 500_000, "2027-01-05")
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let refused = confirm(&app, &detail.id)
        .await
        .err()
        .unwrap_or_else(|| panic!("confirmed"));
    assert_eq!(
        testing::unmet_preconditions(&refused)[0].0,
        "COST_UNKNOWN",
        "{refused:?}"
    );

    // Sold at cost: no profit, so not a standard sale.
    set_standard_cost(&app, "PUMP-100", 1_000_000, "2027-01-01")
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let refused = confirm(&app, &detail.id)
        .await
        .err()
        .unwrap_or_else(|| panic!("confirmed"));
    assert_eq!(
        testing::unmet_preconditions(&refused),
        [("PROFIT_TOO_LOW".to_owned(), format!("orders/{}", order.id))]
    );
    // Refused changes nothing: the detail is still only signed, the gate shut.
    app.quiescent().await;
    let listed = app
        .finance()
        .await
        .list_sales_details(pb::ListSalesDetailsRequest {
            salesperson: "tom".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(listed.sales_details.len(), 1);
    assert_eq!(
        listed.sales_details[0].state,
        pb::SalesDetailState::Signed as i32
    );
    assert!(listed.sales_details[0].profits.is_empty());
    assert_eq!(
        codes(&app.gate(&order).await),
        ["SALES_DETAIL_NOT_CONFIRMED"]
    );
    assert_eq!(app.opened_count(&order).await, 0);

    // The day's cost corrected to 7,500.00: a profit of 25,000.00 (25 %).
    set_standard_cost(&app, "PUMP-100", 750_000, "2027-01-01")
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let confirmed = confirm(&app, &detail.id)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    assert_eq!(confirmed.state, pb::SalesDetailState::Confirmed as i32);
    assert_eq!(
        confirmed.profits,
        [pb::OrderProfit {
            order_id: order.id.clone(),
            order_number: order.number.clone(),
            revenue: Some(cny(10_000_000)),
            cost: Some(cny(7_500_000)),
            profit: Some(cny(2_500_000)),
            margin_basis_points: 2_500,
        }]
    );
    app.wait_opened(&order).await;
    // The confirmed profit stays as confirmed when the cost changes later.
    set_standard_cost(&app, "PUMP-100", 990_000, "2027-01-01")
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let again = confirm(&app, &detail.id)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    assert_eq!(again.profits, confirmed.profits);
}

async fn ord_20_standard_costs_are_validated_kept_per_day_and_set_once_per_request(
    backend: Backend,
) {
    let app = spawn_finance(backend).await;
    let mut finance = app.finance().await;
    let bad = finance
        .set_standard_cost(pb::SetStandardCostRequest {
            sku: "has space".to_owned(),
            unit_cost: Some(cny(0)),
            effective_from: "2027-13-01".to_owned(),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    assert_eq!(
        testing::violated_fields(&bad),
        ["sku", "unit_cost.minor_units", "effective_from"]
    );
    let by_sales = app
        .sales()
        .await
        .set_standard_cost(pb::SetStandardCostRequest {
            sku: "PUMP-100".to_owned(),
            unit_cost: Some(cny(1)),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    assert_eq!(by_sales.code(), Code::PermissionDenied);

    // Blank = from today (the business day of the service's clock).
    let today = set_standard_cost(&app, "PUMP-100", 700_000, "")
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    assert_eq!(today.effective_from, "2027-01-04");
    assert_eq!(today.set_by, "fiona");
    set_standard_cost(&app, "PUMP-100", 650_000, "2026-12-01")
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    set_standard_cost(&app, "SEAL-7", 120, "2026-12-01")
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));

    let (first, _) = testing::assert_idempotent("set-cost", |request_id, variant| {
        let mut finance = finance.clone();
        async move {
            finance
                .set_standard_cost(pb::SetStandardCostRequest {
                    request_id,
                    sku: "PUMP-100".to_owned(),
                    unit_cost: Some(cny(710_000 + i64::from(variant))),
                    effective_from: "2027-02-01".to_owned(),
                    ..Default::default()
                })
                .await
                .map(|cost| cost.into_inner().effective_from)
        }
    })
    .await;
    assert_eq!(first, "2027-02-01");

    // One SKU's history, by day; the refused calls left nothing.
    let history = finance
        .list_standard_costs(pb::ListStandardCostsRequest {
            sku: "PUMP-100".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let days: Vec<(String, i64)> = history
        .standard_costs
        .iter()
        .map(|cost| {
            (
                cost.effective_from.clone(),
                cost.unit_cost.as_ref().map_or(0, |cost| cost.minor_units),
            )
        })
        .collect();
    assert_eq!(
        days,
        [
            ("2026-12-01".to_owned(), 650_000),
            ("2027-01-04".to_owned(), 700_000),
            ("2027-02-01".to_owned(), 710_000),
        ]
    );
    let all = finance
        .list_standard_costs(pb::ListStandardCostsRequest {
            page_size: 2,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(all.standard_costs.len(), 2);
    assert!(!all.next_page_token.is_empty());
}
