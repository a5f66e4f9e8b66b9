//! The tonic service: proto ⇄ domain conversion and error → status mapping.
//! The use cases are in [`crate::app`].

use std::collections::BTreeMap;

use orderflow_platform::grpc::paging::PageRequest;
use orderflow_platform::ids::{Quantity, Sku};
use orderflow_platform::money::rates::Rate;
use orderflow_platform::validation::{AmountRule, Violations, checked_command as checked};
use orderflow_proto::procurement::v1 as pb;
use pb::procurement_service_server::ProcurementService;
use tonic::{Request, Response, Status};

use crate::app::Procurement;
use crate::app::purchasing::{Iqc, Offer};
use crate::domain::outsourcing::{Outsourcing, OutsourcingId};
use crate::domain::purchase::{LineNo, PurchaseOrder, PurchaseOrderId};
use crate::domain::requisition::RequisitionId;
use crate::domain::supplier::{Contact, Supplier, SupplierStatus};
use crate::wire;

mod fabric;
mod roles;

pub use roles::ROLES;

#[derive(Debug, Clone)]
pub struct ProcurementApi {
    procurement: Procurement,
}

impl ProcurementApi {
    pub fn new(procurement: Procurement) -> Self {
        Self { procurement }
    }
}

fn answer(order: &PurchaseOrder) -> Response<pb::PurchaseOrder> {
    Response::new(wire::purchase_order(order))
}

fn order_id(raw: &str, violations: &mut Violations) -> PurchaseOrderId {
    violations
        .field::<PurchaseOrderId>("id", raw)
        .unwrap_or_else(PurchaseOrderId::blank)
}

fn sku(raw: &str, violations: &mut Violations) -> String {
    violations
        .field::<Sku>("sku", raw)
        .map(|sku| sku.as_str().to_owned())
        .unwrap_or_default()
}

/// The most lines one purchase order holds (the approvals service takes 50
/// attachments, one per requisition).
const MAX_LINES: usize = 50;

/// The requisitions a selection orders: `requisition_id` and
/// `requisition_ids`, each once.
fn requisitions_in(
    request: &pb::SelectSupplierRequest,
    violations: &mut Violations,
) -> Vec<String> {
    let named = std::iter::once(("requisition_id".to_owned(), &request.requisition_id))
        .filter(|(_, raw)| !raw.trim().is_empty() || request.requisition_ids.is_empty())
        .chain(
            request
                .requisition_ids
                .iter()
                .enumerate()
                .map(|(index, raw)| (format!("requisition_ids[{index}]"), raw)),
        );
    let mut requisitions: Vec<String> = Vec::new();
    for (field, raw) in named {
        if requisitions.len() == MAX_LINES {
            violations.add(
                "requisition_ids",
                format!("at most {MAX_LINES} on one order"),
            );
            break;
        }
        if let Some(id) = violations.field::<RequisitionId>(&field, raw) {
            if requisitions.contains(&id.to_string()) {
                violations.add(field, "named twice");
            } else {
                requisitions.push(id.to_string());
            }
        }
    }
    requisitions
}

/// A line number: 1 or more.
fn line_in(field: &str, raw: i32, violations: &mut Violations) -> Option<LineNo> {
    match LineNo::try_from(raw) {
        Ok(line) if line > 0 => Some(line),
        _ => {
            violations.add(field, "a line number, from 1");
            None
        }
    }
}

fn outsourcing_id(raw: &str, violations: &mut Violations) -> OutsourcingId {
    violations
        .field::<OutsourcingId>("id", raw)
        .unwrap_or_else(OutsourcingId::blank)
}

fn outsourcing_answer(order: &Outsourcing) -> Response<pb::OutsourcingOrder> {
    Response::new(wire::outsourcing(order))
}

#[tonic::async_trait]
impl ProcurementService for ProcurementApi {
    async fn create_supplier(
        &self,
        request: Request<pb::CreateSupplierRequest>,
    ) -> Result<Response<pb::Supplier>, Status> {
        let (actor, key, message) =
            checked(request, "CreateSupplier", |m| &m.request_id, |_, _| {})?;
        let supplier = Supplier::parse(
            &message.code,
            &message.name,
            &message.categories,
            message
                .contacts
                .into_iter()
                .map(|contact| Contact {
                    name: contact.name,
                    phone: contact.phone,
                    email: contact.email,
                })
                .collect(),
            self.procurement.now(),
        )?;
        let supplier = self
            .procurement
            .create_supplier(&actor, key.as_ref(), supplier)
            .await?;
        Ok(Response::new(wire::supplier(&supplier)))
    }

    async fn get_supplier(
        &self,
        request: Request<pb::GetSupplierRequest>,
    ) -> Result<Response<pb::Supplier>, Status> {
        let mut violations = Violations::new();
        let code = violations.required("code", &request.get_ref().code, 20);
        violations.finish(())?;
        let supplier = self.procurement.supplier(&code.to_uppercase()).await?;
        Ok(Response::new(wire::supplier(&supplier)))
    }

    async fn list_suppliers(
        &self,
        request: Request<pb::ListSuppliersRequest>,
    ) -> Result<Response<pb::ListSuppliersResponse>, Status> {
        let request = request.into_inner();
        let status = pb::SupplierStatus::try_from(request.status)
            .ok()
            .and_then(wire::status_in);
        let page = PageRequest::parse(
            request.page_size,
            &request.page_token,
            &format!("{status:?}"),
        )?;
        let mut suppliers = self
            .procurement
            .suppliers(status, page.after.as_deref(), page.fetch_limit())
            .await?;
        let next_page_token = page.finish(&mut suppliers, |supplier| supplier.code.clone());
        Ok(Response::new(pb::ListSuppliersResponse {
            suppliers: suppliers.iter().map(wire::supplier).collect(),
            next_page_token,
        }))
    }

    async fn review_supplier(
        &self,
        request: Request<pb::ReviewSupplierRequest>,
    ) -> Result<Response<pb::Supplier>, Status> {
        let mut status = SupplierStatus::Approved;
        let mut note = String::new();
        let (actor, key, message) = checked(
            request,
            "ReviewSupplier",
            |m| &m.request_id,
            |m, violations| {
                violations.required("code", &m.code, 20);
                match pb::SupplierStatus::try_from(m.status) {
                    Ok(pb::SupplierStatus::Approved) => {
                        note = violations.optional("note", &m.note, 2000);
                    }
                    Ok(pb::SupplierStatus::Suspended) => {
                        status = SupplierStatus::Suspended;
                        note = violations.required("note", &m.note, 2000);
                    }
                    _ => violations.add("status", "APPROVED or SUSPENDED"),
                }
            },
        )?;
        let supplier = self
            .procurement
            .review_supplier(
                &actor,
                key.as_ref(),
                &message.code.trim().to_uppercase(),
                status,
                &note,
            )
            .await?;
        Ok(Response::new(wire::supplier(&supplier)))
    }

    async fn create_requisition(
        &self,
        request: Request<pb::CreateRequisitionRequest>,
    ) -> Result<Response<pb::Requisition>, Status> {
        let (mut material, mut need_by, mut reason) = (String::new(), None, String::new());
        let (actor, key, message) = checked(
            request,
            "CreateRequisition",
            |m| &m.request_id,
            |m, violations| {
                material = sku(&m.sku, violations);
                violations.quantity("quantity", m.quantity);
                need_by = violations.date("need_by", &m.need_by);
                reason = violations.required("reason", &m.reason, 500);
            },
        )?;
        let Some(need_by) = need_by else {
            return Err(Status::internal("validated need_by missing"));
        };
        let requisition = self
            .procurement
            .create_requisition(
                &actor,
                key.as_ref(),
                material,
                message.quantity,
                need_by,
                reason,
            )
            .await?;
        Ok(Response::new(wire::requisition(&requisition)))
    }

    async fn get_requisition(
        &self,
        request: Request<pb::GetRequisitionRequest>,
    ) -> Result<Response<pb::Requisition>, Status> {
        let id: RequisitionId =
            orderflow_platform::validation::single_field("id", &request.get_ref().id)?;
        Ok(Response::new(wire::requisition(
            &self.procurement.requisition(&id).await?,
        )))
    }

    async fn list_requisitions(
        &self,
        request: Request<pb::ListRequisitionsRequest>,
    ) -> Result<Response<pb::ListRequisitionsResponse>, Status> {
        let request = request.into_inner();
        let state = match pb::RequisitionState::try_from(request.state) {
            Ok(pb::RequisitionState::Open) => {
                Some(crate::domain::requisition::RequisitionState::Open)
            }
            Ok(pb::RequisitionState::Ordered) => {
                Some(crate::domain::requisition::RequisitionState::Ordered)
            }
            _ => None,
        };
        let sku = Some(request.sku.trim()).filter(|sku| !sku.is_empty());
        let page = PageRequest::parse(
            request.page_size,
            &request.page_token,
            &format!("{state:?}/{sku:?}"),
        )?;
        let mut requisitions = self
            .procurement
            .requisitions(state, sku, page.after.as_deref(), page.fetch_limit())
            .await?;
        let next_page_token = page.finish(&mut requisitions, |r| r.id.to_string());
        Ok(Response::new(pb::ListRequisitionsResponse {
            requisitions: requisitions.iter().map(wire::requisition).collect(),
            next_page_token,
        }))
    }

    async fn record_quote(
        &self,
        request: Request<pb::RecordQuoteRequest>,
    ) -> Result<Response<pb::Requisition>, Status> {
        let (mut requisition, mut price, mut supplier) = (None, None, String::new());
        let mut rate = None;
        let (actor, key, message) = checked(
            request,
            "RecordQuote",
            |m| &m.request_id,
            |m, violations| {
                requisition =
                    violations.field::<RequisitionId>("requisition_id", &m.requisition_id);
                supplier = violations.required("supplier_code", &m.supplier_code, 20);
                price =
                    violations.amount("unit_price", m.unit_price.as_ref(), AmountRule::Positive);
                if !(0..=365).contains(&m.lead_days) {
                    violations.add("lead_days", "0 to 365 days");
                }
                if !m.exchange_rate.trim().is_empty() {
                    rate = Rate::parse(&m.exchange_rate)
                        .map_err(|problem| violations.add("exchange_rate", problem))
                        .ok();
                }
            },
        )?;
        let (Some(requisition), Some(price)) = (requisition, price) else {
            return Err(Status::internal("validated fields missing"));
        };
        let requisition = self
            .procurement
            .record_quote(
                &actor,
                key.as_ref(),
                &requisition,
                Offer {
                    supplier_code: supplier.to_uppercase(),
                    unit_price: price,
                    exchange_rate: rate,
                    lead_days: message.lead_days,
                },
            )
            .await?;
        Ok(Response::new(wire::requisition(&requisition)))
    }

    async fn request_quotations(
        &self,
        request: Request<pb::RequestQuotationsRequest>,
    ) -> Result<Response<pb::Requisition>, Status> {
        let (mut requisition, mut respond_by) = (None, None);
        let mut suppliers: Vec<String> = Vec::new();
        let (actor, key, _) = checked(
            request,
            "RequestQuotations",
            |m| &m.request_id,
            |m, violations| {
                requisition =
                    violations.field::<RequisitionId>("requisition_id", &m.requisition_id);
                respond_by = violations.date("respond_by", &m.respond_by);
                if m.supplier_codes.is_empty() || m.supplier_codes.len() > 20 {
                    violations.add("supplier_codes", "between 1 and 20 suppliers");
                }
                for (index, code) in m.supplier_codes.iter().enumerate() {
                    let field = format!("supplier_codes[{index}]");
                    let code = violations.required(&field, code, 20).to_uppercase();
                    if !code.is_empty() && suppliers.contains(&code) {
                        violations.add(field, "each supplier once");
                    }
                    suppliers.push(code);
                }
            },
        )?;
        let (Some(requisition), Some(respond_by)) = (requisition, respond_by) else {
            return Err(Status::internal("validated fields missing"));
        };
        let requisition = self
            .procurement
            .request_quotations(&actor, key.as_ref(), &requisition, suppliers, respond_by)
            .await?;
        Ok(Response::new(wire::requisition(&requisition)))
    }

    async fn select_supplier(
        &self,
        request: Request<pb::SelectSupplierRequest>,
    ) -> Result<Response<pb::PurchaseOrder>, Status> {
        let (mut requisitions, mut supplier, mut reason) =
            (Vec::new(), String::new(), String::new());
        let (actor, key, _) = checked(
            request,
            "SelectSupplier",
            |m| &m.request_id,
            |m, violations| {
                requisitions = requisitions_in(m, violations);
                supplier = violations.required("supplier_code", &m.supplier_code, 20);
                reason = violations.optional("reason", &m.reason, 2000);
            },
        )?;
        let order = self
            .procurement
            .select_supplier(
                &actor,
                key.as_ref(),
                &requisitions,
                &supplier.to_uppercase(),
                &reason,
            )
            .await?;
        Ok(answer(&order))
    }

    async fn get_purchase_order(
        &self,
        request: Request<pb::GetPurchaseOrderRequest>,
    ) -> Result<Response<pb::PurchaseOrder>, Status> {
        let id: PurchaseOrderId =
            orderflow_platform::validation::single_field("id", &request.get_ref().id)?;
        Ok(answer(&self.procurement.purchase_order(&id).await?))
    }

    async fn list_purchase_orders(
        &self,
        request: Request<pb::ListPurchaseOrdersRequest>,
    ) -> Result<Response<pb::ListPurchaseOrdersResponse>, Status> {
        let request = request.into_inner();
        let state = pb::PurchaseOrderState::try_from(request.state)
            .ok()
            .and_then(wire::po_state_in);
        let supplier = Some(request.supplier_code.trim().to_uppercase()).filter(|s| !s.is_empty());
        let page = PageRequest::parse(
            request.page_size,
            &request.page_token,
            &format!("{state:?}/{supplier:?}"),
        )?;
        let mut orders = self
            .procurement
            .purchase_orders(
                state,
                supplier.as_deref(),
                false,
                page.after.as_deref(),
                page.fetch_limit(),
            )
            .await?;
        let next_page_token = page.finish(&mut orders, |order| order.id.to_string());
        Ok(Response::new(pb::ListPurchaseOrdersResponse {
            purchase_orders: orders.iter().map(wire::purchase_order).collect(),
            next_page_token,
        }))
    }

    async fn send_purchase_order(
        &self,
        request: Request<pb::SendPurchaseOrderRequest>,
    ) -> Result<Response<pb::PurchaseOrder>, Status> {
        let (mut id, mut promised, mut per_line) =
            (PurchaseOrderId::blank(), None, BTreeMap::new());
        let (actor, key, _) = checked(
            request,
            "SendPurchaseOrder",
            |m| &m.request_id,
            |m, violations| {
                id = order_id(&m.id, violations);
                promised = violations.date("promised_date", &m.promised_date);
                if m.line_promises.len() > MAX_LINES {
                    violations.add("line_promises", format!("at most {MAX_LINES}"));
                    return;
                }
                for (index, promise) in m.line_promises.iter().enumerate() {
                    let field = format!("line_promises[{index}]");
                    let line = line_in(&format!("{field}.line"), promise.line, violations);
                    let day =
                        violations.date(&format!("{field}.promised_date"), &promise.promised_date);
                    if let (Some(line), Some(day)) = (line, day)
                        && per_line.insert(line, day).is_some()
                    {
                        violations.add(format!("{field}.line"), "promised twice");
                    }
                }
            },
        )?;
        let Some(promised) = promised else {
            return Err(Status::internal("validated fields missing"));
        };
        Ok(answer(
            &self
                .procurement
                .send(&actor, key.as_ref(), &id, promised, per_line)
                .await?,
        ))
    }

    async fn record_follow_up(
        &self,
        request: Request<pb::RecordFollowUpRequest>,
    ) -> Result<Response<pb::PurchaseOrder>, Status> {
        let (mut id, mut note, mut promised, mut line) =
            (PurchaseOrderId::blank(), String::new(), None, None);
        let (actor, key, _) = checked(
            request,
            "RecordFollowUp",
            |m| &m.request_id,
            |m, violations| {
                id = order_id(&m.id, violations);
                note = violations.required("note", &m.note, 2000);
                if !m.promised_date.trim().is_empty() {
                    promised = violations.date("promised_date", &m.promised_date);
                }
                if m.line != 0 {
                    line = line_in("line", m.line, violations);
                }
            },
        )?;
        Ok(answer(
            &self
                .procurement
                .follow_up(&actor, key.as_ref(), &id, note, promised, line)
                .await?,
        ))
    }

    async fn list_late_purchase_orders(
        &self,
        request: Request<pb::ListLatePurchaseOrdersRequest>,
    ) -> Result<Response<pb::ListPurchaseOrdersResponse>, Status> {
        let request = request.into_inner();
        let page = PageRequest::parse(request.page_size, &request.page_token, "late")?;
        let mut orders = self
            .procurement
            .purchase_orders(None, None, true, page.after.as_deref(), page.fetch_limit())
            .await?;
        let next_page_token = page.finish(&mut orders, |order| order.id.to_string());
        Ok(Response::new(pb::ListPurchaseOrdersResponse {
            purchase_orders: orders.iter().map(wire::purchase_order).collect(),
            next_page_token,
        }))
    }

    async fn record_arrival(
        &self,
        request: Request<pb::RecordArrivalRequest>,
    ) -> Result<Response<pb::PurchaseOrder>, Status> {
        let (mut id, mut note, mut line) = (PurchaseOrderId::blank(), String::new(), None);
        let (actor, key, message) = checked(
            request,
            "RecordArrival",
            |m| &m.request_id,
            |m, violations| {
                id = order_id(&m.id, violations);
                violations.quantity("quantity", m.quantity);
                note = violations.optional("note", &m.note, 2000);
                if m.line != 0 {
                    line = line_in("line", m.line, violations);
                }
            },
        )?;
        Ok(answer(
            &self
                .procurement
                .record_arrival(
                    &actor,
                    key.as_ref(),
                    &id,
                    line,
                    message.quantity,
                    message.packaging_ok,
                    note,
                )
                .await?,
        ))
    }

    async fn record_iqc(
        &self,
        request: Request<pb::RecordIqcRequest>,
    ) -> Result<Response<pb::PurchaseOrder>, Status> {
        let (mut id, mut receipt, mut defects) =
            (PurchaseOrderId::blank(), String::new(), String::new());
        let (actor, key, message) = checked(
            request,
            "RecordIqc",
            |m| &m.request_id,
            |m, violations| {
                id = order_id(&m.id, violations);
                receipt = violations.required_id("receipt_id", &m.receipt_id);
                for (field, value) in [("accepted", m.accepted), ("rejected", m.rejected)] {
                    if !(0..=Quantity::MAX).contains(&value) {
                        violations.add(field, "0 or more pieces");
                    }
                }
                defects = if m.rejected > 0 {
                    violations.required("defects", &m.defects, 2000)
                } else {
                    violations.optional("defects", &m.defects, 2000)
                };
            },
        )?;
        Ok(answer(
            &self
                .procurement
                .record_iqc(
                    &actor,
                    key.as_ref(),
                    &id,
                    Iqc {
                        receipt_id: receipt,
                        accepted: message.accepted,
                        rejected: message.rejected,
                        defects,
                    },
                )
                .await?,
        ))
    }

    async fn list_outsourcing_orders(
        &self,
        request: Request<pb::ListOutsourcingOrdersRequest>,
    ) -> Result<Response<pb::ListOutsourcingOrdersResponse>, Status> {
        let request = request.into_inner();
        let state = pb::OutsourcingState::try_from(request.state)
            .ok()
            .and_then(wire::outsourcing_state_in);
        let page = PageRequest::parse(
            request.page_size,
            &request.page_token,
            &format!("{state:?}"),
        )?;
        let mut orders = self
            .procurement
            .outsourcing_orders(state, page.after.as_deref(), page.fetch_limit())
            .await?;
        let next_page_token = page.finish(&mut orders, |order| order.id.to_string());
        Ok(Response::new(pb::ListOutsourcingOrdersResponse {
            outsourcing_orders: orders.iter().map(wire::outsourcing).collect(),
            next_page_token,
        }))
    }

    async fn get_outsourcing_order(
        &self,
        request: Request<pb::GetOutsourcingOrderRequest>,
    ) -> Result<Response<pb::OutsourcingOrder>, Status> {
        let mut violations = Violations::new();
        let id = outsourcing_id(&request.get_ref().id, &mut violations);
        violations.finish(())?;
        Ok(outsourcing_answer(
            &self.procurement.outsourcing_order(&id).await?,
        ))
    }

    async fn assign_outsourcing_vendor(
        &self,
        request: Request<pb::AssignOutsourcingVendorRequest>,
    ) -> Result<Response<pb::OutsourcingOrder>, Status> {
        let (mut id, mut vendor, mut price) = (OutsourcingId::blank(), String::new(), None);
        let (actor, key, _) = checked(
            request,
            "AssignOutsourcingVendor",
            |m| &m.request_id,
            |m, violations| {
                id = outsourcing_id(&m.id, violations);
                vendor = violations.required("vendor_code", &m.vendor_code, 20);
                price =
                    violations.amount("unit_price", m.unit_price.as_ref(), AmountRule::Positive);
            },
        )?;
        let Some(price) = price else {
            return Err(Status::internal("validated fields missing"));
        };
        let order = self
            .procurement
            .assign_outsourcing_vendor(&actor, key.as_ref(), &id, &vendor.to_uppercase(), price)
            .await?;
        Ok(outsourcing_answer(&order))
    }

    async fn send_outsourcing(
        &self,
        request: Request<pb::SendOutsourcingRequest>,
    ) -> Result<Response<pb::OutsourcingOrder>, Status> {
        let mut id = OutsourcingId::blank();
        let (actor, key, _) = checked(
            request,
            "SendOutsourcing",
            |m| &m.request_id,
            |m, violations| {
                id = outsourcing_id(&m.id, violations);
            },
        )?;
        let order = self
            .procurement
            .send_outsourcing(&actor, key.as_ref(), &id)
            .await?;
        Ok(outsourcing_answer(&order))
    }

    async fn record_outsourcing_return(
        &self,
        request: Request<pb::RecordOutsourcingReturnRequest>,
    ) -> Result<Response<pb::OutsourcingOrder>, Status> {
        let (mut id, mut note) = (OutsourcingId::blank(), String::new());
        let (actor, key, message) = checked(
            request,
            "RecordOutsourcingReturn",
            |m| &m.request_id,
            |m, violations| {
                id = outsourcing_id(&m.id, violations);
                note = if m.passed {
                    violations.optional("note", &m.note, 1000)
                } else {
                    violations.required("note", &m.note, 1000)
                };
            },
        )?;
        let order = self
            .procurement
            .record_outsourcing_return(&actor, key.as_ref(), &id, message.passed, note)
            .await?;
        Ok(outsourcing_answer(&order))
    }

    async fn record_fabric_purchase(
        &self,
        request: Request<pb::RecordFabricPurchaseRequest>,
    ) -> Result<Response<pb::FabricPurchase>, Status> {
        fabric::record(&self.procurement, request).await
    }

    async fn get_fabric_purchase(
        &self,
        request: Request<pb::GetFabricPurchaseRequest>,
    ) -> Result<Response<pb::FabricPurchase>, Status> {
        fabric::get(&self.procurement, request).await
    }

    async fn list_fabric_purchases(
        &self,
        request: Request<pb::ListFabricPurchasesRequest>,
    ) -> Result<Response<pb::ListFabricPurchasesResponse>, Status> {
        fabric::list(&self.procurement, request).await
    }

    async fn answer_fabric_purchase(
        &self,
        request: Request<pb::AnswerFabricPurchaseRequest>,
    ) -> Result<Response<pb::FabricPurchase>, Status> {
        fabric::respond(&self.procurement, request).await
    }

    async fn record_fabric_shipment(
        &self,
        request: Request<pb::RecordFabricShipmentRequest>,
    ) -> Result<Response<pb::FabricPurchase>, Status> {
        fabric::ship(&self.procurement, request).await
    }

    async fn receive_fabric(
        &self,
        request: Request<pb::ReceiveFabricRequest>,
    ) -> Result<Response<pb::FabricPurchase>, Status> {
        fabric::receive(&self.procurement, request).await
    }
}
