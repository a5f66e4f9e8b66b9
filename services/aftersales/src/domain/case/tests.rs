use chrono::{TimeZone, Utc};
use proptest::prelude::*;

use super::*;
use crate::domain::facts::FactLine;

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, day, hour, 0, 0)
        .single()
        .unwrap_or_default()
}

fn cny() -> Currency {
    Currency::parse("CNY").unwrap_or_else(|problem| panic!("{problem}"))
}

/// Two pumps at 1,000.00 and three seals at 50.00, paid in full.
fn order(stage: Stage) -> OrderFacts {
    OrderFacts {
        order_id: "order-1".to_owned(),
        number: "2027011000000001".to_owned(),
        customer_id: "cust-1".to_owned(),
        kind: "standard".to_owned(),
        state: match stage {
            Stage::BeforeShipment => "released",
            Stage::InTransit => "shipped",
            Stage::Delivered => "delivered",
            Stage::Ended => "cancelled",
        }
        .to_owned(),
        stage,
        channel: String::new(),
        currency: cny(),
        lines: vec![
            FactLine {
                sku: "PUMP-100".to_owned(),
                quantity: 2,
                unit_price: 100_000,
            },
            FactLine {
                sku: "SEAL-7".to_owned(),
                quantity: 3,
                unit_price: 5_000,
            },
        ],
        total: 215_000,
        amount_paid: 215_000,
        shipped_at: (stage == Stage::Delivered).then(|| at(10, 8)),
        delivered_at: (stage == Stage::Delivered).then(|| at(12, 8)),
        as_of: at(12, 8),
    }
}

fn line(sku: &str, quantity: i64) -> Line {
    Line {
        sku: sku.to_owned(),
        quantity,
        unit_price: 0,
        tags_attached: true,
        packaging_intact: true,
        replacement_sku: String::new(),
        size: String::new(),
        style: String::new(),
        colour: String::new(),
    }
}

fn request(kind: Kind, reason: Reason, lines: Vec<Line>) -> Request {
    Request {
        kind,
        customer_id: "cust-1".to_owned(),
        reason,
        description: "scratched casing".to_owned(),
        evidence: vec!["photo-1".to_owned()],
        lines,
        requested_amount: None,
        overseas: false,
    }
}

const POLICY: Policy = Policy {
    return_window_days: 7,
};

fn open(
    request: Request,
    order: &OrderFacts,
    taken: &Taken,
    now: DateTime<Utc>,
) -> Result<Case, AfterSalesError> {
    Case::open(
        (CaseId::new(), "AS2027011400000001".to_owned()),
        request,
        order,
        taken,
        POLICY,
        "cathy",
        now,
    )
}

fn opened(kind: Kind, reason: Reason, lines: Vec<Line>) -> Case {
    open(
        request(kind, reason, lines),
        &order(Stage::Delivered),
        &Taken::default(),
        at(14, 9),
    )
    .unwrap_or_else(|error| panic!("{error}"))
}

fn kinds(error: &AfterSalesError) -> Vec<String> {
    match error {
        AfterSalesError::InvalidInput(violations) => {
            violations.iter().map(|v| v.field.clone()).collect()
        }
        other => other
            .precondition_kinds()
            .into_iter()
            .map(str::to_owned)
            .collect(),
    }
}

#[test]
fn afs_1_a_request_takes_the_order_prices_and_the_reason_decides_the_freight() {
    let case = opened(Kind::Return, Reason::Quality, vec![line("PUMP-100", 1)]);
    assert_eq!(case.state, State::Submitted);
    assert_eq!(case.lines[0].unit_price, 100_000);
    assert!(case.after_shipment);
    assert_eq!(
        case.freight_payer,
        FreightPayer::Us,
        "AFS-4: quality is ours"
    );
    let mind = opened(Kind::Return, Reason::ChangedMind, vec![line("SEAL-7", 1)]);
    assert_eq!(mind.freight_payer, FreightPayer::Customer);
}

#[test]
fn afs_1_the_window_after_delivery_closes() {
    let delivered = order(Stage::Delivered);
    let inside = open(
        request(Kind::Return, Reason::Quality, vec![line("PUMP-100", 1)]),
        &delivered,
        &Taken::default(),
        at(19, 8),
    );
    assert!(inside.is_ok(), "{inside:?}");
    let late = open(
        request(Kind::Return, Reason::Quality, vec![line("PUMP-100", 1)]),
        &delivered,
        &Taken::default(),
        at(19, 9),
    );
    assert_eq!(
        late.err().as_ref().map(kinds),
        Some(vec!["RETURN_WINDOW_PASSED".to_owned()])
    );
}

#[test]
fn afs_1_no_more_than_shipped_and_not_yet_claimed() {
    let delivered = order(Stage::Delivered);
    let too_many = open(
        request(Kind::Return, Reason::Quality, vec![line("PUMP-100", 3)]),
        &delivered,
        &Taken::default(),
        at(14, 9),
    );
    assert_eq!(
        too_many.err().as_ref().map(kinds),
        Some(vec!["lines[0].quantity".to_owned()])
    );
    // Split over two lines of the same request: counted together.
    let split = open(
        request(
            Kind::Return,
            Reason::Quality,
            vec![line("PUMP-100", 1), line("PUMP-100", 2)],
        ),
        &delivered,
        &Taken::default(),
        at(14, 9),
    );
    assert_eq!(
        split.err().as_ref().map(kinds),
        Some(vec!["lines[1].quantity".to_owned()])
    );
    // One pump already in another case: one left.
    let first = opened(Kind::Return, Reason::Quality, vec![line("PUMP-100", 1)]);
    let taken = Taken::of(std::slice::from_ref(&first));
    let second = open(
        request(Kind::Return, Reason::Quality, vec![line("PUMP-100", 2)]),
        &delivered,
        &taken,
        at(14, 9),
    );
    assert!(second.is_err());
    // A rejected case frees its goods.
    let mut rejected = first;
    rejected
        .reject("cathy", "no proof", at(14, 10))
        .unwrap_or_else(|error| panic!("{error}"));
    let again = open(
        request(Kind::Return, Reason::Quality, vec![line("PUMP-100", 2)]),
        &delivered,
        &Taken::of(&[rejected]),
        at(14, 11),
    );
    assert!(again.is_ok(), "{again:?}");
}

#[test]
fn afs_1_goods_returned_for_a_reason_not_ours_need_tags_and_packaging() {
    let mut worn = line("SEAL-7", 1);
    worn.tags_attached = false;
    let refused = open(
        request(Kind::Return, Reason::ChangedMind, vec![worn.clone()]),
        &order(Stage::Delivered),
        &Taken::default(),
        at(14, 9),
    );
    assert_eq!(
        refused.err().as_ref().map(kinds),
        Some(vec!["lines[0].tags_attached".to_owned()])
    );
    // A quality problem is returnable as it is.
    let quality = open(
        request(Kind::Return, Reason::Quality, vec![worn]),
        &order(Stage::Delivered),
        &Taken::default(),
        at(14, 9),
    );
    assert!(quality.is_ok());
}

#[test]
fn afs_1_the_order_of_another_customer_in_transit_or_ended_is_refused() {
    let mut other = request(Kind::Return, Reason::Quality, vec![line("PUMP-100", 1)]);
    other.customer_id = "cust-2".to_owned();
    for (request, stage, expected) in [
        (other, Stage::Delivered, "ORDER_OF_ANOTHER_CUSTOMER"),
        (
            request(Kind::Return, Reason::Quality, vec![line("PUMP-100", 1)]),
            Stage::InTransit,
            "ORDER_IN_TRANSIT",
        ),
        (
            request(Kind::Refund, Reason::Other, Vec::new()),
            Stage::Ended,
            "ORDER_ENDED",
        ),
    ] {
        let refused = open(request, &order(stage), &Taken::default(), at(14, 9));
        assert_eq!(
            refused.err().as_ref().map(kinds),
            Some(vec![expected.to_owned()])
        );
    }
}

#[test]
fn afs_1_a_refund_is_at_most_what_was_paid_and_not_yet_claimed() {
    let mut asked = request(Kind::Refund, Reason::OurFault, Vec::new());
    asked.requested_amount = Some(Money::new(cny(), 215_001));
    let refused = open(
        asked.clone(),
        &order(Stage::Delivered),
        &Taken::default(),
        at(14, 9),
    );
    assert_eq!(
        refused.err().as_ref().map(kinds),
        Some(vec!["requested_amount.minor_units".to_owned()])
    );
    asked.requested_amount = Some(Money::new(cny(), 200_000));
    let first = open(
        asked.clone(),
        &order(Stage::Delivered),
        &Taken::default(),
        at(14, 9),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    // 15,000 left.
    asked.requested_amount = Some(Money::new(cny(), 20_000));
    let second = open(
        asked,
        &order(Stage::Delivered),
        &Taken::of(&[first]),
        at(14, 9),
    );
    assert!(second.is_err());
}

#[test]
fn afs_2_review_approve_reject_or_ask_and_answer() {
    let mut case = opened(Kind::Return, Reason::Quality, vec![line("PUMP-100", 1)]);
    case.request_information(
        "cathy",
        "a photo of the crack",
        Duration::hours(48),
        at(14, 10),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(case.state, State::InformationRequested);
    assert!(!case.remind(at(15, 10)), "not due yet");
    assert!(case.remind(at(16, 11)));
    assert!(!case.remind(at(16, 12)), "reminded once");
    assert!(
        case.approve("cathy", "", at(14, 11)).is_err(),
        "waits for the answer"
    );
    case.provide_information("cust", "attached", vec!["photo-2".to_owned()], at(15, 9))
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(case.state, State::Submitted);
    assert_eq!(case.evidence, ["photo-1", "photo-2"]);
    assert_eq!(
        case.approve("cathy", "ok", at(15, 10)).ok(),
        Some("approved")
    );
    assert_eq!(case.state, State::Approved);
    assert!(
        case.reject("cathy", "late", at(15, 11)).is_err(),
        "decided once"
    );
}

#[test]
fn afs_3_approved_before_shipment_cancels_then_refunds_what_was_paid() {
    let mut case = open(
        request(Kind::Refund, Reason::Other, Vec::new()),
        &order(Stage::BeforeShipment),
        &Taken::default(),
        at(11, 9),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    assert!(!case.after_shipment);
    assert_eq!(
        case.approve("cathy", "", at(11, 10)).ok(),
        Some("cancelling")
    );
    assert!(case.order_cancelled(215_000, "orders", at(11, 11)));
    assert_eq!(case.state, State::Refunding);
    assert_eq!(case.refund_amount, Some(215_000));
    assert!(!case.order_cancelled(215_000, "orders", at(11, 12)), "once");
    assert!(case.refund_executed("fiona", at(12, 9)));
    assert_eq!(case.state, State::Closed);

    // Unpaid: closed at once.
    let mut unpaid = open(
        request(Kind::Refund, Reason::Other, Vec::new()),
        &order(Stage::BeforeShipment),
        &Taken::default(),
        at(11, 9),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    unpaid
        .approve("cathy", "", at(11, 10))
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(unpaid.order_cancelled(0, "orders", at(11, 11)));
    assert_eq!(unpaid.state, State::Closed);
    assert_eq!(unpaid.refund_amount, None);
}

#[test]
fn afs_5_complete_goods_are_worth_their_value_damaged_ones_what_was_agreed() {
    let mut case = opened(
        Kind::Return,
        Reason::Quality,
        vec![line("PUMP-100", 2), line("SEAL-7", 1)],
    );
    case.approve("cathy", "", at(14, 10))
        .unwrap_or_else(|error| panic!("{error}"));
    let finding = |sku: &str, quantity, condition, agreed_value| Finding {
        sku: sku.to_owned(),
        quantity,
        condition,
        agreed_value,
        restocked: condition == Condition::Complete,
        note: String::new(),
    };
    // More than claimed, a damaged line without its value, a complete line
    // at another value, a damaged value above the goods': all refused.
    for (findings, field) in [
        (
            vec![finding("PUMP-100", 3, Condition::Complete, None)],
            "lines[0].quantity",
        ),
        (
            vec![finding("PUMP-100", 1, Condition::Damaged, None)],
            "lines[0].agreed_value",
        ),
        (
            vec![finding("PUMP-100", 1, Condition::Complete, Some(50_000))],
            "lines[0].agreed_value",
        ),
        (
            vec![finding("PUMP-100", 1, Condition::Damaged, Some(100_001))],
            "lines[0].agreed_value.minor_units",
        ),
        (
            vec![finding("GEAR-1", 1, Condition::Complete, None)],
            "lines[0].sku",
        ),
    ] {
        let refused = case.check_inspection(&findings);
        assert_eq!(
            refused.err().as_ref().map(kinds),
            Some(vec![field.to_owned()])
        );
    }
    let lines = case
        .check_inspection(&[
            finding("PUMP-100", 1, Condition::Complete, None),
            finding("PUMP-100", 1, Condition::Damaged, Some(30_000)),
            finding("SEAL-7", 1, Condition::Damaged, Some(0)),
        ])
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        lines.iter().map(|l| l.agreed_value).collect::<Vec<_>>(),
        [100_000, 30_000, 0]
    );
    assert_eq!(
        case.inspected("quinn", lines, 215_000, at(16, 9)).ok(),
        Some(true)
    );
    assert_eq!(case.state, State::Refunding);
    assert_eq!(case.refund_amount, Some(130_000), "AFS-6: the agreed value");
    assert_eq!(case.goods_received_at, Some(at(16, 9)));
}

#[test]
fn afs_5_nothing_agreed_closes_the_return_without_a_refund() {
    let mut case = opened(Kind::Return, Reason::Quality, vec![line("SEAL-7", 1)]);
    case.approve("cathy", "", at(14, 10))
        .unwrap_or_else(|error| panic!("{error}"));
    let lines = case
        .check_inspection(&[Finding {
            sku: "SEAL-7".to_owned(),
            quantity: 1,
            condition: Condition::Damaged,
            agreed_value: Some(0),
            restocked: false,
            note: "crushed by the customer".to_owned(),
        }])
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        case.inspected("quinn", lines, 215_000, at(16, 9)).ok(),
        Some(false)
    );
    assert_eq!(case.state, State::Closed);
}

#[test]
fn afs_6_an_order_not_fully_paid_gets_back_at_most_what_it_paid() {
    let mut unpaid = order(Stage::Delivered);
    unpaid.amount_paid = 50_000;
    let mut case = open(
        request(Kind::Return, Reason::Quality, vec![line("PUMP-100", 1)]),
        &unpaid,
        &Taken::default(),
        at(14, 9),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    case.approve("cathy", "", at(14, 10))
        .unwrap_or_else(|error| panic!("{error}"));
    let lines = case
        .check_inspection(&[Finding {
            sku: "PUMP-100".to_owned(),
            quantity: 1,
            condition: Condition::Complete,
            agreed_value: None,
            restocked: true,
            note: String::new(),
        }])
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(lines[0].agreed_value, 100_000, "worth its full value");
    assert_eq!(
        case.inspected("quinn", lines, 50_000, at(16, 9)).ok(),
        Some(true)
    );
    assert_eq!(case.refund_amount, Some(50_000), "what was paid, no more");
}

#[test]
fn afs_7_an_exchange_closes_once_replaced_and_refunded() {
    let mut wanted = line("PUMP-100", 1);
    wanted.replacement_sku = "PUMP-200".to_owned();
    wanted.size = "L".to_owned();
    let mut case = opened(Kind::Exchange, Reason::SizeOrFit, vec![wanted]);
    case.approve("cathy", "", at(14, 10))
        .unwrap_or_else(|error| panic!("{error}"));
    let lines = case
        .check_inspection(&[Finding {
            sku: "PUMP-100".to_owned(),
            quantity: 1,
            condition: Condition::Complete,
            agreed_value: None,
            restocked: true,
            note: String::new(),
        }])
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        case.inspected("quinn", lines, 215_000, at(16, 9)).ok(),
        Some(true)
    );
    assert!(case.replaced("order-2", 120_000, "system", at(16, 10)));
    assert_eq!(
        case.price_difference,
        Some(20_000),
        "the customer pays 200.00 more"
    );
    assert_eq!(
        case.state,
        State::Refunding,
        "the returned value is still refunded"
    );
    assert!(!case.replaced("order-3", 1, "system", at(16, 11)), "once");
    assert!(case.refund_executed("fiona", at(17, 9)));
    assert_eq!(case.state, State::Closed);
}

#[test]
fn sla_7_a_shop_refund_past_due_is_flagged_once() {
    let mut shop = order(Stage::BeforeShipment);
    shop.channel = "tmall".to_owned();
    let mut case = open(
        request(Kind::Refund, Reason::Other, Vec::new()),
        &shop,
        &Taken::default(),
        at(11, 9),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    case.approve("cathy", "", at(11, 10))
        .unwrap_or_else(|error| panic!("{error}"));
    case.order_cancelled(215_000, "orders", at(11, 11));
    case.refund_due_by(at(13, 16));
    assert!(!case.flag_overdue(at(13, 15)));
    assert!(case.flag_overdue(at(13, 17)));
    assert!(!case.flag_overdue(at(13, 18)), "announced once");
    // Not a shop order: no deadline.
    let mut direct = open(
        request(Kind::Refund, Reason::Other, Vec::new()),
        &order(Stage::BeforeShipment),
        &Taken::default(),
        at(11, 9),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    direct.refund_due_by(at(13, 16));
    assert_eq!(direct.refund_due_at, None);
}

#[test]
fn afs_8_an_overseas_return_is_refunded_on_proof_then_shelved() {
    // Only a return after delivery goes back overseas.
    let before = open(
        Request {
            overseas: true,
            ..request(Kind::Refund, Reason::Other, Vec::new())
        },
        &order(Stage::BeforeShipment),
        &Taken::default(),
        at(11, 9),
    );
    assert_eq!(
        before.err().as_ref().map(kinds),
        Some(vec!["overseas_warehouse".to_owned()])
    );
    let mut case = open(
        Request {
            overseas: true,
            ..request(Kind::Return, Reason::Quality, vec![line("PUMP-100", 2)])
        },
        &order(Stage::Delivered),
        &Taken::default(),
        at(14, 9),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    case.approve("cathy", "", at(14, 10))
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        case.check_pickup().err().as_ref().map(kinds),
        Some(vec!["OVERSEAS_RETURN".to_owned()]),
        "no pick-up: the customer sends it"
    );
    assert!(
        case.check_shelving(&[("PUMP-100".to_owned(), 2)]).is_err(),
        "proof first"
    );
    // Less left to refund than the goods are worth: refused.
    assert!(
        case.overseas_received("WH-RCPT-9", 150_000, "cathy", at(15, 9))
            .is_err()
    );
    case.overseas_received("WH-RCPT-9", 215_000, "cathy", at(15, 9))
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(case.state, State::Refunding);
    assert_eq!(case.refund_amount, Some(200_000));
    assert_eq!(case.goods_received_at, None, "not shelved yet");
    assert!(case.refund_executed("fiona", at(16, 9)));
    assert_eq!(case.state, State::Refunding, "waits for the shelving");
    assert_eq!(
        case.check_shelving(&[("PUMP-100".to_owned(), 3)])
            .err()
            .as_ref()
            .map(kinds),
        Some(vec!["lines[0].quantity".to_owned()])
    );
    case.check_shelving(&[("PUMP-100".to_owned(), 2)])
        .unwrap_or_else(|error| panic!("{error}"));
    case.shelved("2 × PUMP-100".to_owned(), "wendy", at(20, 9));
    assert_eq!(case.state, State::Closed);
    assert_eq!(case.shelved_at, Some(at(20, 9)));
    assert!(
        case.check_shelving(&[("PUMP-100".to_owned(), 1)]).is_err(),
        "once"
    );
}

#[test]
fn afs_11_goods_sent_back_without_notice_open_a_case_matched_to_the_customer() {
    let delivered = order(Stage::Delivered);
    let finding = |sku: &str, quantity, condition, agreed_value| Finding {
        sku: sku.to_owned(),
        quantity,
        condition,
        agreed_value,
        restocked: condition == Condition::Complete,
        note: "no return slip in the parcel".to_owned(),
    };
    let received = |findings: &[Finding], taken: &Taken| {
        Case::unannounced(
            (CaseId::new(), "AS2".to_owned()),
            &delivered,
            taken,
            findings,
            "wang",
            at(20, 9),
        )
    };
    // More than was shipped, or something the order did not sell: refused.
    assert_eq!(
        received(
            &[finding("PUMP-100", 3, Condition::Complete, None)],
            &Taken::default()
        )
        .err()
        .as_ref()
        .map(kinds),
        Some(vec!["lines[0].quantity".to_owned()])
    );
    assert_eq!(
        received(
            &[finding("GEAR-1", 1, Condition::Complete, None)],
            &Taken::default()
        )
        .err()
        .as_ref()
        .map(kinds),
        Some(vec!["lines[0].sku".to_owned()])
    );
    // Not shipped: nothing can have come back.
    let refused = Case::unannounced(
        (CaseId::new(), "AS2".to_owned()),
        &order(Stage::BeforeShipment),
        &Taken::default(),
        &[finding("PUMP-100", 1, Condition::Complete, None)],
        "wang",
        at(20, 9),
    );
    assert_eq!(
        refused.err().as_ref().map(kinds),
        Some(vec!["NOT_SHIPPED".to_owned()])
    );
    let mut case = received(
        &[
            finding("PUMP-100", 1, Condition::Complete, None),
            finding("SEAL-7", 2, Condition::Damaged, Some(0)),
        ],
        &Taken::default(),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        case.customer_id, "cust-1",
        "matched to the order's customer"
    );
    assert!(case.unannounced);
    assert_eq!(case.state, State::Submitted, "customer service reviews it");
    assert_eq!(case.goods_received_at, Some(at(20, 9)));
    assert_eq!(case.refund_amount, Some(100_000));
    // It claims the goods: another return of the pump is refused.
    let again = open(
        request(Kind::Return, Reason::Quality, vec![line("PUMP-100", 2)]),
        &delivered,
        &Taken::of(std::slice::from_ref(&case)),
        at(20, 10),
    );
    assert!(again.is_err());
    assert_eq!(
        case.approve("cathy", "", at(20, 11)).ok(),
        Some("refund_requested")
    );
    assert_eq!(case.state, State::Refunding);
}

#[test]
fn afs_3_an_exchange_before_shipment_cancels_refunds_and_waits_for_its_replacement() {
    let mut bigger = line("PUMP-100", 1);
    bigger.size = "L".to_owned();
    bigger.tags_attached = false;
    // Before shipment nothing was unpacked: no tags needed.
    let mut case = open(
        request(Kind::Exchange, Reason::SizeOrFit, vec![bigger]),
        &order(Stage::BeforeShipment),
        &Taken::default(),
        at(11, 9),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        case.approve("cathy", "", at(11, 10)).ok(),
        Some("cancelling")
    );
    assert!(case.order_cancelled(215_000, "orders", at(11, 11)));
    assert_eq!(case.state, State::Refunding);
    assert!(case.refund_executed("fiona", at(12, 9)));
    assert_eq!(case.state, State::Refunding, "waits for the replacement");
    assert!(case.replaced("order-2", 215_000, "system", at(12, 10)));
    assert_eq!(case.price_difference, Some(0));
    assert_eq!(case.state, State::Closed);

    // Unpaid: nothing to refund, the replacement closes it.
    let mut unpaid = open(
        request(Kind::Exchange, Reason::SizeOrFit, vec![line("SEAL-7", 1)]),
        &order(Stage::BeforeShipment),
        &Taken::default(),
        at(11, 9),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    unpaid
        .approve("cathy", "", at(11, 10))
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(unpaid.order_cancelled(0, "orders", at(11, 11)));
    assert_eq!(unpaid.state, State::Inspected);
    assert!(unpaid.replaced("order-3", 215_000, "system", at(11, 12)));
    assert_eq!(unpaid.state, State::Closed);
}

proptest! {
    /// AFS-1, AFS-5, AFS-6: over any sequence of requests, rejections and
    /// inspections on one order, the goods claimed never exceed what was
    /// shipped and the money claimed (refunds and agreed values) never
    /// exceeds what was paid.
    #[test]
    fn claims_never_exceed_what_was_shipped_or_paid(
        steps in proptest::collection::vec((0u8..4, 1i64..4, 0i64..120_000, any::<bool>()), 1..25)
    ) {
        let facts = order(Stage::Delivered);
        let mut cases: Vec<Case> = Vec::new();
        for (what, quantity, amount, reject) in steps {
            let taken = Taken::of(&cases);
            let request = match what {
                0 | 1 => request(Kind::Return, Reason::Quality, vec![line(if what == 0 { "PUMP-100" } else { "SEAL-7" }, quantity)]),
                _ => Request {
                    requested_amount: Some(Money::new(cny(), amount.max(1))),
                    ..request(Kind::Refund, Reason::OurFault, Vec::new())
                },
            };
            let Ok(mut case) = open(request, &facts, &taken, at(14, 9)) else { continue };
            if reject {
                prop_assert!(case.reject("cathy", "no", at(14, 10)).is_ok());
            } else if case.kind == Kind::Return {
                prop_assert!(case.approve("cathy", "", at(14, 10)).is_ok());
                let findings: Vec<Finding> = case.lines.iter().map(|l| Finding {
                    sku: l.sku.clone(),
                    quantity: l.quantity,
                    condition: Condition::Damaged,
                    agreed_value: Some(amount.min(l.unit_price * l.quantity)),
                    restocked: false,
                    note: String::new(),
                }).collect();
                let left = facts.amount_paid - Taken::of(&cases).money;
                match case.check_inspection(&findings) {
                    Ok(lines) => prop_assert!(case.inspected("quinn", lines, left, at(15, 9)).is_ok()),
                    // More agreed than is left to refund: refused, nothing changed.
                    Err(_) => prop_assert_eq!(case.state, State::Approved),
                }
            }
            cases.push(case);
            let taken = Taken::of(&cases);
            for sku in ["PUMP-100", "SEAL-7"] {
                prop_assert!(taken.quantity(sku) <= facts.sold(sku));
            }
            prop_assert!(taken.money <= facts.amount_paid);
        }
    }
}
