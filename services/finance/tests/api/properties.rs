//! A property over random sequences of refunds (with goods back or
//! without) and cancellations on a paid order (FIN-7, FIN-8, AFS-6): the
//! ledger's net is what was sold less what was refunded or returned — zero
//! once the sale is cancelled — never below zero, and the refunded total
//! never exceeds what was paid (a request beyond it is refused and changes
//! nothing).

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};

use orderflow_platform::backend_tests;
use orderflow_platform::grpc::convert::timestamp;
use orderflow_platform::testing::Backend;
use orderflow_proto::finance::v1 as pb;
use orderflow_proto::orders::v1 as orders;
use orders::{OrderKind, OrderState, PaymentTermKind as Term};
use tonic::Code;

use crate::support::*;

backend_tests!(fin_7_fin_8_the_ledger_nets_to_sold_less_refunded_never_below_zero_for_any_sequence,);

/// The order's value and what was paid: 10,000,000.
const SOLD: i64 = 10_000_000;

#[derive(Debug, Clone)]
enum Step {
    /// A refund of this amount; with goods back (a return) or without.
    Refund { amount: i64, goods: bool },
    /// The order cancelled (before shipment).
    Cancel,
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    proptest::collection::vec(
        prop_oneof![
            3 => (1i64..5_000_000, any::<bool>())
                .prop_map(|(amount, goods)| Step::Refund { amount, goods }),
            1 => Just(Step::Cancel),
        ],
        1..6,
    )
}

async fn net(app: &TestApp, order: &orders::Order) -> i64 {
    ledger(app, order)
        .await
        .totals
        .iter()
        .map(|total| total.minor_units)
        .sum()
}

async fn fin_7_fin_8_the_ledger_nets_to_sold_less_refunded_never_below_zero_for_any_sequence(
    backend: Backend,
) {
    let app = spawn_finance(backend).await;
    // Reproducible sequences (the same on every run); no shrinking, so a
    // failure prints the whole sequence.
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    // A partial refund before the cancellation first: the correction takes
    // off only what is left of the sale.
    let mut sequences = vec![vec![
        Step::Refund {
            amount: 2_000_000,
            goods: false,
        },
        Step::Cancel,
        Step::Refund {
            amount: 8_000_000,
            goods: false,
        },
    ]];
    for _ in 0..10 {
        sequences.push(
            steps()
                .new_tree(&mut runner)
                .unwrap_or_else(|error| panic!("{error}"))
                .current(),
        );
    }
    for sequence in sequences {
        let order = awaiting_payment(
            &app,
            &OrderSpec::new(OrderKind::Export, Some((Term::Prepaid, 0))),
        )
        .await;
        let payment =
            record_payment(&mut app.sales().await, &order, pb::PaymentKind::Full, SOLD).await;
        confirm_payment(&app, &payment).await;
        app.quiescent().await;
        let mut refunded = 0;
        let mut cancelled = false;
        let mut last = order.clone();
        for step in &sequence {
            match step {
                Step::Cancel if !cancelled => {
                    last = moved(&last, OrderState::Cancelled);
                    app.order_event("cancelled", &last).await;
                    cancelled = true;
                }
                Step::Cancel => {}
                Step::Refund { amount, goods } => {
                    let asked = app
                        .client("cathy", &["customer_service"])
                        .await
                        .request_refund(pb::RequestRefundRequest {
                            order_id: order.id.clone(),
                            amount: Some(cny(*amount)),
                            reason: "property".to_owned(),
                            handling: "property".to_owned(),
                            method: pb::RefundMethod::BankTransfer.into(),
                            goods_received_time: goods.then(|| timestamp(start_time())),
                            ..Default::default()
                        })
                        .await;
                    if refunded + amount > SOLD {
                        let status = asked.err().unwrap_or_else(|| {
                            panic!("{sequence:?}: a refund beyond what was paid was taken")
                        });
                        assert_eq!(status.code(), Code::FailedPrecondition, "{sequence:?}");
                        continue;
                    }
                    let refund = asked
                        .unwrap_or_else(|s| panic!("{sequence:?}: {s:?}"))
                        .into_inner();
                    app.refund_decided(&refund.id, true, true).await;
                    app.quiescent().await;
                    app.finance()
                        .await
                        .execute_refund(pb::ExecuteRefundRequest {
                            refund_id: refund.id.clone(),
                            execution_reference: "BANK".to_owned(),
                            ..Default::default()
                        })
                        .await
                        .unwrap_or_else(|s| panic!("{sequence:?}: {s:?}"));
                    refunded += amount;
                }
            }
            app.quiescent().await;
            let net = net(&app, &order).await;
            let expected = if cancelled { 0 } else { SOLD - refunded };
            assert!(net >= 0, "{sequence:?}: the net went below zero: {net}");
            assert_eq!(net, expected, "{sequence:?}: after {step:?}");
            assert!(refunded <= SOLD, "{sequence:?}");
        }
    }
}
