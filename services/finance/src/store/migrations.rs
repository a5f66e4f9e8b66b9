//! The finance database: the platform's tables, then the service's own.
//! Ledger rows are append-only in the database too: on either backend a
//! trigger refuses any UPDATE or DELETE of `ledger_entries` (FIN-7).

use orderflow_platform::db::migrations::{AddColumn, Schema, index, unique_index};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, boolean, integer, string, string_null, text, text_null, timestamp_with_time_zone,
    timestamp_with_time_zone_null,
};

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut migrations = orderflow_platform::db::migrations::platform_migrations();
        migrations.push(Box::new(finance_tables()));
        migrations.push(Box::new(refunds()));
        migrations.push(Box::new(documents()));
        migrations.push(AddColumn::new(
            "m0004_announced_blockers",
            "order_accounts",
            || text_null("announced_blockers"),
        ));
        migrations.push(AddColumn::new(
            "m0005_receipt_confirmed",
            "order_accounts",
            || timestamp_with_time_zone_null("receipt_confirmed_at"),
        ));
        // PRD-11 / SLA-5: production's planned warehousing date.
        migrations.push(AddColumn::new(
            "m0006_warehousing_date",
            "order_accounts",
            || string_null("warehousing_date"),
        ));
        // AFS-6: the after-sales case a refund serves, and when its goods
        // came back (the day of the return's negative entry, FIN-7).
        migrations.push(AddColumn::new("m0007_refund_reference", "refunds", || {
            string_null("reference")
        }));
        migrations.push(AddColumn::new(
            "m0008_refund_goods_received",
            "refunds",
            || timestamp_with_time_zone_null("goods_received_at"),
        ));
        // AFS-8: refunded before the goods were shelved overseas.
        migrations.push(AddColumn::new(
            "m0009_refund_goods_pending",
            "refunds",
            || boolean("goods_pending").default(false).to_owned(),
        ));
        // S10: the store whose people record a made-to-measure order's
        // payments.
        migrations.push(AddColumn::new(
            "m0010_account_store_code",
            "order_accounts",
            || string("store_code").default("").to_owned(),
        ));
        // ORD-20: standard costs, and the profit confirmed on a sales detail.
        migrations.push(Box::new(standard_costs()));
        migrations.push(AddColumn::new(
            "m0012_sales_detail_profits",
            "sales_details",
            || text("profits").default("[]").to_owned(),
        ));
        // FIN-12: a reship's cost bearer and the order it replaces, as
        // finance registers them.
        migrations.push(AddColumn::new(
            "m0013_account_cost_bearer",
            "order_accounts",
            || string_null("cost_bearer"),
        ));
        migrations.push(AddColumn::new(
            "m0014_account_replaces_order",
            "order_accounts",
            || string("replaces_order_id").default("").to_owned(),
        ));
        migrations
    }
}

// `id` is `<sku>@<effective_from>`: one cost per SKU and day, listed by SKU
// and then by day.
fn standard_costs() -> Schema {
    Schema::new("m0011_standard_costs").tables(|| {
        vec![
            Table::create()
                .table("standard_costs")
                .col(string("id").primary_key())
                .col(string("sku"))
                .col(string("currency"))
                .col(big_integer("unit_cost"))
                .col(string("effective_from"))
                .col(text("note"))
                .col(string("set_by"))
                .col(timestamp_with_time_zone("set_at"))
                .to_owned(),
        ]
    })
}

fn finance_tables() -> Schema {
    Schema::new("m0001_accounts_payments_lcs_ledger_credit")
        .tables(|| {
            vec![
                Table::create()
                    .table("order_accounts")
                    .col(string("order_id").primary_key())
                    .col(string("order_number"))
                    .col(string("kind"))
                    .col(string("customer_id"))
                    .col(string("salesperson"))
                    .col(string("currency"))
                    .col(big_integer("total"))
                    .col(text_null("terms"))
                    .col(string("delivery_date"))
                    .col(text("lines"))
                    .col(string("stage"))
                    .col(timestamp_with_time_zone("order_updated_at"))
                    .col(text_null("manager_confirmation"))
                    .col(timestamp_with_time_zone_null("gate_opened_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
                Table::create()
                    .table("payments")
                    .col(string("id").primary_key())
                    .col(string("order_id"))
                    .col(string("order_number"))
                    .col(string("kind"))
                    .col(string("currency"))
                    .col(big_integer("amount"))
                    .col(string("method"))
                    .col(string("reference"))
                    .col(string("recorded_by"))
                    .col(timestamp_with_time_zone("recorded_at"))
                    .col(string_null("confirmed_by"))
                    .col(timestamp_with_time_zone_null("confirmed_at"))
                    .to_owned(),
                Table::create()
                    .table("letters_of_credit")
                    .col(string("id").primary_key())
                    .col(string("order_id").unique_key())
                    .col(string("order_number"))
                    .col(text("terms"))
                    .col(string("received_date"))
                    .col(string("state"))
                    .col(integer("version"))
                    .col(text("reviews"))
                    .col(text("amendment_reasons"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
                Table::create()
                    .table("ledger_entries")
                    .col(string("id").primary_key())
                    // What makes an entry once: `sale:<order>`, `return:<receipt>:<sku>`.
                    .col(string("dedupe_key").unique_key())
                    .col(string("order_id"))
                    .col(string("order_number"))
                    .col(string("salesperson"))
                    .col(string("customer_id"))
                    .col(string("kind"))
                    .col(string("currency"))
                    .col(big_integer("amount"))
                    .col(string("entry_date"))
                    .col(string_null("offsets_entry_id"))
                    .col(string("reference"))
                    .col(text("note"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
                Table::create()
                    .table("sales_details")
                    .col(string("id").primary_key())
                    .col(string("salesperson"))
                    .col(string("entry_date"))
                    .col(string("state"))
                    .col(text("entry_ids"))
                    .col(text("totals"))
                    .col(string("signed_by"))
                    .col(timestamp_with_time_zone("signed_at"))
                    .col(string_null("confirmed_by"))
                    .col(timestamp_with_time_zone_null("confirmed_at"))
                    .to_owned(),
                // One row per signed entry: an entry is signed once.
                Table::create()
                    .table("sales_detail_entries")
                    .col(string("entry_id").primary_key())
                    .col(string("sales_detail_id"))
                    .to_owned(),
                Table::create()
                    .table("credit_ratings")
                    .col(string("customer_id").primary_key())
                    .col(string("rating"))
                    .col(string("currency"))
                    .col(big_integer("credit_limit"))
                    .col(text("note"))
                    .col(string("rated_by"))
                    .col(timestamp_with_time_zone("rated_at"))
                    .to_owned(),
            ]
        })
        .indexes([
            index("payments_by_order", "payments", &["order_id", "id"]),
            index(
                "ledger_by_salesperson",
                "ledger_entries",
                &["salesperson", "entry_date", "id"],
            ),
            index("ledger_by_order", "ledger_entries", &["order_id", "id"]),
            index("accounts_by_customer", "order_accounts", &["customer_id"]),
            index(
                "sales_details_by_salesperson",
                "sales_details",
                &["salesperson", "id"],
            ),
        ])
        .append_only(&[(
            "ledger_entries",
            "ledger entries are append-only (FIN-7): add a negative entry instead",
        )])
}

fn refunds() -> Schema {
    Schema::new("m0002_refunds")
        .tables(|| {
            vec![
                Table::create()
                    .table("refunds")
                    .col(string("id").primary_key())
                    .col(string("order_id"))
                    .col(string("order_number"))
                    .col(string("currency"))
                    .col(big_integer("amount"))
                    .col(text("reason"))
                    .col(text("handling"))
                    .col(string("method"))
                    .col(string("state"))
                    .col(string("requested_by"))
                    .col(timestamp_with_time_zone("requested_at"))
                    .col(string_null("approval_request_id"))
                    .col(string_null("decided_by"))
                    .col(text("rejection_reason"))
                    .col(string_null("executed_by"))
                    .col(timestamp_with_time_zone_null("executed_at"))
                    .col(string("execution_reference"))
                    .to_owned(),
            ]
        })
        .indexes([index("refunds_by_order", "refunds", &["order_id", "id"])])
}

fn documents() -> Schema {
    Schema::new("m0003_documents_and_balance_reminders")
        // SLA-5: the balance reminder is sent once per order.
        .alter(|| {
            vec![
                Table::alter()
                    .table("order_accounts")
                    .add_column(timestamp_with_time_zone_null("balance_reminded_at"))
                    .to_owned(),
            ]
        })
        .tables(|| {
            vec![
                Table::create()
                    .table("documents")
                    .col(string("id").primary_key())
                    .col(string("kind"))
                    .col(string("number"))
                    .col(string("order_id"))
                    .col(string("order_number"))
                    .col(string("customer_id"))
                    .col(string("currency"))
                    .col(text("lines"))
                    .col(big_integer("total"))
                    .col(string("issue_date"))
                    .col(string_null("due_date"))
                    .col(string("issued_by"))
                    .col(timestamp_with_time_zone("issued_at"))
                    .col(text("note"))
                    .col(text_null("settlement"))
                    .col(timestamp_with_time_zone_null("settled_at"))
                    .col(timestamp_with_time_zone_null("overdue_announced_at"))
                    .to_owned(),
            ]
        })
        .indexes([
            unique_index("documents_one_per_kind", "documents", &["order_id", "kind"]),
            index("documents_by_kind", "documents", &["kind", "id"]),
        ])
}
