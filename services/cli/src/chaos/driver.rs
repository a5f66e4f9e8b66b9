//! One prepaid standard order driven to COMPLETED through the public APIs
//! while the cluster is being broken: every call is repeated, with the same
//! request (and request id), until it is answered, as a careful client
//! would. Nothing may be done twice for it; the audit checks that.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use orderflow_proto::finance::v1 as finance;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::logistics::v1 as logistics;
use orderflow_proto::orders::v1 as pb;
use secrecy::SecretString;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::{Channel, Endpoint};

use finance::finance_service_client::FinanceServiceClient;
use inventory::inventory_service_client::InventoryServiceClient;
use logistics::logistics_service_client::LogisticsServiceClient;
use pb::order_service_client::OrderServiceClient;

use crate::bench::{Line, authorized, bearer};

/// The lines of every order, and the stock each needs.
pub const LINES: [Line; 2] = [
    ("PUMP-100", "Water pump", 2, 125_000),
    ("SEAL-KIT", "Seal kit", 4, 4_500),
];

type Token = MetadataValue<Ascii>;

/// What every order's driver shares: a channel to each replica of each
/// service it calls, the people's tokens, and what the callers were told.
pub struct Callers {
    orders: Vec<Channel>,
    finance: Vec<Channel>,
    inventory: Vec<Channel>,
    logistics: Vec<Channel>,
    secret: SecretString,
    assistant: Token,
    finance_clerk: Token,
    manager: Token,
    planner: Token,
    warehouse: Token,
    qc: Token,
    customer_service: Token,
    run: String,
    /// How long one order may take.
    patience: Duration,
    /// Every refusal and failure a caller saw, by code and call: what an
    /// outage looks like from outside (UNAVAILABLE, not INTERNAL).
    answers: Mutex<BTreeMap<String, u64>>,
}

/// A channel that connects when first used and again after its server
/// came back.
fn lazy(url: &str) -> anyhow::Result<Channel> {
    Ok(Endpoint::from_shared(url.to_owned())?
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(15))
        .connect_lazy())
}

fn lazies(urls: &[String]) -> anyhow::Result<Vec<Channel>> {
    urls.iter().map(|url| lazy(url)).collect()
}

/// Codes a retry cannot change: the request itself is wrong.
fn final_refusal(code: tonic::Code) -> bool {
    matches!(
        code,
        tonic::Code::InvalidArgument
            | tonic::Code::PermissionDenied
            | tonic::Code::Unauthenticated
            | tonic::Code::Unimplemented
    )
}

impl Callers {
    pub fn new(
        urls: impl Fn(&str) -> Vec<String>,
        secret: SecretString,
        run: &str,
        patience: Duration,
    ) -> anyhow::Result<Self> {
        let token = |who: &str, role: &str| bearer(&secret, &format!("chaos-{who}"), role);
        Ok(Self {
            orders: lazies(&urls("orders"))?,
            finance: lazies(&urls("finance"))?,
            inventory: lazies(&urls("inventory"))?,
            logistics: lazies(&urls("logistics"))?,
            assistant: token("assistant", "sales_assistant")?,
            finance_clerk: token("finance", "finance")?,
            manager: token("manager", "dept_manager")?,
            planner: token("logistics", "logistics")?,
            warehouse: token("warehouse", "warehouse")?,
            qc: token("qc", "qc")?,
            customer_service: token("service", "customer_service")?,
            secret,
            run: run.to_owned(),
            patience,
            answers: Mutex::new(BTreeMap::new()),
        })
    }

    /// The error codes callers were answered with, by call, and how often.
    pub fn answers(&self) -> BTreeMap<String, u64> {
        self.answers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn noted(&self, step: &str, status: &tonic::Status) {
        let mut answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
        *answers
            .entry(format!("{:?} from {step}", status.code()))
            .or_default() += 1;
    }

    /// Calls `attempt` (with the replica to ask) until it is answered,
    /// turning to the next replica after each failure; FAILED_PRECONDITION
    /// is waited out too (what the step needs may still be on its way). A
    /// call without a request id (`keyed` false) that may have been done
    /// before its answer was lost is `ambiguous`: if its repeat is then
    /// refused as FAILED_PRECONDITION, it was done (`Ok(None)`).
    async fn persist<T, F, Fut>(
        &self,
        step: &str,
        keyed: bool,
        mut attempt: F,
    ) -> Result<Option<T>, String>
    where
        F: FnMut(usize) -> Fut,
        Fut: Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    {
        let deadline = Instant::now() + self.patience;
        let mut replica = 0;
        let mut ambiguous = false;
        loop {
            match attempt(replica).await {
                Ok(response) => return Ok(Some(response.into_inner())),
                Err(status) => {
                    self.noted(step, &status);
                    if final_refusal(status.code()) {
                        return Err(format!("{step}: {:?} {}", status.code(), status.message()));
                    }
                    if ambiguous && status.code() == tonic::Code::FailedPrecondition {
                        return Ok(None);
                    }
                    ambiguous |= !keyed
                        && matches!(
                            status.code(),
                            tonic::Code::Unavailable
                                | tonic::Code::Unknown
                                | tonic::Code::Cancelled
                                | tonic::Code::DeadlineExceeded
                        );
                    if Instant::now() > deadline {
                        return Err(format!(
                            "{step}: still {:?} after {:?}: {}",
                            status.code(),
                            self.patience,
                            status.message()
                        ));
                    }
                    replica += 1;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
    }

    /// [`Callers::persist`] for a call with a request id: its repeat
    /// answers the first result, so an answer is always there.
    async fn call<T, F, Fut>(&self, step: &str, attempt: F) -> Result<T, String>
    where
        F: FnMut(usize) -> Fut,
        Fut: Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    {
        self.persist(step, true, attempt)
            .await?
            .ok_or_else(|| format!("{step}: no answer"))
    }

    fn orders(&self, replica: usize) -> OrderServiceClient<Channel> {
        OrderServiceClient::new(self.orders[replica % self.orders.len()].clone())
    }

    fn finance(&self, replica: usize) -> FinanceServiceClient<Channel> {
        FinanceServiceClient::new(self.finance[replica % self.finance.len()].clone())
    }

    fn inventory(&self, replica: usize) -> InventoryServiceClient<Channel> {
        InventoryServiceClient::new(self.inventory[replica % self.inventory.len()].clone())
    }

    fn logistics(&self, replica: usize) -> LogisticsServiceClient<Channel> {
        LogisticsServiceClient::new(self.logistics[replica % self.logistics.len()].clone())
    }

    /// The items on the books, stock for `orders` orders in FG, and their
    /// standard costs (ORD-20).
    pub async fn stock(&self, orders: usize) -> Result<(), String> {
        for (sku, name, quantity, _) in LINES {
            self.call(&format!("CreateItem {sku}"), |replica| {
                let request = inventory::CreateItemRequest {
                    request_id: format!("{}-item-{sku}", self.run),
                    sku: sku.to_owned(),
                    name: name.to_owned(),
                    unit: "pcs".to_owned(),
                    weight_grams: 1_000,
                    bought: false,
                };
                let mut client = self.inventory(replica);
                async move {
                    client
                        .create_item(authorized(request, &self.warehouse))
                        .await
                }
            })
            .await?;
            let quantity = quantity * i64::try_from(orders).map_err(|e| e.to_string())?;
            self.call(&format!("AdjustStock {sku}"), |replica| {
                let request = inventory::AdjustStockRequest {
                    request_id: format!("{}-stock-{sku}", self.run),
                    sku: sku.to_owned(),
                    warehouse: "FG".to_owned(),
                    quantity,
                    note: "fault suite stock".to_owned(),
                };
                let mut client = self.inventory(replica);
                async move {
                    client
                        .adjust_stock(authorized(request, &self.warehouse))
                        .await
                }
            })
            .await?;
        }
        for request in crate::bench::standard_costs(&LINES) {
            self.call(&format!("SetStandardCost {}", request.sku), |replica| {
                let request = request.clone();
                let mut client = self.finance(replica);
                async move {
                    client
                        .set_standard_cost(authorized(request, &self.finance_clerk))
                        .await
                }
            })
            .await?;
        }
        Ok(())
    }

    /// The customer every order is for.
    pub async fn customer(&self) -> Result<String, String> {
        let sales = &self.salesperson("desk")?;
        let customer = self
            .call("CreateCustomer", |replica| {
                let request = pb::CreateCustomerRequest {
                    request_id: format!("{}-customer", self.run),
                    ..crate::demo::customer_request()
                };
                let mut client = self.orders(replica);
                async move { client.create_customer(authorized(request, sales)).await }
            })
            .await?;
        Ok(customer.id)
    }

    fn salesperson(&self, who: &str) -> Result<Token, String> {
        bearer(
            &self.secret,
            &format!("chaos-sales-{}-{who}", self.run),
            "sales",
        )
        .map_err(|e| e.to_string())
    }

    /// Order `label` from its creation to COMPLETED: its id (once created)
    /// and how it went.
    pub async fn complete(
        &self,
        label: &str,
        customer_id: &str,
    ) -> (Option<String>, Result<(), String>) {
        let mut id = None;
        let outcome = self.drive(label, customer_id, &mut id).await;
        (id, outcome)
    }

    async fn drive(
        &self,
        label: &str,
        customer_id: &str,
        id: &mut Option<String>,
    ) -> Result<(), String> {
        let key = |step: &str| format!("{}-{label}-{step}", self.run);
        let salesperson = format!("chaos-sales-{}-{label}", self.run);
        let sales = &self.salesperson(label)?;
        let delivery = (chrono::Utc::now() + chrono::Duration::days(30))
            .format("%Y-%m-%d")
            .to_string();
        let order = self
            .call("CreateOrder", |replica| {
                let request =
                    crate::bench::prepaid_order(key("create"), customer_id, &delivery, &LINES);
                let mut client = self.orders(replica);
                async move { client.create_order(authorized(request, sales)).await }
            })
            .await?;
        let order_id = order.id.clone();
        *id = Some(order_id.clone());
        self.call("SubmitOrder", |replica| {
            let request = pb::SubmitOrderRequest {
                request_id: key("submit"),
                order_id: order_id.clone(),
            };
            let mut client = self.orders(replica);
            async move { client.submit_order(authorized(request, sales)).await }
        })
        .await?;
        self.call("ConfirmOrder", |replica| {
            let request = pb::ConfirmOrderRequest {
                request_id: key("confirm"),
                order_id: order_id.clone(),
                ..Default::default()
            };
            let mut client = self.orders(replica);
            async move {
                client
                    .confirm_order(authorized(request, &self.assistant))
                    .await
            }
        })
        .await?;
        let entry = self.sale_entry(&order_id).await?;
        let payment = self
            .call("RecordPayment", |replica| {
                let request = finance::RecordPaymentRequest {
                    request_id: key("payment"),
                    order_id: order_id.clone(),
                    kind: finance::PaymentKind::Full as i32,
                    amount: order.total.clone(),
                    method: "bank transfer".to_owned(),
                    reference: key("transfer"),
                };
                let mut client = self.finance(replica);
                async move { client.record_payment(authorized(request, sales)).await }
            })
            .await?;
        self.call("ConfirmPayment", |replica| {
            let request = finance::ConfirmPaymentRequest {
                request_id: key("payment-confirmed"),
                payment_id: payment.id.clone(),
            };
            let mut client = self.finance(replica);
            async move {
                client
                    .confirm_payment(authorized(request, &self.finance_clerk))
                    .await
            }
        })
        .await?;
        let detail = self
            .call("SignSalesDetail", |replica| {
                let request = finance::SignSalesDetailRequest {
                    request_id: key("detail"),
                    salesperson: salesperson.clone(),
                    entry_date: entry.entry_date.clone(),
                };
                let mut client = self.finance(replica);
                async move {
                    client
                        .sign_sales_detail(authorized(request, &self.manager))
                        .await
                }
            })
            .await?;
        self.call("ConfirmSalesDetail", |replica| {
            let request = finance::ConfirmSalesDetailRequest {
                request_id: key("detail-confirmed"),
                sales_detail_id: detail.id.clone(),
            };
            let mut client = self.finance(replica);
            async move {
                client
                    .confirm_sales_detail(authorized(request, &self.finance_clerk))
                    .await
            }
        })
        .await?;
        self.reaches(&order_id, sales, pb::OrderState::ReadyToShip)
            .await?;
        self.ship(&order_id, &order.number, &key).await?;
        self.reaches(&order_id, sales, pb::OrderState::Completed)
            .await
    }

    /// The shipping leg: notice, note, finance's approval, pick, inspect,
    /// post out, dispatch, delivered, receipt confirmed.
    async fn ship(
        &self,
        order_id: &str,
        number: &str,
        key: &impl Fn(&str) -> String,
    ) -> Result<(), String> {
        let ship_date = (chrono::Utc::now() + chrono::Duration::days(3))
            .format("%Y-%m-%d")
            .to_string();
        self.call("PlanShipment", |replica| {
            let request = logistics::PlanShipmentRequest {
                request_id: key("plan"),
                order_id: order_id.to_owned(),
                planned_ship_date: ship_date.clone(),
                ..Default::default()
            };
            let mut client = self.logistics(replica);
            async move {
                client
                    .plan_shipment(authorized(request, &self.planner))
                    .await
            }
        })
        .await?;
        self.call("CreateShippingNote", |replica| {
            let request = logistics::CreateShippingNoteRequest {
                request_id: key("note"),
                order_id: order_id.to_owned(),
            };
            let mut client = self.logistics(replica);
            async move {
                client
                    .create_shipping_note(authorized(request, &self.planner))
                    .await
            }
        })
        .await?;
        self.call("ApproveShippingNote", |replica| {
            let request = logistics::ApproveShippingNoteRequest {
                request_id: key("note-approved"),
                order_id: order_id.to_owned(),
            };
            let mut client = self.logistics(replica);
            async move {
                client
                    .approve_shipping_note(authorized(request, &self.finance_clerk))
                    .await
            }
        })
        .await?;
        let pick_list = self
            .call("CreatePickList", |replica| {
                let request = inventory::CreatePickListRequest {
                    request_id: key("pick"),
                    order_id: order_id.to_owned(),
                    notes: String::new(),
                };
                let mut client = self.inventory(replica);
                async move {
                    client
                        .create_pick_list(authorized(request, &self.warehouse))
                        .await
                }
            })
            .await?;
        self.persist("RecordOutboundInspection", false, |replica| {
            let request = inventory::RecordOutboundInspectionRequest {
                pick_list_id: pick_list.id.clone(),
                passed: true,
                note: "cartons intact".to_owned(),
            };
            let mut client = self.inventory(replica);
            async move {
                client
                    .record_outbound_inspection(authorized(request, &self.qc))
                    .await
            }
        })
        .await?;
        self.persist("PostOutbound", false, |replica| {
            let request = inventory::PostOutboundRequest {
                pick_list_id: pick_list.id.clone(),
            };
            let mut client = self.inventory(replica);
            async move {
                client
                    .post_outbound(authorized(request, &self.warehouse))
                    .await
            }
        })
        .await?;
        let tracking = format!("CHAOS{number}");
        self.call("DispatchShipment", |replica| {
            let request = logistics::DispatchShipmentRequest {
                request_id: key("dispatch"),
                order_id: order_id.to_owned(),
                tracking_number: tracking.clone(),
            };
            let mut client = self.logistics(replica);
            async move {
                client
                    .dispatch_shipment(authorized(request, &self.warehouse))
                    .await
            }
        })
        .await?;
        // Once: a repeat must be the same request, or its request id is
        // refused as reused for another one.
        let delivery = logistics::TrackingEvent {
            time: Some(prost_types::Timestamp {
                seconds: chrono::Utc::now().timestamp(),
                nanos: 0,
            }),
            status: "delivered".to_owned(),
            location: "Hangzhou".to_owned(),
            description: "signed by the buyer".to_owned(),
        };
        self.call("RecordTrackingEvent", |replica| {
            let request = logistics::RecordTrackingEventRequest {
                request_id: key("delivered"),
                tracking_number: tracking.clone(),
                event: Some(delivery.clone()),
            };
            let mut client = self.logistics(replica);
            async move {
                client
                    .record_tracking_event(authorized(request, &self.planner))
                    .await
            }
        })
        .await?;
        self.call("ConfirmReceipt", |replica| {
            let request = logistics::ConfirmReceiptRequest {
                request_id: key("receipt"),
                order_id: order_id.to_owned(),
            };
            let mut client = self.logistics(replica);
            async move {
                client
                    .confirm_receipt(authorized(request, &self.customer_service))
                    .await
            }
        })
        .await?;
        Ok(())
    }

    /// Finance's sale entry for the order, once it has heard of it.
    async fn sale_entry(&self, order_id: &str) -> Result<finance::LedgerEntry, String> {
        let deadline = Instant::now() + self.patience;
        loop {
            let entries = self
                .call("ListLedgerEntries", |replica| {
                    let request = finance::ListLedgerEntriesRequest {
                        order_id: order_id.to_owned(),
                        ..Default::default()
                    };
                    let mut client = self.finance(replica);
                    async move {
                        client
                            .list_ledger_entries(authorized(request, &self.finance_clerk))
                            .await
                    }
                })
                .await?
                .entries;
            if let Some(entry) = entries.into_iter().next() {
                return Ok(entry);
            }
            if Instant::now() > deadline {
                return Err(format!("no sale entry for {order_id} in finance"));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits until the order is in `state`.
    async fn reaches(
        &self,
        order_id: &str,
        sales: &Token,
        state: pb::OrderState,
    ) -> Result<(), String> {
        let deadline = Instant::now() + self.patience;
        loop {
            let order = self
                .call("GetOrder", |replica| {
                    let request = pb::GetOrderRequest {
                        order_id: order_id.to_owned(),
                    };
                    let mut client = self.orders(replica);
                    async move { client.get_order(authorized(request, sales)).await }
                })
                .await?;
            if order.state == state as i32 {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "order {order_id} still {:?}, not {state:?}",
                    pb::OrderState::try_from(order.state).unwrap_or_default()
                ));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}
