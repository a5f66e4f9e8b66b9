//! Domain ⇄ protobuf conversions shared by the API, the events and the
//! consumers.

use orderflow_platform::grpc::convert::{money, timestamp};
use orderflow_platform::money::{Currency, Money};
use orderflow_proto::aftersales::v1 as pb;
use orderflow_proto::common::v1 as common;

use crate::domain::analysis::{Dimension, Row};
use crate::domain::case::{Case, Condition, FreightPayer, FreightPayment, Kind, Reason, State};
use crate::domain::complaint::{Complaint, ComplaintKind, ComplaintState};

pub fn kind(kind: Kind) -> pb::CaseKind {
    match kind {
        Kind::Return => pb::CaseKind::Return,
        Kind::Exchange => pb::CaseKind::Exchange,
        Kind::Refund => pb::CaseKind::Refund,
    }
}

pub fn kind_in(kind: pb::CaseKind) -> Option<Kind> {
    match kind {
        pb::CaseKind::Unspecified => None,
        pb::CaseKind::Return => Some(Kind::Return),
        pb::CaseKind::Exchange => Some(Kind::Exchange),
        pb::CaseKind::Refund => Some(Kind::Refund),
    }
}

pub fn state(state: State) -> pb::CaseState {
    match state {
        State::Submitted => pb::CaseState::Submitted,
        State::InformationRequested => pb::CaseState::InformationRequested,
        State::Rejected => pb::CaseState::Rejected,
        State::Approved => pb::CaseState::Approved,
        State::Cancelling => pb::CaseState::Cancelling,
        State::PickupScheduled => pb::CaseState::PickupScheduled,
        State::Inspected => pb::CaseState::Inspected,
        State::Refunding => pb::CaseState::Refunding,
        State::RefundRejected => pb::CaseState::RefundRejected,
        State::Closed => pb::CaseState::Closed,
    }
}

pub fn state_in(state: pb::CaseState) -> Option<State> {
    State::ALL
        .into_iter()
        .find(|candidate| self::state(*candidate) == state)
}

pub fn reason(reason: Reason) -> pb::ReturnReason {
    match reason {
        Reason::Quality => pb::ReturnReason::Quality,
        Reason::OurFault => pb::ReturnReason::OurFault,
        Reason::DamagedInTransit => pb::ReturnReason::DamagedInTransit,
        Reason::ChangedMind => pb::ReturnReason::ChangedMind,
        Reason::SizeOrFit => pb::ReturnReason::SizeOrFit,
        Reason::Other => pb::ReturnReason::Other,
    }
}

pub fn reason_in(raw: pb::ReturnReason) -> Option<Reason> {
    Reason::ALL
        .into_iter()
        .find(|candidate| reason(*candidate) == raw)
}

pub fn freight_payer(payer: FreightPayer) -> pb::FreightPayer {
    match payer {
        FreightPayer::Customer => pb::FreightPayer::Customer,
        FreightPayer::Us => pb::FreightPayer::Us,
    }
}

pub fn freight_payment(payment: FreightPayment) -> pb::FreightPayment {
    match payment {
        FreightPayment::SenderPrepaid => pb::FreightPayment::SenderPrepaid,
        FreightPayment::OurAccount => pb::FreightPayment::OurAccount,
    }
}

pub fn condition(condition: Condition) -> pb::Condition {
    match condition {
        Condition::Complete => pb::Condition::Complete,
        Condition::Damaged => pb::Condition::Damaged,
    }
}

fn amount(currency: Currency, minor_units: i64) -> common::Money {
    money(Money::new(currency, minor_units))
}

pub fn case(case: &Case) -> pb::Case {
    let currency = case.currency;
    pb::Case {
        id: case.id.to_string(),
        number: case.number.clone(),
        kind: kind(case.kind) as i32,
        state: state(case.state) as i32,
        order_id: case.order_id.clone(),
        order_number: case.order_number.clone(),
        customer_id: case.customer_id.clone(),
        reason: reason(case.reason) as i32,
        description: case.description.clone(),
        evidence: case.evidence.clone(),
        lines: case
            .lines
            .iter()
            .map(|line| pb::CaseLine {
                sku: line.sku.clone(),
                quantity: line.quantity,
                unit_price: Some(amount(currency, line.unit_price)),
                tags_attached: line.tags_attached,
                packaging_intact: line.packaging_intact,
                replacement_sku: line.replacement_sku.clone(),
                size: line.size.clone(),
                style: line.style.clone(),
                colour: line.colour.clone(),
            })
            .collect(),
        requested_amount: case.requested_amount.map(|value| amount(currency, value)),
        after_shipment: case.after_shipment,
        freight_payer: freight_payer(case.freight_payer) as i32,
        pickup: case.pickup.as_ref().map(|pickup| pb::Pickup {
            pickup_id: pickup.pickup_id.clone(),
            pickup_date: pickup.pickup_date.to_string(),
            carrier_code: pickup.carrier_code.clone(),
            address: Some(common::Address::from(&pickup.address)),
            freight_payer: freight_payer(pickup.freight_payer) as i32,
            freight_payment: freight_payment(pickup.freight_payment) as i32,
        }),
        inspected_lines: case
            .inspected
            .iter()
            .map(|line| pb::InspectedLine {
                sku: line.sku.clone(),
                quantity: line.quantity,
                condition: condition(line.condition) as i32,
                agreed_value: Some(amount(currency, line.agreed_value)),
                restocked: line.restocked,
                note: line.note.clone(),
            })
            .collect(),
        goods_received_time: case.goods_received_at.map(timestamp),
        refund_amount: case.refund_amount.map(|value| amount(currency, value)),
        refund_id: case.refund_id.clone().unwrap_or_default(),
        replacement_order_id: case.replacement_order_id.clone().unwrap_or_default(),
        price_difference: case.price_difference.map(|value| amount(currency, value)),
        rejection_reason: case.rejection_reason.clone(),
        refund_due_time: case.refund_due_at.map(timestamp),
        refund_overdue: case.refund_overdue,
        channel: case.channel.clone(),
        history: case
            .history
            .iter()
            .map(|entry| pb::HistoryEntry {
                time: Some(timestamp(entry.at)),
                actor: entry.actor.clone(),
                action: entry.action.clone(),
                detail: entry.detail.clone(),
            })
            .collect(),
        overseas_warehouse: case.overseas,
        proof_of_receipt: case.proof_of_receipt.clone(),
        shelve_time: case.shelved_at.map(timestamp),
        unannounced: case.unannounced,
        information_due_time: case.information_due_at.map(timestamp),
        information_reminded: case.information_reminded,
        created_by: case.created_by.clone(),
        create_time: Some(timestamp(case.created_at)),
        update_time: Some(timestamp(case.updated_at)),
    }
}

pub fn dimension_in(dimension: pb::AnalysisDimension) -> Option<Dimension> {
    match dimension {
        pb::AnalysisDimension::Unspecified => None,
        pb::AnalysisDimension::Reason => Some(Dimension::Reason),
        pb::AnalysisDimension::Product => Some(Dimension::Product),
        pb::AnalysisDimension::Month => Some(Dimension::Month),
    }
}

pub fn analysis_row(row: &Row) -> pb::ReturnAnalysisRow {
    pb::ReturnAnalysisRow {
        key: row.key.clone(),
        cases: row.cases,
        returned_units: row.returned_units,
        shipped_units: row.shipped_units,
        return_rate_bps: row.return_rate_bps,
    }
}

pub fn complaint_kind_in(kind: pb::ComplaintKind) -> Option<ComplaintKind> {
    match kind {
        pb::ComplaintKind::Unspecified => None,
        pb::ComplaintKind::Complaint => Some(ComplaintKind::Complaint),
        pb::ComplaintKind::Feedback => Some(ComplaintKind::Feedback),
    }
}

pub fn complaint_state(state: ComplaintState) -> pb::ComplaintState {
    match state {
        ComplaintState::Open => pb::ComplaintState::Open,
        ComplaintState::Assigned => pb::ComplaintState::Assigned,
        ComplaintState::Answered => pb::ComplaintState::Answered,
    }
}

pub fn complaint_state_in(state: pb::ComplaintState) -> Option<ComplaintState> {
    ComplaintState::ALL
        .into_iter()
        .find(|candidate| complaint_state(*candidate) == state)
}

pub fn complaint(complaint: &Complaint) -> pb::Complaint {
    pb::Complaint {
        id: complaint.id.to_string(),
        kind: match complaint.kind {
            ComplaintKind::Complaint => pb::ComplaintKind::Complaint,
            ComplaintKind::Feedback => pb::ComplaintKind::Feedback,
        } as i32,
        state: complaint_state(complaint.state) as i32,
        customer_id: complaint.customer_id.clone(),
        order_id: complaint.order_id.clone().unwrap_or_default(),
        subject: complaint.subject.clone(),
        text: complaint.text.clone(),
        satisfaction: complaint.satisfaction.map_or(0, i32::from),
        assignee: complaint.assignee.clone().unwrap_or_default(),
        answer: complaint.answer.clone(),
        answered_by: complaint.answered_by.clone().unwrap_or_default(),
        due_time: Some(timestamp(complaint.due_at)),
        overdue: complaint.overdue,
        answer_time: complaint.answered_at.map(timestamp),
        created_by: complaint.created_by.clone(),
        create_time: Some(timestamp(complaint.created_at)),
    }
}

/// `text` cut to at most 1000 characters (finance's and orders' limit for
/// reasons and handling), on a character boundary, with an ellipsis.
pub fn clip(text: String) -> String {
    const MAX: usize = 1000;
    if text.chars().count() <= MAX {
        return text;
    }
    let mut clipped: String = text.chars().take(MAX - 1).collect();
    clipped.push('…');
    clipped
}
