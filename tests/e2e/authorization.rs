//! The authorisation matrix: every RPC of every service, called with every
//! role of domain.md §1 (and with no token, and with a token without roles),
//! answers exactly as its service's role table says. The tables themselves
//! are checked against the contracts: every RPC in `proto/` has a row, and
//! every row names an RPC that exists.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use futures::StreamExt;
use orderflow_e2e::Cluster;
use orderflow_platform::auth::{Role, RoleTable};
use orderflow_platform::testing;
use prost::Message;
use tonic::Code;
use tonic::codegen::http::uri::PathAndQuery;

/// Every RPC path of every gRPC service the contracts declare, by service.
fn contract_rpcs() -> BTreeMap<String, BTreeSet<String>> {
    let set = prost_types::FileDescriptorSet::decode(orderflow_proto::FILE_DESCRIPTOR_SET)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut services = BTreeMap::new();
    for file in set.file {
        for service in &file.service {
            let name = format!("{}.{}", file.package(), service.name());
            let methods = service
                .method
                .iter()
                .map(|method| format!("/{name}/{}", method.name()))
                .collect();
            services.insert(name, methods);
        }
    }
    services
}

/// What the auth layer answered, in the terms of the matrix.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    /// Past the auth layer (whatever the use case then said).
    Admitted,
    /// PERMISSION_DENIED from the role table.
    Refused,
    Unauthenticated,
}

async fn call(address: SocketAddr, path: &str, token: Option<String>) -> (Answer, tonic::Status) {
    let channel = testing::channel(address).await;
    let mut grpc = tonic::client::Grpc::new(channel);
    if let Err(error) = grpc.ready().await {
        panic!("{path}: the service is not ready: {error}");
    }
    // An empty message is every request type with all its fields unset.
    let mut request = tonic::Request::new(());
    request.set_timeout(Duration::from_secs(10));
    if let Some(token) = token {
        let value = format!("Bearer {token}")
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        request.metadata_mut().insert("authorization", value);
    }
    let codec = tonic_prost::ProstCodec::<(), ()>::default();
    let path_and_query = PathAndQuery::from_str(path).unwrap_or_else(|e| panic!("{e}"));
    let status = match grpc.unary(request, path_and_query, codec).await {
        Ok(_) => tonic::Status::ok(""),
        Err(status) => status,
    };
    let answer = match status.code() {
        Code::Unauthenticated => Answer::Unauthenticated,
        // The auth layer's refusal names the call; a use case's own
        // PERMISSION_DENIED (a business rule about who may act) does not.
        Code::PermissionDenied if status.message().contains("may not call") => Answer::Refused,
        _ => Answer::Admitted,
    };
    (answer, status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rpc_of_every_service_admits_exactly_the_roles_of_its_table() {
    let cluster = Cluster::start().await.unwrap_or_else(|e| panic!("{e:#}"));
    let services: [(&str, SocketAddr, RoleTable); 9] = [
        (
            "orderflow.orders.v1.OrderService",
            cluster.orders,
            orderflow_orders::api::ROLES,
        ),
        (
            "orderflow.orders.v1.QuotationService",
            cluster.orders,
            orderflow_orders::api::ROLES,
        ),
        (
            "orderflow.approvals.v1.ApprovalService",
            cluster.approvals,
            orderflow_approvals::api::ROLES,
        ),
        (
            "orderflow.inventory.v1.InventoryService",
            cluster.inventory,
            orderflow_inventory::api::ROLES,
        ),
        (
            "orderflow.finance.v1.FinanceService",
            cluster.finance,
            orderflow_finance::api::ROLES,
        ),
        (
            "orderflow.logistics.v1.LogisticsService",
            cluster.logistics,
            orderflow_logistics::api::ROLES,
        ),
        (
            "orderflow.production.v1.ProductionService",
            cluster.production,
            orderflow_production::api::ROLES,
        ),
        (
            "orderflow.procurement.v1.ProcurementService",
            cluster.procurement,
            orderflow_procurement::api::ROLES,
        ),
        (
            "orderflow.aftersales.v1.AfterSalesService",
            cluster.aftersales,
            orderflow_aftersales::api::ROLES,
        ),
    ];

    // The tables cover the contracts exactly.
    let contracts = contract_rpcs();
    assert_eq!(
        contracts.keys().cloned().collect::<BTreeSet<_>>(),
        services
            .iter()
            .map(|(name, _, _)| (*name).to_owned())
            .collect(),
        "a service of the contracts without a role table, or the other way round"
    );
    let mut cases = Vec::new();
    for (name, address, table) in services {
        let rows: BTreeMap<&str, &[Role]> = table
            .iter()
            .filter(|(path, _)| path.starts_with(&format!("/{name}/")))
            .map(|(path, roles)| (*path, *roles))
            .collect();
        let declared: BTreeSet<String> = rows.keys().map(|path| (*path).to_owned()).collect();
        assert_eq!(
            declared, contracts[name],
            "{name}: the role table and the contract list different RPCs"
        );
        for (path, allowed) in rows {
            cases.push((
                address,
                path,
                "no token".to_owned(),
                None,
                Answer::Unauthenticated,
            ));
            cases.push((
                address,
                path,
                "no role".to_owned(),
                Some(testing::token("nobody", &[])),
                Answer::Refused,
            ));
            for role in Role::ALL {
                let expected = if allowed.contains(&role) {
                    Answer::Admitted
                } else {
                    Answer::Refused
                };
                let token = testing::token(&format!("matrix-{role}"), &[role.as_str()]);
                cases.push((address, path, role.to_string(), Some(token), expected));
            }
        }
    }
    let rpcs: usize = contracts.values().map(BTreeSet::len).sum();
    assert_eq!(cases.len(), rpcs * (Role::ALL.len() + 2));

    let mismatches: Vec<String> = futures::stream::iter(cases)
        .map(|(address, path, who, token, expected)| async move {
            let (answer, status) = call(address, path, token).await;
            (answer != expected).then(|| {
                format!(
                    "{path} as {who}: expected {expected:?}, got {answer:?} ({:?}: {})",
                    status.code(),
                    status.message()
                )
            })
        })
        .buffer_unordered(16)
        .filter_map(|mismatch| async move { mismatch })
        .collect()
        .await;
    assert!(
        mismatches.is_empty(),
        "{} calls answered against their role table:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
