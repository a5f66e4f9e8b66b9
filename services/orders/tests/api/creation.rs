//! Creating customers and orders: ORD-1, ORD-2, ORD-3, ORD-14, paging.

use std::collections::HashSet;

use orderflow_platform::backend_tests;
use orderflow_platform::testing::{self, Backend};
use orderflow_proto::orders::v1 as pb;
use pb::order_service_client::OrderServiceClient;

use crate::support::*;

backend_tests!(
    ord_1_an_order_is_created_in_draft_with_its_lines_and_total,
    ord_2_a_repeated_request_id_returns_the_first_order,
    ord_2_fifty_concurrent_creates_get_distinct_well_formed_numbers,
    ord_3_invalid_input_names_each_field_and_stores_nothing,
    ord_14_a_reship_links_to_the_order_it_replaces,
    orders_are_listed_newest_first_in_pages_with_filters,
    a_customer_is_created_once_per_request_id,
);

async fn ord_1_an_order_is_created_in_draft_with_its_lines_and_total(backend: Backend) {
    let app = spawn_orders(backend).await;
    let mut sales = app.sales().await;
    let customer = create_customer(&mut sales).await;
    let order = create_order(&mut sales, standard_order(&customer.id)).await;
    assert_eq!(order.state, pb::OrderState::Draft as i32);
    assert_eq!(order.salesperson, "alice", "the caller by default");
    assert_eq!(order.lines.len(), 1);
    assert_eq!(order.lines[0].line_total, cny(375_000));
    assert_eq!(order.total, cny(375_000));
    assert_eq!(
        order.ship_to,
        Some(address()),
        "the customer's address by default"
    );
    assert!(
        order.number.starts_with("20260302"),
        "business date in Shanghai: {}",
        order.number
    );
    let fetched = get_order(&app, &order.id).await;
    assert_eq!(fetched, order);
}

async fn ord_2_a_repeated_request_id_returns_the_first_order(backend: Backend) {
    let app = spawn_orders(backend).await;
    let mut sales = app.sales().await;
    let customer = create_customer(&mut sales).await;
    let mut request = standard_order(&customer.id);
    request.request_id = "po-4711-create".to_owned();
    let first = create_order(&mut sales, request.clone()).await;
    let again = create_order(&mut sales, request.clone()).await;
    assert_eq!(again.id, first.id);
    assert_eq!(again.number, first.number);

    let (first_concurrent, second_concurrent) = {
        let mut other = app.sales().await;
        let mut request = request.clone();
        request.request_id = "po-4712-create".to_owned();
        let mut repeat = request.clone();
        repeat.lines[0].quantity = 3;
        tokio::join!(sales.create_order(request), other.create_order(repeat))
    };
    let (a, b) = (
        first_concurrent
            .unwrap_or_else(|s| panic!("{s:?}"))
            .into_inner(),
        second_concurrent
            .unwrap_or_else(|s| panic!("{s:?}"))
            .into_inner(),
    );
    assert_eq!(a.id, b.id, "concurrent duplicates resolve to one order");
    let listed = sales
        .list_orders(pb::ListOrdersRequest::default())
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(listed.orders.len(), 2);

    // The same request id for another order is refused and creates nothing.
    let mut other_body = request.clone();
    other_body.lines[0].quantity = 4;
    let reused = sales
        .create_order(other_body)
        .await
        .err()
        .unwrap_or_else(|| panic!("a reused request id with another body was accepted"));
    assert_eq!(violated_fields(&reused), ["request_id"]);
    // A request id is its caller's: another salesperson's same id is theirs.
    let mut jane = app.orders_as("jane", &["sales"]).await;
    let hers = create_order(&mut jane, request.clone()).await;
    assert_ne!(hers.id, first.id);
    let listed = app
        .orders_as("boss", &["sales_supervisor"])
        .await
        .list_orders(pb::ListOrdersRequest::default())
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(listed.orders.len(), 3);
}

fn is_well_formed(number: &str) -> bool {
    use orderflow_platform::ids::{OrderNumber, Parse};
    OrderNumber::parse(number).is_ok()
}

async fn ord_2_fifty_concurrent_creates_get_distinct_well_formed_numbers(backend: Backend) {
    let app = spawn_orders(backend).await;
    let mut sales = app.sales().await;
    let customer = create_customer(&mut sales).await;
    // PostgreSQL: two instances share the database, as two replicas would.
    // SQLite is one instance per database file by design.
    let (second_address, _replica) = if backend == Backend::Postgres {
        let (address, shutdown) = spawn_replica(&app).await;
        (address, Some(shutdown))
    } else {
        (app.address, None)
    };
    let token = orderflow_platform::testing::token("alice", &["sales"]);
    let mut calls = Vec::new();
    for n in 0..50 {
        let address = if n % 2 == 0 {
            app.address
        } else {
            second_address
        };
        let request = standard_order(&customer.id);
        let token = token.clone();
        calls.push(tokio::spawn(async move {
            let mut client = OrderServiceClient::new(channel(address).await);
            let mut request = tonic::Request::new(request);
            request.metadata_mut().insert(
                "authorization",
                format!("Bearer {token}")
                    .parse()
                    .unwrap_or_else(|_| panic!("header")),
            );
            client
                .create_order(request)
                .await
                .map(|r| r.into_inner().number)
        }));
    }
    let mut numbers = HashSet::new();
    for call in calls {
        let number = call
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|s| panic!("{s:?}"));
        assert!(is_well_formed(&number), "{number}");
        assert!(number.starts_with("20260302"));
        numbers.insert(number);
    }
    assert_eq!(numbers.len(), 50, "every order has its own number");
}

async fn ord_3_invalid_input_names_each_field_and_stores_nothing(backend: Backend) {
    let app = spawn_orders(backend).await;
    let mut sales = app.sales().await;
    let customer = create_customer(&mut sales).await;
    app.wait_for_published("orders.customer.created", 1).await;

    let mut bad = standard_order(&customer.id);
    bad.currency_code = "EURO".to_owned();
    bad.lines[0].quantity = -2;
    bad.lines.push(pb::OrderLineInput {
        sku: String::new(),
        description: String::new(),
        quantity: 1,
        unit_price: cny(0),
        kit: None,
        ..Default::default()
    });
    bad.requested_delivery_date = "next week".to_owned();
    let status = sales
        .create_order(bad)
        .await
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    assert_eq!(
        violated_fields(&status),
        vec![
            "currency_code",
            "lines[0].quantity",
            "lines[1].sku",
            "lines[1].unit_price.minor_units",
            "requested_delivery_date",
        ]
    );

    let mut unknown_customer = standard_order(&uuid::Uuid::now_v7().to_string());
    unknown_customer.kind = 99;
    let status = sales
        .create_order(unknown_customer)
        .await
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    assert_eq!(violated_fields(&status), vec!["kind"]);

    let missing_customer = standard_order(&uuid::Uuid::now_v7().to_string());
    let status = sales
        .create_order(missing_customer)
        .await
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    assert_eq!(violated_fields(&status), vec!["customer_id"]);

    let listed = sales
        .list_orders(pb::ListOrdersRequest::default())
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(listed.orders.is_empty(), "nothing stored");
    app.quiescent().await;
    assert!(
        app.published("orders.order.created").await.is_empty(),
        "no event"
    );
}

async fn ord_14_a_reship_links_to_the_order_it_replaces(backend: Backend) {
    let app = spawn_orders(backend).await;
    let mut sales = app.sales().await;
    let customer = create_customer(&mut sales).await;
    let draft = create_order(&mut sales, standard_order(&customer.id)).await;
    let original = crate::notifications::ready_to_ship(&app, &customer).await;
    let someone_else = create_customer(&mut sales).await;
    let theirs = create_order(&mut sales, standard_order(&someone_else.id)).await;

    let mut reship = standard_order(&customer.id);
    reship.kind = pb::OrderKind::ReshipZeroProfit as i32;
    reship.lines[0].unit_price = cny(0);
    reship.payment_terms = None;
    reship.cost_bearer = pb::CostBearer::Carrier as i32;
    let mut refused = async |replaces: &str| {
        let mut request = reship.clone();
        request.replaces_order_id = replaces.to_owned();
        sales
            .create_order(request)
            .await
            .err()
            .unwrap_or_else(|| panic!("a reship replacing {replaces:?} was accepted"))
    };
    let replaces_order_id = vec!["replaces_order_id"];
    assert_eq!(violated_fields(&refused("").await), replaces_order_id);
    let unknown = uuid::Uuid::now_v7().to_string();
    assert_eq!(
        violated_fields(&refused(&unknown).await),
        replaces_order_id,
        "must exist"
    );
    // Another customer's order is not this customer's to reship.
    assert_eq!(
        violated_fields(&refused(&theirs.id).await),
        replaces_order_id,
        "the same customer's"
    );
    // A reship replaces goods that were shipped: not a draft's, nor those
    // still waiting in the warehouse.
    for unshipped in [&draft, &original] {
        assert_eq!(
            testing::unmet_preconditions(&refused(&unshipped.id).await),
            [(
                "REPLACED_NOT_SHIPPED".to_owned(),
                format!("orders/{}", unshipped.id)
            )]
        );
    }
    assert!(
        list_all(&mut sales)
            .await
            .iter()
            .all(|order| order.kind != pb::OrderKind::ReshipZeroProfit as i32)
    );

    crate::notifications::shipment(
        &app,
        &original,
        "dispatched",
        prost_types::Timestamp {
            seconds: start_time().timestamp(),
            nanos: 0,
        },
    )
    .await;
    wait_for_state(&app, &original.id, pb::OrderState::Shipped).await;
    reship.replaces_order_id = original.id.clone();
    let created = create_order(&mut sales, reship).await;
    assert_eq!(created.replaces_order_id, original.id);
    assert_eq!(created.cost_bearer, pb::CostBearer::Carrier as i32);

    let mut a_return = standard_order(&customer.id);
    a_return.kind = pb::OrderKind::Return as i32;
    a_return.lines[0].unit_price = cny(-125_000);
    a_return.payment_terms = None;
    a_return.replaces_order_id = original.id.clone();
    let status = sales
        .create_order(a_return)
        .await
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    assert_eq!(
        status.code(),
        tonic::Code::PermissionDenied,
        "returns come from after-sales: {status:?}"
    );
}

async fn orders_are_listed_newest_first_in_pages_with_filters(backend: Backend) {
    let app = spawn_orders(backend).await;
    let mut sales = app.sales().await;
    let customer = create_customer(&mut sales).await;
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(
            create_order(&mut sales, standard_order(&customer.id))
                .await
                .id,
        );
    }
    let mut bob = app.orders_as("bob", &["sales"]).await;
    let bobs = create_order(&mut bob, standard_order(&customer.id)).await;

    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = sales
            .list_orders(pb::ListOrdersRequest {
                page_size: 2,
                page_token: token.clone(),
                salesperson: "alice".to_owned(),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|s| panic!("{s:?}"))
            .into_inner();
        assert!(page.orders.len() <= 2);
        seen.extend(page.orders.into_iter().map(|order| order.id));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    created.reverse();
    assert_eq!(seen, created, "alice's orders, newest first, each once");
    assert!(!seen.contains(&bobs.id));

    let status = sales
        .list_orders(pb::ListOrdersRequest {
            page_size: 2,
            page_token: "not-a-token".to_owned(),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    assert_eq!(violated_fields(&status), vec!["page_token"]);
}

async fn a_customer_is_created_once_per_request_id(backend: Backend) {
    let app = spawn_orders(backend).await;
    let mut sales = app.sales().await;
    let request = pb::CreateCustomerRequest {
        request_id: "crm-import-77".to_owned(),
        name: "Chengdu Pumps".to_owned(),
        phone: "028 8765 4321".to_owned(),
        email: String::new(),
        address: None,
    };
    let first = sales
        .create_customer(request.clone())
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let again = sales
        .create_customer(request)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(first.id, again.id);
    let bad = sales
        .create_customer(pb::CreateCustomerRequest {
            name: String::new(),
            phone: "phone".to_owned(),
            email: "nobody".to_owned(),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    assert_eq!(violated_fields(&bad), vec!["name", "phone", "email"]);
}
