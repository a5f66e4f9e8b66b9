use chrono::{Duration, TimeZone};

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0)
        .single()
        .unwrap_or_default()
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default()
}

fn sales() -> Actor {
    Actor::new("alice", &["sales"])
}

fn input(kind: OrderKind, unit_price: i64) -> OrderInput {
    OrderInput {
        kind: Choice::Value(kind),
        channel: String::new(),
        customer_id: uuid::Uuid::now_v7().to_string(),
        currency_code: "CNY".to_owned(),
        lines: vec![LineInput {
            sku: "PUMP-100".to_owned(),
            description: "Water pump".to_owned(),
            quantity: 3,
            unit_price_currency: "CNY".to_owned(),
            unit_price,
            kit: None,
            fit: (kind == OrderKind::MadeToMeasure).then(|| jacket(JACKET)),
        }],
        requested_delivery_date: "2026-04-01".to_owned(),
        payment_terms: kind.is_sale().then_some(PaymentTermsInput {
            kind: Choice::Value(if kind == OrderKind::MonthlySettlement {
                PaymentTermKind::MonthlySettlement
            } else {
                PaymentTermKind::Prepaid
            }),
            deposit_percent: 0,
            prepayment_clause: false,
            commission_clause: false,
        }),
        salesperson: String::new(),
        ship_to: Some(complete_address()),
        buyer_message: String::new(),
        seller_note: String::new(),
        special_requirements: String::new(),
        special_custom: false,
        replaces_order_id: if kind.replaces_an_order() {
            uuid::Uuid::now_v7().to_string()
        } else {
            String::new()
        },
        cost_bearer: if kind.replaces_an_order() && kind != OrderKind::Return {
            Choice::Value(CostBearer::Us)
        } else {
            Choice::Unspecified
        },
        customer_po_number: String::new(),
        export_contract: ExportContractInput::default(),
    }
}

pub(crate) fn complete_address() -> Address {
    Address {
        recipient_name: "Li Lei".to_owned(),
        phone: "+86 138 0013 8000".to_owned(),
        country_code: "CN".to_owned(),
        region: "Zhejiang".to_owned(),
        city: "Hangzhou".to_owned(),
        district: "Xihu".to_owned(),
        street: "1 Wensan Road".to_owned(),
        postal_code: "310000".to_owned(),
    }
}

fn violated_fields(result: Result<NewOrder, OrderError>) -> Vec<String> {
    match result {
        Err(OrderError::InvalidInput(violations)) => {
            violations.into_iter().map(|v| v.field).collect()
        }
        other => panic!("expected invalid input, got {other:?}"),
    }
}

pub(crate) fn order(kind: OrderKind, unit_price: i64) -> Order {
    let new = NewOrder::parse(&input(kind, unit_price), &sales(), today(), "")
        .unwrap_or_else(|error| panic!("{error}"));
    Order::create(
        new,
        "id-1".to_owned(),
        "2026030200000001".to_owned(),
        &Address::default(),
        &sales(),
        now(),
    )
}

#[test]
fn ord_4_only_the_lifecycle_transitions_exist() {
    use Action as A;
    use OrderState as S;
    let allowed: &[(S, A, S)] = &[
        (S::Draft, A::Edit, S::Draft),
        (S::Draft, A::Submit, S::Submitted),
        (S::Submitted, A::Confirm, S::PendingApproval),
        (S::Submitted, A::Reject, S::Rejected),
        (S::Submitted, A::Revise, S::Draft),
        (S::Rejected, A::Revise, S::Draft),
        (S::PendingApproval, A::PassApproval, S::AwaitingPayment),
        (S::PendingApproval, A::FailApproval, S::Rejected),
        (S::AwaitingPayment, A::Release, S::Released),
        (S::Released, A::StartProduction, S::InProduction),
        (S::Released, A::MarkReadyToShip, S::ReadyToShip),
        (S::InProduction, A::MarkReadyToShip, S::ReadyToShip),
        (S::ReadyToShip, A::Ship, S::Shipped),
        (S::Shipped, A::Deliver, S::Delivered),
        (S::Delivered, A::Complete, S::Completed),
        (S::Draft, A::Cancel, S::Cancelled),
        (S::Submitted, A::Cancel, S::Cancelled),
        (S::PendingApproval, A::Cancel, S::Cancelled),
        (S::AwaitingPayment, A::Cancel, S::Cancelled),
        (S::Released, A::Cancel, S::Cancelled),
        (S::InProduction, A::Cancel, S::Cancelled),
        (S::ReadyToShip, A::Cancel, S::Cancelled),
        (S::Rejected, A::Cancel, S::Cancelled),
        (S::Draft, A::Close, S::Closed),
        (S::Submitted, A::Close, S::Closed),
        (S::PendingApproval, A::Close, S::Closed),
        (S::AwaitingPayment, A::Close, S::Closed),
        (S::Rejected, A::Close, S::Closed),
    ];
    let actions = [
        A::Edit,
        A::Submit,
        A::Confirm,
        A::Reject,
        A::Revise,
        A::PassApproval,
        A::FailApproval,
        A::Release,
        A::StartProduction,
        A::MarkReadyToShip,
        A::Ship,
        A::Deliver,
        A::Complete,
        A::Cancel,
        A::Close,
    ];
    for &state in OrderState::ALL {
        for action in actions {
            let expected = allowed
                .iter()
                .find(|(from, via, _)| *from == state && *via == action)
                .map(|(_, _, to)| *to);
            match (state.apply(action), expected) {
                (Ok(next), Some(to)) => assert_eq!(next, to, "{state} --{action:?}"),
                (Err(error), None)
                    if error.precondition_kinds() == [crate::domain::error::ILLEGAL_TRANSITION] => {
                }
                (outcome, expected) => {
                    panic!("{state} --{action:?}: got {outcome:?}, expected {expected:?}")
                }
            }
        }
    }
}

#[test]
fn ord_1_each_kind_has_its_price_rule() {
    let cases = [
        (OrderKind::Standard, 100, true),
        (OrderKind::Standard, 0, false),
        (OrderKind::Export, -1, false),
        (OrderKind::MonthlySettlement, 100, true),
        (OrderKind::MadeToMeasure, 0, false),
        (OrderKind::FreeSample, 0, true),
        (OrderKind::FreeSample, 100, false),
        (OrderKind::MaterialPrep, 0, true),
        (OrderKind::SelfStock, 5, false),
        (OrderKind::ReshipZeroProfit, 0, true),
        (OrderKind::ReshipZeroProfit, 80, true),
        (OrderKind::ReshipNegativeProfit, -1, false),
        (OrderKind::Return, -100, true),
        (OrderKind::Return, 100, false),
    ];
    for (kind, price, valid) in cases {
        let result = NewOrder::parse(&input(kind, price), &sales(), today(), "");
        assert_eq!(result.is_ok(), valid, "{kind} at {price}: {result:?}");
        if !valid {
            assert_eq!(
                violated_fields(result),
                vec!["lines[0].unit_price.minor_units"]
            );
        }
    }
}

#[test]
fn ord_3_every_bad_field_is_named() {
    let mut bad = input(OrderKind::Standard, 100);
    bad.kind = Choice::Unknown(42);
    bad.customer_id = "not-an-id".to_owned();
    bad.currency_code = "XXQ".to_owned();
    bad.lines.push(LineInput {
        sku: "   ".to_owned(),
        description: String::new(),
        quantity: 0,
        unit_price_currency: "USD".to_owned(),
        unit_price: 5,
        kit: None,
        fit: None,
    });
    bad.requested_delivery_date = "2026-02-01".to_owned();
    bad.payment_terms = Some(PaymentTermsInput {
        kind: Choice::Value(PaymentTermKind::TtDeposit),
        deposit_percent: 0,
        prepayment_clause: false,
        commission_clause: false,
    });
    let fields = violated_fields(NewOrder::parse(&bad, &sales(), today(), ""));
    assert_eq!(
        fields,
        vec![
            "kind",
            "customer_id",
            "currency_code",
            "lines[1].sku",
            "lines[1].quantity",
            "requested_delivery_date",
            "payment_terms.deposit_percent",
        ]
    );
}

#[test]
fn ord_1_an_order_needs_a_line_and_totals_cannot_overflow() {
    let mut empty = input(OrderKind::Standard, 100);
    empty.lines.clear();
    assert_eq!(
        violated_fields(NewOrder::parse(&empty, &sales(), today(), "")),
        vec!["lines"]
    );

    let mut huge = input(OrderKind::Standard, i64::MAX / 2);
    huge.lines[0].quantity = 3;
    let fields = violated_fields(NewOrder::parse(&huge, &sales(), today(), ""));
    assert!(
        fields.contains(&"lines[0].unit_price.minor_units".to_owned()),
        "{fields:?}"
    );
}

#[test]
fn fin_2_payment_terms_fit_the_kind() {
    let mut monthly = input(OrderKind::MonthlySettlement, 100);
    monthly.payment_terms = Some(PaymentTermsInput {
        kind: Choice::Value(PaymentTermKind::Prepaid),
        deposit_percent: 0,
        prepayment_clause: false,
        commission_clause: false,
    });
    assert_eq!(
        violated_fields(NewOrder::parse(&monthly, &sales(), today(), "")),
        vec!["payment_terms.kind"]
    );

    let mut sample = input(OrderKind::FreeSample, 0);
    sample.payment_terms = monthly.payment_terms;
    assert_eq!(
        violated_fields(NewOrder::parse(&sample, &sales(), today(), "")),
        vec!["payment_terms.kind"]
    );

    let mut no_terms = input(OrderKind::Export, 100);
    no_terms.payment_terms = None;
    assert_eq!(
        violated_fields(NewOrder::parse(&no_terms, &sales(), today(), "")),
        vec!["payment_terms.kind"]
    );

    let mut deposit = input(OrderKind::Standard, 100);
    deposit.payment_terms = Some(PaymentTermsInput {
        kind: Choice::Value(PaymentTermKind::TtDeposit),
        deposit_percent: 30,
        prepayment_clause: false,
        commission_clause: false,
    });
    let parsed = NewOrder::parse(&deposit, &sales(), today(), "").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parsed.payment_terms.map(|t| t.deposit_percent), Some(30));
}

#[test]
fn fin_12_reships_record_who_bears_the_cost() {
    let mut zero = input(OrderKind::ReshipZeroProfit, 0);
    zero.cost_bearer = Choice::Unspecified;
    assert_eq!(
        violated_fields(NewOrder::parse(&zero, &sales(), today(), "")),
        vec!["cost_bearer"]
    );
    zero.cost_bearer = Choice::Value(CostBearer::Carrier);
    assert!(NewOrder::parse(&zero, &sales(), today(), "").is_ok());

    let mut negative = input(OrderKind::ReshipNegativeProfit, 0);
    negative.cost_bearer = Choice::Value(CostBearer::Customer);
    assert_eq!(
        violated_fields(NewOrder::parse(&negative, &sales(), today(), "")),
        vec!["cost_bearer"]
    );

    let mut standard = input(OrderKind::Standard, 100);
    standard.cost_bearer = Choice::Value(CostBearer::Us);
    assert_eq!(
        violated_fields(NewOrder::parse(&standard, &sales(), today(), "")),
        vec!["cost_bearer"]
    );
}

#[test]
fn ord_14_reships_and_returns_name_the_order_they_replace() {
    let mut reship = input(OrderKind::ReshipZeroProfit, 0);
    reship.replaces_order_id = String::new();
    assert_eq!(
        violated_fields(NewOrder::parse(&reship, &sales(), today(), "")),
        vec!["replaces_order_id"]
    );
}

#[test]
fn ord_6_a_shipped_order_is_never_cancelled() {
    let mut shipped = order(OrderKind::Standard, 100);
    shipped.state = OrderState::Shipped;
    match shipped.cancel("customer changed their mind", now()) {
        Err(OrderError::PreconditionFailed(unmet)) => {
            assert_eq!(unmet[0].kind, "ALREADY_SHIPPED");
            assert!(unmet[0].description.contains("return"));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let mut draft = order(OrderKind::Standard, 100);
    assert!(matches!(
        draft.cancel("  ", now()),
        Err(OrderError::InvalidInput(_))
    ));
    assert_eq!(
        draft.cancel("duplicate", now()).ok(),
        Some(OrderState::Draft)
    );
    assert_eq!(draft.state, OrderState::Cancelled);
}

#[test]
fn ord_7_edits_before_review_are_kept_and_after_review_refused() {
    let mut submitted = order(OrderKind::Standard, 100);
    submitted
        .submit(Duration::hours(1), now())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut update = submitted.to_input();
    update.lines[0].quantity = 5;
    let (from, changed) = submitted
        .edit(&["lines".to_owned()], &update, &sales(), today(), now())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(from, OrderState::Submitted);
    assert_eq!(
        submitted.state,
        OrderState::Draft,
        "a revised order is submitted again"
    );
    assert_eq!(changed, vec!["lines"]);
    assert_eq!(submitted.total, 500);
    assert_eq!(submitted.revision, 2);

    let mut confirmed = order(OrderKind::Standard, 100);
    confirmed.state = OrderState::PendingApproval;
    match confirmed.edit(&["lines".to_owned()], &update, &sales(), today(), now()) {
        Err(OrderError::PreconditionFailed(unmet)) => {
            assert_eq!(unmet[0].kind, "EDIT_AFTER_REVIEW")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn ord_7_an_edit_names_only_editable_fields_and_only_the_owner_edits() {
    let mut draft = order(OrderKind::Standard, 100);
    let update = draft.to_input();
    assert!(matches!(
        draft.edit(&["kind".to_owned()], &update, &sales(), today(), now()),
        Err(OrderError::InvalidInput(_))
    ));
    let stranger = Actor::new("bob", &["sales"]);
    assert!(matches!(
        draft.edit(
            &["seller_note".to_owned()],
            &update,
            &stranger,
            today(),
            now()
        ),
        Err(OrderError::PermissionDenied(_))
    ));
    let assistant = Actor::new("carol", &["sales_assistant"]);
    assert!(
        draft
            .edit(
                &["seller_note".to_owned()],
                &update,
                &assistant,
                today(),
                now()
            )
            .is_ok()
    );
}

#[test]
fn ord_5_review_needs_a_complete_ship_to() {
    let mut submitted = order(OrderKind::Standard, 100);
    submitted.ship_to.phone.clear();
    submitted.state = OrderState::Submitted;
    match submitted.review(&sales(), &BTreeMap::new(), false) {
        Err(OrderError::PreconditionFailed(unmet)) => {
            assert_eq!(unmet.len(), 1);
            assert_eq!(unmet[0].subject, "ship_to.phone");
        }
        other => panic!("expected missing phone, got {other:?}"),
    }
}

#[test]
fn ord_5_a_price_off_the_list_needs_a_sales_supervisor() {
    let mut submitted = order(OrderKind::Standard, 100);
    submitted.state = OrderState::Submitted;
    let prices = BTreeMap::from([("PUMP-100".to_owned(), 120)]);
    let assistant = Actor::new("carol", &["sales_assistant"]);
    let expected = vec![PriceDeviation {
        line_no: 1,
        unit_price: 100,
        list_price: 120,
    }];
    assert_eq!(
        submitted.review(&assistant, &prices, true).ok(),
        Some(Review::NeedsSupervisor {
            deviations: expected.clone()
        })
    );
    let supervisor = Actor::new("dave", &["sales_supervisor"]);
    assert_eq!(
        submitted.review(&supervisor, &prices, false).ok(),
        Some(Review::NeedsSupervisor {
            deviations: expected.clone()
        }),
        "the supervisor must accept explicitly"
    );
    assert_eq!(
        submitted.review(&supervisor, &prices, true).ok(),
        Some(Review::Passed {
            accepted_deviations: expected
        })
    );
    let matching = BTreeMap::from([("PUMP-100".to_owned(), 100)]);
    assert_eq!(
        submitted.review(&assistant, &matching, false).ok(),
        Some(Review::Passed {
            accepted_deviations: vec![]
        })
    );
}

#[test]
fn ord_5_free_samples_are_not_compared_with_the_price_list() {
    let mut sample = order(OrderKind::FreeSample, 0);
    sample.state = OrderState::Submitted;
    let prices = BTreeMap::from([("PUMP-100".to_owned(), 120)]);
    assert_eq!(
        sample.review(&sales(), &prices, false).ok(),
        Some(Review::Passed {
            accepted_deviations: vec![]
        })
    );
}

#[test]
fn sla_1_an_unconfirmed_order_is_overdue_once() {
    let mut submitted = order(OrderKind::Standard, 100);
    submitted
        .submit(Duration::hours(1), now())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!submitted.mark_confirmation_overdue(now() + Duration::minutes(59)));
    assert!(submitted.mark_confirmation_overdue(now() + Duration::minutes(61)));
    assert!(!submitted.mark_confirmation_overdue(now() + Duration::minutes(62)));
}

#[test]
fn ord_15_only_closed_or_finished_orders_are_copied() {
    let draft = order(OrderKind::Standard, 100);
    assert!(matches!(
        draft.copy_as_new("id-2".to_owned(), "n".to_owned(), &sales(), now()),
        Err(OrderError::PreconditionFailed(_))
    ));
    let mut cancelled = draft.clone();
    cancelled.state = OrderState::Cancelled;
    let copy = cancelled
        .copy_as_new(
            "id-2".to_owned(),
            "2026030200000002".to_owned(),
            &sales(),
            now(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(copy.state, OrderState::Draft);
    assert_eq!(copy.copied_from_order_id.as_deref(), Some("id-1"));
    assert_eq!(copy.lines, cancelled.lines);
    assert_eq!(copy.number, "2026030200000002");
}

#[test]
fn kinds_map_to_their_approval_chains() {
    assert_eq!(OrderKind::Standard.approval_chain(), None);
    assert_eq!(OrderKind::Export.approval_chain(), Some("export_contract"));
    assert_eq!(
        OrderKind::FreeSample.approval_chain(),
        Some("special_order")
    );
    assert_eq!(
        OrderKind::MaterialPrep.approval_chain(),
        Some("material_prep")
    );
    assert_eq!(
        OrderKind::MadeToMeasure.approval_chain(),
        Some("made_to_measure")
    );
}

fn cost(name: &str, currency_code: &str, amount: i64) -> CostEstimateInput {
    CostEstimateInput {
        name: name.to_owned(),
        currency_code: currency_code.to_owned(),
        amount,
    }
}

#[test]
fn apr_2_an_export_order_carries_its_factory_contract_and_estimated_costs() {
    let mut export = input(OrderKind::Export, 10_000);
    export.export_contract = ExportContractInput {
        factory_contract_number: " FC-2026-031 ".to_owned(),
        estimated_costs: vec![
            cost("freight", "", 120_000),
            cost("commission", "CNY", 50_000),
        ],
    };
    let parsed =
        NewOrder::parse(&export, &sales(), today(), "").unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        parsed.export_contract.factory_contract_number,
        "FC-2026-031"
    );
    assert_eq!(
        parsed.export_contract.estimated_costs,
        vec![
            CostEstimate {
                name: "freight".to_owned(),
                amount: 120_000
            },
            CostEstimate {
                name: "commission".to_owned(),
                amount: 50_000
            },
        ]
    );

    // Every fault named: a blank name, a name twice, a negative amount,
    // another currency.
    export.export_contract.estimated_costs = vec![
        cost("", "", 1),
        cost("Freight", "", 1),
        cost("freight", "", -5),
        cost("duties", "USD", 1),
    ];
    let Err(OrderError::InvalidInput(violations)) = NewOrder::parse(&export, &sales(), today(), "")
    else {
        panic!("accepted");
    };
    let mut fields: Vec<&str> = violations.iter().map(|v| v.field.as_str()).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "estimated_costs[0].name",
            "estimated_costs[2].amount",
            "estimated_costs[2].name",
            "estimated_costs[3].amount.currency_code",
        ]
    );

    // Only export orders carry the form.
    let mut standard = input(OrderKind::Standard, 10_000);
    standard.export_contract.factory_contract_number = "FC-1".to_owned();
    let Err(OrderError::InvalidInput(violations)) =
        NewOrder::parse(&standard, &sales(), today(), "")
    else {
        panic!("a standard order took an export contract review form");
    };
    assert_eq!(violations[0].field, "factory_contract_number");
}

#[test]
fn ord_20_an_order_abroad_goes_to_the_overseas_warehouse_only_when_it_holds_all_of_it() {
    let mut order = order(OrderKind::Standard, 10_000);
    order.ship_to.country_code = "CN".to_owned();
    assert_eq!(order.fulfilment_warehouse(true), FINISHED_GOODS_WAREHOUSE);
    order.ship_to.country_code = "de".to_owned();
    assert!(order.ships_abroad());
    assert_eq!(order.fulfilment_warehouse(true), OVERSEAS_WAREHOUSE);
    assert_eq!(
        order.fulfilment_warehouse(false),
        FINISHED_GOODS_WAREHOUSE,
        "short overseas: finished goods, where shortages go to production"
    );
}

/// A made-to-measure jacket with the measurements given.
fn jacket(measurements: &[(&str, i32)]) -> Fit {
    Fit {
        category: "jacket".to_owned(),
        pattern: "SB-2B-notch".to_owned(),
        measurements: measurements
            .iter()
            .map(|(name, mm)| ((*name).to_owned(), *mm))
            .collect(),
    }
}

const JACKET: &[(&str, i32)] = &[
    ("chest", 1020),
    ("waist", 880),
    ("hip", 1000),
    ("shoulder", 460),
    ("sleeve", 620),
    ("back_length", 760),
];

#[test]
fn s10_a_made_to_measure_garment_needs_its_category_pattern_and_measurements_in_range() {
    let made_to_measure = |fit: Option<Fit>| {
        let mut input = input(OrderKind::MadeToMeasure, 380_000);
        input.lines[0].fit = fit;
        input
    };
    assert!(input(OrderKind::MadeToMeasure, 1).lines[0].fit.is_some());
    let parse = |input: &OrderInput| NewOrder::parse(input, &sales(), today(), "");
    assert!(parse(&made_to_measure(Some(jacket(JACKET)))).is_ok());
    let fields = |input: &OrderInput| match parse(input) {
        Err(OrderError::InvalidInput(violations)) => {
            violations.into_iter().map(|v| v.field).collect::<Vec<_>>()
        }
        other => panic!("expected a refusal, got {other:?}"),
    };
    assert_eq!(fields(&made_to_measure(None)), ["lines[0].fit"]);
    // A sleeve of 2 m, no hip, and an inseam a jacket does not take.
    let mut odd: Vec<(&str, i32)> = JACKET
        .iter()
        .copied()
        .filter(|(name, _)| *name != "hip")
        .collect();
    odd.retain(|(name, _)| *name != "sleeve");
    odd.push(("sleeve", 2000));
    odd.push(("inseam", 800));
    assert_eq!(
        fields(&made_to_measure(Some(jacket(&odd)))),
        [
            "lines[0].fit.measurements.inseam",
            "lines[0].fit.measurements.hip",
            "lines[0].fit.measurements.sleeve",
        ]
    );
    let mut cape = jacket(JACKET);
    cape.category = "cape".to_owned();
    cape.pattern = String::new();
    assert_eq!(
        fields(&made_to_measure(Some(cape))),
        ["lines[0].fit.pattern", "lines[0].fit.category"]
    );
    // A standard order's line has no fit.
    let mut standard = input(OrderKind::Standard, 10_000);
    standard.lines[0].fit = Some(jacket(JACKET));
    assert_eq!(fields(&standard), ["lines[0].fit"]);
}

#[test]
fn s10_only_its_manufacturer_ships_a_garment_and_only_a_paid_one_is_picked_up() {
    let mut garment = order(OrderKind::MadeToMeasure, 380_000);
    garment.state = OrderState::InProduction;
    garment.manufacturer_code = "TAILORS".to_owned();
    assert!(matches!(
        garment.ship_to_store(Some("STITCHCO"), "SF", "SF1", now()),
        Err(OrderError::NotFound { .. })
    ));
    assert!(matches!(
        garment.ship_to_store(None, "SF", "SF1", now()),
        Err(OrderError::NotFound { .. })
    ));
    assert_eq!(
        garment
            .ship_to_store(Some("TAILORS"), "SF", "SF1", now())
            .ok(),
        Some(OrderState::InProduction)
    );
    assert_eq!(garment.state, OrderState::Shipped);
    assert!(garment.store_received(now()).is_ok());
    garment.amount_paid = 114_000;
    let unpaid = garment.picked_up(now());
    assert!(
        unpaid
            .as_ref()
            .err()
            .is_some_and(|e| e.precondition_kinds() == ["NOT_PAID"]),
        "{unpaid:?}"
    );
    garment.amount_paid = garment.total;
    assert!(garment.picked_up(now()).is_ok());
    assert_eq!(garment.state, OrderState::Completed);
    // A standard order is neither shipped to a store nor picked up there.
    let mut standard = order(OrderKind::Standard, 10_000);
    standard.state = OrderState::Shipped;
    assert!(standard.store_received(now()).is_err());
}

#[test]
fn ord_9_orders_of_two_shop_channels_are_not_one_sale() {
    let mut tmall = order(OrderKind::Standard, 100);
    tmall.channel = "tmall-flagship".to_owned();
    let mut jd = tmall.clone();
    jd.id = uuid::Uuid::now_v7().to_string();
    jd.channel = "jd-store".to_owned();
    let refused = Order::merge(
        &[tmall.clone(), jd.clone()],
        uuid::Uuid::now_v7().to_string(),
        "M-1".to_owned(),
        &sales(),
        now(),
    );
    match refused {
        Err(OrderError::PreconditionFailed(unmet)) => {
            assert_eq!(unmet.len(), 1, "{unmet:?}");
            assert_eq!(unmet[0].kind, "MERGE_MISMATCH");
            assert!(unmet[0].description.contains("channel"), "{unmet:?}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    jd.channel = tmall.channel.clone();
    let merged = Order::merge(
        &[tmall.clone(), jd],
        uuid::Uuid::now_v7().to_string(),
        "M-2".to_owned(),
        &sales(),
        now(),
    )
    .unwrap_or_else(|error| panic!("{error:?}"));
    assert_eq!(merged.channel, tmall.channel);
}

#[test]
fn a_report_ahead_of_the_order_is_one_of_a_step_it_has_not_reached_yet() {
    use OrderState::*;
    assert!(Released.is_short_of(ReadyToShip));
    assert!(InProduction.is_short_of(ReadyToShip));
    assert!(!ReadyToShip.is_short_of(ReadyToShip));
    assert!(ReadyToShip.is_short_of(Shipped));
    assert!(Shipped.is_short_of(Delivered));
    assert!(!Delivered.is_short_of(Delivered));
    // Not on the way (not released, or ended): nothing to wait for.
    assert!(!AwaitingPayment.is_short_of(Shipped));
    assert!(!Cancelled.is_short_of(Shipped));
    assert!(!Completed.is_short_of(Delivered));
}
