//! The platform's tables, created in every service's database: the outbox,
//! the inbox and the idempotency keys. A service's migrator lists
//! [`platform_migrations`] first, then its own.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{blob, integer, string, text, text_null, timestamp_with_time_zone};

pub fn platform_migrations() -> Vec<Box<dyn MigrationTrait>> {
    vec![
        Box::new(platform_tables()),
        Box::new(request_keys()),
        Box::new(outbox_dead_letters()),
        Box::new(retention_indexes()),
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

/// A migration declared as data, run in a transaction: columns added to
/// existing tables, then new tables, then indexes, then append-only
/// triggers. The usual migration without its two trait impls:
///
/// ```ignore
/// Schema::new("m0002_complaints")
///     .alter(|| vec![Table::alter().table("facts").add_column(text("x")).to_owned()])
///     .tables(|| vec![Table::create().table("complaints").col(text("body")).to_owned()])
///     .indexes([index("complaints_by_due_at", "complaints", &["overdue", "due_at"])])
/// ```
pub struct Schema {
    name: &'static str,
    alter: fn() -> Vec<TableAlterStatement>,
    tables: fn() -> Vec<TableCreateStatement>,
    indexes: Vec<IndexOn>,
    append_only: &'static [(&'static str, &'static str)],
}

/// An index of a [`Schema`]: its name, table and columns.
pub struct IndexOn {
    name: &'static str,
    table: &'static str,
    columns: &'static [&'static str],
    unique: bool,
}

/// An index on `columns` of `table`.
pub const fn index(
    name: &'static str,
    table: &'static str,
    columns: &'static [&'static str],
) -> IndexOn {
    IndexOn {
        name,
        table,
        columns,
        unique: false,
    }
}

/// A unique index on `columns` of `table`.
pub const fn unique_index(
    name: &'static str,
    table: &'static str,
    columns: &'static [&'static str],
) -> IndexOn {
    IndexOn {
        unique: true,
        ..index(name, table, columns)
    }
}

impl Schema {
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            alter: Vec::new,
            tables: Vec::new,
            indexes: Vec::new(),
            append_only: &[],
        }
    }

    /// Columns added to tables an earlier migration created.
    pub fn alter(self, alter: fn() -> Vec<TableAlterStatement>) -> Self {
        Self { alter, ..self }
    }

    pub fn tables(self, tables: fn() -> Vec<TableCreateStatement>) -> Self {
        Self { tables, ..self }
    }

    pub fn indexes(self, indexes: impl Into<Vec<IndexOn>>) -> Self {
        Self {
            indexes: indexes.into(),
            ..self
        }
    }

    /// Tables made append-only by the database itself (triggers refuse every
    /// UPDATE and DELETE), each with the message the refusal carries.
    pub fn append_only(self, append_only: &'static [(&'static str, &'static str)]) -> Self {
        Self {
            append_only,
            ..self
        }
    }
}

impl MigrationName for Schema {
    fn name(&self) -> &str {
        self.name
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Schema {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for statement in (self.alter)() {
            manager.alter_table(statement).await?;
        }
        for statement in (self.tables)() {
            manager.create_table(statement).await?;
        }
        for index in &self.indexes {
            let mut statement = Index::create();
            statement.name(index.name).table(index.table);
            for column in index.columns {
                statement.col(*column);
            }
            if index.unique {
                statement.unique();
            }
            manager.create_index(statement).await?;
        }
        for (table, message) in self.append_only {
            make_append_only(manager, table, message).await?;
        }
        Ok(())
    }
}

/// Makes `table` append-only in the database itself: on PostgreSQL a plpgsql
/// trigger, on SQLite two `RAISE(ABORT)` triggers refuse every UPDATE and
/// DELETE with `message`, whoever connects. For ledgers (FIN-7, INV-7), whose
/// rows are corrected by new rows, never edited.
async fn make_append_only(
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

fn platform_tables() -> Schema {
    Schema::new("m0000_platform_outbox_inbox_idempotency").tables(|| {
        vec![
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
            Table::create()
                .table("inbox")
                .col(string("consumer"))
                .col(string("event_id"))
                .col(string("subject"))
                .col(timestamp_with_time_zone("handled_at"))
                .primary_key(Index::create().col("consumer").col("event_id"))
                .to_owned(),
            Table::create()
                .table("idempotency_keys")
                .col(string("operation"))
                .col(string("request_id"))
                .col(string("resource_id"))
                .col(timestamp_with_time_zone("created_at"))
                .primary_key(Index::create().col("operation").col("request_id"))
                .to_owned(),
        ]
    })
}

/// The request ids of mutating calls, scoped by operation and caller, with a
/// fingerprint of the request body (see [`crate::db::idempotency`]). Replaces
/// `idempotency_keys`, which nothing reads any more but is left in place
/// (expand now, contract in a later release) so that a binary of the previous
/// release, after a rollback, still finds its table.
fn request_keys() -> Schema {
    Schema::new("m0000_platform_request_keys").tables(|| {
        vec![
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
        ]
    })
}

/// D1 (issue 17): events the relay can never publish (larger than the
/// broker takes) are moved here, so that they block nothing.
fn outbox_dead_letters() -> Schema {
    Schema::new("m0000_platform_outbox_dead_letters").tables(|| {
        vec![
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
        ]
    })
}

/// Issue 18: retention deletes the oldest inbox rows and request keys; these
/// indexes let it find them without reading the tables.
fn retention_indexes() -> Schema {
    Schema::new("m0000_platform_retention_indexes").indexes([
        index("inbox_handled_at", "inbox", &["handled_at"]),
        index("request_keys_created_at", "request_keys", &["created_at"]),
    ])
}
