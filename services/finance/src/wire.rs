//! proto ⇄ domain: one module below both the API (requests, responses) and
//! the events (payloads), importing neither.

pub use orderflow_platform::grpc::convert::timestamp;
use orderflow_platform::money::{Currency, Money};
use orderflow_proto::common::v1 as common;
use orderflow_proto::finance::v1 as pb;

use crate::domain::account::{OrderAccount, Stage};
use crate::domain::cost::{OrderProfit, StandardCost};
use crate::domain::credit::CreditStatus;
use crate::domain::document::{Document, DocumentKind, Receivable};
use crate::domain::gate::{Condition, Gate};
use crate::domain::lc::{LcState, LcTermsInput, LetterOfCredit};
use crate::domain::ledger::{DetailState, EntryKind, LedgerEntry, SalesDetail};
use crate::domain::payment::{Payment, PaymentKind};
use crate::domain::refund::{Refund, RefundMethod, RefundState};

pub fn money(currency: Currency, minor_units: i64) -> common::Money {
    orderflow_platform::grpc::convert::money(Money::new(currency, minor_units))
}

fn conditions(conditions: &[Condition]) -> Vec<pb::GateCondition> {
    conditions
        .iter()
        .map(|condition| pb::GateCondition {
            code: condition.code.clone(),
            description: condition.description.clone(),
        })
        .collect()
}

pub fn gate(account: &OrderAccount, gate: &Gate) -> pb::ReleaseGate {
    pb::ReleaseGate {
        order_id: account.order_id.clone(),
        order_number: account.order_number.clone(),
        open: gate.is_open(),
        blockers: conditions(&gate.blockers),
        flags: conditions(&gate.flags),
        rule: gate.rule.clone(),
        open_time: account.gate_opened_at.map(timestamp),
        awaiting_payment: account.stage != Stage::BeforePayment,
    }
}

pub fn payment_kind(kind: PaymentKind) -> pb::PaymentKind {
    match kind {
        PaymentKind::Deposit => pb::PaymentKind::Deposit,
        PaymentKind::Balance => pb::PaymentKind::Balance,
        PaymentKind::Full => pb::PaymentKind::Full,
    }
}

pub fn payment_kind_in(kind: pb::PaymentKind) -> Option<PaymentKind> {
    match kind {
        pb::PaymentKind::Deposit => Some(PaymentKind::Deposit),
        pb::PaymentKind::Balance => Some(PaymentKind::Balance),
        pb::PaymentKind::Full => Some(PaymentKind::Full),
        pb::PaymentKind::Unspecified => None,
    }
}

pub fn payment(payment: &Payment) -> pb::Payment {
    pb::Payment {
        id: payment.id.clone(),
        order_id: payment.order_id.clone(),
        order_number: payment.order_number.clone(),
        kind: payment_kind(payment.kind).into(),
        amount: Some(money(payment.currency, payment.amount)),
        method: payment.method.clone(),
        reference: payment.reference.clone(),
        recorded_by: payment.recorded_by.clone(),
        record_time: Some(timestamp(payment.recorded_at)),
        confirmed_by: payment.confirmed_by.clone().unwrap_or_default(),
        confirm_time: payment.confirmed_at.map(timestamp),
    }
}

fn lc_state(state: LcState) -> pb::LetterOfCreditState {
    match state {
        LcState::UnderReview => pb::LetterOfCreditState::UnderReview,
        LcState::Discrepant => pb::LetterOfCreditState::Discrepant,
        LcState::AmendmentRequested => pb::LetterOfCreditState::AmendmentRequested,
        LcState::Accepted => pb::LetterOfCreditState::Accepted,
    }
}

pub fn letter_of_credit(lc: &LetterOfCredit) -> pb::LetterOfCredit {
    pb::LetterOfCredit {
        id: lc.id.clone(),
        order_id: lc.order_id.clone(),
        order_number: lc.order_number.clone(),
        number: lc.terms.number.clone(),
        issuing_bank: lc.terms.issuing_bank.clone(),
        amount: Some(money(lc.terms.currency, lc.terms.amount)),
        expiry_date: lc.terms.expiry_date.to_string(),
        latest_shipment_date: lc.terms.latest_shipment_date.to_string(),
        required_documents: lc.terms.required_documents.clone(),
        received_date: lc.received_date.to_string(),
        state: lc_state(lc.state).into(),
        version: i32::try_from(lc.version).unwrap_or(i32::MAX),
        reviews: lc
            .reviews
            .iter()
            .map(|review| pb::LetterOfCreditReview {
                role: review.role.clone(),
                reviewer: review.reviewer.clone(),
                discrepancies: review.discrepancies.clone(),
                review_time: Some(timestamp(review.at)),
            })
            .collect(),
        amendment_reasons: lc.amendment_reasons.clone(),
        reviewed_date: lc
            .reviewed_on()
            .map(|day| day.to_string())
            .unwrap_or_default(),
        create_time: Some(timestamp(lc.created_at)),
        update_time: Some(timestamp(lc.updated_at)),
    }
}

pub fn lc_terms_in(terms: Option<&pb::LetterOfCreditTerms>) -> LcTermsInput {
    let Some(terms) = terms else {
        return LcTermsInput::default();
    };
    let amount = terms.amount.clone().unwrap_or_default();
    LcTermsInput {
        number: terms.number.clone(),
        issuing_bank: terms.issuing_bank.clone(),
        currency_code: amount.currency_code,
        amount: amount.minor_units,
        expiry_date: terms.expiry_date.clone(),
        latest_shipment_date: terms.latest_shipment_date.clone(),
        required_documents: terms.required_documents.clone(),
    }
}

fn entry_kind(kind: EntryKind) -> pb::LedgerEntryKind {
    match kind {
        EntryKind::Sale => pb::LedgerEntryKind::Sale,
        EntryKind::Return => pb::LedgerEntryKind::Return,
        EntryKind::Correction => pb::LedgerEntryKind::Correction,
        EntryKind::Refund => pb::LedgerEntryKind::Refund,
        EntryKind::NegativeProfit => pb::LedgerEntryKind::NegativeProfit,
    }
}

pub fn ledger_entry(entry: &LedgerEntry) -> pb::LedgerEntry {
    pb::LedgerEntry {
        id: entry.id.clone(),
        order_id: entry.order_id.clone(),
        order_number: entry.order_number.clone(),
        salesperson: entry.salesperson.clone(),
        customer_id: entry.customer_id.clone(),
        kind: entry_kind(entry.kind).into(),
        amount: Some(money(entry.currency, entry.amount)),
        entry_date: entry.entry_date.to_string(),
        offsets_entry_id: entry.offsets_entry_id.clone().unwrap_or_default(),
        reference: entry.reference.clone(),
        note: entry.note.clone(),
        create_time: Some(timestamp(entry.created_at)),
    }
}

pub fn totals(totals: &[(Currency, i64)]) -> Vec<common::Money> {
    totals
        .iter()
        .map(|(currency, sum)| money(*currency, *sum))
        .collect()
}

pub fn sales_detail(detail: &SalesDetail) -> pb::SalesDetail {
    let state = match detail.state {
        DetailState::Signed => pb::SalesDetailState::Signed,
        DetailState::Confirmed => pb::SalesDetailState::Confirmed,
    };
    pb::SalesDetail {
        id: detail.id.clone(),
        salesperson: detail.salesperson.clone(),
        entry_date: detail.entry_date.to_string(),
        state: state.into(),
        entry_ids: detail.entry_ids.clone(),
        totals: totals(&detail.totals),
        signed_by: detail.signed_by.clone(),
        sign_time: Some(timestamp(detail.signed_at)),
        confirmed_by: detail.confirmed_by.clone().unwrap_or_default(),
        confirm_time: detail.confirmed_at.map(timestamp),
        profits: detail.profits.iter().map(order_profit).collect(),
    }
}

pub fn order_profit(profit: &OrderProfit) -> pb::OrderProfit {
    pb::OrderProfit {
        order_id: profit.order_id.clone(),
        order_number: profit.order_number.clone(),
        revenue: Some(money(profit.currency, profit.revenue)),
        cost: Some(money(profit.currency, profit.cost)),
        profit: Some(money(profit.currency, profit.profit())),
        margin_basis_points: profit.margin_basis_points(),
    }
}

pub fn standard_cost(cost: &StandardCost) -> pb::StandardCost {
    pb::StandardCost {
        sku: cost.sku.clone(),
        unit_cost: Some(orderflow_platform::grpc::convert::money(cost.unit_cost)),
        effective_from: cost.effective_from.to_string(),
        note: cost.note.clone(),
        set_by: cost.set_by.clone(),
        set_time: Some(timestamp(cost.set_at)),
    }
}

pub fn credit_status(status: &CreditStatus) -> pb::CreditStatus {
    let Some(rating) = &status.rating else {
        return pb::CreditStatus {
            customer_id: status.customer_id.clone(),
            ..Default::default()
        };
    };
    pb::CreditStatus {
        customer_id: status.customer_id.clone(),
        rating: rating.rating.clone(),
        credit_limit: Some(money(rating.currency, rating.limit)),
        used: Some(money(rating.currency, status.used)),
        available: Some(money(rating.currency, rating.available(status.used))),
        rated_by: rating.rated_by.clone(),
        rate_time: Some(timestamp(rating.rated_at)),
    }
}

pub fn refund_method_in(method: pb::RefundMethod) -> Option<RefundMethod> {
    match method {
        pb::RefundMethod::BankTransfer => Some(RefundMethod::BankTransfer),
        pb::RefundMethod::OriginalRoute => Some(RefundMethod::OriginalRoute),
        pb::RefundMethod::PersonalAccount => Some(RefundMethod::PersonalAccount),
        pb::RefundMethod::Unspecified => None,
    }
}

pub fn refund(refund: &Refund) -> pb::Refund {
    let method = match refund.method {
        RefundMethod::BankTransfer => pb::RefundMethod::BankTransfer,
        RefundMethod::OriginalRoute => pb::RefundMethod::OriginalRoute,
        RefundMethod::PersonalAccount => pb::RefundMethod::PersonalAccount,
    };
    let state = match refund.state {
        RefundState::AwaitingApproval => pb::RefundState::AwaitingApproval,
        RefundState::Approved => pb::RefundState::Approved,
        RefundState::Rejected => pb::RefundState::Rejected,
        RefundState::Executed => pb::RefundState::Executed,
    };
    pb::Refund {
        id: refund.id.clone(),
        order_id: refund.order_id.clone(),
        order_number: refund.order_number.clone(),
        amount: Some(money(refund.currency, refund.amount)),
        reason: refund.reason.clone(),
        handling: refund.handling.clone(),
        method: method.into(),
        state: state.into(),
        requested_by: refund.requested_by.clone(),
        request_time: Some(timestamp(refund.requested_at)),
        approval_request_id: refund.approval_request_id.clone().unwrap_or_default(),
        decided_by: refund.decided_by.clone().unwrap_or_default(),
        rejection_reason: refund.rejection_reason.clone(),
        executed_by: refund.executed_by.clone().unwrap_or_default(),
        execute_time: refund.executed_at.map(timestamp),
        execution_reference: refund.execution_reference.clone(),
        reference: refund.reference.clone(),
        goods_received_time: refund.goods_received_at.map(timestamp),
        goods_pending: refund.goods_pending,
    }
}

pub fn document(document: &Document) -> pb::Document {
    let kind = match document.kind {
        DocumentKind::Proforma => pb::DocumentKind::ProformaInvoice,
        DocumentKind::Commercial => pb::DocumentKind::CommercialInvoice,
        DocumentKind::Final => pb::DocumentKind::FinalInvoice,
    };
    let currency = document.currency;
    pb::Document {
        id: document.id.clone(),
        kind: kind.into(),
        number: document.number.clone(),
        order_id: document.order_id.clone(),
        order_number: document.order_number.clone(),
        customer_id: document.customer_id.clone(),
        lines: document
            .lines
            .iter()
            .map(|line| pb::DocumentLine {
                sku: line.sku.clone(),
                quantity: line.quantity,
                unit_price: Some(money(currency, line.unit_price)),
                line_total: Some(money(
                    currency,
                    line.unit_price.saturating_mul(line.quantity),
                )),
            })
            .collect(),
        total: Some(money(currency, document.total)),
        issue_date: document.issue_date.to_string(),
        due_date: document
            .due_date
            .map(|day| day.to_string())
            .unwrap_or_default(),
        issued_by: document.issued_by.clone(),
        issue_time: Some(timestamp(document.issued_at)),
        note: document.note.clone(),
        net_sales: document
            .settlement
            .map(|settlement| money(currency, settlement.net_sales)),
        received: document
            .settlement
            .map(|settlement| money(currency, settlement.received)),
        balance: document
            .settlement
            .map(|settlement| money(currency, settlement.balance())),
    }
}

pub fn receivable(receivable: &Receivable, today: chrono::NaiveDate) -> pb::Receivable {
    let currency = receivable.invoice.currency;
    pb::Receivable {
        order_id: receivable.invoice.order_id.clone(),
        order_number: receivable.invoice.order_number.clone(),
        customer_id: receivable.invoice.customer_id.clone(),
        salesperson: receivable.salesperson.clone(),
        invoice_number: receivable.invoice.number.clone(),
        invoiced: Some(money(currency, receivable.net_sales)),
        received: Some(money(currency, receivable.received)),
        outstanding: Some(money(currency, receivable.outstanding())),
        due_date: receivable
            .invoice
            .due_date
            .map(|day| day.to_string())
            .unwrap_or_default(),
        overdue: receivable.is_overdue(today),
        days_overdue: i32::try_from(receivable.days_overdue(today)).unwrap_or(i32::MAX),
    }
}

pub fn shipment_gate(order_id: &str, gate: &Gate) -> pb::ShipmentGate {
    pb::ShipmentGate {
        order_id: order_id.to_owned(),
        open: gate.is_open(),
        blockers: conditions(&gate.blockers),
        rule: gate.rule.clone(),
    }
}
