//! ORD-10: shop-channel orders, de-duplicated by (channel, external id), and
//! reviewers' claims on batches of them.

use chrono::Duration;
use orderflow_platform::backend_tests;
use orderflow_platform::testing::Backend;
use orderflow_proto::orders::v1 as pb;
use pb::order_service_client::OrderServiceClient;

use crate::support::*;

backend_tests!(
    ord_10_a_channel_order_imported_twice_is_one_order,
    ord_10_claimed_orders_are_hidden_from_other_reviewers_until_released_or_expired,
    ord_10_reviewers_claiming_at_once_on_two_replicas_never_share_an_order,
);

fn channel_order(external_id: &str, customer_id: &str) -> pb::ChannelOrder {
    pb::ChannelOrder {
        external_id: external_id.to_owned(),
        order: Some(standard_order(customer_id)),
    }
}

fn import(channel: &str, orders: Vec<pb::ChannelOrder>) -> pb::ImportChannelOrdersRequest {
    pb::ImportChannelOrdersRequest {
        channel: channel.to_owned(),
        orders,
    }
}

/// Imports `request`: what was imported, and whether before.
async fn imported(
    client: &mut OrderServiceClient<Authorized>,
    request: pb::ImportChannelOrdersRequest,
) -> Vec<pb::ImportedOrder> {
    client
        .import_channel_orders(request)
        .await
        .unwrap_or_else(|status| panic!("import: {status:?}"))
        .into_inner()
        .orders
}

/// A refused import: the fields it named.
async fn refused_fields(
    client: &mut OrderServiceClient<Authorized>,
    request: pb::ImportChannelOrdersRequest,
) -> Vec<String> {
    let status = client
        .import_channel_orders(request)
        .await
        .err()
        .unwrap_or_else(|| panic!("a bad import was accepted"));
    let mut fields = violated_fields(&status);
    fields.sort();
    fields
}

async fn ord_10_a_channel_order_imported_twice_is_one_order(backend: Backend) {
    let app = spawn_orders(backend).await;
    let customer = create_customer(&mut app.sales().await).await;
    let mut assistant = app.assistant().await;

    let first = imported(
        &mut assistant,
        import(
            "tmall-flagship",
            vec![
                channel_order("TB-1001", &customer.id),
                channel_order("TB-1002", &customer.id),
            ],
        ),
    )
    .await;
    assert_eq!(first.len(), 2);
    for imported in &first {
        assert!(!imported.duplicate);
        let order = imported.order.clone().unwrap_or_default();
        assert_eq!(order.state, pb::OrderState::Submitted as i32);
        assert_eq!(
            order.channel, "tmall-flagship",
            "the order keeps its channel"
        );
    }

    // The next sync brings TB-1001 again and a new one.
    let second = imported(
        &mut assistant,
        import(
            "tmall-flagship",
            vec![
                channel_order("TB-1001", &customer.id),
                channel_order("TB-1003", &customer.id),
            ],
        ),
    )
    .await;
    assert!(second[0].duplicate);
    assert_eq!(
        second[0].order.as_ref().map(|order| order.id.clone()),
        first[0].order.as_ref().map(|order| order.id.clone())
    );
    assert!(!second[1].duplicate);
    // The same external id in another channel is another order.
    let other_shop = imported(
        &mut assistant,
        import("jd-store", vec![channel_order("TB-1001", &customer.id)]),
    )
    .await;
    assert!(!other_shop[0].duplicate);
    assert_eq!(list_all(&mut assistant).await.len(), 4);

    // One bad item refuses the whole import, naming it; nothing is created.
    let fields = refused_fields(
        &mut assistant,
        import(
            "tmall-flagship",
            vec![
                channel_order("TB-1004", &customer.id),
                channel_order("TB-1005", "01999999-0000-7000-8000-000000000000"),
                channel_order("TB-1004", &customer.id),
                channel_order("", &customer.id),
            ],
        ),
    )
    .await;
    assert_eq!(
        fields,
        vec![
            "orders[2].external_id".to_owned(),
            "orders[3].external_id".to_owned()
        ]
    );
    assert_eq!(
        refused_fields(
            &mut assistant,
            import(
                "tmall flagship!",
                vec![
                    channel_order("TB-1004", &customer.id),
                    channel_order("TB-1005", "01999999-0000-7000-8000-000000000000"),
                ],
            )
        )
        .await,
        vec!["channel".to_owned()]
    );
    assert_eq!(
        refused_fields(
            &mut assistant,
            import(
                "tmall-flagship",
                vec![
                    channel_order("TB-1004", &customer.id),
                    channel_order("TB-1005", "01999999-0000-7000-8000-000000000000"),
                ],
            )
        )
        .await,
        vec!["orders[1].order.customer_id".to_owned()]
    );
    assert_eq!(list_all(&mut assistant).await.len(), 4);
}

async fn ord_10_claimed_orders_are_hidden_from_other_reviewers_until_released_or_expired(
    backend: Backend,
) {
    let app = spawn_orders(backend).await;
    let customer = create_customer(&mut app.sales().await).await;
    let mut submitted = Vec::new();
    for _ in 0..5 {
        submitted.push(create_and_submit(&app, standard_order(&customer.id)).await);
    }
    let ids = |claimed: &[pb::ClaimedOrder]| -> Vec<String> {
        claimed
            .iter()
            .filter_map(|claim| claim.order.as_ref().map(|order| order.id.clone()))
            .collect()
    };
    let mut ann = app.orders_as("ann", &["sales_assistant"]).await;
    let mut bob = app.orders_as("bob", &["sales_assistant"]).await;

    // Ann claims three: the oldest.
    let anns = ann
        .claim_orders(pb::ClaimOrdersRequest { count: 3 })
        .await
        .unwrap_or_else(|status| panic!("claim: {status:?}"))
        .into_inner()
        .orders;
    let oldest: Vec<String> = submitted[..3]
        .iter()
        .map(|order| order.id.clone())
        .collect();
    assert_eq!(ids(&anns), oldest);
    // Bob's default batch (100) gets the other two only.
    let bobs = bob
        .claim_orders(pb::ClaimOrdersRequest { count: 0 })
        .await
        .unwrap_or_else(|status| panic!("claim: {status:?}"))
        .into_inner()
        .orders;
    let newest: Vec<String> = submitted[3..]
        .iter()
        .map(|order| order.id.clone())
        .collect();
    assert_eq!(ids(&bobs), newest);

    // Bob sees none of Ann's, and cannot review them; a supervisor sees all.
    let visible: Vec<String> = list_all(&mut bob)
        .await
        .into_iter()
        .map(|order| order.id)
        .collect();
    assert!(oldest.iter().all(|id| !visible.contains(id)), "{visible:?}");
    assert!(newest.iter().all(|id| visible.contains(id)));
    let mut supervisor = app.orders_as("sam", &["sales_supervisor"]).await;
    assert_eq!(list_all(&mut supervisor).await.len(), 5);
    let refused = bob
        .confirm_order(pb::ConfirmOrderRequest {
            order_id: oldest[0].clone(),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("bob reviewed ann's order"));
    assert_eq!(
        unmet_preconditions(&refused),
        vec![("CLAIMED".to_owned(), format!("orders/{}", oldest[0]))]
    );

    // Ann reviews one of hers (the claim ends) and gives another back.
    ann.confirm_order(pb::ConfirmOrderRequest {
        order_id: oldest[0].clone(),
        ..Default::default()
    })
    .await
    .unwrap_or_else(|status| panic!("ann confirms: {status:?}"));
    let released = ann
        .release_claims(pb::ReleaseClaimsRequest {
            order_ids: vec![oldest[1].clone()],
        })
        .await
        .unwrap_or_else(|status| panic!("release: {status:?}"))
        .into_inner()
        .released;
    assert_eq!(released, 1);
    let bobs = bob
        .claim_orders(pb::ClaimOrdersRequest { count: 0 })
        .await
        .unwrap_or_else(|status| panic!("claim: {status:?}"))
        .into_inner()
        .orders;
    assert_eq!(
        ids(&bobs),
        vec![oldest[1].clone(), newest[0].clone(), newest[1].clone()]
    );

    // The claims run out after two hours (CLAIM_TTL_MINUTES): Ann's last
    // one is free for Bob.
    app.clock.advance(Duration::minutes(121));
    let bobs = bob
        .claim_orders(pb::ClaimOrdersRequest { count: 4 })
        .await
        .unwrap_or_else(|status| panic!("claim: {status:?}"))
        .into_inner()
        .orders;
    assert_eq!(
        ids(&bobs),
        vec![
            oldest[1].clone(),
            oldest[2].clone(),
            newest[0].clone(),
            newest[1].clone()
        ]
    );
    let status = bob
        .claim_orders(pb::ClaimOrdersRequest { count: 1001 })
        .await
        .err()
        .unwrap_or_else(|| panic!("a claim of 1001"));
    assert_eq!(violated_fields(&status), vec!["count".to_owned()]);
}

async fn ord_10_reviewers_claiming_at_once_on_two_replicas_never_share_an_order(backend: Backend) {
    let app = spawn_orders(backend).await;
    let customer = create_customer(&mut app.sales().await).await;
    for _ in 0..30 {
        create_and_submit(&app, standard_order(&customer.id)).await;
    }
    // PostgreSQL: two instances share the database, as two replicas would.
    let (second_address, _replica) = if backend == Backend::Postgres {
        let (address, shutdown) = spawn_replica(&app).await;
        (address, Some(shutdown))
    } else {
        (app.address, None)
    };
    let mut calls = Vec::new();
    for reviewer in 0..12 {
        let address = if reviewer % 2 == 0 {
            app.address
        } else {
            second_address
        };
        calls.push(tokio::spawn(async move {
            let mut client = OrderServiceClient::with_interceptor(
                channel(address).await,
                orderflow_platform::testing::Bearer::token(
                    &format!("reviewer-{reviewer}"),
                    &["sales_assistant"],
                ),
            );
            client
                .claim_orders(pb::ClaimOrdersRequest { count: 3 })
                .await
                .map(|response| response.into_inner().orders)
        }));
    }
    let mut claimed = Vec::new();
    for call in calls {
        let orders = call
            .await
            .unwrap_or_else(|error| panic!("{error}"))
            .unwrap_or_else(|status| panic!("claim: {status:?}"));
        assert!(orders.len() <= 3, "{} claimed", orders.len());
        claimed.extend(
            orders
                .into_iter()
                .filter_map(|claim| claim.order.map(|order| order.id)),
        );
    }
    let distinct: std::collections::HashSet<&String> = claimed.iter().collect();
    assert_eq!(distinct.len(), claimed.len(), "an order was claimed twice");
    assert_eq!(
        claimed.len(),
        30,
        "36 wanted, 30 there: every order is claimed once"
    );
}
