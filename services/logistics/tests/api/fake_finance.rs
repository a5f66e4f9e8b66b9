//! A fake finance service: a real tonic server on port 0 that answers the
//! one RPC logistics asks (`GetShipmentGate`, FIN-6) from gates the test
//! sets, and refuses every other RPC as unimplemented. Logistics' tests
//! thereby test logistics alone; the real pair is covered end to end
//! (`tests/e2e`, S2).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use finance::finance_service_server::{FinanceService, FinanceServiceServer};
use orderflow_platform::shutdown::Shutdown;
use orderflow_proto::finance::v1 as finance;
use tonic::{Request, Response, Status};

/// What the fake answers for one order.
#[derive(Debug, Clone)]
enum Answer {
    Gate(finance::ShipmentGate),
    Fails(tonic::Code),
}

#[derive(Debug, Clone, Default)]
pub struct FakeFinance {
    answers: Arc<Mutex<HashMap<String, Answer>>>,
    /// Every order id asked about, with whether the call carried a bearer
    /// token (logistics calls as a service).
    asked: Arc<Mutex<Vec<(String, bool)>>>,
}

impl FakeFinance {
    /// Serves the fake until `shutdown`; its address.
    pub async fn serve(&self, shutdown: Shutdown) -> SocketAddr {
        let routes = tonic::service::Routes::new(FinanceServiceServer::new(self.clone()));
        orderflow_platform::testing::serve_fake(routes, shutdown).await
    }

    /// Finance lets `order_id` ship under `rule`.
    pub fn open(&self, order_id: &str, rule: &str) {
        self.set(
            order_id,
            Answer::Gate(finance::ShipmentGate {
                order_id: order_id.to_owned(),
                open: true,
                blockers: Vec::new(),
                rule: rule.to_owned(),
            }),
        );
    }

    /// Finance holds `order_id` back for `code` under `rule`.
    pub fn block(&self, order_id: &str, rule: &str, code: &str, description: &str) {
        self.set(
            order_id,
            Answer::Gate(finance::ShipmentGate {
                order_id: order_id.to_owned(),
                open: false,
                blockers: vec![finance::GateCondition {
                    code: code.to_owned(),
                    description: description.to_owned(),
                }],
                rule: rule.to_owned(),
            }),
        );
    }

    /// Asking about `order_id` fails with `code` (finance down, overloaded).
    pub fn fail(&self, order_id: &str, code: tonic::Code) {
        self.set(order_id, Answer::Fails(code));
    }

    /// The order ids asked about so far, each with whether the call carried
    /// a bearer token.
    pub fn asked(&self) -> Vec<(String, bool)> {
        self.asked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set(&self, order_id: &str, answer: Answer) {
        self.answers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(order_id.to_owned(), answer);
    }

    fn gate(
        &self,
        request: &Request<finance::GetShipmentGateRequest>,
    ) -> Result<Response<finance::ShipmentGate>, Status> {
        let order_id = request.get_ref().order_id.clone();
        let bearer = request
            .metadata()
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("Bearer "));
        self.asked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((order_id.clone(), bearer));
        let answer = self
            .answers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&order_id)
            .cloned();
        match answer {
            Some(Answer::Gate(gate)) => Ok(Response::new(gate)),
            Some(Answer::Fails(code)) => Err(Status::new(code, "the fake finance fails")),
            None => Err(Status::not_found(format!("orders/{order_id}"))),
        }
    }
}

/// The fake's `FinanceService`: the gate as set, every other RPC
/// `UNIMPLEMENTED` (logistics must not need it).
macro_rules! fake_finance_service {
    ($($rpc:ident($request:ident) -> $response:ident;)*) => {
        #[async_trait::async_trait]
        impl FinanceService for FakeFinance {
            async fn get_shipment_gate(
                &self,
                request: Request<finance::GetShipmentGateRequest>,
            ) -> Result<Response<finance::ShipmentGate>, Status> {
                self.gate(&request)
            }
            $(
                async fn $rpc(
                    &self,
                    _request: Request<finance::$request>,
                ) -> Result<Response<finance::$response>, Status> {
                    Err(Status::unimplemented(concat!(
                        "the fake finance does not ",
                        stringify!($rpc)
                    )))
                }
            )*
        }
    };
}

fake_finance_service! {
    rate_customer(RateCustomerRequest) -> CreditStatus;
    get_credit_status(GetCreditStatusRequest) -> CreditStatus;
    record_payment(RecordPaymentRequest) -> Payment;
    confirm_payment(ConfirmPaymentRequest) -> Payment;
    list_payments(ListPaymentsRequest) -> ListPaymentsResponse;
    register_letter_of_credit(RegisterLetterOfCreditRequest) -> LetterOfCredit;
    get_letter_of_credit(GetLetterOfCreditRequest) -> LetterOfCredit;
    review_letter_of_credit(ReviewLetterOfCreditRequest) -> LetterOfCredit;
    request_amendment(RequestAmendmentRequest) -> LetterOfCredit;
    record_amendment(RecordAmendmentRequest) -> LetterOfCredit;
    get_release_gate(GetReleaseGateRequest) -> ReleaseGate;
    confirm_release(ConfirmReleaseRequest) -> ReleaseGate;
    list_ledger_entries(ListLedgerEntriesRequest) -> ListLedgerEntriesResponse;
    sign_sales_detail(SignSalesDetailRequest) -> SalesDetail;
    confirm_sales_detail(ConfirmSalesDetailRequest) -> SalesDetail;
    list_sales_details(ListSalesDetailsRequest) -> ListSalesDetailsResponse;
    set_standard_cost(SetStandardCostRequest) -> StandardCost;
    list_standard_costs(ListStandardCostsRequest) -> ListStandardCostsResponse;
    request_refund(RequestRefundRequest) -> Refund;
    get_refund(GetRefundRequest) -> Refund;
    list_refunds(ListRefundsRequest) -> ListRefundsResponse;
    execute_refund(ExecuteRefundRequest) -> Refund;
    issue_proforma_invoice(IssueDocumentRequest) -> Document;
    issue_commercial_invoice(IssueDocumentRequest) -> Document;
    issue_final_invoice(IssueDocumentRequest) -> Document;
    list_documents(ListDocumentsRequest) -> ListDocumentsResponse;
    list_receivables(ListReceivablesRequest) -> ListReceivablesResponse;
}
