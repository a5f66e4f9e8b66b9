//! S11 Material prep: the GM signs a material-prep order (APR-7) → on its
//! release the materials warehouse raises the work contact sheet (INV-8) →
//! procurement turns it into a requisition (PRC-2) → purchased, checked by
//! IQC and booked in (PRC-3 … PRC-5) → in the materials warehouse.

use std::time::Duration;

use orderflow_e2e::{Cluster, authorized};
use orderflow_platform::testing;
use orderflow_proto::common::v1 as common;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::orders::v1 as pb;
use orderflow_proto::procurement::v1 as procurement;

use crate::procurement::buy_and_book;
use crate::s13::{approval_of, decision};
use crate::{create_customer, in_days, submit_and_confirm, wait_for_entry};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s11_a_gm_signed_material_prep_order_is_bought_into_the_materials_warehouse() {
    let cluster = Cluster::start().await.unwrap_or_else(|e| panic!("{e:#}"));
    let mut stock = cluster.inventory_client().await;
    stock
        .create_item(authorized(
            inventory::CreateItemRequest {
                sku: "SEAL".to_owned(),
                name: "Seal ring".to_owned(),
                unit: "pcs".to_owned(),
                weight_grams: 5,
                ..Default::default()
            },
            "wang",
            &["warehouse"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    let mut orders = cluster.orders_client().await;
    let customer = create_customer(&mut orders, "Own materials store", ("tom", &["sales"])).await;
    let order = orders
        .create_order(authorized(
            pb::CreateOrderRequest {
                customer_id: customer.id,
                kind: pb::OrderKind::MaterialPrep as i32,
                currency_code: "CNY".to_owned(),
                lines: vec![pb::OrderLineInput {
                    sku: "SEAL".to_owned(),
                    description: "seal rings for the spring season".to_owned(),
                    quantity: 200,
                    unit_price: Some(common::Money {
                        currency_code: "CNY".to_owned(),
                        minor_units: 0,
                    }),
                    kit: None,
                    ..Default::default()
                }],
                requested_delivery_date: in_days(20),
                ..Default::default()
            },
            "tom",
            &["sales"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    submit_and_confirm(&mut orders, &order.id, ("tom", &["sales"])).await;

    // APR-7: the GM signs.
    let mut approvals = cluster.approvals_client().await;
    let request = approval_of(&mut approvals, &mut orders, &order.id, 1).await;
    let roles: Vec<&str> = request.steps.iter().map(|s| s.role.as_str()).collect();
    assert_eq!(roles, ["gm"]);
    approvals
        .decide_step(authorized(
            decision(&request, "gm", true, ""),
            "gary",
            &["gm"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"));
    wait_for_entry(&mut orders, &order.id, "to_materials").await;

    // INV-8 → PRC-2: the work contact sheet became a requisition.
    let buying = cluster.procurement_client().await;
    let requisition = testing::eventually(Duration::from_secs(20), "the requisition", || {
        let mut buying = buying.clone();
        let request = authorized(
            procurement::ListRequisitionsRequest {
                sku: "SEAL".to_owned(),
                ..Default::default()
            },
            "pat",
            &["purchaser"],
        );
        async move {
            let found = buying.list_requisitions(request).await.ok()?.into_inner();
            found.requisitions.into_iter().next()
        }
    })
    .await;
    assert_eq!(requisition.quantity, 200);
    assert_eq!(requisition.sources[0].kind, "material_prep");
    assert_eq!(requisition.sources[0].order_number, order.number);
    let sheets =
        testing::stream_messages(&cluster.nats, "INVENTORY", "inventory.sheet.created").await;
    assert_eq!(sheets.len(), 1, "one work contact sheet");

    // PRC-3 … PRC-5: bought, inspected, booked in.
    buy_and_book(&cluster, &requisition, 12).await;
    let materials = stock
        .get_stock(authorized(
            inventory::GetStockRequest {
                sku: "SEAL".to_owned(),
                warehouse: "MATERIALS".to_owned(),
            },
            "wang",
            &["warehouse"],
        ))
        .await
        .unwrap_or_else(|s| panic!("{s:?}"))
        .into_inner();
    assert_eq!(materials.on_hand, 200);
}
