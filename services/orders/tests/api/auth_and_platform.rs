//! Authentication, health and reflection on the orders service.

use std::time::Duration;

use orderflow_platform::backend_tests;
use orderflow_platform::testing::{self, Backend};
use orderflow_proto::orders::v1 as pb;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use crate::support::*;

backend_tests!(
    a_call_without_a_token_is_unauthenticated_and_a_wrong_role_is_denied,
    health_is_not_serving_while_nats_is_down,
    reflection_lists_the_services_without_a_token,
    a_peer_service_calls_with_its_identity_and_continues_the_trace,
    d8_a_body_that_is_not_the_rpcs_message_is_invalid_argument_not_internal,
);

async fn a_call_without_a_token_is_unauthenticated_and_a_wrong_role_is_denied(backend: Backend) {
    let app = spawn_orders(backend).await;
    let status = app
        .anonymous()
        .await
        .list_orders(pb::ListOrdersRequest::default())
        .await
        .err()
        .unwrap_or_else(|| panic!("anonymous call accepted"));
    assert_eq!(status.code(), tonic::Code::Unauthenticated);
    assert!(
        status.metadata().get("x-trace-id").is_some(),
        "refusals carry the trace id too"
    );

    let mut warehouse = app.orders_as("wang", &["warehouse"]).await;
    let status = warehouse
        .create_order(standard_order(&uuid::Uuid::now_v7().to_string()))
        .await
        .err()
        .unwrap_or_else(|| panic!("warehouse created an order"));
    assert_eq!(status.code(), tonic::Code::PermissionDenied);
    // Reading is open to the warehouse.
    warehouse
        .list_orders(pb::ListOrdersRequest::default())
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));

    let mut assistant = app.assistant().await;
    let status = assistant
        .set_list_price(pb::SetListPriceRequest {
            sku: "PUMP-100".to_owned(),
            unit_price: cny(1),
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("an assistant changed the price list"));
    assert_eq!(status.code(), tonic::Code::PermissionDenied);
}

async fn health_status(app: &TestApp) -> Option<i32> {
    health_of(app, "orderflow.orders.v1.OrderService").await
}

async fn health_of(app: &TestApp, service: &str) -> Option<i32> {
    let mut health = HealthClient::new(channel(app.address).await);
    health
        .check(HealthCheckRequest {
            service: service.to_owned(),
        })
        .await
        .ok()
        .map(|response| response.into_inner().status)
}

async fn health_is_not_serving_while_nats_is_down(backend: Backend) {
    let mut app = spawn_orders(backend).await;
    testing::eventually(Duration::from_secs(10), "SERVING", || async {
        (health_status(&app).await == Some(ServingStatus::Serving as i32)).then_some(())
    })
    .await;
    app.nats.stop();
    testing::eventually(Duration::from_secs(15), "NOT_SERVING", || async {
        (health_status(&app).await == Some(ServingStatus::NotServing as i32)).then_some(())
    })
    .await;
    // Not ready, but alive: the liveness probe must not restart the pod.
    assert_eq!(
        health_of(&app, orderflow_platform::grpc::LIVENESS).await,
        Some(ServingStatus::Serving as i32)
    );
    app.nats.restart().await;
    testing::eventually(Duration::from_secs(20), "SERVING again", || async {
        (health_status(&app).await == Some(ServingStatus::Serving as i32)).then_some(())
    })
    .await;
}

async fn reflection_lists_the_services_without_a_token(backend: Backend) {
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

    let app = spawn_orders(backend).await;
    let mut client = ServerReflectionClient::new(channel(app.address).await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = client
        .server_reflection_info(futures::stream::iter(vec![request]))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let response = responses
        .message()
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let services: Vec<String> = match response.and_then(|r| r.message_response) {
        Some(MessageResponse::ListServicesResponse(list)) => {
            list.service.into_iter().map(|s| s.name).collect()
        }
        other => panic!("unexpected reflection answer: {other:?}"),
    };
    for expected in [
        "orderflow.orders.v1.OrderService",
        "orderflow.orders.v1.QuotationService",
        "grpc.health.v1.Health",
    ] {
        assert!(
            services.contains(&expected.to_owned()),
            "{expected} missing from {services:?}"
        );
    }
}

async fn a_peer_service_calls_with_its_identity_and_continues_the_trace(backend: Backend) {
    use orderflow_platform::auth::{ClientInterceptor, ServiceIdentity};
    use tracing::Instrument;

    let app = spawn_orders(backend).await;
    let identity = ServiceIdentity::new("aftersales", &testing::auth_config());
    let mut client = pb::order_service_client::OrderServiceClient::with_interceptor(
        channel(app.address).await,
        ClientInterceptor::new(identity),
    );
    let span = tracing::info_span!("aftersales handles a return");
    let expected =
        orderflow_platform::telemetry::trace_id_of(&span).unwrap_or_else(|| panic!("no trace"));
    let response = async { client.list_orders(pb::ListOrdersRequest::default()).await }
        .instrument(span)
        .await
        .unwrap_or_else(|status| panic!("the service identity was refused: {status:?}"));
    assert_eq!(
        response
            .metadata()
            .get("x-trace-id")
            .and_then(|v| v.to_str().ok()),
        Some(expected.as_str()),
        "the call joined the caller's trace"
    );
}

/// PostgreSQL only: connections to the service's database are cut and
/// refused, then allowed again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_is_not_serving_while_the_database_is_unreachable() {
    use sea_orm::{ConnectionTrait, Statement};

    if !testing::postgres_configured() {
        eprintln!("skipped: {} is not set", testing::POSTGRES_URL_VARIABLE);
        return;
    }
    let app = spawn_orders(Backend::Postgres).await;
    let name = app
        .database
        .url
        .rsplit('/')
        .next()
        .and_then(|tail| tail.split('?').next())
        .unwrap_or_default()
        .to_owned();
    let admin_url = std::env::var(testing::POSTGRES_URL_VARIABLE).unwrap_or_default();
    let admin = orderflow_platform::db::Database::connect(&admin_url, 1)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    let run = |sql: String| {
        let admin = admin.clone();
        async move {
            admin
                .connection()
                .execute_raw(Statement::from_string(admin.backend(), sql))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
    };
    testing::eventually(Duration::from_secs(10), "SERVING", || async {
        (health_status(&app).await == Some(ServingStatus::Serving as i32)).then_some(())
    })
    .await;

    run(format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false")).await;
    run(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
    ))
    .await;
    testing::eventually(Duration::from_secs(20), "NOT_SERVING", || async {
        (health_status(&app).await == Some(ServingStatus::NotServing as i32)).then_some(())
    })
    .await;

    run(format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS true")).await;
    testing::eventually(Duration::from_secs(30), "SERVING again", || async {
        (health_status(&app).await == Some(ServingStatus::Serving as i32)).then_some(())
    })
    .await;
    admin.close().await;
}

/// Bytes in field 1, where GetOrderRequest has its `order_id` string: not
/// UTF-8, so not a GetOrderRequest.
#[derive(Clone, PartialEq, prost::Message)]
struct NotAGetOrderRequest {
    #[prost(bytes = "vec", tag = "1")]
    garbage: Vec<u8>,
}

async fn d8_a_body_that_is_not_the_rpcs_message_is_invalid_argument_not_internal(backend: Backend) {
    let app = spawn_orders(backend).await;
    let mut grpc = tonic::client::Grpc::new(channel(app.address).await);
    grpc.ready().await.unwrap_or_else(|e| panic!("{e}"));
    let mut request = tonic::Request::new(NotAGetOrderRequest {
        garbage: vec![0xff, 0xfe, 0xfd],
    });
    let bearer = format!("Bearer {}", testing::token("alice", &["sales"]));
    request.metadata_mut().insert(
        "authorization",
        bearer.parse().unwrap_or_else(|e| panic!("{e}")),
    );
    let status = grpc
        .unary::<_, pb::Order, _>(
            request,
            http::uri::PathAndQuery::from_static("/orderflow.orders.v1.OrderService/GetOrder"),
            tonic_prost::ProstCodec::default(),
        )
        .await
        .err()
        .unwrap_or_else(|| panic!("garbage was answered"));
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
}
