//! The platform's tables, created in every service's database: the outbox,
//! the inbox and the idempotency keys. A service's migrator lists
//! [`platform_migrations`] first, then its own.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{blob, integer, string, text, text_null, timestamp_with_time_zone};

pub fn platform_migrations() -> Vec<Box<dyn MigrationTrait>> {
    vec![Box::new(CreatePlatformTables)]
}

struct CreatePlatformTables;

impl MigrationName for CreatePlatformTables {
    fn name(&self) -> &str {
        "m0000_platform_outbox_inbox_idempotency"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreatePlatformTables {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("outbox")
                    .col(string("id").primary_key())
                    .col(string("subject"))
                    .col(string("event_type"))
                    .col(blob("payload"))
                    .col(text("headers"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(integer("attempts").default(0))
                    .col(text_null("last_error"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("inbox")
                    .col(string("consumer"))
                    .col(string("event_id"))
                    .col(string("subject"))
                    .col(timestamp_with_time_zone("handled_at"))
                    .primary_key(Index::create().col("consumer").col("event_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("idempotency_keys")
                    .col(string("operation"))
                    .col(string("request_id"))
                    .col(string("resource_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(Index::create().col("operation").col("request_id"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
