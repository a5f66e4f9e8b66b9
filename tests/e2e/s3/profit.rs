//! S3's sales detail confirmed by finance, payment and profit (ORD-20),
//! against the shop's standard costs.

use finance::finance_service_client::FinanceServiceClient;
use orderflow_e2e::{Cluster, authorized};
use orderflow_platform::testing;
use orderflow_proto::approvals::v1 as approvals;
use orderflow_proto::common::v1 as common;
use orderflow_proto::finance::v1 as finance;
use tonic::transport::Channel;

use super::shop::{FINANCE, HOSE, KIT_PRICE, SEAL_KIT, cny};
use crate::stock::PUMP;

const PUMP_COST: i64 = 80_000;
const SEAL_KIT_COST: i64 = 3_000;

/// The garden set has no standard cost of its own: it costs its pump and
/// its two seal kits. The hose is imported: its cost is in USD, converted at
/// the company's rate the approvals service keeps — refused until finance
/// sets that rate. Each of the `orders` on the detail has its profit.
pub(super) async fn confirmed(
    cluster: &Cluster,
    money: &FinanceServiceClient<Channel>,
    detail_id: &str,
    orders: usize,
) {
    for (sku, unit_cost) in [(PUMP.0, PUMP_COST), (SEAL_KIT.0, SEAL_KIT_COST)] {
        orderflow_e2e::set_standard_cost(money, sku, cny(unit_cost).unwrap_or_default(), |_| {})
            .await;
    }
    let usd = common::Money {
        currency_code: "USD".to_owned(),
        minor_units: 563,
    };
    orderflow_e2e::set_standard_cost(money, HOSE.0, usd, |_| {}).await;
    let confirm = || {
        let mut money = money.clone();
        let request = authorized(
            finance::ConfirmSalesDetailRequest {
                sales_detail_id: detail_id.to_owned(),
                ..Default::default()
            },
            FINANCE.0,
            FINANCE.1,
        );
        async move { money.confirm_sales_detail(request).await }
    };
    let no_rate = confirm()
        .await
        .err()
        .unwrap_or_else(|| panic!("confirmed without a USD rate"));
    assert_eq!(
        testing::unmet_preconditions(&no_rate),
        [(
            "EXCHANGE_RATE_MISSING".to_owned(),
            "exchange_rates/USD".to_owned()
        )]
    );
    cluster
        .approvals_client()
        .await
        .set_exchange_rate(authorized(
            approvals::SetExchangeRateRequest {
                request_id: "usd-2026".to_owned(),
                currency_code: "USD".to_owned(),
                rate: "7.1".to_owned(),
            },
            FINANCE.0,
            FINANCE.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let confirmed = confirm()
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(confirmed.profits.len(), orders, "a profit per order");
    let kit_cost = PUMP_COST + 2 * SEAL_KIT_COST;
    assert!(
        confirmed
            .profits
            .iter()
            .any(|profit| profit.revenue == cny(KIT_PRICE) && profit.cost == cny(kit_cost)),
        "a single garden set is costed by its components: {:?}",
        confirmed.profits.first()
    );
}
