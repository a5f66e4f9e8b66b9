//! The procurement database: the platform's tables, then the service's own.

use orderflow_platform::db::migrations::{Schema, index, unique_index};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{boolean, string, string_null, text, timestamp_with_time_zone};

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut migrations = orderflow_platform::db::migrations::platform_migrations();
        migrations.push(Box::new(procurement_tables()));
        migrations.push(Box::new(outsourcing_orders()));
        migrations.push(Box::new(PurchaseOrderLines));
        migrations.push(Box::new(fabric_purchases()));
        migrations.push(Box::new(garment_orders()));
        migrations
    }
}

fn procurement_tables() -> Schema {
    Schema::new("m0001_suppliers_requisitions_purchase_orders")
        .tables(|| {
            vec![
                Table::create()
                    .table("suppliers")
                    .col(string("code").primary_key())
                    .col(string("status"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(text("body"))
                    .to_owned(),
                Table::create()
                    .table("requisitions")
                    .col(string("id").primary_key())
                    .col(string("sku"))
                    .col(string("need_by"))
                    .col(string("state"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(text("body"))
                    .to_owned(),
                Table::create()
                    .table("requisition_sources")
                    .col(string("source_key").primary_key())
                    .col(string("requisition_id"))
                    .to_owned(),
                Table::create()
                    .table("purchase_orders")
                    .col(string("id").primary_key())
                    .col(string("supplier_code"))
                    .col(string("state"))
                    .col(boolean("late"))
                    .col(string_null("promised_date"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(text("body"))
                    .to_owned(),
            ]
        })
        .indexes([
            index(
                "requisitions_by_sku_need_by",
                "requisitions",
                &["sku", "need_by", "state"],
            ),
            index("purchase_orders_by_state", "purchase_orders", &["state"]),
            index(
                "purchase_orders_by_supplier",
                "purchase_orders",
                &["supplier_code"],
            ),
        ])
}

/// PRC-6: outsourcing orders, one per (production order, operation).
fn outsourcing_orders() -> Schema {
    Schema::new("m0002_outsourcing_orders")
        .tables(|| {
            vec![
                Table::create()
                    .table("outsourcing_orders")
                    .col(string("id").primary_key())
                    .col(string("production_order_id"))
                    .col(sea_orm_migration::schema::integer("seq"))
                    .col(string("state"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(text("body"))
                    .to_owned(),
            ]
        })
        .indexes([
            unique_index(
                "outsourcing_once_per_operation",
                "outsourcing_orders",
                &["production_order_id", "seq"],
            ),
            index(
                "outsourcing_by_state",
                "outsourcing_orders",
                &["state", "id"],
            ),
        ])
}

/// PRC-3, PRC-4: a purchase order covers several requisitions, one line
/// each. Orders stored with one requisition's fields at the top get them as
/// line 1, their promise and late flag with it, and each receipt names it.
struct PurchaseOrderLines;

impl MigrationName for PurchaseOrderLines {
    fn name(&self) -> &str {
        "m0003_purchase_order_lines"
    }
}

/// One stored order in the line shape; `None` if it has it already.
fn with_lines(mut order: serde_json::Value) -> Option<serde_json::Value> {
    let fields = order.as_object_mut()?;
    if fields.contains_key("lines") {
        return None;
    }
    let mut line = serde_json::Map::new();
    line.insert("line".to_owned(), 1.into());
    for name in ["requisition_id", "sku", "quantity", "unit_price", "need_by"] {
        line.insert(name.to_owned(), fields.remove(name)?);
    }
    line.insert(
        "promised_date".to_owned(),
        fields.remove("promised_date").unwrap_or_default(),
    );
    line.insert(
        "late".to_owned(),
        fields.remove("late").unwrap_or(false.into()),
    );
    let sku = line.get("sku").cloned().unwrap_or_default();
    if let Some(receipts) = fields.get_mut("receipts").and_then(|r| r.as_array_mut()) {
        for receipt in receipts.iter_mut().filter_map(|r| r.as_object_mut()) {
            receipt.insert("line".to_owned(), 1.into());
            receipt.insert("sku".to_owned(), sku.clone());
        }
    }
    fields.insert(
        "lines".to_owned(),
        vec![serde_json::Value::Object(line)].into(),
    );
    Some(order)
}

#[async_trait::async_trait]
impl MigrationTrait for PurchaseOrderLines {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use sea_orm::{ConnectionTrait, Statement};
        let connection = manager.get_connection();
        let rows = connection
            .query_all_raw(Statement::from_string(
                manager.get_database_backend(),
                "SELECT id, body FROM purchase_orders",
            ))
            .await?;
        for row in rows {
            let id: String = row.try_get("", "id")?;
            let body: String = row.try_get("", "body")?;
            let stored: serde_json::Value = serde_json::from_str(&body)
                .map_err(|error| DbErr::Migration(format!("purchase order {id}: {error}")))?;
            let Some(converted) = with_lines(stored) else {
                continue;
            };
            // The columns the late sweep and the lists read, as the order
            // now computes them (a line already late is not due again).
            let order: crate::domain::purchase::PurchaseOrder =
                serde_json::from_value(converted.clone())
                    .map_err(|error| DbErr::Migration(format!("purchase order {id}: {error}")))?;
            let update = Query::update()
                .table("purchase_orders")
                .value("body", converted.to_string())
                .value("late", order.late())
                .value("promised_date", order.next_due().map(|day| day.to_string()))
                .and_where(Expr::col("id").eq(id))
                .to_owned();
            connection.execute(&update).await?;
        }
        Ok(())
    }
}

/// PRC-7: made-to-measure fabric purchases, listed per partner.
fn fabric_purchases() -> Schema {
    Schema::new("m0004_fabric_purchases")
        .tables(|| {
            vec![
                Table::create()
                    .table("fabric_purchases")
                    .col(string("id").primary_key())
                    .col(string("order_id"))
                    .col(string("supplier_code"))
                    .col(string("manufacturer_code"))
                    .col(string("state"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(text("body"))
                    .to_owned(),
            ]
        })
        .indexes([
            index(
                "fabric_by_supplier",
                "fabric_purchases",
                &["supplier_code", "id"],
            ),
            index(
                "fabric_by_manufacturer",
                "fabric_purchases",
                &["manufacturer_code", "id"],
            ),
            index("fabric_by_order", "fabric_purchases", &["order_id", "id"]),
        ])
}

/// PRC-7: the made-to-measure orders fabric may be bought for.
fn garment_orders() -> Schema {
    Schema::new("m0005_garment_orders").tables(|| {
        vec![
            Table::create()
                .table("garment_orders")
                .col(string("order_id").primary_key())
                .col(string("number"))
                .col(string("state"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::with_lines;

    #[test]
    fn a_one_requisition_order_becomes_line_1_with_its_receipts() {
        // An order as the one-line service stored it.
        let stored = serde_json::json!({
            "id": "0193a1b2-0000-7000-8000-000000000001", "supplier_code": "ACME",
            "requisition_id": "r1", "sku": "SEAL", "quantity": 10,
            "unit_price": {"currency": "CNY", "minor_units": 150},
            "need_by": "2026-12-20", "selection_reason": "", "state": "sent",
            "approval_request_id": "a1", "decision_note": "", "promised_date": "2026-12-10",
            "follow_ups": [{"note": "soon", "promised_date": null, "by": "pat",
                            "at": "2026-12-01T02:00:00Z"}],
            "receipts": [{"id": "0193a1b2-0000-7000-8000-000000000002", "quantity": 4,
                          "packaging_ok": true, "note": "", "checked_by": "wang",
                          "arrived_at": "2026-12-09T02:00:00Z", "on_time": true,
                          "inspected": false, "accepted": 0, "rejected": 0, "defects": "",
                          "inspected_by": "", "return_note": ""}],
            "late": true, "created_at": "2026-12-01T02:00:00Z",
            "updated_at": "2026-12-01T02:00:00Z",
        });
        let converted = with_lines(stored).unwrap_or_default();
        let order: crate::domain::purchase::PurchaseOrder =
            serde_json::from_value(converted.clone()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((order.lines[0].quantity, order.received_on(1)), (10, 4));
        assert!(order.late());
        assert_eq!(converted["lines"][0]["sku"], "SEAL");
        assert_eq!(converted["lines"][0]["late"], true);
        assert_eq!(converted["lines"][0]["promised_date"], "2026-12-10");
        assert_eq!(converted["receipts"][0]["line"], 1);
        assert_eq!(converted["receipts"][0]["sku"], "SEAL");
        assert!(converted.get("sku").is_none());
        assert!(with_lines(converted).is_none(), "converted once");
    }
}
