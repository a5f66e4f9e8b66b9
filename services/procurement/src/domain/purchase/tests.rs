use chrono::TimeZone;
use orderflow_platform::money::Currency;
use proptest::prelude::*;

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0)
        .single()
        .unwrap_or_default()
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
}

fn line(requisition: &str, sku: &str, quantity: i64, currency: &str) -> DraftLine {
    DraftLine {
        requisition_id: requisition.to_owned(),
        sku: sku.to_owned(),
        quantity,
        unit_price: Money::new(
            Currency::parse(currency).unwrap_or_else(|e| panic!("{e}")),
            150,
        ),
        need_by: day("2026-12-20"),
        quoted_base: 150,
        cheapest_base: 150,
    }
}

fn draft(lines: Vec<DraftLine>) -> Result<PurchaseOrder, ProcurementError> {
    PurchaseOrder::new(
        Draft {
            supplier_code: "ACME".to_owned(),
            lines,
            selection_reason: String::new(),
        },
        now(),
    )
}

fn order(quantity: i64) -> PurchaseOrder {
    draft(vec![line("r1", "SEAL", quantity, "CNY")]).unwrap_or_else(|e| panic!("{e}"))
}

fn promises(pairs: &[(LineNo, &str)]) -> BTreeMap<LineNo, NaiveDate> {
    pairs
        .iter()
        .map(|(line, promised)| (*line, day(promised)))
        .collect()
}

fn kinds<T: std::fmt::Debug>(result: Result<T, ProcurementError>) -> Vec<&'static str> {
    match result {
        Err(error) => error.precondition_kinds(),
        Ok(value) => panic!("expected a refusal, got {value:?}"),
    }
}

fn sent(quantity: i64) -> PurchaseOrder {
    let mut po = order(quantity);
    assert!(po.decided(true, "", now()).is_ok());
    assert!(po.send(day("2026-12-10"), &promises(&[]), now()).is_ok());
    po
}

#[test]
fn prc_3_no_purchase_order_is_sent_before_its_contract_is_approved() {
    let mut po = order(100);
    assert_eq!(
        kinds(po.send(day("2026-12-10"), &promises(&[]), now())),
        ["CONTRACT_NOT_APPROVED"]
    );
    assert!(po.decided(false, "price too high", now()).is_ok());
    assert_eq!(
        kinds(po.send(day("2026-12-10"), &promises(&[]), now())),
        ["CONTRACT_NOT_APPROVED"]
    );
    let mut po = order(100);
    assert!(po.decided(true, "", now()).is_ok());
    assert!(po.send(day("2026-12-10"), &promises(&[]), now()).is_ok());
}

#[test]
fn prc_4_a_late_order_is_flagged_once_and_a_new_promise_clears_it() {
    let mut po = sent(100);
    assert!(po.flag_late(day("2026-12-10"), now()).is_empty());
    assert_eq!(po.flag_late(day("2026-12-11"), now()), [1]);
    assert!(po.flag_late(day("2026-12-12"), now()).is_empty());
    assert_eq!(po.next_due(), None, "nothing left to announce");
    assert!(
        po.follow_up("ships Friday", Some(day("2026-12-18")), None, "pat", now())
            .is_ok()
    );
    assert!(!po.late());
    assert!(po.flag_late(day("2026-12-18"), now()).is_empty());
    // Everything in: never late.
    let arrival = po.record_arrival(None, 100, true, "", "wang", day("2026-12-30"), now());
    assert!(arrival.is_ok());
    assert!(po.flag_late(day("2026-12-31"), now()).is_empty());
}

#[test]
fn prc_5_iqc_accepts_and_rejects_exactly_what_arrived() {
    let mut po = sent(100);
    assert_eq!(
        kinds(order(5).record_arrival(None, 5, true, "", "wang", day("2026-12-01"), now())),
        ["RECEIVING_CLOSED"]
    );
    assert!(matches!(
        po.record_arrival(None, 101, true, "", "wang", day("2026-12-09"), now()),
        Err(ProcurementError::InvalidInput(_))
    ));
    let first = po
        .record_arrival(None, 60, true, "", "wang", day("2026-12-09"), now())
        .map(|id| id.to_string())
        .unwrap_or_default();
    // Accepting more than arrived: refused.
    assert!(matches!(
        po.record_iqc(&first, 61, 0, "", "quinn", now()),
        Err(ProcurementError::InvalidInput(_))
    ));
    let inspected = po.record_iqc(&first, 55, 5, "burrs", "quinn", now());
    assert!(
        inspected
            .as_ref()
            .is_ok_and(|r| r.return_note.starts_with("RN-") && r.on_time)
    );
    assert_eq!(
        kinds(po.record_iqc(&first, 60, 0, "", "quinn", now())),
        ["RECEIPT_INSPECTED"]
    );
    let second = po
        .record_arrival(None, 40, true, "", "wang", day("2026-12-12"), now())
        .map(|id| id.to_string())
        .unwrap_or_default();
    assert_eq!(po.state, PoState::Sent, "not yet inspected");
    let late = po.record_iqc(&second, 40, 0, "", "quinn", now());
    assert!(late.is_ok_and(|r| !r.on_time));
    assert_eq!(po.state, PoState::Received);
    assert_eq!((po.received(), po.accepted(), po.rejected()), (100, 95, 5));
    assert_eq!(
        kinds(po.record_arrival(None, 1, true, "", "wang", day("2026-12-13"), now())),
        ["RECEIVING_CLOSED"]
    );
}

#[test]
fn prc_4_each_line_has_its_own_promise_and_is_announced_late_once() {
    let mut po = draft(vec![
        line("r1", "SEAL", 10, "CNY"),
        line("r2", "BOLT", 20, "CNY"),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(po.total().map(|total| total.minor_units), Some(4500));
    assert!(po.decided(true, "", now()).is_ok());
    assert!(matches!(
        po.send(day("2026-12-10"), &promises(&[(3, "2026-12-12")]), now()),
        Err(ProcurementError::InvalidInput(_))
    ));
    assert!(
        po.send(day("2026-12-10"), &promises(&[(2, "2026-12-15")]), now())
            .is_ok()
    );
    assert_eq!(po.promised_date(), Some(day("2026-12-10")));
    assert_eq!(po.flag_late(day("2026-12-11"), now()), [1]);
    assert_eq!(po.next_due(), Some(day("2026-12-15")), "line 2 still due");
    assert!(po.flag_late(day("2026-12-12"), now()).is_empty());
    assert_eq!(po.flag_late(day("2026-12-16"), now()), [2]);
    // A new promise for line 1 only clears line 1.
    assert!(
        po.follow_up(
            "seals Monday",
            Some(day("2026-12-21")),
            Some(1),
            "pat",
            now()
        )
        .is_ok()
    );
    assert_eq!(
        po.lines.iter().map(|l| l.late).collect::<Vec<_>>(),
        [false, true]
    );
    assert!(matches!(
        po.follow_up("?", None, Some(7), "pat", now()),
        Err(ProcurementError::InvalidInput(_))
    ));
}

#[test]
fn prc_5_an_arrival_names_its_line_and_is_bounded_by_that_line() {
    let mut po = draft(vec![
        line("r1", "SEAL", 10, "CNY"),
        line("r2", "BOLT", 20, "CNY"),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(po.decided(true, "", now()).is_ok());
    assert!(po.send(day("2026-12-10"), &promises(&[]), now()).is_ok());
    let arrive = |po: &mut PurchaseOrder, line, quantity| {
        po.record_arrival(line, quantity, true, "", "wang", day("2026-12-09"), now())
    };
    // Two lines: which one must be said.
    assert!(matches!(
        arrive(&mut po, None, 5),
        Err(ProcurementError::InvalidInput(_))
    ));
    // 11 seals were never ordered, though 30 pieces were.
    assert!(matches!(
        arrive(&mut po, Some(1), 11),
        Err(ProcurementError::InvalidInput(_))
    ));
    let seals = arrive(&mut po, Some(1), 10).unwrap_or_else(|e| panic!("{e}"));
    let bolts = arrive(&mut po, Some(2), 20).unwrap_or_else(|e| panic!("{e}"));
    let seal = po.record_iqc(seals.as_str(), 10, 0, "", "quinn", now());
    assert!(seal.is_ok_and(|r| r.sku == "SEAL" && r.line == 1));
    assert_eq!(po.state, PoState::Sent, "the bolts are not through IQC");
    let bolt = po.record_iqc(bolts.as_str(), 18, 2, "rust", "quinn", now());
    assert!(bolt.is_ok_and(|r| r.sku == "BOLT"));
    assert_eq!(po.state, PoState::Received);
    assert_eq!((po.accepted_on(2), po.rejected_on(2)), (18, 2));
}

#[test]
fn prc_3_one_purchase_order_is_in_one_currency() {
    let mixed = draft(vec![
        line("r1", "SEAL", 10, "CNY"),
        line("r2", "BOLT", 20, "USD"),
    ]);
    assert!(matches!(mixed, Err(ProcurementError::InvalidInput(_))));
    assert!(matches!(
        draft(Vec::new()),
        Err(ProcurementError::InvalidInput(_))
    ));
}

proptest! {
    /// PRC-5: whatever arrives in whatever parts and whatever IQC decides,
    /// received = accepted + rejected + awaiting IQC, and never more than
    /// was ordered.
    #[test]
    fn prc_5_quantities_add_up_under_partial_deliveries(
        ordered in proptest::collection::vec(1i64..500, 1..4),
        steps in proptest::collection::vec((1u32..4, 0i64..200, 0i64..200, any::<bool>()), 1..30),
    ) {
        let lines = ordered
            .iter()
            .enumerate()
            .map(|(index, quantity)| line(&format!("r{index}"), "SEAL", *quantity, "CNY"))
            .collect();
        let mut po = draft(lines).unwrap_or_else(|e| panic!("{e}"));
        prop_assert!(po.decided(true, "", now()).is_ok());
        prop_assert!(po.send(day("2026-12-10"), &promises(&[]), now()).is_ok());
        for (line, arrive, accept, inspect) in steps {
            let arrival = po.record_arrival(Some(line), arrive.max(1), true, "", "w", day("2026-12-09"), now());
            if let Ok(id) = arrival
                && inspect
            {
                let quantity = po.receipts.last().map_or(0, |r| r.quantity);
                let accepted = accept.min(quantity);
                let _ = po.record_iqc(id.as_str(), accepted, quantity - accepted, "x", "q", now());
            }
            for ordered_line in &po.lines {
                prop_assert!(po.received_on(ordered_line.line) <= ordered_line.quantity);
            }
            prop_assert_eq!(po.received(), po.accepted() + po.rejected() + po.awaiting_iqc());
            prop_assert_eq!(
                po.state == PoState::Received,
                po.received() == ordered.iter().sum::<i64>() && po.awaiting_iqc() == 0
            );
        }
    }
}
