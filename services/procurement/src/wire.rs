//! Domain ⇄ protobuf conversions shared by the API and the events.

use chrono::NaiveDate;
use orderflow_platform::grpc::convert::{money, timestamp};
use orderflow_proto::procurement::v1 as pb;

use crate::domain::fabric::{FabricPurchase, FabricState};
use crate::domain::outsourcing::{Outsourcing, OutsourcingState};
use crate::domain::purchase::{PoLine, PoState, PurchaseOrder, Receipt};
use crate::domain::requisition::{Requisition, RequisitionState};
use crate::domain::supplier::{Score, Supplier, SupplierStatus};

pub fn status(status: SupplierStatus) -> pb::SupplierStatus {
    match status {
        SupplierStatus::Candidate => pb::SupplierStatus::Candidate,
        SupplierStatus::Approved => pb::SupplierStatus::Approved,
        SupplierStatus::Suspended => pb::SupplierStatus::Suspended,
    }
}

pub fn status_in(status: pb::SupplierStatus) -> Option<SupplierStatus> {
    match status {
        pb::SupplierStatus::Unspecified => None,
        pb::SupplierStatus::Candidate => Some(SupplierStatus::Candidate),
        pb::SupplierStatus::Approved => Some(SupplierStatus::Approved),
        pb::SupplierStatus::Suspended => Some(SupplierStatus::Suspended),
    }
}

fn score(score: &Score) -> pb::SupplierScore {
    pb::SupplierScore {
        iqc_pass_bps: score.iqc_pass_bps,
        on_time_bps: score.on_time_bps,
        price_bps: score.price_bps,
        overall_bps: score.overall_bps,
        receipts: score.receipts,
        reason: score.reason.clone(),
        time: Some(timestamp(score.at)),
    }
}

pub fn supplier(supplier: &Supplier) -> pb::Supplier {
    pb::Supplier {
        code: supplier.code.clone(),
        name: supplier.name.clone(),
        categories: supplier.categories.clone(),
        contacts: supplier
            .contacts
            .iter()
            .map(|contact| pb::Contact {
                name: contact.name.clone(),
                phone: contact.phone.clone(),
                email: contact.email.clone(),
            })
            .collect(),
        status: status(supplier.status) as i32,
        status_note: supplier.status_note.clone(),
        score: supplier.score().map(score),
        history: supplier.history.iter().map(score).collect(),
        create_time: Some(timestamp(supplier.created_at)),
    }
}

pub fn requisition_state(state: RequisitionState) -> pb::RequisitionState {
    match state {
        RequisitionState::Open => pb::RequisitionState::Open,
        RequisitionState::Ordered => pb::RequisitionState::Ordered,
    }
}

pub fn requisition(requisition: &Requisition) -> pb::Requisition {
    pb::Requisition {
        id: requisition.id.to_string(),
        sku: requisition.sku.clone(),
        quantity: requisition.quantity,
        need_by: requisition.need_by.to_string(),
        sources: requisition
            .sources
            .iter()
            .map(|source| pb::RequisitionSource {
                kind: source.kind.clone(),
                reference: source.reference.clone(),
                quantity: source.quantity,
                order_number: source.order_number.clone(),
            })
            .collect(),
        state: requisition_state(requisition.state) as i32,
        quotes: requisition
            .quotes
            .iter()
            .map(|quote| pb::Quote {
                supplier_code: quote.supplier_code.clone(),
                unit_price: Some(money(quote.unit_price)),
                lead_days: quote.lead_days,
                quoted_by: quote.quoted_by.clone(),
                time: Some(timestamp(quote.at)),
                exchange_rate: quote
                    .exchange_rate
                    .map(|rate| rate.to_string())
                    .unwrap_or_default(),
                base_unit_price: quote.base_unit_price.map(money),
            })
            .collect(),
        purchase_order_id: requisition.purchase_order_id.clone(),
        create_time: Some(timestamp(requisition.created_at)),
        invitations: requisition
            .invitations
            .iter()
            .map(|invitation| pb::Invitation {
                supplier_code: invitation.supplier_code.clone(),
                respond_by: invitation.respond_by.to_string(),
                sent_by: invitation.sent_by.clone(),
                send_time: Some(timestamp(invitation.sent_at)),
                quoted: requisition.quoted(&invitation.supplier_code),
            })
            .collect(),
    }
}

pub fn po_state(state: PoState) -> pb::PurchaseOrderState {
    match state {
        PoState::PendingApproval => pb::PurchaseOrderState::PendingApproval,
        PoState::Approved => pb::PurchaseOrderState::Approved,
        PoState::Rejected => pb::PurchaseOrderState::Rejected,
        PoState::Sent => pb::PurchaseOrderState::Sent,
        PoState::Received => pb::PurchaseOrderState::Received,
    }
}

pub fn po_state_in(state: pb::PurchaseOrderState) -> Option<PoState> {
    match state {
        pb::PurchaseOrderState::Unspecified => None,
        pb::PurchaseOrderState::PendingApproval => Some(PoState::PendingApproval),
        pb::PurchaseOrderState::Approved => Some(PoState::Approved),
        pb::PurchaseOrderState::Rejected => Some(PoState::Rejected),
        pb::PurchaseOrderState::Sent => Some(PoState::Sent),
        pb::PurchaseOrderState::Received => Some(PoState::Received),
    }
}

pub fn receipt(receipt: &Receipt) -> pb::Receipt {
    pb::Receipt {
        id: receipt.id.to_string(),
        quantity: receipt.quantity,
        packaging_ok: receipt.packaging_ok,
        checked_by: receipt.checked_by.clone(),
        arrival_time: Some(timestamp(receipt.arrived_at)),
        on_time: receipt.on_time,
        state: if receipt.inspected {
            "inspected"
        } else {
            "awaiting_iqc"
        }
        .to_owned(),
        accepted: receipt.accepted,
        rejected: receipt.rejected,
        defects: receipt.defects.clone(),
        inspected_by: receipt.inspected_by.clone(),
        return_note: receipt.return_note.clone(),
        line: i32::try_from(receipt.line).unwrap_or(i32::MAX),
        sku: receipt.sku.clone(),
    }
}

fn day(day: Option<NaiveDate>) -> String {
    day.map(|day| day.to_string()).unwrap_or_default()
}

fn line(order: &PurchaseOrder, line: &PoLine) -> pb::PurchaseOrderLine {
    pb::PurchaseOrderLine {
        line: i32::try_from(line.line).unwrap_or(i32::MAX),
        requisition_id: line.requisition_id.clone(),
        sku: line.sku.clone(),
        quantity: line.quantity,
        unit_price: Some(money(line.unit_price)),
        total: line.unit_price.times(line.quantity).map(money),
        need_by: line.need_by.to_string(),
        promised_date: day(line.promised_date),
        received: order.received_on(line.line),
        accepted: order.accepted_on(line.line),
        rejected: order.rejected_on(line.line),
        late: line.late,
    }
}

pub fn purchase_order(order: &PurchaseOrder) -> pb::PurchaseOrder {
    pb::PurchaseOrder {
        id: order.id.to_string(),
        supplier_code: order.supplier_code.clone(),
        lines: order
            .lines
            .iter()
            .map(|ordered| line(order, ordered))
            .collect(),
        total: order.total().map(money),
        selection_reason: order.selection_reason.clone(),
        state: po_state(order.state) as i32,
        approval_request_id: order.approval_request_id.clone(),
        decision_note: order.decision_note.clone(),
        promised_date: day(order.promised_date()),
        follow_ups: order
            .follow_ups
            .iter()
            .map(|follow_up| pb::FollowUp {
                note: follow_up.note.clone(),
                promised_date: day(follow_up.promised_date),
                by: follow_up.by.clone(),
                time: Some(timestamp(follow_up.at)),
            })
            .collect(),
        receipts: order.receipts.iter().map(receipt).collect(),
        received: order.received(),
        accepted: order.accepted(),
        rejected: order.rejected(),
        late: order.late(),
        create_time: Some(timestamp(order.created_at)),
    }
}

pub fn outsourcing_state(state: OutsourcingState) -> pb::OutsourcingState {
    match state {
        OutsourcingState::Requested => pb::OutsourcingState::Requested,
        OutsourcingState::PendingApproval => pb::OutsourcingState::PendingApproval,
        OutsourcingState::Approved => pb::OutsourcingState::Approved,
        OutsourcingState::Rejected => pb::OutsourcingState::Rejected,
        OutsourcingState::Sent => pb::OutsourcingState::Sent,
        OutsourcingState::Returned => pb::OutsourcingState::Returned,
    }
}

pub fn outsourcing_state_in(state: pb::OutsourcingState) -> Option<OutsourcingState> {
    OutsourcingState::ALL
        .into_iter()
        .find(|candidate| outsourcing_state(*candidate) == state)
}

pub fn outsourcing(order: &Outsourcing) -> pb::OutsourcingOrder {
    let demand = &order.demand;
    pb::OutsourcingOrder {
        id: order.id.to_string(),
        production_order_id: demand.production_order_id.clone(),
        order_id: demand.order_id.clone(),
        order_number: demand.order_number.clone(),
        sku: demand.sku.clone(),
        seq: demand.seq,
        operation: demand.operation.clone(),
        quantity: demand.quantity,
        send_date: demand.send_date.to_string(),
        return_date: demand.return_date.to_string(),
        state: outsourcing_state(order.state) as i32,
        vendor_code: order.vendor_code.clone().unwrap_or_default(),
        unit_price: order.unit_price.map(money),
        total: order.total().map(money),
        approval_request_id: order.approval_request_id.clone().unwrap_or_default(),
        decision_note: order.decision_note.clone(),
        send_time: order.sent_at.map(timestamp),
        inspections: order
            .inspections
            .iter()
            .map(|inspection| pb::OutsourcingInspection {
                passed: inspection.passed,
                inspector: inspection.inspector.clone(),
                note: inspection.note.clone(),
                time: Some(timestamp(inspection.at)),
            })
            .collect(),
        create_time: Some(timestamp(order.created_at)),
        assignment: i32::try_from(order.assignments).unwrap_or(i32::MAX),
    }
}

pub fn fabric_state(state: FabricState) -> pb::FabricPurchaseState {
    match state {
        FabricState::Ordered => pb::FabricPurchaseState::Ordered,
        FabricState::Confirmed => pb::FabricPurchaseState::Confirmed,
        FabricState::Declined => pb::FabricPurchaseState::Declined,
        FabricState::Shipped => pb::FabricPurchaseState::Shipped,
        FabricState::Received => pb::FabricPurchaseState::Received,
    }
}

pub fn fabric_state_in(state: pb::FabricPurchaseState) -> Option<FabricState> {
    FabricState::ALL
        .into_iter()
        .find(|candidate| fabric_state(*candidate) == state)
}

pub fn fabric(purchase: &FabricPurchase) -> pb::FabricPurchase {
    let order = &purchase.order;
    pb::FabricPurchase {
        id: purchase.id.to_string(),
        order_id: order.order_id.clone(),
        order_number: order.order_number.clone(),
        garment: order.garment.clone(),
        fabric_code: order.fabric_code.clone(),
        length_cm: order.length_cm,
        price: Some(money(order.price)),
        supplier_code: order.supplier_code.clone(),
        manufacturer_code: order.manufacturer_code.clone(),
        state: fabric_state(purchase.state) as i32,
        decline_reason: purchase.decline_reason.clone(),
        carrier: purchase.carrier.clone(),
        tracking_number: purchase.tracking_number.clone(),
        history: purchase
            .history
            .iter()
            .map(|step| pb::FabricStep {
                what: step.what.clone(),
                note: step.note.clone(),
                by: step.by.clone(),
                partner: step.partner.clone().unwrap_or_default(),
                time: Some(timestamp(step.at)),
            })
            .collect(),
        recorded_by: purchase.recorded_by.clone(),
        create_time: Some(timestamp(purchase.created_at)),
    }
}
