//! S3's shop: its constants, its buyers and their orders, and the setup of
//! inventory, logistics and the shop's customer the scenario starts from.

use std::collections::BTreeMap;

use finance::finance_service_client::FinanceServiceClient;
use inventory::inventory_service_client::InventoryServiceClient;
use orderflow_e2e::{Cluster, authorized};
use orderflow_proto::common::v1 as common;
use orderflow_proto::finance::v1 as finance;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::logistics::v1 as logistics;
use orderflow_proto::orders::v1 as pb;
use pb::order_service_client::OrderServiceClient;
use tonic::transport::Channel;

use crate::stock::{PUMP, stock_item};
use crate::{in_days, wait_for_state};

pub(super) const CHANNEL: &str = "tmall-flagship";
pub(super) const IMPORTED: usize = 150;
pub(super) const CLAIMED: usize = 100;

/// The shop's order numbers (TM-0001 …) that play a part; all of them are
/// among the 100 oldest, so the first reviewer holds them.
pub(super) const MERGE_FIRST: usize = 7;
pub(super) const MERGE_SECOND: usize = 42;
/// Li Lei's name and address, another phone: not the same recipient.
pub(super) const OTHER_PHONE: usize = 43;
/// A kit listed with one seal kit instead of two.
pub(super) const WRONG_KIT: usize = 21;
/// Shipped: to Sichuan (no rule: the default carrier) and to Guangdong.
pub(super) const SICHUAN: usize = 18;
pub(super) const GUANGDONG: usize = 26;

pub(super) const SALESPERSON: &str = "tom";
pub(super) const REVIEWER: (&str, &[&str]) = ("rita", &["sales_assistant"]);
pub(super) const COLLEAGUE: (&str, &[&str]) = ("bob", &["sales_assistant"]);
pub(super) const WAREHOUSE: (&str, &[&str]) = ("wang", &["warehouse"]);
pub(super) const LOGISTICS: (&str, &[&str]) = ("lou", &["logistics"]);
pub(super) const FINANCE: (&str, &[&str]) = ("fiona", &["finance"]);
pub(super) const SUPERVISOR: (&str, &[&str]) = ("sam", &["sales_supervisor"]);

pub(super) const KIT_PRICE: i64 = 150_000;
pub(super) const HOSE_PRICE: i64 = 8_800;
pub(super) const HOSE: (&str, &str, i64) = ("HOSE-20", "Garden hose 20 m", 1_500);
pub(super) const SEAL_KIT: (&str, &str, i64) = ("SEAL-KIT", "Spare seal kit", 300);

/// Province, city, postcode: the buyers are spread over seven regions.
pub(super) const DESTINATIONS: [(&str, &str, &str); 7] = [
    ("Jiangsu", "Suzhou", "215000"),
    ("Zhejiang", "Hangzhou", "310000"),
    ("Shanghai", "Shanghai", "200000"),
    ("Anhui", "Hefei", "230000"),
    ("Sichuan", "Chengdu", "610000"),
    ("Guangdong", "Shenzhen", "518000"),
    ("Beijing", "Beijing", "100000"),
];

pub(super) fn cny(minor_units: i64) -> Option<common::Money> {
    Some(common::Money {
        currency_code: "CNY".to_owned(),
        minor_units,
    })
}

pub(super) fn external_id(n: usize) -> String {
    format!("TM-{n:04}")
}

/// The buyer of shop order `n`: a recipient of their own.
pub(super) fn buyer(n: usize) -> common::Address {
    let (region, city, postal_code) = DESTINATIONS[n % DESTINATIONS.len()];
    common::Address {
        recipient_name: format!("Buyer {n:03}"),
        phone: format!("+86 139 0000 {n:04}"),
        country_code: "CN".to_owned(),
        region: region.to_owned(),
        city: city.to_owned(),
        district: String::new(),
        street: format!("{n} Renmin Road"),
        postal_code: postal_code.to_owned(),
    }
}

/// The buyer of two shop orders, to the identical recipient (ORD-9).
pub(super) fn li_lei() -> common::Address {
    common::Address {
        recipient_name: "Li Lei".to_owned(),
        phone: "+86 138 0013 8000".to_owned(),
        country_code: "CN".to_owned(),
        region: "Jiangsu".to_owned(),
        city: "Suzhou".to_owned(),
        district: "Gusu".to_owned(),
        street: "88 Shiquan Street".to_owned(),
        postal_code: "215006".to_owned(),
    }
}

/// One garden set (a pump and two seal kits, 4.8 kg) as the shop lists it.
pub(super) fn garden_set(seal_kits: i64, weight_grams: i64) -> pb::OrderLineInput {
    pb::OrderLineInput {
        sku: "GARDEN-SET".to_owned(),
        description: "Pump with two spare seal kits".to_owned(),
        quantity: 1,
        unit_price: cny(KIT_PRICE),
        kit: Some(pb::KitComposition {
            components: vec![
                pb::KitComponent {
                    sku: PUMP.0.to_owned(),
                    quantity: 1,
                },
                pb::KitComponent {
                    sku: SEAL_KIT.0.to_owned(),
                    quantity: seal_kits,
                },
            ],
            total_weight_grams: weight_grams,
        }),
        ..Default::default()
    }
}

pub(super) fn hoses(quantity: i64) -> pb::OrderLineInput {
    pb::OrderLineInput {
        sku: HOSE.0.to_owned(),
        description: HOSE.1.to_owned(),
        quantity,
        unit_price: cny(HOSE_PRICE),
        ..Default::default()
    }
}

/// Shop order `n` as the channel sends it: paid in the shop, prepaid terms.
pub(super) fn shop_order(n: usize, customer_id: &str) -> pb::ChannelOrder {
    let (line, ship_to, note) = match n {
        MERGE_FIRST => (garden_set(2, 4_800), li_lei(), "gift: garden gloves"),
        MERGE_SECOND => (hoses(2), li_lei(), "gift wrap"),
        OTHER_PHONE => (
            hoses(1),
            common::Address {
                phone: "+86 138 0013 8001".to_owned(),
                ..li_lei()
            },
            "",
        ),
        WRONG_KIT => (garden_set(1, 4_500), buyer(n), ""),
        SICHUAN => (hoses(3), buyer(n), ""),
        GUANGDONG => (garden_set(2, 4_800), buyer(n), "double carton"),
        n if n % 3 == 0 => (garden_set(2, 4_800), buyer(n), ""),
        n => (hoses(1), buyer(n), ""),
    };
    pb::ChannelOrder {
        external_id: external_id(n),
        order: Some(pb::CreateOrderRequest {
            customer_id: customer_id.to_owned(),
            kind: pb::OrderKind::Standard as i32,
            currency_code: "CNY".to_owned(),
            lines: vec![line],
            requested_delivery_date: in_days(7),
            payment_terms: Some(pb::PaymentTerms {
                kind: pb::PaymentTermKind::Prepaid as i32,
                ..Default::default()
            }),
            salesperson: SALESPERSON.to_owned(),
            ship_to: Some(ship_to),
            buyer_message: format!("shop order {}", external_id(n)),
            special_requirements: note.to_owned(),
            ..Default::default()
        }),
    }
}

/// The lines shop order `n` came with.
pub(super) fn shop_lines(n: usize) -> Vec<pb::OrderLineInput> {
    shop_order(n, "")
        .order
        .map(|order| order.lines)
        .unwrap_or_default()
}

/// What `lines` take from stock, per SKU: a kit as its components.
pub(super) fn taken(lines: &[pb::OrderLineInput]) -> BTreeMap<String, i64> {
    let mut taken = BTreeMap::new();
    for line in lines {
        match &line.kit {
            Some(kit) => {
                for component in &kit.components {
                    *taken.entry(component.sku.clone()).or_default() +=
                        component.quantity * line.quantity;
                }
            }
            None => *taken.entry(line.sku.clone()).or_default() += line.quantity,
        }
    }
    taken
}

/// The carrier and the rule LOG-1 picks for a Chinese region under the
/// shop's routing rules.
pub(super) fn routed(region: &str) -> (&'static str, &'static str) {
    match region {
        "Jiangsu" | "Zhejiang" | "Shanghai" | "Anhui" => ("TTKD", "rule: 江浙沪皖 → TTKD"),
        "Guangdong" => ("SF", "rule: 广东 → SF"),
        _ => ("EMS", "rule: default"),
    }
}

/// The shop's payment of `order`, booked by the salesperson once the order
/// awaits it, and confirmed by finance.
pub(super) async fn paid_in_shop(
    orders: &OrderServiceClient<Channel>,
    money: &FinanceServiceClient<Channel>,
    order: &pb::Order,
) {
    wait_for_state(
        &mut orders.clone(),
        &order.id,
        pb::OrderState::AwaitingPayment,
    )
    .await;
    orderflow_e2e::pay_in_full(
        money,
        &order.id,
        order.total.clone().unwrap_or_default(),
        ("alipay (tmall)", &format!("TMALL-{}", order.number)),
        |_| {},
    )
    .await;
}

/// The order's reservation, as the warehouse sees it.
pub(super) async fn reservation(
    stock: &mut InventoryServiceClient<Channel>,
    order_id: &str,
) -> Result<inventory::Reservation, tonic::Status> {
    stock
        .get_reservation(authorized(
            inventory::GetReservationRequest {
                order_id: order_id.to_owned(),
            },
            WAREHOUSE.0,
            WAREHOUSE.1,
        ))
        .await
        .map(tonic::Response::into_inner)
}

/// The stock movements `request` asks for (one page).
pub(super) async fn movements(
    stock: &mut InventoryServiceClient<Channel>,
    request: inventory::ListMovementsRequest,
) -> Vec<inventory::Movement> {
    stock
        .list_movements(authorized(request, WAREHOUSE.0, WAREHOUSE.1))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
        .movements
}

/// Inventory's record of what `order` took: its reservation in finished
/// goods consumed, one outbound movement per SKU.
pub(super) async fn stock_taken_by(
    stock: &mut InventoryServiceClient<Channel>,
    order: &pb::Order,
    expected: &BTreeMap<String, i64>,
) {
    let reservation = reservation(stock, &order.id)
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    assert_eq!(reservation.warehouse, "FG");
    assert_eq!(
        reservation.state,
        inventory::ReservationState::Consumed as i32
    );
    let reserved: BTreeMap<String, i64> = reservation
        .lines
        .iter()
        .map(|line| (line.sku.clone(), line.reserved))
        .collect();
    assert_eq!(&reserved, expected, "{}", order.number);
    let mut moved: Vec<(String, String, i64, String)> = movements(
        stock,
        inventory::ListMovementsRequest {
            reference: order.id.clone(),
            page_size: 100,
            ..Default::default()
        },
    )
    .await
    .into_iter()
    .map(|m| (m.sku, m.warehouse, m.quantity, m.reason))
    .collect();
    moved.sort();
    let outbound: Vec<(String, String, i64, String)> = expected
        .iter()
        .map(|(sku, quantity)| {
            (
                sku.clone(),
                "FG".to_owned(),
                -quantity,
                "outbound".to_owned(),
            )
        })
        .collect();
    assert_eq!(moved, outbound, "{}", order.number);
}

pub(super) fn ids(orders: &[pb::Order]) -> Vec<String> {
    orders.iter().map(|order| order.id.clone()).collect()
}

pub(super) fn claimed_ids(claimed: &[pb::ClaimedOrder]) -> Vec<String> {
    claimed
        .iter()
        .filter_map(|claim| claim.order.as_ref().map(|order| order.id.clone()))
        .collect()
}

/// Every order `who` may see (one page holds them all).
pub(super) async fn visible_orders(
    orders: &mut OrderServiceClient<Channel>,
    who: (&str, &[&str]),
    state: pb::OrderState,
) -> Vec<pb::Order> {
    let page = orders
        .list_orders(authorized(
            pb::ListOrdersRequest {
                page_size: 500,
                state: state as i32,
                ..Default::default()
            },
            who.0,
            who.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert!(page.next_page_token.is_empty(), "more than one page");
    page.orders
}

pub(super) async fn stock_level(
    stock: &mut InventoryServiceClient<Channel>,
    sku: &str,
    warehouse: &str,
) -> (i64, i64) {
    let level = stock
        .get_stock(authorized(
            inventory::GetStockRequest {
                sku: sku.to_owned(),
                warehouse: warehouse.to_owned(),
            },
            WAREHOUSE.0,
            WAREHOUSE.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{sku} in {warehouse}: {s:?}"))
        .into_inner();
    assert_eq!(level.available, level.on_hand - level.reserved, "INV-2");
    (level.on_hand, level.reserved)
}

/// The setup: inventory's items and the garden-set kit (ORD-8), a few pumps
/// abroad, logistics' carriers and routing rules (LOG-1), and the one
/// customer the shop's buyers are.
pub(super) async fn setup(cluster: &Cluster) -> pb::Customer {
    let mut orders = cluster.orders_client().await;
    let mut stock = cluster.inventory_client().await;
    let mut shipping = cluster.logistics_client().await;
    // Inventory: the pump, its seal kits and hoses in finished goods, the
    // garden set defined as a kit (ORD-8); a few pumps abroad as well.
    stock_item(&mut stock, PUMP, 40).await;
    stock_item(&mut stock, SEAL_KIT, 80).await;
    stock_item(&mut stock, HOSE, 80).await;
    stock
        .adjust_stock(authorized(
            inventory::AdjustStockRequest {
                sku: PUMP.0.to_owned(),
                warehouse: "OVERSEAS".to_owned(),
                quantity: 5,
                note: "opening count in the overseas warehouse".to_owned(),
                ..Default::default()
            },
            WAREHOUSE.0,
            WAREHOUSE.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let kit = stock
        .define_kit(authorized(
            inventory::DefineKitRequest {
                sku: "GARDEN-SET".to_owned(),
                name: "Garden set".to_owned(),
                components: vec![
                    inventory::KitComponent {
                        sku: PUMP.0.to_owned(),
                        quantity: 1,
                    },
                    inventory::KitComponent {
                        sku: SEAL_KIT.0.to_owned(),
                        quantity: 2,
                    },
                ],
                ..Default::default()
            },
            WAREHOUSE.0,
            WAREHOUSE.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(kit.total_weight_grams, 4_800);

    // Logistics (LOG-1): a third carrier for Guangdong; the company's rule
    // for Jiangsu, Zhejiang, Shanghai and Anhui kept; EMS elsewhere.
    shipping
        .create_carrier(authorized(
            logistics::CreateCarrierRequest {
                carrier: Some(logistics::Carrier {
                    code: "SF".to_owned(),
                    name: "顺丰速运 (SF Express)".to_owned(),
                    promised_days: 2,
                    ..Default::default()
                }),
                ..Default::default()
            },
            LOGISTICS.0,
            LOGISTICS.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let current = shipping
        .get_routing_rules(authorized(
            logistics::GetRoutingRulesRequest {},
            LOGISTICS.0,
            LOGISTICS.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    let rules = shipping
        .set_routing_rules(authorized(
            logistics::SetRoutingRulesRequest {
                rules: vec![
                    logistics::RoutingRule {
                        regions: ["Jiangsu", "Zhejiang", "Shanghai", "Anhui"]
                            .map(str::to_owned)
                            .to_vec(),
                        country_codes: vec!["CN".to_owned()],
                        carrier_code: "TTKD".to_owned(),
                        name: "江浙沪皖 → TTKD".to_owned(),
                    },
                    logistics::RoutingRule {
                        regions: vec!["Guangdong".to_owned()],
                        country_codes: vec!["CN".to_owned()],
                        carrier_code: "SF".to_owned(),
                        name: "广东 → SF".to_owned(),
                    },
                ],
                default_carrier_code: "EMS".to_owned(),
                base_version: current.version,
                ..Default::default()
            },
            LOGISTICS.0,
            LOGISTICS.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(rules.version, current.version + 1);
    for (address, carrier, rule) in [
        (li_lei(), "TTKD", "江浙沪皖 → TTKD"),
        (buyer(GUANGDONG), "SF", "广东 → SF"),
        (buyer(SICHUAN), "EMS", "default"),
    ] {
        let choice = shipping
            .choose_carrier(authorized(
                logistics::ChooseCarrierRequest {
                    address: Some(address.clone()),
                },
                LOGISTICS.0,
                LOGISTICS.1,
            ))
            .await
            .unwrap_or_else(|s| panic!("{s:?}"))
            .into_inner();
        assert_eq!(
            (
                choice.carrier.map(|c| c.code).unwrap_or_default(),
                choice.matched_rule.as_str(),
                choice.rules_version
            ),
            (carrier.to_owned(), rule, rules.version),
            "{}",
            address.region
        );
    }

    // The shop's buyers are one customer of ours; each order has its own
    // recipient.
    orders
        .create_customer(authorized(
            pb::CreateCustomerRequest {
                name: "Tmall flagship store buyers".to_owned(),
                phone: "+86 571 8888 0000".to_owned(),
                address: Some(common::Address {
                    recipient_name: "Tmall flagship store".to_owned(),
                    phone: "+86 571 8888 0000".to_owned(),
                    street: "969 Wenyi West Road".to_owned(),
                    ..buyer(1)
                }),
                ..Default::default()
            },
            REVIEWER.0,
            REVIEWER.1,
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner()
}
