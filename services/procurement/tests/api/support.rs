//! `spawn_procurement()`: the service in-process on port 0 with its own
//! database and NATS server, and typed clients.

use std::time::Duration;

use orderflow_platform::testing::{self, Backend, Spawned};
use orderflow_procurement::config::ProcurementConfig;
use orderflow_proto::approvals::v1 as approvals;
use orderflow_proto::common::v1 as common;
use orderflow_proto::procurement::v1 as pb;
use orderflow_proto::production::v1 as production;
use pb::procurement_service_client::ProcurementServiceClient;

pub type Client = ProcurementServiceClient<testing::Authorized>;

/// The consumer that files contracts with the approvals service, which no
/// test here runs: it keeps retrying.
pub const CONTRACTS: &str = "procurement-contracts";
/// Its outsourcing twin (PRC-6).
pub const OUTSOURCING_CONTRACTS: &str = "procurement-outsourcing-contracts";

orderflow_platform::test_app!(TestApp);

/// 2026-12-01 09:00 in Shanghai.
pub fn start_time() -> chrono::DateTime<chrono::Utc> {
    testing::utc("2026-12-01T01:00:00Z")
}

pub async fn spawn_procurement(backend: Backend) -> TestApp {
    TestApp(
        Spawned::start(
            backend,
            start_time(),
            |env| env.with("PROCUREMENT_SWEEP_INTERVAL_SECS", "1"),
            testing::starter(ProcurementConfig::from_env, orderflow_procurement::start),
        )
        .await,
    )
}

impl TestApp {
    pub async fn client(&self, role: &str) -> Client {
        ProcurementServiceClient::new(
            testing::authorized(self.address, &format!("{role}-1"), &[role]).await,
        )
    }

    /// A person of the partner `partner` acting as `role`.
    pub async fn partner(&self, role: &str, partner: &str) -> Client {
        ProcurementServiceClient::new(
            testing::authorized_partner(self.address, &format!("{partner}-desk"), &[role], partner)
                .await,
        )
    }

    pub async fn settled(&self) {
        self.quiescent(&[CONTRACTS, OUTSOURCING_CONTRACTS]).await;
    }

    /// A supplier, approved unless `approve` is false.
    pub async fn supplier(&self, code: &str, approve: bool) {
        self.client("purchaser")
            .await
            .create_supplier(pb::CreateSupplierRequest {
                request_id: String::new(),
                code: code.to_owned(),
                name: format!("supplier {code}"),
                categories: vec!["seals".to_owned()],
                contacts: vec![pb::Contact {
                    name: "Ms Li".to_owned(),
                    phone: "+86 512 6000 0000".to_owned(),
                    email: String::new(),
                }],
            })
            .await
            .unwrap_or_else(|s| panic!("{s:?}"));
        if approve {
            self.client("purchasing_manager")
                .await
                .review_supplier(pb::ReviewSupplierRequest {
                    request_id: String::new(),
                    code: code.to_owned(),
                    status: pb::SupplierStatus::Approved.into(),
                    note: String::new(),
                })
                .await
                .unwrap_or_else(|s| panic!("{s:?}"));
        }
    }

    /// A requisition by hand.
    pub async fn requisition(&self, sku: &str, quantity: i64) -> pb::Requisition {
        self.client("planner")
            .await
            .create_requisition(pb::CreateRequisitionRequest {
                request_id: String::new(),
                sku: sku.to_owned(),
                quantity,
                need_by: "2026-12-20".to_owned(),
                reason: "stock below minimum".to_owned(),
            })
            .await
            .unwrap_or_else(|s| panic!("{s:?}"))
            .into_inner()
    }

    pub async fn quote(&self, requisition: &str, supplier: &str, price: i64) {
        self.client("purchaser")
            .await
            .record_quote(pb::RecordQuoteRequest {
                request_id: String::new(),
                requisition_id: requisition.to_owned(),
                supplier_code: supplier.to_owned(),
                unit_price: Some(cny(price)),
                lead_days: 7,
                exchange_rate: String::new(),
            })
            .await
            .unwrap_or_else(|s| panic!("{s:?}"));
    }

    /// The approvals service deciding a purchase order's contract.
    pub async fn contract_decided(&self, purchase_order: &str, approved: bool) {
        self.decided("purchase_contract", purchase_order, approved)
            .await;
    }

    /// The approvals service deciding a contract of `kind` about `subject`.
    pub async fn decided(&self, kind: &str, subject: &str, approved: bool) {
        use prost::Message;
        let event = approvals::ApprovalEvent {
            event_id: uuid::Uuid::now_v7().to_string(),
            actor: "vp-1".to_owned(),
            reason: if approved { "" } else { "price too high" }.to_owned(),
            request: Some(approvals::ApprovalRequest {
                id: uuid::Uuid::now_v7().to_string(),
                subject_kind: kind.to_owned(),
                subject_id: subject.to_owned(),
                ..Default::default()
            }),
            ..Default::default()
        };
        let subject = if approved {
            "approvals.request.approved"
        } else {
            "approvals.request.rejected"
        };
        testing::publish_event(&self.nats, "approvals", subject, event.encode_to_vec()).await;
        self.settled().await;
        // Settled is not enough under load: the consumer may still be
        // waiting out a back-off. The contract is decided once its order
        // is no longer pending approval.
        let client = self.client("purchaser").await;
        let id = event
            .request
            .map(|request| request.subject_id)
            .unwrap_or_default();
        testing::eventually(Duration::from_secs(30), "the decision applied", || {
            let mut client = client.clone();
            let id = id.clone();
            async move {
                let pending = match kind {
                    "purchase_contract" => {
                        client
                            .get_purchase_order(pb::GetPurchaseOrderRequest { id })
                            .await
                            .ok()?
                            .into_inner()
                            .state()
                            == pb::PurchaseOrderState::PendingApproval
                    }
                    "outsourcing_contract" => {
                        client
                            .get_outsourcing_order(pb::GetOutsourcingOrderRequest { id })
                            .await
                            .ok()?
                            .into_inner()
                            .state()
                            == pb::OutsourcingState::PendingApproval
                    }
                    _ => false,
                };
                (!pending).then_some(())
            }
        })
        .await;
    }

    /// Production reporting a shortage.
    pub async fn shortage(&self, production_order: &str, sku: &str, quantity: i64, need_by: &str) {
        use prost::Message;
        let event = production::MaterialShortage {
            event_id: uuid::Uuid::now_v7().to_string(),
            actor: "planner-1".to_owned(),
            production_order_id: production_order.to_owned(),
            order_number: "2026120100000001".to_owned(),
            need_by: need_by.to_owned(),
            materials: vec![production::ShortMaterial {
                sku: sku.to_owned(),
                quantity,
            }],
            ..Default::default()
        };
        testing::publish_event(
            &self.nats,
            "production",
            "production.materials.short",
            event.encode_to_vec(),
        )
        .await;
    }

    /// Selected, approved and sent with `promised` as the promise.
    pub async fn sent_order(&self, sku: &str, quantity: i64, promised: &str) -> pb::PurchaseOrder {
        self.supplier("ACME", true).await;
        let requisition = self.requisition(sku, quantity).await;
        self.quote(&requisition.id, "ACME", 150).await;
        let order = self
            .client("purchaser")
            .await
            .select_supplier(pb::SelectSupplierRequest {
                request_id: String::new(),
                requisition_id: requisition.id,
                supplier_code: "ACME".to_owned(),
                reason: String::new(),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|s| panic!("{s:?}"))
            .into_inner();
        self.contract_decided(&order.id, true).await;
        self.client("purchaser")
            .await
            .send_purchase_order(pb::SendPurchaseOrderRequest {
                request_id: String::new(),
                id: order.id,
                promised_date: promised.to_owned(),
                ..Default::default()
            })
            .await
            .unwrap_or_else(|s| panic!("{s:?}"))
            .into_inner()
    }

    pub async fn published(&self, subject: &str) -> Vec<pb::PurchaseOrderEvent> {
        use prost::Message;
        testing::stream_messages(&self.nats, "PROCUREMENT", subject)
            .await
            .iter()
            .filter_map(|message| pb::PurchaseOrderEvent::decode(message.payload.as_ref()).ok())
            .collect()
    }
}

pub fn cny(minor_units: i64) -> common::Money {
    common::Money {
        currency_code: "CNY".to_owned(),
        minor_units,
    }
}

/// Polls the requisitions of `sku` until `check` holds.
pub async fn requisitions_of(
    app: &TestApp,
    sku: &str,
    check: impl Fn(&[pb::Requisition]) -> bool,
) -> Vec<pb::Requisition> {
    let client = app.client("purchaser").await;
    testing::eventually(Duration::from_secs(20), "requisitions", || {
        let mut client = client.clone();
        let sku = sku.to_owned();
        let ok = &check;
        async move {
            let found = client
                .list_requisitions(pb::ListRequisitionsRequest {
                    sku,
                    ..Default::default()
                })
                .await
                .ok()?
                .into_inner()
                .requisitions;
            ok(&found).then_some(found)
        }
    })
    .await
}

pub use orderflow_platform::testing::Refused;
