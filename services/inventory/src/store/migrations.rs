//! The inventory database: the platform's tables, then the service's own.
//! Stock movements are append-only in the database too: on either backend a
//! trigger refuses any UPDATE or DELETE of `movements` (INV-7).

use orderflow_platform::db::migrations::{Schema, index};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, string, string_null, text, timestamp_with_time_zone};

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut migrations = orderflow_platform::db::migrations::platform_migrations();
        migrations.push(Box::new(inventory_tables()));
        migrations.push(Box::new(movements_append_only()));
        migrations.push(Box::new(purchase_receipts()));
        // INV-9: traded items are bought, not made.
        migrations.push(orderflow_platform::db::migrations::AddColumn::new(
            "m0004_item_bought",
            "items",
            || {
                sea_orm_migration::schema::boolean("bought")
                    .default(false)
                    .to_owned()
            },
        ));
        // Issue 17: the order's own update time of the notes kept, so that an
        // older version of the order handled later does not win.
        migrations.push(orderflow_platform::db::migrations::AddColumn::new(
            "m0005_order_note_version",
            "order_notes",
            || sea_orm_migration::schema::timestamp_with_time_zone_null("order_updated_at"),
        ));
        migrations
    }
}

fn inventory_tables() -> Schema {
    Schema::new("m0001_items_stock_movements_reservations_picking")
        .tables(|| {
            vec![
                Table::create()
                    .table("items")
                    .col(string("sku").primary_key())
                    .col(string("name"))
                    .col(string("unit"))
                    .col(big_integer("weight_grams"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
                Table::create()
                    .table("kits")
                    .col(string("sku").primary_key())
                    .col(string("name"))
                    .col(text("components"))
                    .col(big_integer("total_weight_grams"))
                    .to_owned(),
                Table::create()
                    .table("stock")
                    .col(string("sku"))
                    .col(string("warehouse"))
                    .col(big_integer("on_hand"))
                    .col(big_integer("reserved"))
                    .primary_key(Index::create().col("sku").col("warehouse"))
                    .to_owned(),
                Table::create()
                    .table("movements")
                    .col(string("id").primary_key())
                    .col(string("batch"))
                    .col(string("sku"))
                    .col(string("warehouse"))
                    .col(big_integer("quantity"))
                    .col(string("reason"))
                    .col(string("reference"))
                    .col(text("note"))
                    .col(string("actor"))
                    .col(timestamp_with_time_zone("at"))
                    .to_owned(),
                Table::create()
                    .table("reservations")
                    .col(string("order_id").primary_key())
                    .col(string("order_number"))
                    .col(string("warehouse"))
                    .col(string("state"))
                    .col(text("lines"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
                Table::create()
                    .table("pick_lists")
                    .col(string("id").primary_key())
                    .col(string("order_id"))
                    .col(string("order_number"))
                    .col(string("warehouse"))
                    .col(text("lines"))
                    .col(text("notes"))
                    .col(string("state"))
                    .col(string_null("inspected_by"))
                    .col(text("inspection_note"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
                Table::create()
                    .table("order_notes")
                    .col(string("order_id").primary_key())
                    .col(string("order_number"))
                    .col(text("notes"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
                Table::create()
                    .table("work_contact_sheets")
                    .col(string("id").primary_key())
                    .col(string("reference"))
                    .col(string("subject"))
                    .col(text("body"))
                    .col(text("lines"))
                    .col(string("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            ]
        })
        .indexes([
            index(
                "movements_by_stock",
                "movements",
                &["sku", "warehouse", "id"],
            ),
            index("movements_by_reference", "movements", &["reference"]),
            index("pick_lists_by_order", "pick_lists", &["order_id"]),
        ])
}

fn movements_append_only() -> Schema {
    Schema::new("m0002_movements_append_only").append_only(&[(
        "movements",
        "stock movements are append-only (INV-7): record a correcting movement instead",
    )])
}

/// PRC-5: the receipts procurement's IQC passed, which alone may be booked
/// in from a purchase.
fn purchase_receipts() -> Schema {
    Schema::new("m0003_purchase_receipts").tables(|| {
        vec![
            Table::create()
                .table("purchase_receipts")
                .col(string("receipt_id").primary_key())
                .col(string("purchase_order"))
                .col(string("sku"))
                .col(big_integer("accepted"))
                .col(big_integer("booked"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        ]
    })
}
