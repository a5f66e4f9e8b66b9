//! The service's database: SQLite (embedded default) or PostgreSQL.
//!
//! - [`Database::connect`] from `DATABASE_URL`; SQLite gets WAL, a busy
//!   timeout and foreign keys.
//! - [`Database::migrate`] runs a service's migrations at start-up; on
//!   PostgreSQL under an advisory lock, so replicas starting together take
//!   turns.
//! - [`Database::begin_write`] starts a write transaction. SQLite allows one
//!   writer at a time, so writers queue in-process instead of failing with
//!   `SQLITE_BUSY`.
//! - [`idempotency`]: request ids of mutating calls (AIP-155), scoped by
//!   operation and caller and fingerprinted: one rule for every service.
//! - [`migrations`]: the platform's own tables (outbox, inbox, idempotency keys),
//!   which every service's migrator includes.
//! - [`retention`]: keeps the inbox and the callers' request ids bounded.

pub mod document;
pub mod idempotency;
pub mod migrations;
pub mod query;
pub mod retention;

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use sea_orm::{
    ConnectOptions, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    Statement, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// A connection pool plus what the platform needs to write safely.
#[derive(Clone, Debug)]
pub struct Database {
    connection: DatabaseConnection,
    /// SQLite only: the in-process queue of writers.
    write_gate: Option<Arc<Mutex<()>>>,
}

impl Database {
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .max_connections(max_connections)
            .min_connections(1)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(10))
            .sqlx_logging(false);
        let is_sqlite = url.starts_with("sqlite:");
        // Batched writes produce one statement text per batch size; keep all
        // of them prepared instead of re-preparing on every batch.
        options.map_sqlx_postgres_opts(|postgres| postgres.statement_cache_capacity(1024));
        if is_sqlite {
            create_sqlite_parent_dir(url)?;
            options.map_sqlx_sqlite_opts(|sqlite| {
                use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
                sqlite
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(15))
                    .foreign_keys(true)
            });
        }
        let connection = sea_orm::Database::connect(options)
            .await
            .with_context(|| format!("cannot connect to the database at {}", redact(url)))?;
        Ok(Self {
            connection,
            write_gate: is_sqlite.then(|| Arc::new(Mutex::new(()))),
        })
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.connection
    }

    pub fn backend(&self) -> DbBackend {
        self.connection.get_database_backend()
    }

    pub fn is_postgres(&self) -> bool {
        self.backend() == DbBackend::Postgres
    }

    /// Brings the schema to what this binary needs, under a lock so that
    /// replicas starting together take turns (PostgreSQL: an advisory lock;
    /// SQLite: the write lock). Migrations are expand/contract — a release
    /// only adds what the one before it can ignore — so the rules are:
    /// - this binary's migrations all applied: serve, even when a later
    ///   release added more (a rollback runs the old binary on the newer
    ///   schema; the unknown migrations are logged, not refused);
    /// - some of them pending: apply them when `apply` is true (local runs,
    ///   the `migrate` step), else refuse (the schema is too old: run the
    ///   migration step first);
    /// - pending ones and unknown ones at once: refuse (the database comes
    ///   from another line of releases).
    pub async fn migrate<M: MigratorTrait>(
        &self,
        service: &str,
        apply: bool,
    ) -> anyhow::Result<SchemaState> {
        let _writer = self.write_gate().await;
        let transaction = self.connection.begin().await?;
        let lock = if self.is_postgres() {
            Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1)",
                [advisory_key(service).into()],
            )
        } else {
            // A write as the first statement takes SQLite's write lock before
            // the transaction reads anything, so the snapshot cannot go stale.
            Statement::from_string(
                DbBackend::Sqlite,
                "CREATE TABLE IF NOT EXISTS orderflow_migration_lock (id INTEGER PRIMARY KEY)",
            )
        };
        transaction
            .execute_raw(lock)
            .await
            .context("cannot take the migration lock")?;
        if !self.is_postgres() {
            transaction
                .execute_raw(Statement::from_string(
                    DbBackend::Sqlite,
                    "DELETE FROM orderflow_migration_lock",
                ))
                .await
                .context("cannot take the migration lock")?;
        }
        M::install(&transaction).await?;
        let applied: std::collections::BTreeSet<String> = M::get_migration_models(&transaction)
            .await?
            .into_iter()
            .map(|model| model.version)
            .collect();
        let known: Vec<String> = M::migrations()
            .iter()
            .map(|migration| migration.name().to_owned())
            .collect();
        let state = SchemaState {
            pending: known
                .iter()
                .filter(|name| !applied.contains(*name))
                .cloned()
                .collect(),
            unknown: applied
                .iter()
                .filter(|name| !known.contains(name))
                .cloned()
                .collect(),
        };
        match (state.pending.is_empty(), state.unknown.is_empty()) {
            (true, true) => {}
            (true, false) => tracing::warn!(
                service,
                unknown = ?state.unknown,
                "the schema is newer than this binary (a later release migrated it); serving on it"
            ),
            (false, true) if apply => {
                M::up(&transaction, None)
                    .await
                    .with_context(|| format!("migrations of {service} failed"))?;
                tracing::info!(service, applied = ?state.pending, "schema migrated");
            }
            (false, true) => anyhow::bail!(
                "the schema of {service} is older than this binary needs (pending: {}); run `orderflow-{service} migrate` first",
                state.pending.join(", ")
            ),
            (false, false) => anyhow::bail!(
                "the database of {service} has migrations this binary does not know ({}) and lacks some it needs ({}): it belongs to another line of releases",
                state.unknown.join(", "),
                state.pending.join(", ")
            ),
        }
        transaction.commit().await?;
        Ok(state)
    }

    /// A transaction for writing. Commit it with [`WriteTransaction::commit`];
    /// dropping it rolls back. On SQLite it takes the file's write lock at
    /// once (`BEGIN IMMEDIATE`): another process or pool writing the same
    /// file is then waited for (the busy timeout), where a deferred
    /// transaction that read first would fail to write with
    /// `SQLITE_BUSY_SNAPSHOT`. PostgreSQL ignores the mode.
    pub async fn begin_write(&self) -> Result<WriteTransaction, DbErr> {
        let writer = self.write_gate().await;
        let transaction = self
            .connection
            .begin_with_options(sea_orm::TransactionOptions {
                sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?;
        Ok(WriteTransaction {
            transaction,
            _writer: writer,
        })
    }

    async fn write_gate(&self) -> Option<OwnedMutexGuard<()>> {
        match &self.write_gate {
            Some(gate) => Some(gate.clone().lock_owned().await),
            None => None,
        }
    }

    /// Runs one statement as it is (administration: CREATE DATABASE, ...).
    pub async fn execute_unprepared(&self, sql: &str) -> Result<(), DbErr> {
        self.connection
            .execute_raw(Statement::from_string(self.backend(), sql.to_owned()))
            .await
            .map(drop)
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        self.connection.ping().await.is_ok()
    }

    pub async fn close(self) {
        if let Err(error) = self.connection.close().await {
            tracing::warn!(%error, "closing the database pool failed");
        }
    }
}

/// A write transaction; on SQLite it also holds the writer's turn.
/// What [`Database::migrate`] found: this binary's migrations that were not
/// applied yet (applied now, when it was asked to) and applied ones it does
/// not know (a later release's).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaState {
    pub pending: Vec<String>,
    pub unknown: Vec<String>,
}

pub struct WriteTransaction {
    transaction: DatabaseTransaction,
    _writer: Option<OwnedMutexGuard<()>>,
}

impl std::fmt::Debug for WriteTransaction {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("WriteTransaction")
            .finish_non_exhaustive()
    }
}

impl WriteTransaction {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.transaction.commit().await
    }
}

impl Deref for WriteTransaction {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &Self::Target {
        &self.transaction
    }
}

/// Whether the database could not be reached or dropped the connection
/// (pool exhausted or closed, I/O error, any failure to connect, such as a
/// database that refuses connections for now; PostgreSQL's connection
/// exception class 08, operator intervention class 57P (shutdown,
/// terminated backend) and too many connections, 53300): asking again later
/// may succeed, nothing is wrong with the request.
pub fn is_unavailable(error: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(error)) | DbErr::Query(RuntimeErr::SqlxError(error)) => {
            match error.as_ref() {
                sea_orm::sqlx::Error::Io(_)
                | sea_orm::sqlx::Error::PoolTimedOut
                | sea_orm::sqlx::Error::PoolClosed
                | sea_orm::sqlx::Error::WorkerCrashed => true,
                sea_orm::sqlx::Error::Database(database) => database.code().is_some_and(|code| {
                    code.starts_with("08") || code.starts_with("57P") || code == "53300"
                }),
                _ => false,
            }
        }
        _ => false,
    }
}

/// Whether the database refused a text it cannot store: PostgreSQL's
/// `character_not_in_repertoire` (22021, a NUL character) and
/// `untranslatable_character` (22P05). The request was bad, not the service.
pub fn is_unstorable_text(error: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    match error {
        DbErr::Exec(RuntimeErr::SqlxError(error)) | DbErr::Query(RuntimeErr::SqlxError(error)) => {
            match error.as_ref() {
                sea_orm::sqlx::Error::Database(database) => database
                    .code()
                    .is_some_and(|code| code == "22021" || code == "22P05"),
                _ => false,
            }
        }
        _ => false,
    }
}

/// Inserts `row` unless a row with its primary key is there: whether it
/// did. The way to claim a new aggregate that two transactions may file at
/// the same moment (two replicas handling two events of a new order): on
/// PostgreSQL the second insert waits for the first's commit and then
/// inserts nothing, so the second transaction goes on to read, lock and
/// compare the first's version instead of overwriting it.
pub async fn insert_if_absent<E, C>(connection: &C, row: E::ActiveModel) -> Result<bool, DbErr>
where
    E: sea_orm::EntityTrait,
    E::ActiveModel: sea_orm::ActiveModelTrait<Entity = E> + Send,
    C: ConnectionTrait,
{
    use sea_orm::Iterable as _;
    let inserted = E::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns(E::PrimaryKey::iter())
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(connection)
        .await?;
    Ok(inserted > 0)
}

/// Whether an error is a unique-constraint violation.
pub fn is_unique_violation(error: &DbErr) -> bool {
    matches!(
        error.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

fn advisory_key(service: &str) -> i64 {
    // FNV-1a: stable across builds and platforms, unlike `DefaultHasher`.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in format!("orderflow-migrations-{service}").bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

fn create_sqlite_parent_dir(url: &str) -> anyhow::Result<()> {
    let path = url
        .trim_start_matches("sqlite:")
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") {
        return Ok(());
    }
    if let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    Ok(())
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// `postgres://u@h:5432/postgres?x=y` with the database replaced by `name`.
pub fn with_database_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |index| index + 3);
    let prefix = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{prefix}/{name}?{query}"),
        None => format!("{prefix}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(
            redact("postgres://orders:s3cret@db:5432/orders"),
            "postgres://orders:***@db:5432/orders"
        );
        assert_eq!(
            redact("sqlite://data/orders.db?mode=rwc"),
            "sqlite://data/orders.db?mode=rwc"
        );
    }

    #[test]
    fn advisory_keys_differ_per_service_and_are_stable() {
        assert_ne!(advisory_key("orders"), advisory_key("finance"));
        assert_eq!(advisory_key("orders"), advisory_key("orders"));
    }

    #[test]
    fn the_database_name_is_replaced_in_a_postgres_url() {
        assert_eq!(
            with_database_name("postgres://root@127.0.0.1:5432/postgres", "t1"),
            "postgres://root@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database_name(
                "postgres://root@127.0.0.1:5432/postgres?sslmode=disable",
                "t1"
            ),
            "postgres://root@127.0.0.1:5432/t1?sslmode=disable"
        );
        assert_eq!(
            with_database_name("postgres://root@h", "t1"),
            "postgres://root@h/t1"
        );
    }
}
