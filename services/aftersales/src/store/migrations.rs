//! The after-sales database: the platform's tables, then the service's own.

use orderflow_platform::db::migrations::{Schema, index};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, boolean, string, text, timestamp_with_time_zone, timestamp_with_time_zone_null,
};

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut migrations = orderflow_platform::db::migrations::platform_migrations();
        migrations.push(Box::new(cases_and_order_facts()));
        migrations.push(Box::new(complaints_and_shipments()));
        migrations
    }
}

fn cases_and_order_facts() -> Schema {
    Schema::new("m0001_cases_order_facts")
        .tables(|| {
            vec![
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
            ]
        })
        .indexes([
            index("cases_by_order", "cases", &["order_id", "id"]),
            index("cases_by_state", "cases", &["state", "id"]),
            index(
                "cases_by_refund_due",
                "cases",
                &["refund_overdue", "refund_due_at"],
            ),
        ])
}

/// AFS-9: when an order shipped, as a column to count a period's shipments
/// by; AFS-10: complaints.
fn complaints_and_shipments() -> Schema {
    Schema::new("m0002_complaints_and_shipped_at")
        .alter(|| {
            vec![
                Table::alter()
                    .table("order_facts")
                    .add_column(timestamp_with_time_zone_null("shipped_at"))
                    .to_owned(),
            ]
        })
        .tables(|| {
            vec![
                Table::create()
                    .table("complaints")
                    .col(string("id").primary_key())
                    .col(string("state"))
                    .col(boolean("overdue"))
                    .col(timestamp_with_time_zone("due_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(text("body"))
                    .to_owned(),
            ]
        })
        .indexes([
            index("order_facts_by_shipped_at", "order_facts", &["shipped_at"]),
            index("cases_by_created_at", "cases", &["created_at"]),
            index("complaints_by_due_at", "complaints", &["overdue", "due_at"]),
        ])
}
