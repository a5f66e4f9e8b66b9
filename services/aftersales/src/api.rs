//! The tonic service: proto ⇄ domain conversion and error → status mapping.
//! The use cases are in [`crate::app`].

use orderflow_platform::auth::{Role, RoleTable};
use orderflow_platform::grpc::paging::PageRequest;
use orderflow_platform::ids::Sku;
use orderflow_platform::validation::{AmountRule, Violations, checked_command as checked};
use orderflow_proto::aftersales::v1 as pb;
use pb::after_sales_service_server::AfterSalesService;
use tonic::{Request, Response, Status};
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::app::AfterSales;
use crate::domain::case::{Case, CaseId, Condition, Finding, FreightPayment, Line};
use crate::domain::complaint::{ComplaintId, NewComplaint};
use crate::wire;

const READERS: &[Role] = &[
    Role::CustomerService,
    Role::Sales,
    Role::SalesAssistant,
    Role::SalesSupervisor,
    Role::Qc,
    Role::Warehouse,
    Role::Logistics,
    Role::Finance,
    Role::Gm,
    Role::Admin,
    Role::Service,
];

macro_rules! rpc {
    ($name:literal) => {
        concat!("/orderflow.aftersales.v1.AfterSalesService/", $name)
    };
}

/// Which roles may call each RPC (checked by the platform's auth layer).
pub const ROLES: RoleTable = &[
    (
        rpc!("CreateCase"),
        &[Role::CustomerService, Role::Sales, Role::SalesAssistant],
    ),
    (rpc!("GetCase"), READERS),
    (rpc!("ListCases"), READERS),
    (rpc!("ApproveCase"), &[Role::CustomerService]),
    (rpc!("RejectCase"), &[Role::CustomerService]),
    (rpc!("RequestInformation"), &[Role::CustomerService]),
    (
        rpc!("ProvideInformation"),
        &[Role::CustomerService, Role::Sales, Role::SalesAssistant],
    ),
    (
        rpc!("SchedulePickup"),
        &[Role::CustomerService, Role::Logistics],
    ),
    (rpc!("InspectReturn"), &[Role::Qc]),
    (rpc!("RecordOverseasReceipt"), &[Role::CustomerService]),
    (rpc!("ShelveOverseasReturn"), &[Role::Warehouse]),
    (
        rpc!("RecordUnannouncedReturn"),
        &[Role::Warehouse, Role::Qc],
    ),
    (rpc!("ListOverdueRefunds"), READERS),
    (rpc!("GetReturnAnalysis"), READERS),
    (
        rpc!("RecordComplaint"),
        &[Role::CustomerService, Role::Sales, Role::SalesAssistant],
    ),
    (rpc!("GetComplaint"), READERS),
    (rpc!("ListComplaints"), READERS),
    (rpc!("AssignComplaint"), &[Role::CustomerService]),
    (rpc!("AnswerComplaint"), &[Role::CustomerService]),
];

#[derive(Debug, Clone)]
pub struct AfterSalesApi {
    aftersales: AfterSales,
}

impl AfterSalesApi {
    pub fn new(aftersales: AfterSales) -> Self {
        Self { aftersales }
    }
}

/// Puts the order's and the case's business keys on the current (server)
/// span, so that an operator finds the case's traces by order number
/// (architecture.md §6).
fn answer(case: &Case) -> Response<pb::Case> {
    orderflow_platform::telemetry::tag_order(&case.order_id, &case.order_number);
    tracing::Span::current().set_attribute("aftersales.case", case.number.clone());
    Response::new(wire::case(case))
}

fn case_id(raw: &str, violations: &mut Violations) -> CaseId {
    violations
        .field::<CaseId>("case_id", raw)
        .unwrap_or_else(CaseId::blank)
}

const MAX_TEXT: usize = 2000;
const MAX_EVIDENCE: usize = 20;

fn evidence(raw: &[String], violations: &mut Violations) -> Vec<String> {
    if raw.len() > MAX_EVIDENCE {
        violations.add("evidence", format!("at most {MAX_EVIDENCE} references"));
    }
    raw.iter()
        .enumerate()
        .map(|(index, reference)| {
            violations.required(&format!("evidence[{index}]"), reference, 500)
        })
        .collect()
}

fn attribute(field: String, raw: &str, violations: &mut Violations) -> String {
    violations.optional(&field, raw, 40)
}

/// An inspection's lines (AFS-5, AFS-11), every bad field named.
fn parse_findings(lines: &[pb::InspectedLine], violations: &mut Violations) -> Vec<Finding> {
    let mut findings = Vec::with_capacity(lines.len());
    if lines.is_empty() || lines.len() > 200 {
        violations.add("lines", "between 1 and 200 lines");
    }
    for (index, line) in lines.iter().enumerate() {
        let field = |name: &str| format!("lines[{index}].{name}");
        let sku = violations
            .field::<Sku>(field("sku"), &line.sku)
            .map(|sku| sku.as_str().to_owned())
            .unwrap_or_default();
        let quantity = violations
            .quantity(field("quantity"), line.quantity)
            .map_or(0, |quantity| quantity.get());
        let condition = match line.condition() {
            pb::Condition::Complete => Condition::Complete,
            pb::Condition::Damaged => Condition::Damaged,
            pb::Condition::Unspecified => {
                violations.add(field("condition"), "must be COMPLETE or DAMAGED");
                Condition::Damaged
            }
        };
        let agreed_value = line.agreed_value.as_ref().and_then(|value| {
            violations
                .amount(&field("agreed_value"), Some(value), AmountRule::NonNegative)
                .map(|money| money.minor_units)
        });
        let note = violations.optional(&field("note"), &line.note, 500);
        findings.push(Finding {
            sku,
            quantity,
            condition,
            agreed_value,
            restocked: line.restocked,
            note,
        });
    }
    findings
}

#[tonic::async_trait]
impl AfterSalesService for AfterSalesApi {
    async fn create_case(
        &self,
        request: Request<pb::CreateCaseRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        let mut parsed = None;
        let mut order_id = String::new();
        let (actor, key, _) = checked(
            request,
            "CreateCase",
            |m| &m.request_id,
            |m, violations| {
                let kind = wire::kind_in(m.kind());
                if kind.is_none() {
                    violations.add("kind", "must be RETURN, EXCHANGE or REFUND");
                }
                let reason = wire::reason_in(m.reason());
                if reason.is_none() {
                    violations.add("reason", "is required");
                }
                order_id = violations.order_id("order_id", &m.order_id).into_string();
                let customer_id = violations.required("customer_id", &m.customer_id, 64);
                let description = violations.optional("description", &m.description, MAX_TEXT);
                let evidence = evidence(&m.evidence, violations);
                if m.lines.len() > 200 {
                    violations.add("lines", "at most 200 lines");
                }
                let mut lines = Vec::with_capacity(m.lines.len());
                for (index, line) in m.lines.iter().enumerate() {
                    let field = |name: &str| format!("lines[{index}].{name}");
                    let sku = violations
                        .field::<Sku>(field("sku"), &line.sku)
                        .map(|sku| sku.as_str().to_owned())
                        .unwrap_or_default();
                    let quantity = violations
                        .quantity(field("quantity"), line.quantity)
                        .map_or(0, |quantity| quantity.get());
                    let replacement_sku = if line.replacement_sku.trim().is_empty() {
                        String::new()
                    } else {
                        violations
                            .field::<Sku>(field("replacement_sku"), &line.replacement_sku)
                            .map(|sku| sku.as_str().to_owned())
                            .unwrap_or_default()
                    };
                    lines.push(Line {
                        sku,
                        quantity,
                        unit_price: 0,
                        tags_attached: line.tags_attached,
                        packaging_intact: line.packaging_intact,
                        replacement_sku,
                        size: attribute(field("size"), &line.size, violations),
                        style: attribute(field("style"), &line.style, violations),
                        colour: attribute(field("colour"), &line.colour, violations),
                    });
                }
                let requested_amount = m.requested_amount.as_ref().and_then(|amount| {
                    violations.amount("requested_amount", Some(amount), AmountRule::Positive)
                });
                if let (Some(kind), Some(reason)) = (kind, reason) {
                    parsed = Some(crate::domain::case::Request {
                        kind,
                        customer_id,
                        reason,
                        description,
                        evidence,
                        lines,
                        requested_amount,
                        overseas: m.overseas_warehouse,
                    });
                }
            },
        )?;
        let Some(parsed) = parsed else {
            return Err(Status::invalid_argument("invalid case"));
        };
        let case = self
            .aftersales
            .create_case(&actor, key.as_ref(), &order_id, parsed)
            .await?;
        Ok(answer(&case))
    }

    async fn get_case(
        &self,
        request: Request<pb::GetCaseRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        let mut violations = Violations::new();
        let id = case_id(&request.get_ref().case_id, &mut violations);
        violations.finish(())?;
        Ok(answer(&self.aftersales.case(&id).await?))
    }

    async fn list_cases(
        &self,
        request: Request<pb::ListCasesRequest>,
    ) -> Result<Response<pb::ListCasesResponse>, Status> {
        let request = request.into_inner();
        let mut violations = Violations::new();
        let order_id = if request.order_id.trim().is_empty() {
            None
        } else {
            Some(
                violations
                    .order_id("order_id", &request.order_id)
                    .into_string(),
            )
        };
        let state = pb::CaseState::try_from(request.state)
            .ok()
            .and_then(wire::state_in);
        violations.finish(())?;
        let page = PageRequest::parse(
            request.page_size,
            &request.page_token,
            &format!("{order_id:?}{state:?}"),
        )?;
        let mut cases = self
            .aftersales
            .cases(
                order_id.as_deref(),
                state,
                false,
                page.after.as_deref(),
                page.fetch_limit(),
            )
            .await?;
        let next_page_token = page.finish(&mut cases, |case| case.id.to_string());
        Ok(Response::new(pb::ListCasesResponse {
            cases: cases.iter().map(wire::case).collect(),
            next_page_token,
        }))
    }

    async fn approve_case(
        &self,
        request: Request<pb::ApproveCaseRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        let mut id = CaseId::blank();
        let (actor, key, message) = checked(
            request,
            "ApproveCase",
            |m| &m.request_id,
            |m, violations| {
                id = case_id(&m.case_id, violations);
                violations.optional("comment", &m.comment, MAX_TEXT);
            },
        )?;
        let case = self
            .aftersales
            .approve(&actor, key.as_ref(), &id, message.comment.trim().to_owned())
            .await?;
        Ok(answer(&case))
    }

    async fn reject_case(
        &self,
        request: Request<pb::RejectCaseRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        let mut id = CaseId::blank();
        let mut reason = String::new();
        let (actor, key, _) = checked(
            request,
            "RejectCase",
            |m| &m.request_id,
            |m, violations| {
                id = case_id(&m.case_id, violations);
                reason = violations.required("reason", &m.reason, MAX_TEXT);
            },
        )?;
        let case = self
            .aftersales
            .reject(&actor, key.as_ref(), &id, reason)
            .await?;
        Ok(answer(&case))
    }

    async fn request_information(
        &self,
        request: Request<pb::RequestInformationRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        let mut id = CaseId::blank();
        let mut question = String::new();
        let (actor, key, _) = checked(
            request,
            "RequestInformation",
            |m| &m.request_id,
            |m, violations| {
                id = case_id(&m.case_id, violations);
                question = violations.required("question", &m.question, MAX_TEXT);
            },
        )?;
        let case = self
            .aftersales
            .request_information(&actor, key.as_ref(), &id, question)
            .await?;
        Ok(answer(&case))
    }

    async fn provide_information(
        &self,
        request: Request<pb::ProvideInformationRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        let mut id = CaseId::blank();
        let mut answer_text = String::new();
        let mut references = Vec::new();
        let (actor, key, _) = checked(
            request,
            "ProvideInformation",
            |m| &m.request_id,
            |m, violations| {
                id = case_id(&m.case_id, violations);
                answer_text = violations.required("answer", &m.answer, MAX_TEXT);
                references = evidence(&m.evidence, violations);
            },
        )?;
        let case = self
            .aftersales
            .provide_information(&actor, key.as_ref(), &id, answer_text, references)
            .await?;
        Ok(answer(&case))
    }

    async fn schedule_pickup(
        &self,
        request: Request<pb::SchedulePickupRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        let mut id = CaseId::blank();
        let mut date = None;
        let mut payment = None;
        let (actor, key, message) = checked(
            request,
            "SchedulePickup",
            |m| &m.request_id,
            |m, violations| {
                id = case_id(&m.case_id, violations);
                date = violations.date("pickup_date", &m.pickup_date);
                payment = match m.freight_payment() {
                    pb::FreightPayment::SenderPrepaid => Some(FreightPayment::SenderPrepaid),
                    pb::FreightPayment::OurAccount => Some(FreightPayment::OurAccount),
                    pb::FreightPayment::CashOnDelivery => {
                        violations.add(
                            "freight_payment",
                            "return freight is never cash on delivery (AFS-4)",
                        );
                        None
                    }
                    pb::FreightPayment::Unspecified => {
                        violations.add("freight_payment", "is required");
                        None
                    }
                };
                if let Some(address) = &m.address {
                    violations.required("address.country_code", &address.country_code, 2);
                    violations.required("address.street", &address.street, 200);
                }
            },
        )?;
        let (Some(date), Some(payment)) = (date, payment) else {
            return Err(Status::invalid_argument("invalid pick-up"));
        };
        let case = self
            .aftersales
            .schedule_pickup(&actor, key.as_ref(), &id, date, message.address, payment)
            .await?;
        Ok(answer(&case))
    }

    async fn inspect_return(
        &self,
        request: Request<pb::InspectReturnRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        let mut id = CaseId::blank();
        let mut findings = Vec::new();
        let (actor, key, _) = checked(
            request,
            "InspectReturn",
            |m| &m.request_id,
            |m, violations| {
                id = case_id(&m.case_id, violations);
                findings = parse_findings(&m.lines, violations);
            },
        )?;
        let case = self
            .aftersales
            .inspect(&actor, key.as_ref(), &id, findings)
            .await?;
        Ok(answer(&case))
    }

    async fn record_overseas_receipt(
        &self,
        request: Request<pb::RecordOverseasReceiptRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        let mut id = CaseId::blank();
        let mut proof = String::new();
        let (actor, key, _) = checked(
            request,
            "RecordOverseasReceipt",
            |m| &m.request_id,
            |m, violations| {
                id = case_id(&m.case_id, violations);
                proof = violations.required("proof_of_receipt", &m.proof_of_receipt, 500);
            },
        )?;
        let case = self
            .aftersales
            .record_overseas_receipt(&actor, key.as_ref(), &id, proof)
            .await?;
        Ok(answer(&case))
    }

    async fn shelve_overseas_return(
        &self,
        request: Request<pb::ShelveOverseasReturnRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        let mut id = CaseId::blank();
        let mut lines = Vec::new();
        let (actor, key, _) = checked(
            request,
            "ShelveOverseasReturn",
            |m| &m.request_id,
            |m, violations| {
                id = case_id(&m.case_id, violations);
                if m.lines.is_empty() || m.lines.len() > 200 {
                    violations.add("lines", "between 1 and 200 lines");
                }
                for (index, line) in m.lines.iter().enumerate() {
                    let sku = violations
                        .field::<Sku>(format!("lines[{index}].sku"), &line.sku)
                        .map(|sku| sku.as_str().to_owned())
                        .unwrap_or_default();
                    let quantity = violations
                        .quantity(format!("lines[{index}].quantity"), line.quantity)
                        .map_or(0, |quantity| quantity.get());
                    lines.push((sku, quantity));
                }
            },
        )?;
        let case = self
            .aftersales
            .shelve_overseas_return(&actor, key.as_ref(), &id, lines)
            .await?;
        Ok(answer(&case))
    }

    async fn record_unannounced_return(
        &self,
        request: Request<pb::RecordUnannouncedReturnRequest>,
    ) -> Result<Response<pb::Case>, Status> {
        let mut order_id = String::new();
        let mut findings = Vec::new();
        let (actor, key, _) = checked(
            request,
            "RecordUnannouncedReturn",
            |m| &m.request_id,
            |m, violations| {
                if m.request_id.trim().is_empty() {
                    violations.add("request_id", "is required: the goods are booked once");
                }
                order_id = violations.order_id("order_id", &m.order_id).into_string();
                findings = parse_findings(&m.lines, violations);
            },
        )?;
        let case = self
            .aftersales
            .record_unannounced_return(&actor, key.as_ref(), &order_id, findings)
            .await?;
        Ok(answer(&case))
    }

    async fn list_overdue_refunds(
        &self,
        request: Request<pb::ListOverdueRefundsRequest>,
    ) -> Result<Response<pb::ListCasesResponse>, Status> {
        let request = request.into_inner();
        let page = PageRequest::parse(request.page_size, &request.page_token, "overdue")?;
        let mut cases = self
            .aftersales
            .cases(None, None, true, page.after.as_deref(), page.fetch_limit())
            .await?;
        let next_page_token = page.finish(&mut cases, |case| case.id.to_string());
        Ok(Response::new(pb::ListCasesResponse {
            cases: cases.iter().map(wire::case).collect(),
            next_page_token,
        }))
    }

    async fn get_return_analysis(
        &self,
        request: Request<pb::GetReturnAnalysisRequest>,
    ) -> Result<Response<pb::ReturnAnalysis>, Status> {
        let request = request.into_inner();
        let mut violations = Violations::new();
        let from = violations.date("from_date", &request.from_date);
        let to = violations.date("to_date", &request.to_date);
        let dimension = wire::dimension_in(request.dimension());
        if dimension.is_none() {
            violations.add("dimension", "must be REASON, PRODUCT or MONTH");
        }
        violations.finish(())?;
        let (Some(from), Some(to), Some(dimension)) = (from, to, dimension) else {
            return Err(Status::invalid_argument("invalid analysis"));
        };
        let (rows, total) = self.aftersales.return_analysis(from, to, dimension).await?;
        Ok(Response::new(pb::ReturnAnalysis {
            from_date: from.to_string(),
            to_date: to.to_string(),
            dimension: request.dimension,
            rows: rows.iter().map(wire::analysis_row).collect(),
            total: Some(wire::analysis_row(&total)),
        }))
    }

    async fn record_complaint(
        &self,
        request: Request<pb::RecordComplaintRequest>,
    ) -> Result<Response<pb::Complaint>, Status> {
        let mut new = None;
        let (actor, key, _) = checked(
            request,
            "RecordComplaint",
            |m| &m.request_id,
            |m, violations| {
                let kind = wire::complaint_kind_in(m.kind());
                if kind.is_none() {
                    violations.add("kind", "must be COMPLAINT or FEEDBACK");
                }
                let customer_id = violations.required("customer_id", &m.customer_id, 64);
                let order_id = if m.order_id.trim().is_empty() {
                    None
                } else {
                    Some(violations.order_id("order_id", &m.order_id).into_string())
                };
                let subject = violations.required("subject", &m.subject, 200);
                let text = violations.required("text", &m.text, MAX_TEXT);
                let satisfaction = match u8::try_from(m.satisfaction) {
                    Ok(0) => None,
                    Ok(score) => Some(score),
                    Err(_) => {
                        violations.add("satisfaction", "1 to 5, or 0 for none");
                        None
                    }
                };
                new = kind.map(|kind| NewComplaint {
                    kind,
                    customer_id,
                    order_id,
                    subject,
                    text,
                    satisfaction,
                });
            },
        )?;
        let Some(new) = new else {
            return Err(Status::invalid_argument("invalid complaint"));
        };
        let complaint = self
            .aftersales
            .record_complaint(&actor, key.as_ref(), new)
            .await?;
        Ok(Response::new(wire::complaint(&complaint)))
    }

    async fn get_complaint(
        &self,
        request: Request<pb::GetComplaintRequest>,
    ) -> Result<Response<pb::Complaint>, Status> {
        let mut violations = Violations::new();
        let id = violations
            .field::<ComplaintId>("complaint_id", &request.get_ref().complaint_id)
            .unwrap_or_else(ComplaintId::blank);
        violations.finish(())?;
        Ok(Response::new(wire::complaint(
            &self.aftersales.complaint(&id).await?,
        )))
    }

    async fn list_complaints(
        &self,
        request: Request<pb::ListComplaintsRequest>,
    ) -> Result<Response<pb::ListComplaintsResponse>, Status> {
        let request = request.into_inner();
        let state = wire::complaint_state_in(request.state());
        let page = PageRequest::parse(
            request.page_size,
            &request.page_token,
            &format!("{state:?}{}", request.overdue_only),
        )?;
        let mut complaints = self
            .aftersales
            .complaints(
                state,
                request.overdue_only,
                page.after.as_deref(),
                page.fetch_limit(),
            )
            .await?;
        let next_page_token = page.finish(&mut complaints, |complaint| complaint.id.to_string());
        Ok(Response::new(pb::ListComplaintsResponse {
            complaints: complaints.iter().map(wire::complaint).collect(),
            next_page_token,
        }))
    }

    async fn assign_complaint(
        &self,
        request: Request<pb::AssignComplaintRequest>,
    ) -> Result<Response<pb::Complaint>, Status> {
        let mut id = ComplaintId::blank();
        let mut assignee = String::new();
        let (actor, key, _) = checked(
            request,
            "AssignComplaint",
            |m| &m.request_id,
            |m, violations| {
                id = violations
                    .field::<ComplaintId>("complaint_id", &m.complaint_id)
                    .unwrap_or_else(ComplaintId::blank);
                assignee = violations.required("assignee", &m.assignee, 64);
            },
        )?;
        let complaint = self
            .aftersales
            .handle_complaint(&actor, key.as_ref(), &id, Some(&assignee), None)
            .await?;
        Ok(Response::new(wire::complaint(&complaint)))
    }

    async fn answer_complaint(
        &self,
        request: Request<pb::AnswerComplaintRequest>,
    ) -> Result<Response<pb::Complaint>, Status> {
        let mut id = ComplaintId::blank();
        let mut answer = String::new();
        let (actor, key, _) = checked(
            request,
            "AnswerComplaint",
            |m| &m.request_id,
            |m, violations| {
                id = violations
                    .field::<ComplaintId>("complaint_id", &m.complaint_id)
                    .unwrap_or_else(ComplaintId::blank);
                answer = violations.required("answer", &m.answer, MAX_TEXT);
            },
        )?;
        let complaint = self
            .aftersales
            .handle_complaint(&actor, key.as_ref(), &id, None, Some(&answer))
            .await?;
        Ok(Response::new(wire::complaint(&complaint)))
    }
}
