//! Order review and confirmation (ORD-5) and the confirmation sheet it
//! issues (ORD-16).

use std::time::Duration;

use orderflow_platform::backend_tests;
use orderflow_platform::testing::{self, Backend};
use orderflow_proto::orders::v1 as pb;

use crate::support::*;

backend_tests!(
    ord_5_an_order_without_a_complete_ship_to_is_not_confirmed,
    ord_5_a_price_off_the_list_is_flagged_and_needs_a_sales_supervisor,
    ord_8_a_kit_line_is_not_confirmed_unchecked_while_inventory_is_down,
    ord_8_a_kit_line_needs_its_components_and_weight,
    ord_16_confirmation_issues_the_sheet_and_the_customer_acknowledges_it_once,
);

async fn ord_5_an_order_without_a_complete_ship_to_is_not_confirmed(backend: Backend) {
    let app = spawn_orders(backend).await;
    let mut sales = app.sales().await;
    let customer = sales
        .create_customer(pb::CreateCustomerRequest {
            name: "Walk-in customer".to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let mut request = standard_order(&customer.id);
    request.ship_to = Some(orderflow_proto::common::v1::Address {
        recipient_name: "Wang Fang".to_owned(),
        city: "Chengdu".to_owned(),
        ..Default::default()
    });
    let order = create_order(&mut sales, request).await;
    submit(&mut sales, &order.id).await;
    let status = app
        .assistant()
        .await
        .confirm_order(pb::ConfirmOrderRequest {
            order_id: order.id.clone(),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("confirmed without an address"));
    assert_eq!(status.code(), tonic::Code::FailedPrecondition);
    let missing: Vec<String> = unmet_preconditions(&status)
        .into_iter()
        .map(|(_, subject)| subject)
        .collect();
    assert_eq!(
        missing,
        vec![
            "ship_to.phone",
            "ship_to.country_code",
            "ship_to.region",
            "ship_to.street"
        ]
    );
    assert_eq!(
        get_order(&app, &order.id).await.state,
        pb::OrderState::Submitted as i32
    );
}

async fn ord_5_a_price_off_the_list_is_flagged_and_needs_a_sales_supervisor(backend: Backend) {
    let app = spawn_orders(backend).await;
    let mut supervisor = app.orders_as("dave", &["sales_supervisor"]).await;
    supervisor
        .set_list_price(pb::SetListPriceRequest {
            sku: "PUMP-100".to_owned(),
            unit_price: cny(130_000),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let order = submitted_order(&app).await;

    let status = app
        .assistant()
        .await
        .confirm_order(pb::ConfirmOrderRequest {
            order_id: order.id.clone(),
            accept_price_deviation: true,
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("an assistant accepted a price deviation"));
    assert_eq!(status.code(), tonic::Code::FailedPrecondition);
    assert!(
        status.message().contains("sales_supervisor"),
        "{}",
        status.message()
    );
    let flagged = get_order(&app, &order.id).await;
    assert_eq!(flagged.state, pb::OrderState::Submitted as i32);
    assert!(flagged.flags.contains(&"price_mismatch".to_owned()));
    assert_eq!(flagged.lines[0].list_price, cny(130_000));
    assert!(
        timeline(&app, &order.id)
            .await
            .iter()
            .any(|e| e.action == "flagged")
    );

    let confirmed = supervisor
        .confirm_order(pb::ConfirmOrderRequest {
            order_id: order.id.clone(),
            accept_price_deviation: true,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(confirmed.state, pb::OrderState::PendingApproval as i32);
    let entry = timeline(&app, &order.id)
        .await
        .into_iter()
        .find(|e| e.action == "confirmed")
        .unwrap_or_default();
    assert_eq!(entry.actor, "dave");
    assert!(
        entry.detail.contains("accepted by a sales supervisor"),
        "{}",
        entry.detail
    );
}

fn garden_set_line(components: Vec<pb::KitComponent>, weight: i64) -> pb::OrderLineInput {
    pb::OrderLineInput {
        sku: "GARDEN-SET".to_owned(),
        description: "Pump with two spare seal kits".to_owned(),
        quantity: 2,
        unit_price: cny(150_000),
        kit: Some(pb::KitComposition {
            components,
            total_weight_grams: weight,
        }),
        ..Default::default()
    }
}

fn component(sku: &str, quantity: i64) -> pb::KitComponent {
    pb::KitComponent {
        sku: sku.to_owned(),
        quantity,
    }
}

/// The test service's inventory is a dead port: the kit cannot be checked,
/// so the confirmation is refused as UNAVAILABLE and the order stays as it
/// was (a plain order is still confirmed with "stock not checked").
async fn ord_8_a_kit_line_is_not_confirmed_unchecked_while_inventory_is_down(backend: Backend) {
    let app = spawn_orders(backend).await;
    let mut sales = app.sales().await;
    let customer = create_customer(&mut sales).await;
    let mut request = standard_order(&customer.id);
    request.lines = vec![garden_set_line(
        vec![component("PUMP-100", 1), component("SEAL-KIT", 2)],
        4_800,
    )];
    let order = create_order(&mut sales, request).await;
    assert_eq!(
        order.lines[0].kit.as_ref().map(|kit| kit.components.len()),
        Some(2),
        "the composition is kept on the line"
    );
    submit(&mut sales, &order.id).await;
    let status = app
        .assistant()
        .await
        .confirm_order(pb::ConfirmOrderRequest {
            order_id: order.id.clone(),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("a kit line was confirmed without being checked"));
    assert_eq!(status.code(), tonic::Code::Unavailable, "{status:?}");
    assert_eq!(
        get_order(&app, &order.id).await.state,
        pb::OrderState::Submitted as i32
    );
    assert!(
        !timeline(&app, &order.id)
            .await
            .iter()
            .any(|entry| entry.action == "confirmed")
    );

    let plain = submitted_order(&app).await;
    let confirmed = app
        .assistant()
        .await
        .confirm_order(pb::ConfirmOrderRequest {
            order_id: plain.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(confirmed.state, pb::OrderState::PendingApproval as i32);
    let entry = timeline(&app, &plain.id)
        .await
        .into_iter()
        .find(|entry| entry.action == "confirmed")
        .unwrap_or_default();
    assert!(
        entry.detail.contains("stock not checked"),
        "{}",
        entry.detail
    );
}

async fn ord_8_a_kit_line_needs_its_components_and_weight(backend: Backend) {
    let app = spawn_orders(backend).await;
    let mut sales = app.sales().await;
    let customer = create_customer(&mut sales).await;
    let mut request = standard_order(&customer.id);
    request.lines = vec![
        garden_set_line(Vec::new(), 0),
        garden_set_line(
            vec![
                component("SEAL-KIT", 2),
                component("SEAL-KIT", 1),
                component("PUMP 100", 0),
            ],
            4_800,
        ),
    ];
    let status = sales
        .create_order(request)
        .await
        .err()
        .unwrap_or_else(|| panic!("a kit line without components was taken"));
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert_eq!(
        violated_fields(&status),
        vec![
            "lines[0].kit.components",
            "lines[0].kit.total_weight_grams",
            "lines[1].kit.components[1].sku",
            "lines[1].kit.components[2].sku",
            "lines[1].kit.components[2].quantity",
        ]
    );
}

async fn ord_16_confirmation_issues_the_sheet_and_the_customer_acknowledges_it_once(
    backend: Backend,
) {
    let app = spawn_orders(backend).await;
    let mut sales = app.sales().await;
    let customer = sales
        .create_customer(pb::CreateCustomerRequest {
            name: "杭州水务集团".to_owned(),
            address: Some(address()),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let order = create_and_submit(&app, standard_order(&customer.id)).await;
    let get = || pb::GetConfirmationSheetRequest {
        order_id: order.id.clone(),
    };
    let early = sales.get_confirmation_sheet(get()).await.err();
    assert_eq!(
        early.map(|status| status.code()),
        Some(tonic::Code::NotFound),
        "no sheet before the order is confirmed"
    );

    confirm(&app, &order.id).await;
    let sheet = sales
        .get_confirmation_sheet(get())
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(sheet.number, format!("OC-{}", order.number));
    assert_eq!(sheet.version, 1);
    assert_eq!(sheet.customer_name, "杭州水务集团");
    assert_eq!(sheet.lines, order.lines, "the lines and their prices");
    assert_eq!(sheet.total, cny(375_000));
    assert_eq!(sheet.delivery_date, "2026-04-15");
    assert_eq!(sheet.payment_terms, prepaid());
    assert_eq!(sheet.payment_terms_text, "prepaid in full before release");
    assert_eq!(sheet.ship_to, Some(address()));
    assert_eq!(sheet.issued_by, "carol");
    assert!(sheet.acknowledged_by.is_empty() && sheet.acknowledge_time.is_none());
    assert!(sheet.pdf.starts_with(b"%PDF"));
    // The PDF opens and says the same; the customer's Chinese name prints
    // as itself, not as '?'.
    let pdf = lopdf::Document::load_mem(&sheet.pdf).unwrap_or_else(|e| panic!("{e}"));
    let pages: Vec<u32> = pdf.get_pages().keys().copied().collect();
    let text = pdf.extract_text(&pages).unwrap_or_else(|e| panic!("{e}"));
    for expected in [
        format!("OC-{}", order.number),
        "Customer: 杭州水务集团".to_owned(),
        "1 | PUMP-100 | Water pump | 3 | 1250.00 CNY | 3750.00 CNY".to_owned(),
        "TOTAL 3750.00 CNY".to_owned(),
        "Delivery date: 2026-04-15".to_owned(),
        "Payment terms: prepaid in full before release".to_owned(),
    ] {
        assert!(text.contains(&expected), "{expected:?} not in:\n{text}");
    }
    let confirmed = timeline(&app, &order.id)
        .await
        .into_iter()
        .find(|entry| entry.action == "confirmed")
        .map(|entry| entry.detail)
        .unwrap_or_default();
    assert!(
        confirmed.contains(&format!(
            "confirmation sheet {} version 1 issued",
            sheet.number
        )),
        "{confirmed}"
    );
    // The sheet goes to the customer through the notifier.
    let told = testing::eventually(Duration::from_secs(20), "the sheet sent", || async {
        crate::notifications::messages(&app, &customer, &order)
            .await
            .into_iter()
            .find(|message| message.send_time.is_some())
    })
    .await;
    assert_eq!(told.kind(), pb::NotificationKind::Confirmation);
    assert!(
        told.text.contains(&format!("{} (version 1)", sheet.number))
            && told.text.contains("2026-04-15"),
        "{}",
        told.text
    );

    // The customer acknowledges: recorded once, on the sheet and timeline.
    let acknowledge = |by: &str, request_id: &str| pb::RecordCustomerAcknowledgementRequest {
        request_id: request_id.to_owned(),
        order_id: order.id.clone(),
        acknowledged_by: by.to_owned(),
        note: "signed and returned by fax".to_owned(),
    };
    let blank = sales
        .record_customer_acknowledgement(acknowledge(" ", ""))
        .await
        .err()
        .unwrap_or_else(|| panic!("acknowledged by nobody"));
    assert_eq!(
        orderflow_platform::testing::violated_fields(&blank),
        ["acknowledged_by"]
    );
    let done = sales
        .record_customer_acknowledgement(acknowledge("Li Lei", "ack-1"))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(done.acknowledged_by, "Li Lei");
    assert_eq!(done.acknowledgement_recorded_by, "alice");
    assert!(done.acknowledge_time.is_some());
    let again = sales
        .record_customer_acknowledgement(acknowledge("Li Lei", "ack-1"))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(again.acknowledge_time, done.acknowledge_time);
    let other = sales
        .record_customer_acknowledgement(acknowledge("Han Meimei", ""))
        .await
        .err()
        .unwrap_or_else(|| panic!("acknowledged twice"));
    assert_eq!(other.code(), tonic::Code::FailedPrecondition);
    assert_eq!(
        unmet_preconditions(&other)
            .into_iter()
            .map(|(kind, _)| kind)
            .collect::<Vec<_>>(),
        ["ALREADY_ACKNOWLEDGED"]
    );
    let acknowledged: Vec<String> = timeline(&app, &order.id)
        .await
        .into_iter()
        .filter(|entry| entry.action == "customer_acknowledged")
        .map(|entry| entry.detail)
        .collect();
    assert_eq!(
        acknowledged,
        [format!(
            "{} acknowledged by Li Lei: signed and returned by fax",
            sheet.number
        )]
    );
}
