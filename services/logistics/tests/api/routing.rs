//! LOG-1: routing rules are data; the defaults are the company's.

use orderflow_platform::backend_tests;
use orderflow_platform::testing::Backend;
use orderflow_proto::logistics::v1 as pb;
use std::time::Duration;

use orderflow_platform::testing;
use orderflow_proto::orders::v1 as orders;
use tonic::Code;

use crate::support::*;

backend_tests!(
    log_1_hangzhou_goes_by_ttkd_chengdu_by_ems_and_a_new_rule_takes_effect_at_once,
    log_1_ord_9_a_changed_address_chooses_again_and_an_override_needs_a_reason,
    log_7_a_return_pickup_is_scheduled_with_the_carrier_for_its_address,
    a_repeated_pickup_request_returns_the_first_pickup_and_schedules_nothing_more,
);

async fn choose(client: &mut Client, region: &str, city: &str) -> pb::CarrierChoice {
    client
        .choose_carrier(pb::ChooseCarrierRequest {
            address: Some(address(region, city)),
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
}

async fn log_1_hangzhou_goes_by_ttkd_chengdu_by_ems_and_a_new_rule_takes_effect_at_once(
    backend: Backend,
) {
    let app = spawn_logistics(backend).await;
    let mut client = app.logistics().await;
    let hangzhou = choose(&mut client, "Zhejiang", "Hangzhou").await;
    assert_eq!(hangzhou.carrier.map(|c| c.code), Some("TTKD".to_owned()));
    assert_eq!(hangzhou.matched_rule, "江浙沪皖 → 天天快递");
    let chengdu = choose(&mut client, "四川省", "成都").await;
    assert_eq!(chengdu.carrier.map(|c| c.code), Some("EMS".to_owned()));
    assert_eq!(chengdu.matched_rule, "default");

    // A new carrier for the south-west, in effect without a restart.
    client
        .create_carrier(pb::CreateCarrierRequest {
            carrier: Some(pb::Carrier {
                code: "sf".to_owned(),
                name: "SF Express".to_owned(),
                promised_days: 2,
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let current = client
        .get_routing_rules(pb::GetRoutingRulesRequest {})
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let mut rules = current.rules.clone();
    rules.push(pb::RoutingRule {
        regions: vec!["Sichuan".to_owned(), "Chongqing".to_owned()],
        country_codes: vec!["CN".to_owned()],
        carrier_code: "SF".to_owned(),
        name: "south-west → SF".to_owned(),
    });
    let replaced = client
        .set_routing_rules(pb::SetRoutingRulesRequest {
            rules: rules.clone(),
            default_carrier_code: "EMS".to_owned(),
            base_version: current.version,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(replaced.version, current.version + 1);
    let chengdu = choose(&mut client, "四川省", "成都").await;
    assert_eq!(chengdu.carrier.map(|c| c.code), Some("SF".to_owned()));
    let hangzhou = choose(&mut client, "Zhejiang", "Hangzhou").await;
    assert_eq!(hangzhou.carrier.map(|c| c.code), Some("TTKD".to_owned()));

    // A stale version, an unknown carrier, the wrong role: refused.
    let stale = client
        .set_routing_rules(pb::SetRoutingRulesRequest {
            rules: rules.clone(),
            default_carrier_code: "EMS".to_owned(),
            base_version: current.version,
            ..Default::default()
        })
        .await
        .err()
        .map(|s| s.code());
    assert_eq!(stale, Some(Code::FailedPrecondition));
    let unknown = client
        .set_routing_rules(pb::SetRoutingRulesRequest {
            rules: vec![pb::RoutingRule {
                regions: vec!["Hubei".to_owned()],
                carrier_code: "NOPE".to_owned(),
                ..Default::default()
            }],
            default_carrier_code: "EMS".to_owned(),
            base_version: replaced.version,
            ..Default::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    assert_eq!(violated_fields(&unknown), ["rules[0].carrier_code"]);
    let denied = app
        .warehouse()
        .await
        .set_routing_rules(pb::SetRoutingRulesRequest::default())
        .await
        .err()
        .map(|s| s.code());
    assert_eq!(denied, Some(Code::PermissionDenied));
}

async fn log_1_ord_9_a_changed_address_chooses_again_and_an_override_needs_a_reason(
    backend: Backend,
) {
    let app = spawn_logistics(backend).await;
    let first = order(
        orders::OrderKind::Standard,
        (orders::PaymentTermKind::Prepaid, 0),
        &[("PUMP-100", "Water pump", 1, 100_000)],
        address("Zhejiang", "Hangzhou"),
    );
    app.order_event("confirmed", &first).await;
    assert_eq!(app.shipment_in(&first, "known").await.carrier_code, "TTKD");

    // The address changes before dispatch (an edit, a merge — ORD-9).
    let mut moved_west = moved(&first, orders::OrderState::Released);
    moved_west.ship_to = Some(address("Sichuan", "Chengdu"));
    app.order_event("released", &moved_west).await;
    let shipment = testing::eventually(
        Duration::from_secs(20),
        "the carrier chosen again",
        || async {
            let shipment = app.shipment_in(&moved_west, "known").await;
            (shipment.carrier_code == "EMS").then_some(shipment)
        },
    )
    .await;
    assert!(
        shipment.carrier_reason.contains("address changed"),
        "{}",
        shipment.carrier_reason
    );

    // A manual carrier needs a reason, and must exist.
    let mut client = app.logistics().await;
    let plan = |carrier: &str, reason: &str| pb::PlanShipmentRequest {
        order_id: first.id.clone(),
        planned_ship_date: "2027-01-07".to_owned(),
        carrier_code: carrier.to_owned(),
        override_reason: reason.to_owned(),
        ..Default::default()
    };
    let no_reason = client
        .plan_shipment(plan("TTKD", ""))
        .await
        .err()
        .unwrap_or_else(|| panic!("planned"));
    assert_eq!(violated_fields(&no_reason), ["override_reason"]);
    let unknown = client
        .plan_shipment(plan("NOPE", "cheaper"))
        .await
        .err()
        .unwrap_or_else(|| panic!("planned"));
    assert_eq!(violated_fields(&unknown), ["carrier_code"]);
    let planned = client
        .plan_shipment(plan("TTKD", "the customer asked for TTK"))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(planned.carrier_code, "TTKD");
    assert_eq!(
        planned.carrier_reason,
        "override: the customer asked for TTK"
    );
}

async fn log_7_a_return_pickup_is_scheduled_with_the_carrier_for_its_address(backend: Backend) {
    let app = spawn_logistics(backend).await;
    let sold = one_pump_to_hangzhou(&app).await;
    let mut service = app.client("cathy", &["customer_service"]).await;
    let request = |date: &str, address: Option<orderflow_proto::common::v1::Address>| {
        pb::SchedulePickupRequest {
            order_id: sold.id.clone(),
            reference: "AFS-0001".to_owned(),
            address,
            pickup_date: date.to_owned(),
            reason: "return: housing cracked".to_owned(),
            ..Default::default()
        }
    };
    let past = service
        .schedule_pickup(request("2027-01-03", None))
        .await
        .err()
        .unwrap_or_else(|| panic!("scheduled in the past"));
    assert_eq!(violated_fields(&past), ["pickup_date"]);
    // From the ship-to (Hangzhou: TTKD), or from another address (Chengdu: EMS).
    let here = service
        .schedule_pickup(request("2027-01-05", None))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(here.carrier_code, "TTKD");
    assert_eq!(here.address.map(|a| a.city), Some("Hangzhou".to_owned()));
    let there = service
        .schedule_pickup(request("2027-01-05", Some(address("Sichuan", "Chengdu"))))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(there.carrier_code, "EMS");
    testing::eventually(
        Duration::from_secs(20),
        "logistics.pickup.scheduled",
        || async { (app.published("logistics.pickup.scheduled").await.len() == 2).then_some(()) },
    )
    .await;
}

async fn a_repeated_pickup_request_returns_the_first_pickup_and_schedules_nothing_more(
    backend: Backend,
) {
    let app = spawn_logistics(backend).await;
    let sold = one_pump_to_hangzhou(&app).await;
    let service = app.client("cathy", &["customer_service"]).await;
    let (first, second) = testing::assert_idempotent("pickup", |request_id, variant| {
        let mut service = service.clone();
        let request = pb::SchedulePickupRequest {
            request_id,
            order_id: sold.id.clone(),
            reference: "AFS-0002".to_owned(),
            pickup_date: "2027-01-05".to_owned(),
            reason: ["return: housing cracked", "exchange: wrong colour"][usize::from(variant)]
                .to_owned(),
            ..Default::default()
        };
        async move {
            service
                .schedule_pickup(request)
                .await
                .map(|pickup| pickup.into_inner().id)
        }
    })
    .await;
    assert_ne!(first, second);
    // Two pick-ups were scheduled, not five.
    app.outbox_drained().await;
    assert_eq!(app.published("logistics.pickup.scheduled").await.len(), 2);
}

/// A prepaid order of one pump to Hangzhou, confirmed and known to logistics.
async fn one_pump_to_hangzhou(app: &TestApp) -> orders::Order {
    let sold = order(
        orders::OrderKind::Standard,
        (orders::PaymentTermKind::Prepaid, 0),
        &[("PUMP-100", "Water pump", 1, 100_000)],
        address("Zhejiang", "Hangzhou"),
    );
    app.order_event("confirmed", &sold).await;
    app.shipment_in(&sold, "known").await;
    sold
}
