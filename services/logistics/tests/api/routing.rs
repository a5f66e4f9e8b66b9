//! LOG-1: routing rules are data; the defaults are the company's.

use orderflow_platform::backend_tests;
use orderflow_platform::testing::Backend;
use orderflow_proto::logistics::v1 as pb;
use tonic::Code;

use crate::support::*;

backend_tests!(log_1_hangzhou_goes_by_ttkd_chengdu_by_ems_and_a_new_rule_takes_effect_at_once,);

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
