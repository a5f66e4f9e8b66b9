//! The orders database: the platform's tables, then the service's own.

use orderflow_platform::db::migrations::{AddColumn, Schema, index};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, boolean, integer, string, string_null, text, timestamp_with_time_zone,
    timestamp_with_time_zone_null,
};

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut migrations = orderflow_platform::db::migrations::platform_migrations();
        migrations.push(Box::new(order_tables()));
        // The fulfilment saga remembers which approval round it waits for.
        migrations.push(AddColumn::new(
            "m0002_saga_approval_round",
            "fulfilment_sagas",
            || integer("approval_round").default(0).to_owned(),
        ));
        migrations.push(Box::new(order_shipment()));
        migrations.push(Box::new(order_merges()));
        migrations.push(Box::new(order_claims()));
        // APR-2: an export order's factory contract and estimated costs.
        migrations.push(AddColumn::new(
            "m0006_order_export_contract",
            "orders",
            || text("export_contract").default("{}").to_owned(),
        ));
        // ORD-10: the shop channel of an imported order (SLA-7 times its
        // refunds).
        migrations.push(AddColumn::new("m0007_order_channel", "orders", || {
            string("channel").default("").to_owned()
        }));
        // S10: the store that took a made-to-measure order.
        migrations.push(AddColumn::new("m0008_order_store_code", "orders", || {
            string("store_code").default("").to_owned()
        }));
        // S10: the manufacturer making a made-to-measure garment.
        migrations.push(AddColumn::new(
            "m0009_order_manufacturer_code",
            "orders",
            || string("manufacturer_code").default("").to_owned(),
        ));
        migrations.push(Box::new(confirmation_sheets()));
        migrations.push(Box::new(customer_notifications()));
        // ORD-18: special custom orders and their review's due time (SLA-2).
        migrations.push(AddColumn::new(
            "m0012_order_special_custom",
            "orders",
            || boolean("special_custom").default(false).to_owned(),
        ));
        migrations.push(AddColumn::new(
            "m0013_order_custom_review_due_at",
            "orders",
            || timestamp_with_time_zone_null("custom_review_due_at").to_owned(),
        ));
        // S10: the store that registered a customer.
        migrations.push(AddColumn::new(
            "m0014_customer_store_code",
            "customers",
            || string("store_code").default("").to_owned(),
        ));
        // Each timeline entry links to the trace of its step.
        migrations.push(AddColumn::new(
            "m0015_timeline_trace_id",
            "order_timeline",
            || string("trace_id").default("").to_owned(),
        ));
        migrations.push(Box::new(notifications_by_order()));
        // ORD-18: the price list says which SKUs are special custom-made.
        migrations.push(AddColumn::new(
            "m0017_list_price_special_custom",
            "list_prices",
            || boolean("special_custom").default(false).to_owned(),
        ));
        migrations
    }
}

/// ORD-17: what an order's customer was last told of a kind (the notices'
/// dedupe looks it up in the transaction of each cause).
fn notifications_by_order() -> Schema {
    Schema::new("m0016_customer_notifications_by_order").indexes([index(
        "customer_notifications_by_order",
        "customer_notifications",
        &["order_id", "kind", "id"],
    )])
}

fn order_tables() -> Schema {
    Schema::new("m0001_orders_customers_quotations_saga")
        .tables(|| {
            vec![
                Table::create()
                    .table("customers")
                    .col(string("id").primary_key())
                    .col(string("name"))
                    .col(string("phone"))
                    .col(string("email"))
                    .col(text("address"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(string("created_by"))
                    .to_owned(),
                Table::create()
                    .table("orders")
                    .col(string("id").primary_key())
                    .col(string("number").unique_key())
                    .col(string("kind"))
                    .col(string("state"))
                    .col(string("customer_id"))
                    .col(string("salesperson"))
                    .col(string("currency"))
                    .col(text("lines"))
                    .col(big_integer("total"))
                    .col(string("requested_delivery_date"))
                    .col(text("payment_terms"))
                    .col(text("ship_to"))
                    .col(text("buyer_message"))
                    .col(text("seller_note"))
                    .col(text("special_requirements"))
                    .col(string_null("replaces_order_id"))
                    .col(string_null("copied_from_order_id"))
                    .col(string_null("quotation_id"))
                    .col(string("customer_po_number"))
                    .col(string_null("cost_bearer"))
                    .col(integer("revision"))
                    .col(text("flags"))
                    .col(timestamp_with_time_zone_null("submitted_at"))
                    .col(timestamp_with_time_zone_null("confirmation_due_at"))
                    .col(boolean("confirmation_overdue"))
                    .col(big_integer("amount_paid"))
                    .col(string_null("approval_request_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(string("created_by"))
                    .to_owned(),
                Table::create()
                    .table("order_timeline")
                    .col(string("order_id"))
                    .col(string("id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(string("actor"))
                    .col(string("action"))
                    .col(string_null("from_state"))
                    .col(string_null("to_state"))
                    .col(text("reason"))
                    .col(text("detail"))
                    .col(string("source"))
                    .primary_key(Index::create().col("order_id").col("id"))
                    .to_owned(),
                Table::create()
                    .table("order_revisions")
                    .col(string("order_id"))
                    .col(integer("revision"))
                    .col(text("previous"))
                    .col(text("changed_fields"))
                    .col(text("reason"))
                    .col(string("actor"))
                    .col(timestamp_with_time_zone("at"))
                    .primary_key(Index::create().col("order_id").col("revision"))
                    .to_owned(),
                Table::create()
                    .table("list_prices")
                    .col(string("sku"))
                    .col(string("currency"))
                    .col(big_integer("unit_price"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(string("updated_by"))
                    .primary_key(Index::create().col("sku").col("currency"))
                    .to_owned(),
                Table::create()
                    .table("quotations")
                    .col(string("id").primary_key())
                    .col(string("number").unique_key())
                    .col(string("customer_id"))
                    .col(string("salesperson"))
                    .col(string("state"))
                    .col(text("inquiry"))
                    .col(string_null("order_id"))
                    .col(string("customer_po_number"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
                Table::create()
                    .table("quotation_versions")
                    .col(string("quotation_id"))
                    .col(integer("version"))
                    .col(text("terms"))
                    .col(text("change_note"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(string("created_by"))
                    .primary_key(Index::create().col("quotation_id").col("version"))
                    .to_owned(),
                Table::create()
                    .table("number_blocks")
                    .col(string("scope"))
                    .col(string("day"))
                    .col(big_integer("next_value"))
                    .primary_key(Index::create().col("scope").col("day"))
                    .to_owned(),
                Table::create()
                    .table("fulfilment_sagas")
                    .col(string("order_id").primary_key())
                    .col(string("step"))
                    .col(string_null("approval_chain"))
                    .col(timestamp_with_time_zone("started_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            ]
        })
        // Lists are newest first by id (UUIDv7, so by creation), filtered by
        // these; every index costs each order creation, so no more than this.
        .indexes([
            index("orders_by_state", "orders", &["state", "id"]),
            index("orders_by_customer", "orders", &["customer_id", "id"]),
            index("orders_by_salesperson", "orders", &["salesperson", "id"]),
        ])
}

/// ORD-16: the confirmation sheet each confirmed order issued.
fn confirmation_sheets() -> Schema {
    Schema::new("m0010_confirmation_sheets").tables(|| {
        vec![
            Table::create()
                .table("confirmation_sheets")
                .col(string("order_id").primary_key())
                .col(string("number"))
                .col(text("body"))
                .col(timestamp_with_time_zone("issued_at"))
                .col(timestamp_with_time_zone_null("acknowledged_at"))
                .to_owned(),
        ]
    })
}

/// ORD-17: customers' notifications and their message logs.
fn customer_notifications() -> Schema {
    Schema::new("m0011_customer_notifications")
        .tables(|| {
            vec![
                Table::create()
                    .table("customer_notifications")
                    .col(string("id").primary_key())
                    .col(string("customer_id"))
                    .col(string("order_id"))
                    .col(string("order_number"))
                    .col(string("kind"))
                    .col(string("recipient"))
                    .col(text("text"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("due_at"))
                    .col(timestamp_with_time_zone_null("sent_at"))
                    .col(integer("attempts").default(0))
                    .col(text("last_error").default(""))
                    .col(timestamp_with_time_zone_null("claimed_until"))
                    .to_owned(),
            ]
        })
        // The message log by customer; the sender's queue.
        .indexes([
            index(
                "customer_notifications_by_customer",
                "customer_notifications",
                &["customer_id", "id"],
            ),
            index(
                "customer_notifications_waiting",
                "customer_notifications",
                &["sent_at", "created_at"],
            ),
        ])
}

/// ORD-10: reviewers' claims on submitted orders.
fn order_claims() -> Schema {
    Schema::new("m0005_order_claims").tables(|| {
        vec![
            Table::create()
                .table("order_claims")
                .col(string("order_id").primary_key())
                .col(string("claimed_by"))
                .col(timestamp_with_time_zone("claimed_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .to_owned(),
        ]
    })
}

/// ORD-9: the orders merged into an order, and the order a source went into.
fn order_merges() -> Schema {
    Schema::new("m0004_order_merges").alter(|| {
        vec![
            Table::alter()
                .table("orders")
                .add_column(text("merged_from_order_ids").default("[]"))
                .to_owned(),
            Table::alter()
                .table("orders")
                .add_column(string_null("merged_into_order_id"))
                .to_owned(),
        ]
    })
}

/// The carrier and tracking number logistics dispatched the order with.
fn order_shipment() -> Schema {
    Schema::new("m0003_order_carrier_and_tracking").alter(|| {
        ["carrier_code", "tracking_number"]
            .into_iter()
            .map(|column| {
                Table::alter()
                    .table("orders")
                    .add_column(string(column).default(""))
                    .to_owned()
            })
            .collect()
    })
}
