//! The procurement database: the platform's tables, then the service's own.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{boolean, string, string_null, text, timestamp_with_time_zone};

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut migrations = orderflow_platform::db::migrations::platform_migrations();
        migrations.push(Box::new(CreateProcurementTables));
        migrations.push(Box::new(CreateOutsourcingOrders));
        migrations
    }
}

struct CreateProcurementTables;

impl MigrationName for CreateProcurementTables {
    fn name(&self) -> &str {
        "m0001_suppliers_requisitions_purchase_orders"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateProcurementTables {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables = [
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
        ];
        for table in tables {
            manager.create_table(table).await?;
        }
        for (name, table, columns) in [
            (
                "requisitions_by_sku_need_by",
                "requisitions",
                &["sku", "need_by", "state"][..],
            ),
            (
                "purchase_orders_by_state",
                "purchase_orders",
                &["state"][..],
            ),
            (
                "purchase_orders_by_supplier",
                "purchase_orders",
                &["supplier_code"][..],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(table);
            for column in columns {
                index.col(*column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }
}

/// PRC-6: outsourcing orders, one per (production order, operation).
struct CreateOutsourcingOrders;

impl MigrationName for CreateOutsourcingOrders {
    fn name(&self) -> &str {
        "m0002_outsourcing_orders"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateOutsourcingOrders {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("outsourcing_orders")
                    .col(string("id").primary_key())
                    .col(string("production_order_id"))
                    .col(sea_orm_migration::schema::integer("seq"))
                    .col(string("state"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(text("body"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("outsourcing_once_per_operation")
                    .table("outsourcing_orders")
                    .col("production_order_id")
                    .col("seq")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("outsourcing_by_state")
                    .table("outsourcing_orders")
                    .col("state")
                    .col("id")
                    .to_owned(),
            )
            .await
    }
}
