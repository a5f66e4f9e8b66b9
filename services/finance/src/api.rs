//! The tonic service: proto ⇄ domain conversion and error → status mapping.
//! The use cases are in [`crate::app`].

mod roles;

pub use roles::ROLES;

use orderflow_platform::auth::{Caller, Role};
use orderflow_platform::db::idempotency::RequestKey;
use orderflow_platform::grpc::paging::PageRequest;
use orderflow_platform::grpc::status;
use orderflow_platform::ids::{OrderId, Sku};
use orderflow_platform::money::Money;
use orderflow_platform::validation::{AmountRule, Violations};
use orderflow_proto::common::v1 as common;
use orderflow_proto::finance::v1 as pb;
use pb::finance_service_server::FinanceService;
use tonic::{Request, Response, Status};

use crate::app::{Finance, NewPayment, NewRefund, NewStandardCost};
use crate::domain::cost::StandardCost;
use crate::domain::credit::{CreditRating, RatingInput};
use crate::domain::document::DocumentKind;
use crate::domain::lc::{LcTerms, MAX_DISCREPANCIES};
use crate::domain::ledger::EntryFilter;
use crate::domain::ledger::totals;
use crate::domain::{Actor, FinanceError};
use crate::wire;

fn caller<T>(request: &Request<T>) -> Result<Actor, Status> {
    Caller::of(request)
}

/// A positive amount of a known currency.
fn amount(field: &str, raw: Option<&common::Money>, violations: &mut Violations) -> Option<Money> {
    violations.amount(field, raw, AmountRule::Positive)
}

fn texts(field: &str, raw: &[String], violations: &mut Violations) -> Vec<String> {
    if raw.len() > MAX_DISCREPANCIES {
        violations.add(field, format!("at most {MAX_DISCREPANCIES} entries"));
    }
    raw.iter()
        .enumerate()
        .map(|(index, text)| violations.required(&format!("{field}[{index}]"), text, 500))
        .collect()
}

fn optional_date(field: &str, raw: &str, violations: &mut Violations) -> Option<chrono::NaiveDate> {
    if raw.trim().is_empty() {
        None
    } else {
        violations.date(field, raw)
    }
}

/// The order and the optional due date of an IssueDocumentRequest.
fn document_request(
    operation: &str,
    actor: &Actor,
    request: &pb::IssueDocumentRequest,
) -> Result<
    (
        Option<RequestKey>,
        OrderId,
        Option<chrono::NaiveDate>,
        String,
    ),
    Status,
> {
    let mut violations = Violations::new();
    let key = violations.request_key(operation, &actor.subject, &request.request_id, request);
    let order_id = violations.order_id("order_id", &request.order_id);
    let due_date = optional_date("due_date", &request.due_date, &mut violations);
    let note = violations.optional("note", &request.note, 1000);
    violations.finish(())?;
    Ok((key, order_id, due_date, note))
}

#[derive(Debug, Clone)]
pub struct FinanceApi {
    finance: Finance,
}

impl FinanceApi {
    pub fn new(finance: Finance) -> Self {
        Self { finance }
    }

    async fn issue(
        &self,
        kind: DocumentKind,
        request: Request<pb::IssueDocumentRequest>,
    ) -> Result<Response<pb::Document>, Status> {
        let actor = caller(&request)?;
        let operation = match kind {
            DocumentKind::Proforma => "IssueProformaInvoice",
            DocumentKind::Commercial => "IssueCommercialInvoice",
            DocumentKind::Final => "IssueFinalInvoice",
        };
        let (key, order_id, due_date, note) =
            document_request(operation, &actor, request.get_ref())?;
        if due_date.is_some() && kind != DocumentKind::Commercial {
            return Err(FinanceError::invalid(
                "due_date",
                "only a commercial invoice has a due date",
            )
            .into());
        }
        let document = self
            .finance
            .issue_document(&actor, key.as_ref(), kind, &order_id, due_date, &note)
            .await?;
        Ok(Response::new(wire::document(&document)))
    }

    /// Files a listing of one order's records under that order
    /// (architecture.md §6); its number comes from the first record, or from
    /// the order's account when the listing is empty.
    async fn tag_listing(&self, order_id: &str, number: Option<&String>) {
        match number {
            Some(number) => orderflow_platform::telemetry::tag_order(order_id, number),
            None => self.finance.tag_order(order_id).await,
        }
    }
}

#[tonic::async_trait]
impl FinanceService for FinanceApi {
    async fn rate_customer(
        &self,
        request: Request<pb::RateCustomerRequest>,
    ) -> Result<Response<pb::CreditStatus>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "RateCustomer",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let limit = request.credit_limit.clone().unwrap_or_default();
        let input = RatingInput {
            customer_id: request.customer_id,
            rating: request.rating,
            currency_code: limit.currency_code,
            limit: limit.minor_units,
            note: request.note,
        };
        let rating =
            CreditRating::parse(&input, &actor.subject, self.finance.now(), &mut violations);
        let rating = violations.finish(rating)?;
        let Some(rating) = rating else {
            return Err(Status::invalid_argument("invalid rating"));
        };
        let status = self
            .finance
            .rate_customer(&actor, key.as_ref(), rating)
            .await?;
        Ok(Response::new(wire::credit_status(&status)))
    }

    async fn get_credit_status(
        &self,
        request: Request<pb::GetCreditStatusRequest>,
    ) -> Result<Response<pb::CreditStatus>, Status> {
        let mut violations = Violations::new();
        let customer_id = violations.required_id("customer_id", &request.get_ref().customer_id);
        violations.finish(())?;
        let status = self.finance.credit_status(&customer_id).await?;
        Ok(Response::new(wire::credit_status(&status)))
    }

    async fn record_payment(
        &self,
        request: Request<pb::RecordPaymentRequest>,
    ) -> Result<Response<pb::Payment>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "record_payment",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let order_id = violations.order_id("order_id", &request.order_id);
        let kind = wire::payment_kind_in(request.kind());
        if kind.is_none() {
            violations.add("kind", "must be DEPOSIT, BALANCE or FULL");
        }
        let amount = amount("amount", request.amount.as_ref(), &mut violations);
        let method = violations.required("method", &request.method, 100);
        let reference = violations.optional("reference", &request.reference, 200);
        violations.finish(())?;
        let (Some(kind), Some(amount)) = (kind, amount) else {
            return Err(Status::invalid_argument("invalid payment"));
        };
        let new = NewPayment {
            order_id,
            kind,
            amount,
            method,
            reference,
        };
        let payment = self
            .finance
            .record_payment(&actor, key.as_ref(), new)
            .await?;
        Ok(Response::new(wire::payment(&payment)))
    }

    async fn confirm_payment(
        &self,
        request: Request<pb::ConfirmPaymentRequest>,
    ) -> Result<Response<pb::Payment>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "ConfirmPayment",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let payment_id = violations.required_id("payment_id", &request.payment_id);
        violations.finish(())?;
        let payment = self
            .finance
            .confirm_payment(&actor, key.as_ref(), &payment_id)
            .await?;
        Ok(Response::new(wire::payment(&payment)))
    }

    async fn list_payments(
        &self,
        request: Request<pb::ListPaymentsRequest>,
    ) -> Result<Response<pb::ListPaymentsResponse>, Status> {
        let request = request.into_inner();
        let mut violations = Violations::new();
        let order_id = violations.order_id("order_id", &request.order_id);
        violations.finish(())?;
        let page = PageRequest::parse(request.page_size, &request.page_token, &order_id)?;
        let mut payments = self
            .finance
            .payments(&order_id, page.after.as_deref(), page.fetch_limit())
            .await?;
        self.tag_listing(
            &order_id,
            payments.first().map(|payment| &payment.order_number),
        )
        .await;
        let next_page_token = page.finish(&mut payments, |payment| payment.id.clone());
        Ok(Response::new(pb::ListPaymentsResponse {
            payments: payments.iter().map(wire::payment).collect(),
            next_page_token,
        }))
    }

    async fn register_letter_of_credit(
        &self,
        request: Request<pb::RegisterLetterOfCreditRequest>,
    ) -> Result<Response<pb::LetterOfCredit>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key =
            violations.request_key("register_lc", &actor.subject, &request.request_id, &request);
        let order_id = violations.order_id("order_id", &request.order_id);
        if request.terms.is_none() {
            violations.add("terms", "is required");
        }
        let terms = LcTerms::parse(
            &wire::lc_terms_in(request.terms.as_ref()),
            "terms.",
            &mut violations,
        );
        let received = optional_date("received_date", &request.received_date, &mut violations);
        let terms = violations.finish(terms)?;
        let Some(terms) = terms else {
            return Err(Status::invalid_argument("invalid terms"));
        };
        let lc = self
            .finance
            .register_lc(&actor, key.as_ref(), &order_id, terms, received)
            .await?;
        Ok(Response::new(wire::letter_of_credit(&lc)))
    }

    async fn get_letter_of_credit(
        &self,
        request: Request<pb::GetLetterOfCreditRequest>,
    ) -> Result<Response<pb::LetterOfCredit>, Status> {
        let mut violations = Violations::new();
        let order_id = violations.order_id("order_id", &request.get_ref().order_id);
        violations.finish(())?;
        let lc = self.finance.lc_of_order(&order_id).await?;
        Ok(Response::new(wire::letter_of_credit(&lc)))
    }

    async fn review_letter_of_credit(
        &self,
        request: Request<pb::ReviewLetterOfCreditRequest>,
    ) -> Result<Response<pb::LetterOfCredit>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key =
            violations.request_key("review_lc", &actor.subject, &request.request_id, &request);
        let lc_id = violations.required_id("letter_of_credit_id", &request.letter_of_credit_id);
        let discrepancies = texts("discrepancies", &request.discrepancies, &mut violations);
        violations.finish(())?;
        let lc = self
            .finance
            .review_lc(&actor, key.as_ref(), &lc_id, discrepancies)
            .await?;
        Ok(Response::new(wire::letter_of_credit(&lc)))
    }

    async fn request_amendment(
        &self,
        request: Request<pb::RequestAmendmentRequest>,
    ) -> Result<Response<pb::LetterOfCredit>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "request_amendment",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let lc_id = violations.required_id("letter_of_credit_id", &request.letter_of_credit_id);
        let reasons = texts("reasons", &request.reasons, &mut violations);
        violations.finish(())?;
        let lc = self
            .finance
            .request_amendment(&actor, key.as_ref(), &lc_id, reasons)
            .await?;
        Ok(Response::new(wire::letter_of_credit(&lc)))
    }

    async fn record_amendment(
        &self,
        request: Request<pb::RecordAmendmentRequest>,
    ) -> Result<Response<pb::LetterOfCredit>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "record_amendment",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let lc_id = violations.required_id("letter_of_credit_id", &request.letter_of_credit_id);
        if request.terms.is_none() {
            violations.add("terms", "is required");
        }
        let terms = LcTerms::parse(
            &wire::lc_terms_in(request.terms.as_ref()),
            "terms.",
            &mut violations,
        );
        let terms = violations.finish(terms)?;
        let Some(terms) = terms else {
            return Err(Status::invalid_argument("invalid terms"));
        };
        let lc = self
            .finance
            .record_amendment(&actor, key.as_ref(), &lc_id, terms)
            .await?;
        Ok(Response::new(wire::letter_of_credit(&lc)))
    }

    async fn get_release_gate(
        &self,
        request: Request<pb::GetReleaseGateRequest>,
    ) -> Result<Response<pb::ReleaseGate>, Status> {
        let mut violations = Violations::new();
        let order_id = violations.order_id("order_id", &request.get_ref().order_id);
        violations.finish(())?;
        let view = self.finance.release_gate(&order_id).await?;
        Ok(Response::new(wire::gate(&view.account, &view.gate)))
    }

    async fn confirm_release(
        &self,
        request: Request<pb::ConfirmReleaseRequest>,
    ) -> Result<Response<pb::ReleaseGate>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "confirm_release",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let order_id = violations.order_id("order_id", &request.order_id);
        let note = violations.optional("note", &request.note, 1000);
        violations.finish(())?;
        let view = self
            .finance
            .confirm_release(&actor, key.as_ref(), &order_id, &note)
            .await?;
        Ok(Response::new(wire::gate(&view.account, &view.gate)))
    }

    async fn list_ledger_entries(
        &self,
        request: Request<pb::ListLedgerEntriesRequest>,
    ) -> Result<Response<pb::ListLedgerEntriesResponse>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let text = |value: &str| (!value.trim().is_empty()).then(|| value.trim().to_owned());
        let mut salesperson = text(&request.salesperson);
        let order_id = text(&request.order_id);
        let from = optional_date("from_date", &request.from_date, &mut violations);
        let to = optional_date("to_date", &request.to_date, &mut violations);
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            violations.add("to_date", "must not be before from_date");
        }
        violations.finish(())?;
        // A salesperson sees their own sales only.
        if !actor.has_any_role(&[Role::DeptManager, Role::Finance, Role::Gm, Role::Admin]) {
            if salesperson
                .as_deref()
                .is_some_and(|who| who != actor.subject)
            {
                return Err(status::permission_denied(
                    "a salesperson lists their own sales detail only",
                ));
            }
            salesperson = Some(actor.subject.clone());
        }
        let filter = EntryFilter {
            salesperson,
            order_id,
            from,
            to,
        };
        let page = PageRequest::parse(
            request.page_size,
            &request.page_token,
            &format!("{filter:?}"),
        )?;
        let mut entries = self
            .finance
            .ledger_entries(&filter, page.after.as_deref(), page.fetch_limit())
            .await?;
        if let Some(order_id) = &filter.order_id {
            self.tag_listing(order_id, entries.first().map(|entry| &entry.order_number))
                .await;
        }
        let next_page_token = page.finish(&mut entries, |entry| entry.id.clone());
        Ok(Response::new(pb::ListLedgerEntriesResponse {
            totals: wire::totals(&totals(&entries)),
            entries: entries.iter().map(wire::ledger_entry).collect(),
            next_page_token,
        }))
    }

    async fn sign_sales_detail(
        &self,
        request: Request<pb::SignSalesDetailRequest>,
    ) -> Result<Response<pb::SalesDetail>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "sign_sales_detail",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let salesperson = violations.required("salesperson", &request.salesperson, 100);
        let day = violations.date("entry_date", &request.entry_date);
        let day = violations.finish(day)?;
        let Some(day) = day else {
            return Err(Status::invalid_argument("invalid entry_date"));
        };
        let detail = self
            .finance
            .sign_sales_detail(&actor, key.as_ref(), &salesperson, day)
            .await?;
        Ok(Response::new(wire::sales_detail(&detail)))
    }

    async fn confirm_sales_detail(
        &self,
        request: Request<pb::ConfirmSalesDetailRequest>,
    ) -> Result<Response<pb::SalesDetail>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "ConfirmSalesDetail",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let id = violations.required_id("sales_detail_id", &request.sales_detail_id);
        violations.finish(())?;
        let detail = self
            .finance
            .confirm_sales_detail(&actor, key.as_ref(), &id)
            .await?;
        Ok(Response::new(wire::sales_detail(&detail)))
    }

    async fn list_sales_details(
        &self,
        request: Request<pb::ListSalesDetailsRequest>,
    ) -> Result<Response<pb::ListSalesDetailsResponse>, Status> {
        let request = request.into_inner();
        let salesperson =
            (!request.salesperson.trim().is_empty()).then(|| request.salesperson.trim().to_owned());
        let page = PageRequest::parse(
            request.page_size,
            &request.page_token,
            &format!("{salesperson:?}"),
        )?;
        let mut details = self
            .finance
            .sales_details(
                salesperson.as_deref(),
                page.after.as_deref(),
                page.fetch_limit(),
            )
            .await?;
        let next_page_token = page.finish(&mut details, |detail| detail.id.clone());
        Ok(Response::new(pb::ListSalesDetailsResponse {
            sales_details: details.iter().map(wire::sales_detail).collect(),
            next_page_token,
        }))
    }

    async fn set_standard_cost(
        &self,
        request: Request<pb::SetStandardCostRequest>,
    ) -> Result<Response<pb::StandardCost>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "SetStandardCost",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let sku: Option<Sku> = violations.field("sku", &request.sku);
        let unit_cost = amount("unit_cost", request.unit_cost.as_ref(), &mut violations);
        let effective_from =
            optional_date("effective_from", &request.effective_from, &mut violations);
        let note = violations.optional("note", &request.note, 500);
        violations.finish(())?;
        let (Some(sku), Some(unit_cost)) = (sku, unit_cost) else {
            return Err(Status::invalid_argument("invalid standard cost"));
        };
        let cost = self
            .finance
            .set_standard_cost(
                &actor,
                key.as_ref(),
                NewStandardCost {
                    sku: sku.into_string(),
                    unit_cost,
                    effective_from,
                    note,
                },
            )
            .await?;
        Ok(Response::new(wire::standard_cost(&cost)))
    }

    async fn list_standard_costs(
        &self,
        request: Request<pb::ListStandardCostsRequest>,
    ) -> Result<Response<pb::ListStandardCostsResponse>, Status> {
        let request = request.into_inner();
        let mut violations = Violations::new();
        let sku: Option<Sku> = violations.optional_field("sku", &request.sku);
        violations.finish(())?;
        let sku = sku.map(Sku::into_string);
        let page = PageRequest::parse(request.page_size, &request.page_token, &format!("{sku:?}"))?;
        let mut costs = self
            .finance
            .standard_costs(sku.as_deref(), page.after.as_deref(), page.fetch_limit())
            .await?;
        let next_page_token = page.finish(&mut costs, StandardCost::key);
        Ok(Response::new(pb::ListStandardCostsResponse {
            standard_costs: costs.iter().map(wire::standard_cost).collect(),
            next_page_token,
        }))
    }

    async fn request_refund(
        &self,
        request: Request<pb::RequestRefundRequest>,
    ) -> Result<Response<pb::Refund>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "request_refund",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let order_id = violations.order_id("order_id", &request.order_id);
        let amount = amount("amount", request.amount.as_ref(), &mut violations);
        let reason = violations.required("reason", &request.reason, 1000);
        let handling = violations.required("handling", &request.handling, 1000);
        let reference = violations.optional("reference", &request.reference, 200);
        let goods_received_at = match request.goods_received_time.as_ref() {
            None => None,
            Some(time) => {
                let parsed = orderflow_platform::grpc::convert::from_timestamp(time);
                if parsed.is_none() {
                    violations.add("goods_received_time", "is not a valid time");
                }
                parsed
            }
        };
        if request.goods_pending && goods_received_at.is_some() {
            violations.add(
                "goods_pending",
                "goods either came back (goods_received_time) or are pending, not both",
            );
        }
        let method = wire::refund_method_in(request.method());
        if method.is_none() {
            violations.add(
                "method",
                "must be BANK_TRANSFER, ORIGINAL_ROUTE or PERSONAL_ACCOUNT",
            );
        }
        violations.finish(())?;
        let (Some(amount), Some(method)) = (amount, method) else {
            return Err(Status::invalid_argument("invalid refund"));
        };
        let new = NewRefund {
            order_id,
            amount,
            reason,
            handling,
            method,
            reference,
            goods_received_at,
            goods_pending: request.goods_pending,
        };
        let refund = self
            .finance
            .request_refund(&actor, key.as_ref(), new)
            .await?;
        Ok(Response::new(wire::refund(&refund)))
    }

    async fn get_refund(
        &self,
        request: Request<pb::GetRefundRequest>,
    ) -> Result<Response<pb::Refund>, Status> {
        let mut violations = Violations::new();
        let id = violations.required_id("refund_id", &request.get_ref().refund_id);
        violations.finish(())?;
        Ok(Response::new(wire::refund(
            &self.finance.refund(&id).await?,
        )))
    }

    async fn list_refunds(
        &self,
        request: Request<pb::ListRefundsRequest>,
    ) -> Result<Response<pb::ListRefundsResponse>, Status> {
        let request = request.into_inner();
        let mut violations = Violations::new();
        let order_id = violations.order_id("order_id", &request.order_id);
        violations.finish(())?;
        let page = PageRequest::parse(request.page_size, &request.page_token, &order_id)?;
        let mut refunds = self
            .finance
            .refunds(&order_id, page.after.as_deref(), page.fetch_limit())
            .await?;
        let next_page_token = page.finish(&mut refunds, |refund| refund.id.clone());
        Ok(Response::new(pb::ListRefundsResponse {
            refunds: refunds.iter().map(wire::refund).collect(),
            next_page_token,
        }))
    }

    async fn execute_refund(
        &self,
        request: Request<pb::ExecuteRefundRequest>,
    ) -> Result<Response<pb::Refund>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "execute_refund",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let id = violations.required_id("refund_id", &request.refund_id);
        let reference =
            violations.optional("execution_reference", &request.execution_reference, 200);
        violations.finish(())?;
        let refund = self
            .finance
            .execute_refund(&actor, key.as_ref(), &id, &reference)
            .await?;
        Ok(Response::new(wire::refund(&refund)))
    }

    async fn issue_proforma_invoice(
        &self,
        request: Request<pb::IssueDocumentRequest>,
    ) -> Result<Response<pb::Document>, Status> {
        self.issue(DocumentKind::Proforma, request).await
    }

    async fn issue_commercial_invoice(
        &self,
        request: Request<pb::IssueDocumentRequest>,
    ) -> Result<Response<pb::Document>, Status> {
        self.issue(DocumentKind::Commercial, request).await
    }

    async fn issue_final_invoice(
        &self,
        request: Request<pb::IssueDocumentRequest>,
    ) -> Result<Response<pb::Document>, Status> {
        self.issue(DocumentKind::Final, request).await
    }

    async fn list_documents(
        &self,
        request: Request<pb::ListDocumentsRequest>,
    ) -> Result<Response<pb::ListDocumentsResponse>, Status> {
        let mut violations = Violations::new();
        let order_id = violations.order_id("order_id", &request.get_ref().order_id);
        violations.finish(())?;
        let documents = self.finance.documents(&order_id).await?;
        Ok(Response::new(pb::ListDocumentsResponse {
            documents: documents.iter().map(wire::document).collect(),
        }))
    }

    async fn list_receivables(
        &self,
        request: Request<pb::ListReceivablesRequest>,
    ) -> Result<Response<pb::ListReceivablesResponse>, Status> {
        let request = request.into_inner();
        let mut violations = Violations::new();
        let customer_id = violations.optional_id("customer_id", &request.customer_id);
        violations.finish(())?;
        let page = PageRequest::parse(
            request.page_size,
            &request.page_token,
            &format!("{customer_id:?}/{}", request.overdue_only),
        )?;
        let mut receivables = self
            .finance
            .receivables(
                customer_id.as_deref(),
                request.overdue_only,
                page.after.as_deref(),
                page.fetch_limit(),
            )
            .await?;
        let next_page_token =
            page.finish(&mut receivables, |receivable| receivable.invoice.id.clone());
        let today = self.finance.today();
        Ok(Response::new(pb::ListReceivablesResponse {
            receivables: receivables
                .iter()
                .map(|receivable| wire::receivable(receivable, today))
                .collect(),
            next_page_token,
        }))
    }

    async fn get_shipment_gate(
        &self,
        request: Request<pb::GetShipmentGateRequest>,
    ) -> Result<Response<pb::ShipmentGate>, Status> {
        let mut violations = Violations::new();
        let order_id = violations.order_id("order_id", &request.get_ref().order_id);
        violations.finish(())?;
        let view = self.finance.shipment_gate(&order_id).await?;
        Ok(Response::new(wire::shipment_gate(&order_id, &view.gate)))
    }
}
