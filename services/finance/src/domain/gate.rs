//! The production release gate (下达生产通知, FIN-5), with ORD-20, APR-5 and
//! FIN-1: one function of what finance knows of an order.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::account::{CostBearer, OrderAccount, TermKind};
use super::lc::{LcState, LetterOfCredit};

/// A reason the gate is closed, or a flag shown on a released order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub code: String,
    pub description: String,
}

impl Condition {
    fn new(code: &str, description: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            description: description.into(),
        }
    }
}

/// The gate of one order, now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    pub rule: String,
    pub blockers: Vec<Condition>,
    pub flags: Vec<Condition>,
}

impl Gate {
    pub fn is_open(&self) -> bool {
        self.blockers.is_empty()
    }
}

/// What the customer may still draw on credit (FIN-1), in the order's
/// currency; `None` when the customer has no limit in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreditRoom {
    pub available: Option<i64>,
}

/// Everything the gate depends on besides the order itself.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// Confirmed payments (FIN-3), minor units of the order's currency.
    pub confirmed_paid: i64,
    pub letter_of_credit: Option<&'a LetterOfCredit>,
    /// ORD-20: the order's sale entry is on a sales detail a `dept_manager`
    /// signed and `finance` confirmed.
    pub sales_detail_confirmed: bool,
    pub credit: CreditRoom,
    /// FIN-5: how many days before delivery an L/C must be reviewed
    /// (configurable, 30).
    pub lc_lead_days: i64,
}

/// FIN-12: the rule of a reship's gate says who bears its cost and which
/// order it replaces, as finance keeps them from the order (the orders
/// service refuses a reship without its bearer, or a negative-profit one
/// not borne by us).
fn reship_rule(order: &OrderAccount, rule: &mut Vec<String>) {
    let bearer = order.cost_bearer.map_or("unknown", CostBearer::as_str);
    let replaces = if order.replaces_order_id.is_empty() {
        String::new()
    } else {
        format!(", replacing orders/{}", order.replaces_order_id)
    };
    rule.push(format!("cost borne by {bearer}{replaces} (FIN-12)"));
}

/// FIN-5, per payment term, and what the order's kind adds:
/// - `prepaid`: confirmed payments cover the total;
/// - `tt_deposit`: confirmed payments cover the deposit;
/// - `lc`: an L/C for the order, reviewed by sales and docs_clerk without an
///   open discrepancy, covering the total in the order's currency, letting
///   the goods ship by the delivery date; reviewed fewer than
///   `lc_lead_days` before delivery → flagged, not blocked;
/// - `da` / `open_account`: a `dept_manager` confirmation;
/// - `monthly_settlement` terms and the APR-5 kinds: the `gm` + `finance`
///   sign-off, which is their approval chain (the order only waits for
///   payment once it passed it);
/// - credit terms (FIN-1): over the customer's available credit → held for
///   a `dept_manager`;
/// - ORD-20, standard orders: the sales detail signed and confirmed;
/// - kinds that sell nothing: open.
pub fn evaluate(order: &OrderAccount, facts: &Facts<'_>) -> Gate {
    let mut blockers = Vec::new();
    let mut flags = Vec::new();
    let manager_confirmed = order.manager_confirmation.is_some();
    let money = |minor: i64| {
        format!(
            "{}",
            orderflow_platform::money::Money::new(order.currency, minor)
        )
    };

    if !order.kind.is_sale() {
        return Gate {
            rule: format!("{}: nothing sold, approval only", order.kind.as_str()),
            blockers,
            flags,
        };
    }
    let mut rule = Vec::new();
    if order.kind.signed_off_by_gm_and_finance() {
        rule.push(format!(
            "{}: gm and finance signed (APR-5)",
            order.kind.as_str()
        ));
    }
    if order.kind.is_reship() {
        reship_rule(order, &mut rule);
    }
    match order.terms {
        None if order.kind.signed_off_by_gm_and_finance() => {}
        None => blockers.push(Condition::new(
            "NO_PAYMENT_TERMS",
            "the order has no payment terms",
        )),
        Some(terms) => match terms.kind {
            TermKind::Prepaid => {
                rule.push("prepaid: the full amount confirmed".to_owned());
                if facts.confirmed_paid < order.total {
                    blockers.push(Condition::new(
                        "PAYMENT_NOT_CONFIRMED",
                        format!(
                            "{} of {} confirmed as received",
                            money(facts.confirmed_paid),
                            money(order.total)
                        ),
                    ));
                }
            }
            TermKind::TtDeposit => {
                let due = order.deposit_due();
                rule.push(format!(
                    "tt_deposit {}%: the deposit confirmed",
                    terms.deposit_percent
                ));
                if facts.confirmed_paid < due {
                    blockers.push(Condition::new(
                        "DEPOSIT_NOT_CONFIRMED",
                        format!(
                            "deposit {} of {} confirmed as received",
                            money(facts.confirmed_paid),
                            money(due)
                        ),
                    ));
                }
            }
            TermKind::Lc => {
                rule.push("lc: the L/C received and reviewed twice".to_owned());
                lc_conditions(order, facts, &mut blockers, &mut flags);
            }
            TermKind::Da | TermKind::OpenAccount => {
                rule.push(format!(
                    "{}: a dept_manager confirms the release",
                    terms.kind.as_str()
                ));
                if !manager_confirmed {
                    blockers.push(Condition::new(
                        "MANAGER_CONFIRMATION",
                        format!(
                            "{} terms need a dept_manager's confirmation",
                            terms.kind.as_str()
                        ),
                    ));
                }
            }
            TermKind::MonthlySettlement => {
                rule.push("monthly_settlement: billed monthly".to_owned());
            }
        },
    }
    if let Some(terms) = order.terms
        && terms.kind.is_credit()
    {
        let room = facts.credit.available;
        let over = match room {
            Some(available) => order.total > available,
            None => true,
        };
        if over {
            let detail = match room {
                Some(available) => format!(
                    "{} exceeds the available credit of {}",
                    money(order.total),
                    money(available.max(0))
                ),
                None => format!(
                    "the customer has no credit limit in {}",
                    order.currency.code()
                ),
            };
            if manager_confirmed {
                flags.push(Condition::new(
                    "CREDIT_LIMIT",
                    format!("{detail}; released on a dept_manager's confirmation"),
                ));
            } else {
                blockers.push(Condition::new(
                    "CREDIT_LIMIT",
                    format!("{detail}; held for a dept_manager (FIN-1)"),
                ));
            }
        }
    }
    if order.kind == super::account::OrderKind::Standard {
        rule.push("standard: the sales detail signed and confirmed (ORD-20)".to_owned());
        if !facts.sales_detail_confirmed {
            blockers.push(Condition::new(
                "SALES_DETAIL_NOT_CONFIRMED",
                "the salesperson's sales detail is not yet signed by a dept_manager and confirmed by finance",
            ));
        }
    }
    Gate {
        rule: rule.join("; "),
        blockers,
        flags,
    }
}

/// FIN-6: whether a released order may ship as far as money goes:
/// - `prepaid` / `tt_deposit`: the whole amount confirmed (the balance is
///   paid before shipment);
/// - `lc`: an accepted L/C still valid, its latest shipment date not passed
///   (shipping later makes the documents discrepant);
/// - `da`, `open_account`, `monthly_settlement` and the APR-5 kinds: on
///   credit or signed off, no payment before shipment.
pub fn shipment(
    order: &OrderAccount,
    confirmed_paid: i64,
    letter_of_credit: Option<&LetterOfCredit>,
    today: NaiveDate,
) -> Gate {
    use super::account::Stage;
    let mut blockers = Vec::new();
    let money = |minor: i64| {
        format!(
            "{}",
            orderflow_platform::money::Money::new(order.currency, minor)
        )
    };
    if !matches!(
        order.stage,
        Stage::Released | Stage::Delivered | Stage::Completed
    ) {
        blockers.push(Condition::new(
            "NOT_RELEASED",
            format!("order {} is {}", order.order_number, order.stage.as_str()),
        ));
    }
    let rule = match order.terms.map(|terms| terms.kind) {
        _ if !order.kind.is_sale() => "nothing sold".to_owned(),
        Some(TermKind::Prepaid | TermKind::TtDeposit) => {
            if confirmed_paid < order.total {
                blockers.push(Condition::new(
                    "BALANCE_NOT_CONFIRMED",
                    format!(
                        "{} of {} confirmed; the balance of {} is due before shipment",
                        money(confirmed_paid),
                        money(order.total),
                        money(order.total.saturating_sub(confirmed_paid))
                    ),
                ));
            }
            "the balance confirmed before shipment".to_owned()
        }
        Some(TermKind::Lc) => {
            match letter_of_credit {
                Some(lc) if lc.state == LcState::Accepted => {
                    if lc.terms.expiry_date < today {
                        blockers.push(Condition::new(
                            "LC_EXPIRED",
                            format!("the L/C expired on {}", lc.terms.expiry_date),
                        ));
                    } else if lc.terms.latest_shipment_date < today {
                        blockers.push(Condition::new(
                            "LC_SHIPMENT_DATE_PASSED",
                            format!(
                                "the L/C's latest shipment date {} has passed; ask for an amendment",
                                lc.terms.latest_shipment_date
                            ),
                        ));
                    }
                }
                _ => blockers.push(Condition::new(
                    "LC_NOT_ACCEPTED",
                    "the L/C is not accepted (reviewed twice without discrepancy)",
                )),
            }
            "lc: shipped against a valid L/C".to_owned()
        }
        Some(kind) => format!("{}: no payment before shipment", kind.as_str()),
        None => "signed off (APR-5): no payment before shipment".to_owned(),
    };
    Gate {
        rule,
        blockers,
        flags: Vec::new(),
    }
}

fn lc_conditions(
    order: &OrderAccount,
    facts: &Facts<'_>,
    blockers: &mut Vec<Condition>,
    flags: &mut Vec<Condition>,
) {
    let Some(lc) = facts.letter_of_credit else {
        blockers.push(Condition::new(
            "LC_MISSING",
            "no letter of credit is registered",
        ));
        return;
    };
    match lc.state {
        LcState::UnderReview => blockers.push(Condition::new(
            "LC_NOT_REVIEWED",
            format!(
                "version {} still needs its review by {}",
                lc.version,
                super::lc::REVIEWER_ROLES
                    .iter()
                    .filter(|role| lc.review_by(role).is_none())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        )),
        LcState::Discrepant => blockers.push(Condition::new(
            "LC_DISCREPANCY",
            format!(
                "discrepancies found, an amendment is to be requested: {}",
                lc.discrepancies().join("; ")
            ),
        )),
        LcState::AmendmentRequested => blockers.push(Condition::new(
            "LC_DISCREPANCY",
            format!(
                "waiting for the amendment: {}",
                lc.amendment_reasons.join("; ")
            ),
        )),
        LcState::Accepted => {}
    }
    if lc.terms.currency != order.currency || lc.terms.amount < order.total {
        blockers.push(Condition::new(
            "LC_AMOUNT",
            format!(
                "the L/C is for {} {}, the order for {}",
                lc.terms.amount,
                lc.terms.currency,
                orderflow_platform::money::Money::new(order.currency, order.total)
            ),
        ));
    }
    if lc.terms.latest_shipment_date < order.delivery_date {
        blockers.push(Condition::new(
            "LC_SHIPMENT_DATE",
            format!(
                "the L/C's latest shipment date {} is before the delivery date {}",
                lc.terms.latest_shipment_date, order.delivery_date
            ),
        ));
    }
    if let Some(reviewed_on) = lc.reviewed_on() {
        let lead = days_between(reviewed_on, order.delivery_date);
        if lead < facts.lc_lead_days {
            flags.push(Condition::new(
                "LC_LATE",
                format!(
                    "the L/C was reviewed {lead} days before delivery ({} required)",
                    facts.lc_lead_days
                ),
            ));
        }
    }
}

fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use orderflow_platform::money::Currency;

    use super::*;
    use crate::domain::account::{Confirmation, OrderKind, Stage, Terms};
    use crate::domain::lc::LcTerms;

    fn day(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default()
    }

    fn cny() -> Currency {
        Currency::parse("CNY").unwrap_or_else(|e| panic!("{e}"))
    }

    fn order(kind: OrderKind, terms: Option<TermKind>) -> OrderAccount {
        OrderAccount {
            order_id: "o-1".to_owned(),
            order_number: "2027010100000001".to_owned(),
            kind,
            customer_id: "c-1".to_owned(),
            salesperson: "tom".to_owned(),
            store_code: String::new(),
            currency: cny(),
            total: 10_000_000,
            terms: terms.map(|kind| Terms {
                kind,
                deposit_percent: if kind == TermKind::TtDeposit { 30 } else { 0 },
            }),
            delivery_date: day(2027, 3, 1),
            lines: Vec::new(),
            stage: Stage::AwaitingPayment,
            order_updated_at: DateTime::<Utc>::UNIX_EPOCH,
            manager_confirmation: None,
            gate_opened_at: None,
            balance_reminded_at: None,
            announced_blockers: None,
            receipt_confirmed_at: None,
            warehousing_date: None,
            cost_bearer: None,
            replaces_order_id: String::new(),
        }
    }

    fn facts() -> Facts<'static> {
        Facts {
            confirmed_paid: 0,
            letter_of_credit: None,
            sales_detail_confirmed: false,
            credit: CreditRoom { available: None },
            lc_lead_days: 30,
        }
    }

    fn codes(gate: &Gate) -> Vec<&str> {
        gate.blockers.iter().map(|c| c.code.as_str()).collect()
    }

    fn flags(gate: &Gate) -> Vec<&str> {
        gate.flags.iter().map(|c| c.code.as_str()).collect()
    }

    fn confirmed(order: &mut OrderAccount) {
        order.manager_confirmation = Some(Confirmation {
            by: "bob".to_owned(),
            at: DateTime::<Utc>::UNIX_EPOCH,
            note: String::new(),
        });
    }

    #[test]
    fn fin_5_prepaid_opens_on_the_full_amount_confirmed() {
        let order = order(OrderKind::Export, Some(TermKind::Prepaid));
        let mut facts = facts();
        facts.confirmed_paid = 9_999_999;
        assert_eq!(codes(&evaluate(&order, &facts)), ["PAYMENT_NOT_CONFIRMED"]);
        facts.confirmed_paid = 10_000_000;
        assert!(evaluate(&order, &facts).is_open());
    }

    #[test]
    fn fin_5_tt_deposit_opens_on_the_deposit_confirmed() {
        let mut order = order(OrderKind::Export, Some(TermKind::TtDeposit));
        order.total = 10_000_001;
        assert_eq!(order.deposit_due(), 3_000_001, "rounded up");
        let mut facts = facts();
        facts.confirmed_paid = 3_000_000;
        assert_eq!(codes(&evaluate(&order, &facts)), ["DEPOSIT_NOT_CONFIRMED"]);
        facts.confirmed_paid = 3_000_001;
        assert!(evaluate(&order, &facts).is_open());
    }

    fn lc(amount: i64, reviewed: Option<NaiveDate>) -> LetterOfCredit {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let mut lc = LetterOfCredit::register(
            "o-1",
            "n",
            LcTerms {
                number: "LC-1".to_owned(),
                issuing_bank: String::new(),
                currency: cny(),
                amount,
                expiry_date: day(2027, 4, 30),
                latest_shipment_date: day(2027, 3, 15),
                required_documents: Vec::new(),
            },
            day(2027, 1, 1),
            now,
        );
        if let Some(on) = reviewed {
            for (who, role) in [("tom", "sales"), ("dora", "docs_clerk")] {
                lc.review(who, &[role.to_owned()], Vec::new(), now, on)
                    .unwrap_or_else(|e| panic!("{e}"));
            }
        }
        lc
    }

    #[test]
    fn fin_5_lc_opens_when_reviewed_twice_and_flags_a_late_review() {
        let order = order(OrderKind::Export, Some(TermKind::Lc));
        let mut facts = facts();
        assert_eq!(codes(&evaluate(&order, &facts)), ["LC_MISSING"]);

        let unreviewed = lc(10_000_000, None);
        facts.letter_of_credit = Some(&unreviewed);
        assert_eq!(codes(&evaluate(&order, &facts)), ["LC_NOT_REVIEWED"]);

        // 35 days before the delivery date of 2027-03-01.
        let early = lc(10_000_000, Some(day(2027, 1, 25)));
        facts.letter_of_credit = Some(&early);
        let gate = evaluate(&order, &facts);
        assert!(gate.is_open());
        assert!(flags(&gate).is_empty());

        // 20 days before.
        let late = lc(10_000_000, Some(day(2027, 2, 9)));
        facts.letter_of_credit = Some(&late);
        let gate = evaluate(&order, &facts);
        assert!(gate.is_open(), "late is flagged, not blocked");
        assert_eq!(flags(&gate), ["LC_LATE"]);
        assert!(gate.flags[0].description.contains("20 days"));

        let short = lc(9_000_000, Some(day(2027, 1, 25)));
        facts.letter_of_credit = Some(&short);
        assert_eq!(codes(&evaluate(&order, &facts)), ["LC_AMOUNT"]);
    }

    #[test]
    fn fin_4_an_lc_discrepancy_blocks_until_amended_and_reviewed() {
        let order = order(OrderKind::Export, Some(TermKind::Lc));
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let gate_with = |letter: &LetterOfCredit| {
            let mut facts = facts();
            facts.letter_of_credit = Some(letter);
            evaluate(&order, &facts)
        };
        let mut letter = lc(10_000_000, None);
        letter
            .review(
                "tom",
                &["sales".to_owned()],
                vec!["wrong port of loading".to_owned()],
                now,
                day(2027, 1, 2),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(codes(&gate_with(&letter)), ["LC_DISCREPANCY"]);
        letter
            .request_amendment(Vec::new(), now)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(codes(&gate_with(&letter)), ["LC_DISCREPANCY"]);
        let terms = letter.terms.clone();
        letter
            .record_amendment(terms, now)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(codes(&gate_with(&letter)), ["LC_NOT_REVIEWED"]);
        for (who, role) in [("tom", "sales"), ("dora", "docs_clerk")] {
            letter
                .review(who, &[role.to_owned()], Vec::new(), now, day(2027, 1, 10))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(gate_with(&letter).is_open());
    }

    #[test]
    fn fin_5_lc_shipment_date_must_allow_the_delivery_date() {
        let mut order = order(OrderKind::Export, Some(TermKind::Lc));
        order.delivery_date = day(2027, 3, 20);
        let letter = lc(10_000_000, Some(day(2027, 1, 2)));
        let mut facts = facts();
        facts.letter_of_credit = Some(&letter);
        assert_eq!(codes(&evaluate(&order, &facts)), ["LC_SHIPMENT_DATE"]);
    }

    #[test]
    fn fin_5_da_and_open_account_open_on_a_managers_confirmation() {
        for terms in [TermKind::Da, TermKind::OpenAccount] {
            let mut order = order(OrderKind::Export, Some(terms));
            let mut facts = facts();
            facts.credit.available = Some(50_000_000);
            assert_eq!(codes(&evaluate(&order, &facts)), ["MANAGER_CONFIRMATION"]);
            confirmed(&mut order);
            assert!(evaluate(&order, &facts).is_open(), "{terms:?}");
        }
    }

    #[test]
    fn fin_1_a_credit_order_over_the_limit_is_held_for_a_manager() {
        let mut order = order(
            OrderKind::MonthlySettlement,
            Some(TermKind::MonthlySettlement),
        );
        let mut facts = facts();
        facts.credit.available = Some(10_000_000);
        assert!(evaluate(&order, &facts).is_open(), "within the limit");
        facts.credit.available = Some(9_999_999);
        assert_eq!(codes(&evaluate(&order, &facts)), ["CREDIT_LIMIT"]);
        facts.credit.available = None;
        assert_eq!(
            codes(&evaluate(&order, &facts)),
            ["CREDIT_LIMIT"],
            "unrated"
        );
        confirmed(&mut order);
        let gate = evaluate(&order, &facts);
        assert!(gate.is_open());
        assert_eq!(flags(&gate), ["CREDIT_LIMIT"], "the override stays visible");
    }

    #[test]
    fn apr_5_special_kinds_open_on_their_sign_off() {
        for kind in [
            OrderKind::FreeSample,
            OrderKind::ReshipZeroProfit,
            OrderKind::ReshipNegativeProfit,
        ] {
            let mut order = order(kind, None);
            order.total = 0;
            let gate = evaluate(&order, &facts());
            assert!(gate.is_open(), "{kind:?}: {:?}", gate.blockers);
            assert!(gate.rule.contains("gm and finance"));
        }
    }

    #[test]
    fn fin_12_a_reships_gate_says_who_bears_its_cost_and_what_it_replaces() {
        for kind in [OrderKind::ReshipZeroProfit, OrderKind::ReshipNegativeProfit] {
            let mut order = order(kind, None);
            order.total = 0;
            order.replaces_order_id = "o-0".to_owned();
            order.cost_bearer = Some(CostBearer::Us);
            let gate = evaluate(&order, &facts());
            assert!(gate.is_open(), "{kind:?}: {:?}", gate.blockers);
            assert!(
                gate.rule
                    .contains("cost borne by us, replacing orders/o-0 (FIN-12)"),
                "{}",
                gate.rule
            );
        }
        let mut carriers = order(OrderKind::ReshipZeroProfit, None);
        carriers.cost_bearer = Some(CostBearer::Carrier);
        let gate = evaluate(&carriers, &facts());
        assert!(
            gate.rule.contains("cost borne by carrier (FIN-12)"),
            "{}",
            gate.rule
        );
    }

    #[test]
    fn ord_20_a_standard_order_waits_for_its_confirmed_sales_detail() {
        let order = order(OrderKind::Standard, Some(TermKind::Prepaid));
        let mut facts = facts();
        facts.confirmed_paid = 10_000_000;
        assert_eq!(
            codes(&evaluate(&order, &facts)),
            ["SALES_DETAIL_NOT_CONFIRMED"]
        );
        facts.sales_detail_confirmed = true;
        assert!(evaluate(&order, &facts).is_open());
    }

    #[test]
    fn kinds_that_sell_nothing_open_at_once() {
        for kind in [OrderKind::MaterialPrep, OrderKind::SelfStock] {
            assert!(evaluate(&order(kind, None), &facts()).is_open());
        }
    }

    #[test]
    fn fin_6_the_balance_is_paid_before_shipment_where_the_terms_say_so() {
        let today = day(2027, 2, 20);
        let mut order = order(OrderKind::Export, Some(TermKind::TtDeposit));
        assert_eq!(
            codes(&shipment(&order, 10_000_000, None, today)),
            ["NOT_RELEASED"]
        );
        order.stage = Stage::Released;
        assert_eq!(
            codes(&shipment(&order, 3_000_000, None, today)),
            ["BALANCE_NOT_CONFIRMED"]
        );
        assert!(shipment(&order, 10_000_000, None, today).is_open());
        for credit in [
            TermKind::Da,
            TermKind::OpenAccount,
            TermKind::MonthlySettlement,
        ] {
            let mut order = self::order(OrderKind::Export, Some(credit));
            order.stage = Stage::Released;
            assert!(shipment(&order, 0, None, today).is_open(), "{credit:?}");
        }
        let mut lc_order = self::order(OrderKind::Export, Some(TermKind::Lc));
        lc_order.stage = Stage::Released;
        assert_eq!(
            codes(&shipment(&lc_order, 0, None, today)),
            ["LC_NOT_ACCEPTED"]
        );
        let accepted = lc(10_000_000, Some(day(2027, 1, 10)));
        assert!(shipment(&lc_order, 0, Some(&accepted), today).is_open());
        assert_eq!(
            codes(&shipment(&lc_order, 0, Some(&accepted), day(2027, 3, 16))),
            ["LC_SHIPMENT_DATE_PASSED"]
        );
        assert_eq!(
            codes(&shipment(&lc_order, 0, Some(&accepted), day(2027, 5, 1))),
            ["LC_EXPIRED"]
        );
    }
}
