//! Issue 17: on the Kubernetes overlays' NATS permissions (which every scenario
//! runs on), a service's user publishes its own events and uses its own
//! consumers, and nothing else: it cannot forge another service's event,
//! delete a stream or read through another service's consumer.

use std::time::Duration;

use async_nats::jetstream;
use orderflow_e2e::{Cluster, NATS_PASSWORD};
use orderflow_platform::bus;
use orderflow_platform::testing;

/// `service`'s NATS login, as the service connects; JetStream calls the
/// server refuses time out after a second.
async fn logged_in_as(cluster: &Cluster, service: &str) -> jetstream::Context {
    let client = async_nats::ConnectOptions::with_user_and_password(
        service.to_owned(),
        NATS_PASSWORD.to_owned(),
    )
    .custom_inbox_prefix(bus::permissions::inbox_prefix(&bus::client_name(service)))
    .connect(cluster.nats.url())
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    jetstream::ContextBuilder::new()
        .timeout(Duration::from_secs(1))
        .build(client)
}

#[tokio::test]
async fn nats_permissions_let_a_service_publish_its_own_events_and_use_its_own_consumers_only() {
    // Starting the cluster checks the committed permissions against what
    // the eight running services need.
    let cluster = Cluster::start().await.unwrap_or_else(|e| panic!("{e:#}"));
    let operator = bus::jetstream(cluster.nats.client().await);
    let finance_events = || async {
        let mut stream = operator
            .get_stream("FINANCE")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        stream
            .info()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .state
            .messages
    };
    let before = finance_events().await;

    let orders = logged_in_as(&cluster, "orders").await;
    // Its own work: its stream and its own durable consumer.
    orders
        .get_stream("ORDERS")
        .await
        .unwrap_or_else(|e| panic!("orders reads its own stream: {e}"));
    testing::eventually(Duration::from_secs(20), "orders' own consumer", || async {
        orders
            .get_stream("FINANCE")
            .await
            .ok()?
            .consumer_info("orders-finance")
            .await
            .ok()
    })
    .await;

    // A forged gate opening never reaches the FINANCE stream.
    let forged = match orders.publish("finance.gate.opened", "forged".into()).await {
        Ok(ack) => ack.await.is_ok(),
        Err(_) => false,
    };
    assert!(!forged, "orders published a finance event");
    assert_eq!(
        finance_events().await,
        before,
        "the FINANCE stream took a forged event"
    );

    // Another service's consumer, and deleting a stream, are refused.
    for (stream, durable) in [
        ("ORDERS", "finance-orders"),
        ("FINANCE", "aftersales-finance"),
    ] {
        testing::eventually(Duration::from_secs(20), durable, || async {
            operator
                .get_stream(stream)
                .await
                .ok()?
                .consumer_info(durable)
                .await
                .ok()
        })
        .await;
        let read = match orders.get_stream(stream).await {
            Ok(stream) => stream.consumer_info(durable).await.is_ok(),
            Err(_) => false,
        };
        assert!(!read, "orders read {durable}, another service's consumer");
    }
    assert!(
        orders.delete_stream("ORDERS").await.is_err(),
        "orders deleted a stream"
    );
    operator
        .get_stream("ORDERS")
        .await
        .unwrap_or_else(|e| panic!("the ORDERS stream is gone: {e}"));
}
