//! The platform's tables, created in every service's database: the outbox,
//! the inbox and the idempotency keys. A service's migrator lists
//! [`platform_migrations`] first, then its own.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{blob, integer, string, text, text_null, timestamp_with_time_zone};

pub fn platform_migrations() -> Vec<Box<dyn MigrationTrait>> {
    vec![
        Box::new(CreatePlatformTables),
        Box::new(CreateRequestKeys),
        Box::new(CreateOutboxDeadLetters),
        Box::new(CreateRetentionIndexes),
    ]
}

/// A migration that adds one column to one table (in a transaction): the
/// usual later migration, declared as data,
/// `AddColumn::new("m0002_…", "shipments", || boolean("x").default(false))`.
pub struct AddColumn {
    name: &'static str,
    table: &'static str,
    column: fn() -> ColumnDef,
}

impl AddColumn {
    pub fn new(name: &'static str, table: &'static str, column: fn() -> ColumnDef) -> Box<Self> {
        Box::new(Self {
            name,
            table,
            column,
        })
    }
}

impl MigrationName for AddColumn {
    fn name(&self) -> &str {
        self.name
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AddColumn {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(self.table)
                    .add_column((self.column)())
                    .to_owned(),
            )
            .await
    }
}

/// Makes `table` append-only in the database itself: on PostgreSQL a plpgsql
/// trigger, on SQLite two `RAISE(ABORT)` triggers refuse every UPDATE and
/// DELETE with `message`, whoever connects. For ledgers (FIN-7, INV-7), whose
/// rows are corrected by new rows, never edited.
pub async fn make_append_only(
    manager: &SchemaManager<'_>,
    table: &str,
    message: &str,
) -> Result<(), DbErr> {
    let message = message.replace('\'', "''");
    let statements = match manager.get_connection().get_database_backend() {
        DbBackend::Postgres => vec![
            format!(
                "CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       RAISE EXCEPTION '{message}';
     END $$"
            ),
            format!(
                "CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
     FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
            ),
        ],
        _ => ["UPDATE", "DELETE"]
            .iter()
            .map(|operation| {
                format!(
                    "CREATE TRIGGER {table}_no_{} BEFORE {operation} ON {table}
     BEGIN SELECT RAISE(ABORT, '{message}'); END",
                    operation.to_lowercase()
                )
            })
            .collect(),
    };
    for statement in statements {
        manager
            .get_connection()
            .execute_unprepared(&statement)
            .await?;
    }
    Ok(())
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

/// The request ids of mutating calls, scoped by operation and caller, with a
/// fingerprint of the request body (see [`crate::db::idempotency`]). Replaces
/// `idempotency_keys`, which nothing reads any more but is left in place
/// (expand now, contract in a later release) so that a binary of the previous
/// release, after a rollback, still finds its table.
struct CreateRequestKeys;

impl MigrationName for CreateRequestKeys {
    fn name(&self) -> &str {
        "m0000_platform_request_keys"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateRequestKeys {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("request_keys")
                    .col(string("operation"))
                    .col(string("caller"))
                    .col(string("request_id"))
                    .col(string("fingerprint"))
                    .col(string("resource_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(
                        Index::create()
                            .col("operation")
                            .col("caller")
                            .col("request_id"),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

/// D1 (issue 17): events the relay can never publish (larger than the
/// broker takes) are moved here, so that they block nothing.
struct CreateOutboxDeadLetters;

impl MigrationName for CreateOutboxDeadLetters {
    fn name(&self) -> &str {
        "m0000_platform_outbox_dead_letters"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateOutboxDeadLetters {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("outbox_dead_letters")
                    .col(string("id").primary_key())
                    .col(string("subject"))
                    .col(string("event_type"))
                    .col(blob("payload"))
                    .col(text("headers"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(text("reason"))
                    .col(timestamp_with_time_zone("dead_at"))
                    .to_owned(),
            )
            .await
    }
}

/// Issue 18: retention deletes the oldest inbox rows and request keys; these
/// indexes let it find them without reading the tables.
struct CreateRetentionIndexes;

impl MigrationName for CreateRetentionIndexes {
    fn name(&self) -> &str {
        "m0000_platform_retention_indexes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateRetentionIndexes {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in [("inbox", "handled_at"), ("request_keys", "created_at")] {
            manager
                .create_index(
                    Index::create()
                        .name(format!("{table}_{column}"))
                        .table(table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
