//! What the finance service publishes (stream `FINANCE`);
//! what it consumes is in [`crate::consumers`].
//!
//! Published: `finance.gate.opened` (`GateEvent`, once per order: the
//! orders service releases it), `finance.gate.blocked` (why a waiting order
//! is not released, each time the reasons change), `finance.payment.{recorded, confirmed}`,
//! `finance.lc.{registered, reviewed, amendment_requested, amended,
//! accepted}` and `finance.ledger.entry_added`.

use chrono::{DateTime, NaiveDate, Utc};
use orderflow_platform::bus::outbox::{self, OutgoingEvent};
use orderflow_proto::finance::v1 as pb;

use crate::domain::account::OrderAccount;
use crate::domain::document::{Document, Receivable};
use crate::domain::gate::Gate;
use crate::domain::lc::LetterOfCredit;
use crate::domain::ledger::LedgerEntry;
use crate::domain::payment::Payment;
use crate::domain::refund::Refund;
use crate::wire;

pub fn gate_opened(
    account: &OrderAccount,
    gate: &Gate,
    actor: &str,
    at: DateTime<Utc>,
) -> OutgoingEvent {
    gate_event(account, gate, "gate.opened", actor, at)
}

pub fn gate_event(
    account: &OrderAccount,
    gate: &Gate,
    subject: &str,
    actor: &str,
    at: DateTime<Utc>,
) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::GateEvent {
        event_id: id.clone(),
        occur_time: Some(wire::timestamp(at)),
        actor: actor.to_owned(),
        gate: Some(wire::gate(account, gate)),
    };
    OutgoingEvent::new(id, format!("finance.{subject}"), &message)
        .about_order(&account.order_id, &account.order_number)
}

pub fn payment(payment: &Payment, subject: &str, actor: &str, at: DateTime<Utc>) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::PaymentEvent {
        event_id: id.clone(),
        occur_time: Some(wire::timestamp(at)),
        actor: actor.to_owned(),
        payment: Some(wire::payment(payment)),
    };
    OutgoingEvent::new(id, format!("finance.{subject}"), &message)
        .about_order(&payment.order_id, &payment.order_number)
}

pub fn letter_of_credit(
    lc: &LetterOfCredit,
    subject: &str,
    actor: &str,
    at: DateTime<Utc>,
) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::LetterOfCreditEvent {
        event_id: id.clone(),
        occur_time: Some(wire::timestamp(at)),
        actor: actor.to_owned(),
        letter_of_credit: Some(wire::letter_of_credit(lc)),
    };
    OutgoingEvent::new(id, format!("finance.{subject}"), &message)
        .about_order(&lc.order_id, &lc.order_number)
}

pub fn ledger_entry(entry: &LedgerEntry, actor: &str, at: DateTime<Utc>) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::LedgerEvent {
        event_id: id.clone(),
        occur_time: Some(wire::timestamp(at)),
        actor: actor.to_owned(),
        entry: Some(wire::ledger_entry(entry)),
    };
    OutgoingEvent::new(id, "finance.ledger.entry_added".to_owned(), &message)
        .about_order(&entry.order_id, &entry.order_number)
}

pub fn refund(refund: &Refund, subject: &str, actor: &str, at: DateTime<Utc>) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::RefundEvent {
        event_id: id.clone(),
        occur_time: Some(wire::timestamp(at)),
        actor: actor.to_owned(),
        refund: Some(wire::refund(refund)),
    };
    OutgoingEvent::new(id, format!("finance.{subject}"), &message)
        .about_order(&refund.order_id, &refund.order_number)
}

pub fn document(
    document: &Document,
    subject: &str,
    actor: &str,
    at: DateTime<Utc>,
) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::DocumentEvent {
        event_id: id.clone(),
        occur_time: Some(wire::timestamp(at)),
        actor: actor.to_owned(),
        document: Some(wire::document(document)),
    };
    OutgoingEvent::new(id, format!("finance.{subject}"), &message)
        .about_order(&document.order_id, &document.order_number)
}

pub fn receivable_overdue(
    receivable: &Receivable,
    today: NaiveDate,
    at: DateTime<Utc>,
) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::ReceivableEvent {
        event_id: id.clone(),
        occur_time: Some(wire::timestamp(at)),
        actor: "finance".to_owned(),
        receivable: Some(wire::receivable(receivable, today)),
    };
    OutgoingEvent::new(id, "finance.receivable.overdue".to_owned(), &message).about_order(
        &receivable.invoice.order_id,
        &receivable.invoice.order_number,
    )
}

pub fn balance_reminder(
    account: &OrderAccount,
    outstanding: i64,
    at: DateTime<Utc>,
) -> OutgoingEvent {
    let id = outbox::new_event_id();
    let message = pb::BalanceReminderEvent {
        event_id: id.clone(),
        occur_time: Some(wire::timestamp(at)),
        actor: "finance".to_owned(),
        order_id: account.order_id.clone(),
        order_number: account.order_number.clone(),
        salesperson: account.salesperson.clone(),
        outstanding: Some(wire::money(account.currency, outstanding)),
        expected_date: account.expected_date().to_string(),
    };
    OutgoingEvent::new(id, "finance.balance.reminder".to_owned(), &message)
        .about_order(&account.order_id, &account.order_number)
}
