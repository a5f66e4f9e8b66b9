//! The approvals database: the platform's tables, then the service's own.

use orderflow_platform::db::migrations::{AddColumn, Schema, index, unique_index};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, boolean, integer, string, string_null, text, timestamp_with_time_zone,
    timestamp_with_time_zone_null,
};

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut migrations = orderflow_platform::db::migrations::platform_migrations();
        migrations.push(Box::new(approval_tables()));
        // The estimated costs of an export contract review form (APR-2).
        migrations.push(AddColumn::new(
            "m0002_request_estimated_costs",
            "approval_requests",
            || text("estimated_costs").default("[]").to_owned(),
        ));
        migrations
    }
}

fn approval_tables() -> Schema {
    Schema::new("m0001_policies_requests_steps_rates")
        .tables(|| {
            vec![
                Table::create()
                    .table("policies")
                    .col(string("id").primary_key())
                    .col(string("subject_kind"))
                    .col(integer("version"))
                    .col(string("name"))
                    .col(text("steps"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(string("created_by"))
                    .to_owned(),
                Table::create()
                    .table("approval_requests")
                    .col(string("id").primary_key())
                    .col(string("subject_kind"))
                    .col(string("subject_id"))
                    .col(string("subject_ref"))
                    .col(string("currency"))
                    .col(big_integer("amount"))
                    .col(text("flags"))
                    .col(text("attachments"))
                    .col(string("requester"))
                    .col(string("policy_id"))
                    .col(integer("policy_version"))
                    .col(text("rules"))
                    .col(string("state"))
                    .col(integer("round"))
                    .col(text("rounds"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
                Table::create()
                    .table("approval_steps")
                    .col(string("id").primary_key())
                    .col(string("request_id"))
                    .col(integer("round"))
                    .col(integer("position"))
                    .col(string("name"))
                    .col(string("role"))
                    .col(boolean("signed_by_requester"))
                    .col(integer("sla_minutes"))
                    .col(string("state"))
                    .col(timestamp_with_time_zone_null("activated_at"))
                    .col(timestamp_with_time_zone_null("due_at"))
                    .col(boolean("overdue_reported"))
                    .col(string_null("decided_by"))
                    .col(timestamp_with_time_zone_null("decided_at"))
                    .col(text("reason"))
                    .col(string("requester"))
                    .col(string("subject_kind"))
                    .col(string("subject_id"))
                    .col(string("subject_ref"))
                    .col(string("currency"))
                    .col(big_integer("amount"))
                    .to_owned(),
                Table::create()
                    .table("exchange_rates")
                    .col(string("currency").primary_key())
                    .col(big_integer("mantissa"))
                    .col(integer("scale"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(string("updated_by"))
                    .to_owned(),
            ]
        })
        .indexes([
            unique_index(
                "policies_by_kind_and_version",
                "policies",
                &["subject_kind", "version"],
            ),
            unique_index(
                "approval_requests_by_subject",
                "approval_requests",
                &["subject_kind", "subject_id"],
            ),
            index(
                "approval_steps_by_request",
                "approval_steps",
                &["request_id", "round", "position"],
            ),
            index(
                "approval_steps_inbox",
                "approval_steps",
                &["state", "role", "activated_at", "id"],
            ),
            index(
                "approval_steps_by_due",
                "approval_steps",
                &["state", "due_at", "id"],
            ),
        ])
}
