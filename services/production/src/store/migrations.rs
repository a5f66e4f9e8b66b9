//! The production database: the platform's tables, then the service's own.

use orderflow_platform::db::migrations::{AddColumn, Schema, index, unique_index};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    boolean, integer, string, string_null, text, timestamp_with_time_zone,
};

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut migrations = orderflow_platform::db::migrations::platform_migrations();
        migrations.push(Box::new(production_tables()));
        // PRD-6: the next inspection day to book by, and whether one was
        // missed.
        migrations.push(AddColumn::new(
            "m0002_production_order_inspection_due",
            "production_orders",
            || string_null("inspection_due").to_owned(),
        ));
        migrations.push(AddColumn::new(
            "m0003_production_order_inspection_overdue",
            "production_orders",
            || boolean("inspection_overdue").default(false).to_owned(),
        ));
        migrations
    }
}

fn production_tables() -> Schema {
    Schema::new("m0001_production_orders_boms_work_centres_schedules")
        .tables(|| {
            vec![
                Table::create()
                    .table("production_orders")
                    .col(string("id").primary_key())
                    .col(string("order_id"))
                    .col(string("sku"))
                    .col(string("state"))
                    .col(timestamp_with_time_zone("schedule_due_at"))
                    .col(boolean("schedule_overdue"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(text("body"))
                    .to_owned(),
                Table::create()
                    .table("order_facts")
                    .col(string("order_id").primary_key())
                    .col(string("order_number"))
                    .col(string("order_kind"))
                    .col(string_null("due_date"))
                    .col(string("warehouse"))
                    .col(boolean("cancelled"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
                // Every version of every BOM; the highest is the latest.
                Table::create()
                    .table("boms")
                    .col(string("sku"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(text("body"))
                    .primary_key(Index::create().col("sku").col("version"))
                    .to_owned(),
                Table::create()
                    .table("work_centres")
                    .col(string("code").primary_key())
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(text("body"))
                    .to_owned(),
                Table::create()
                    .table("schedules")
                    .col(string("id").primary_key())
                    .col(string("state"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(text("body"))
                    .to_owned(),
            ]
        })
        .indexes([
            // One production order per (order, SKU): a redelivered shortage
            // creates nothing twice (PRD-1).
            unique_index(
                "production_orders_by_order_sku",
                "production_orders",
                &["order_id", "sku"],
            ),
            index(
                "production_orders_by_state",
                "production_orders",
                &["state"],
            ),
            index("schedules_by_state", "schedules", &["state"]),
        ])
}
