//! The after-sales database: the platform's tables, then the service's own.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, boolean, string, text, timestamp_with_time_zone, timestamp_with_time_zone_null,
};

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut migrations = orderflow_platform::db::migrations::platform_migrations();
        migrations.push(Box::new(CreateAfterSalesTables));
        migrations.push(Box::new(ComplaintsAndShipments));
        migrations
    }
}

struct CreateAfterSalesTables;

impl MigrationName for CreateAfterSalesTables {
    fn name(&self) -> &str {
        "m0001_cases_order_facts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateAfterSalesTables {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables = [
            Table::create()
                .table("cases")
                .col(string("id").primary_key())
                .col(string("number").unique_key())
                .col(string("order_id"))
                .col(string("state"))
                .col(timestamp_with_time_zone_null("refund_due_at"))
                .col(boolean("refund_overdue"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(text("body"))
                .to_owned(),
            Table::create()
                .table("order_facts")
                .col(string("order_id").primary_key())
                .col(string("customer_id"))
                .col(timestamp_with_time_zone("as_of"))
                .col(text("body"))
                .to_owned(),
            // The daily sequence of case numbers.
            Table::create()
                .table("case_numbers")
                .col(string("day").primary_key())
                .col(big_integer("last"))
                .to_owned(),
        ];
        for table in tables {
            manager.create_table(table).await?;
        }
        for (name, columns) in [
            ("cases_by_order", &["order_id", "id"][..]),
            ("cases_by_state", &["state", "id"][..]),
            (
                "cases_by_refund_due",
                &["refund_overdue", "refund_due_at"][..],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table("cases");
            for column in columns {
                index.col(*column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }
}

/// AFS-9: when an order shipped, as a column to count a period's shipments
/// by; AFS-10: complaints.
struct ComplaintsAndShipments;

impl MigrationName for ComplaintsAndShipments {
    fn name(&self) -> &str {
        "m0002_complaints_and_shipped_at"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for ComplaintsAndShipments {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("order_facts")
                    .add_column(timestamp_with_time_zone_null("shipped_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("order_facts_by_shipped_at")
                    .table("order_facts")
                    .col("shipped_at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("cases_by_created_at")
                    .table("cases")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("complaints")
                    .col(string("id").primary_key())
                    .col(string("state"))
                    .col(boolean("overdue"))
                    .col(timestamp_with_time_zone("due_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(text("body"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("complaints_by_due_at")
                    .table("complaints")
                    .col("overdue")
                    .col("due_at")
                    .to_owned(),
            )
            .await
    }
}
