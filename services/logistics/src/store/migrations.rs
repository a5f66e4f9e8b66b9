//! The logistics database: the platform's tables, then the service's own.

use orderflow_platform::db::migrations::{AddColumn, Schema, index};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    boolean, integer, string, string_null, text, timestamp_with_time_zone,
    timestamp_with_time_zone_null,
};

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut migrations = orderflow_platform::db::migrations::platform_migrations();
        migrations.push(Box::new(logistics_tables()));
        // SLA-4: whether a shipment's missing plan was announced.
        migrations.push(AddColumn::new(
            "m0002_shipment_plan_overdue",
            "shipments",
            || boolean("plan_overdue").default(false).to_owned(),
        ));
        migrations
    }
}

fn logistics_tables() -> Schema {
    Schema::new("m0001_carriers_rules_shipments_pickups")
        .tables(|| {
            vec![
                Table::create()
                    .table("carriers")
                    .col(string("code").primary_key())
                    .col(string("name"))
                    .col(integer("promised_days"))
                    .col(string("tracking_url_template"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
                // Every version of the rules; the highest is in effect.
                Table::create()
                    .table("routing_rules")
                    .col(integer("version").primary_key())
                    .col(text("rules"))
                    .col(string("default_carrier_code"))
                    .col(string("updated_by"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
                Table::create()
                    .table("shipments")
                    .col(string("order_id").primary_key())
                    .col(text("order_snapshot"))
                    .col(text("ship_to"))
                    .col(string("state"))
                    .col(string("carrier_code"))
                    .col(text("carrier_reason"))
                    .col(string_null("planned_ship_date"))
                    .col(string("note_number"))
                    .col(string("note_approved_by"))
                    .col(string("tracking_number"))
                    .col(timestamp_with_time_zone_null("dispatched_at"))
                    .col(timestamp_with_time_zone_null("promised_at"))
                    .col(boolean("delay_announced"))
                    .col(text("tracking"))
                    .col(timestamp_with_time_zone_null("delivered_at"))
                    .col(timestamp_with_time_zone_null("received_at"))
                    .col(string("receipt_confirmed_by"))
                    .col(boolean("goods_out"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
                Table::create()
                    .table("pickups")
                    .col(string("id").primary_key())
                    .col(string("order_id"))
                    .col(string("reference"))
                    .col(text("address"))
                    .col(string("pickup_date"))
                    .col(string("carrier_code"))
                    .col(text("reason"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            ]
        })
        .indexes([
            index("shipments_by_tracking", "shipments", &["tracking_number"]),
            index("shipments_by_state", "shipments", &["state"]),
            index("pickups_by_order", "pickups", &["order_id"]),
        ])
}
