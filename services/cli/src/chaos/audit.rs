//! The fault suite's accounts, read from the services' own databases and
//! the broker after the faults: where every order ended, what was done
//! twice, whether stock on hand is its movements, and what was
//! dead-lettered or left unpublished.

use std::collections::BTreeMap;

use anyhow::Context as _;
use orderflow_platform::db::Database;
use sea_orm::{ConnectionTrait as _, Statement};
use serde::Serialize;

use super::cluster::{SERVICES, Services};
use super::driver::LINES;

/// What the databases say about one batch of orders.
#[derive(Debug, Default, Serialize)]
pub struct Accounts {
    /// Orders by final state.
    pub states: BTreeMap<String, i64>,
    /// Things done twice, by what they are (zero everywhere when all is
    /// well).
    pub duplicates: BTreeMap<&'static str, i64>,
}

impl Accounts {
    pub fn duplicated(&self) -> i64 {
        self.duplicates.values().sum()
    }
}

/// What the databases and the broker say about the whole run.
#[derive(Debug, Default, Serialize)]
pub struct Books {
    /// (sku, warehouse) whose on-hand figure is not the sum of its
    /// movements.
    pub stock_off_its_movements: Vec<String>,
    /// Units posted out per SKU against what the completed orders needed.
    pub outbound: BTreeMap<String, (i64, i64)>,
    /// Orders created twice (one salesperson per order, so two orders of
    /// one salesperson are a repeated CreateOrder done twice).
    pub orders_created_twice: i64,
    /// Messages in the DEADLETTER stream.
    pub dead_letters: u64,
    /// Events in the services' outbox dead-letter tables.
    pub outbox_dead_letters: i64,
    /// Events committed but not yet published.
    pub outbox_backlog: i64,
}

impl Books {
    pub fn balanced(&self) -> bool {
        self.orders_created_twice == 0
            && self.stock_off_its_movements.is_empty()
            && self
                .outbound
                .values()
                .all(|(posted, needed)| posted == needed)
            && self.dead_letters == 0
            && self.outbox_dead_letters == 0
            && self.outbox_backlog == 0
    }
}

/// Each service's database, for reading.
pub struct Ledgers {
    databases: BTreeMap<&'static str, Database>,
}

/// `'a', 'b'`: ids as an SQL list (they are the services' own UUIDs, and
/// quotes are doubled regardless).
fn sql_list(ids: &[String]) -> String {
    if ids.is_empty() {
        return "''".to_owned();
    }
    ids.iter()
        .map(|id| format!("'{}'", id.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Groups of rows that share `key` more than once, among `rows`.
fn repeated(table: &str, key: &str, filter: &str) -> String {
    format!(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM \
           (SELECT {key} FROM {table} WHERE {filter} GROUP BY {key} HAVING COUNT(*) > 1) AS twice"
    )
}

impl Ledgers {
    pub async fn open(services: &Services) -> anyhow::Result<Self> {
        let mut databases = BTreeMap::new();
        for service in SERVICES {
            let url = services.database_url(service);
            databases.insert(
                service,
                Database::connect(&url, 2)
                    .await
                    .with_context(|| format!("cannot read {service}'s database"))?,
            );
        }
        Ok(Self { databases })
    }

    async fn number(&self, service: &str, sql: &str) -> anyhow::Result<i64> {
        let database = &self.databases[service];
        let row = database
            .connection()
            .query_one_raw(Statement::from_string(database.backend(), sql))
            .await
            .with_context(|| format!("{service}: {sql}"))?
            .context("no row")?;
        Ok(row.try_get("", "n")?)
    }

    async fn rows(&self, service: &str, sql: &str) -> anyhow::Result<Vec<sea_orm::QueryResult>> {
        let database = &self.databases[service];
        database
            .connection()
            .query_all_raw(Statement::from_string(database.backend(), sql))
            .await
            .with_context(|| format!("{service}: {sql}"))
    }

    /// Where `orders` ended and what was done twice for them.
    pub async fn accounts(&self, orders: &[String]) -> anyhow::Result<Accounts> {
        let ids = sql_list(orders);
        let mut accounts = Accounts::default();
        for row in self
            .rows(
                "orders",
                &format!(
                    "SELECT state, CAST(COUNT(*) AS BIGINT) AS n FROM orders \
                     WHERE id IN ({ids}) GROUP BY state"
                ),
            )
            .await?
        {
            accounts
                .states
                .insert(row.try_get("", "state")?, row.try_get("", "n")?);
        }
        let checks: [(&'static str, &str, String); 5] = [
            (
                "timeline actions",
                "orders",
                repeated(
                    "order_timeline",
                    "order_id, action, from_state, to_state, detail",
                    &format!("order_id IN ({ids})"),
                ),
            ),
            (
                "payments",
                "finance",
                repeated("payments", "order_id", &format!("order_id IN ({ids})")),
            ),
            (
                "ledger entries",
                "finance",
                repeated(
                    "ledger_entries",
                    "order_id, kind, amount",
                    &format!("order_id IN ({ids})"),
                ),
            ),
            (
                "invoices",
                "finance",
                repeated(
                    "documents",
                    "order_id, kind",
                    &format!("order_id IN ({ids})"),
                ),
            ),
            (
                "stock movements",
                "inventory",
                repeated(
                    "movements",
                    "reference, reason, sku, warehouse",
                    &format!("reference IN ({ids})"),
                ),
            ),
        ];
        for (what, service, sql) in checks {
            accounts
                .duplicates
                .insert(what, self.number(service, &sql).await?);
        }
        Ok(accounts)
    }

    /// Events committed and not yet published, in every service.
    pub async fn unpublished(&self) -> anyhow::Result<i64> {
        let mut backlog = 0;
        for service in SERVICES {
            backlog += self
                .number(service, "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM outbox")
                .await?;
        }
        Ok(backlog)
    }

    /// Stock against movements, units out against the completed orders,
    /// dead letters and the outboxes.
    pub async fn books(
        &self,
        completed: i64,
        jetstream: &async_nats::jetstream::Context,
    ) -> anyhow::Result<Books> {
        let mut books = Books {
            orders_created_twice: self
                .number("orders", &repeated("orders", "salesperson", "TRUE"))
                .await?,
            ..Books::default()
        };
        for row in self
            .rows(
                "inventory",
                "SELECT s.sku, s.warehouse, s.on_hand, \
                        CAST(COALESCE(SUM(m.quantity), 0) AS BIGINT) AS moved \
                   FROM stock s LEFT JOIN movements m \
                     ON m.sku = s.sku AND m.warehouse = s.warehouse \
                  GROUP BY s.sku, s.warehouse, s.on_hand",
            )
            .await?
        {
            let on_hand: i64 = row.try_get("", "on_hand")?;
            let moved: i64 = row.try_get("", "moved")?;
            if on_hand != moved {
                let sku: String = row.try_get("", "sku")?;
                let warehouse: String = row.try_get("", "warehouse")?;
                books.stock_off_its_movements.push(format!(
                    "{sku} in {warehouse}: {on_hand} on hand, {moved} moved"
                ));
            }
        }
        for (sku, _, quantity, _) in LINES {
            let posted = self
                .number(
                    "inventory",
                    &format!(
                        "SELECT CAST(COALESCE(-SUM(quantity), 0) AS BIGINT) AS n FROM movements \
                         WHERE sku = '{sku}' AND reason = 'outbound'"
                    ),
                )
                .await?;
            books
                .outbound
                .insert(sku.to_owned(), (posted, quantity * completed));
        }
        for service in SERVICES {
            books.outbox_dead_letters += self
                .number(
                    service,
                    "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM outbox_dead_letters",
                )
                .await?;
        }
        books.outbox_backlog = self.unpublished().await?;
        books.dead_letters = jetstream
            .get_stream(orderflow_platform::bus::DEAD_LETTER_STREAM)
            .await
            .context("the DEADLETTER stream")?
            .info()
            .await?
            .state
            .messages;
        Ok(books)
    }
}
