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

fn order(quantity: i64) -> PurchaseOrder {
    PurchaseOrder::new(
        Draft {
            supplier_code: "ACME".to_owned(),
            requisition_id: "r1".to_owned(),
            sku: "SEAL".to_owned(),
            quantity,
            unit_price: Money::new(
                Currency::parse("CNY").unwrap_or_else(|e| panic!("{e}")),
                150,
            ),
            need_by: day("2026-12-20"),
            selection_reason: String::new(),
        },
        now(),
    )
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
    assert!(po.send(day("2026-12-10"), now()).is_ok());
    po
}

#[test]
fn prc_3_no_purchase_order_is_sent_before_its_contract_is_approved() {
    let mut po = order(100);
    assert_eq!(
        kinds(po.send(day("2026-12-10"), now())),
        ["CONTRACT_NOT_APPROVED"]
    );
    assert!(po.decided(false, "price too high", now()).is_ok());
    assert_eq!(
        kinds(po.send(day("2026-12-10"), now())),
        ["CONTRACT_NOT_APPROVED"]
    );
    let mut po = order(100);
    assert!(po.decided(true, "", now()).is_ok());
    assert!(po.send(day("2026-12-10"), now()).is_ok());
}

#[test]
fn prc_4_a_late_order_is_flagged_once_and_a_new_promise_clears_it() {
    let mut po = sent(100);
    assert!(!po.flag_late(day("2026-12-10"), now()));
    assert!(po.flag_late(day("2026-12-11"), now()));
    assert!(!po.flag_late(day("2026-12-12"), now()));
    assert!(
        po.follow_up("ships Friday", Some(day("2026-12-18")), "pat", now())
            .is_ok()
    );
    assert!(!po.late);
    assert!(!po.flag_late(day("2026-12-18"), now()));
    // Everything in: never late.
    let arrival = po.record_arrival(100, true, "", "wang", day("2026-12-30"), now());
    assert!(arrival.is_ok());
    assert!(!po.flag_late(day("2026-12-31"), now()));
}

#[test]
fn prc_5_iqc_accepts_and_rejects_exactly_what_arrived() {
    let mut po = sent(100);
    assert_eq!(
        kinds(order(5).record_arrival(5, true, "", "wang", day("2026-12-01"), now())),
        ["RECEIVING_CLOSED"]
    );
    assert!(matches!(
        po.record_arrival(101, true, "", "wang", day("2026-12-09"), now()),
        Err(ProcurementError::InvalidInput(_))
    ));
    let first = po
        .record_arrival(60, true, "", "wang", day("2026-12-09"), now())
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
        .record_arrival(40, true, "", "wang", day("2026-12-12"), now())
        .map(|id| id.to_string())
        .unwrap_or_default();
    assert_eq!(po.state, PoState::Sent, "not yet inspected");
    let late = po.record_iqc(&second, 40, 0, "", "quinn", now());
    assert!(late.is_ok_and(|r| !r.on_time));
    assert_eq!(po.state, PoState::Received);
    assert_eq!((po.received(), po.accepted(), po.rejected()), (100, 95, 5));
    assert_eq!(
        kinds(po.record_arrival(1, true, "", "wang", day("2026-12-13"), now())),
        ["RECEIVING_CLOSED"]
    );
}

proptest! {
    /// PRC-5: whatever arrives in whatever parts and whatever IQC decides,
    /// received = accepted + rejected + awaiting IQC, and never more than
    /// was ordered.
    #[test]
    fn prc_5_quantities_add_up_under_partial_deliveries(
        ordered in 1i64..500,
        steps in proptest::collection::vec((0i64..200, 0i64..200, any::<bool>()), 1..30),
    ) {
        let mut po = sent(ordered);
        for (arrive, accept, inspect) in steps {
            let arrival = po.record_arrival(arrive.max(1), true, "", "w", day("2026-12-09"), now());
            if let Ok(id) = arrival
                && inspect
            {
                let quantity = po.receipts.last().map_or(0, |r| r.quantity);
                let accepted = accept.min(quantity);
                let _ = po.record_iqc(id.as_str(), accepted, quantity - accepted, "x", "q", now());
            }
            prop_assert!(po.received() <= ordered);
            prop_assert_eq!(po.received(), po.accepted() + po.rejected() + po.awaiting_iqc());
            prop_assert_eq!(
                po.state == PoState::Received,
                po.received() == ordered && po.awaiting_iqc() == 0
            );
        }
    }
}
