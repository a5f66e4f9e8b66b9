//! The production database: the platform's tables, then the service's own.

use orderflow_platform::db::migrations::AddColumn;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    boolean, integer, string, string_null, text, timestamp_with_time_zone,
};

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut migrations = orderflow_platform::db::migrations::platform_migrations();
        migrations.push(Box::new(CreateProductionTables));
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

struct CreateProductionTables;

impl MigrationName for CreateProductionTables {
    fn name(&self) -> &str {
        "m0001_production_orders_boms_work_centres_schedules"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateProductionTables {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables = [
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
        ];
        for table in tables {
            manager.create_table(table).await?;
        }
        // One production order per (order, SKU): a redelivered shortage
        // creates nothing twice (PRD-1).
        manager
            .create_index(
                Index::create()
                    .name("production_orders_by_order_sku")
                    .table("production_orders")
                    .col("order_id")
                    .col("sku")
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (name, table, column) in [
            ("production_orders_by_state", "production_orders", "state"),
            ("schedules_by_state", "schedules", "state"),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
