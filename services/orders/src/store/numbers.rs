//! Daily sequence numbers (ORD-2) without a hot row.
//!
//! Each service instance reserves a block of numbers for a day with one short
//! upsert (`next_value += block`) in its own transaction, then hands them out
//! from memory. Writers therefore touch the shared row once per block, not
//! once per order, and instances sharing a database never hand out the same
//! number. The price is gaps: numbers of a block an instance did not use
//! before it stopped are skipped, as are numbers of failed creations.

use std::collections::HashMap;

use chrono::NaiveDate;
use orderflow_platform::db::Database;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use tokio::sync::Mutex;

use crate::domain::OrderError;
use orderflow_platform::ids::MAX_DAILY_SEQUENCE;

#[derive(Debug, Clone, Copy)]
struct Block {
    next: i64,
    last: i64,
}

#[derive(Debug)]
pub struct NumberAllocator {
    database: Database,
    block_size: i64,
    blocks: Mutex<HashMap<(String, NaiveDate), Block>>,
}

impl NumberAllocator {
    pub fn new(database: Database, block_size: i64) -> Self {
        Self {
            database,
            block_size: block_size.max(1),
            blocks: Mutex::new(HashMap::new()),
        }
    }

    /// The next sequence number of `scope` (e.g. "order") on `day`.
    pub async fn next(&self, scope: &str, day: NaiveDate) -> Result<i64, OrderError> {
        let mut blocks = self.blocks.lock().await;
        blocks.retain(|(_, block_day), _| *block_day >= day);
        let key = (scope.to_owned(), day);
        if let Some(block) = blocks.get_mut(&key)
            && block.next <= block.last
        {
            let number = block.next;
            block.next += 1;
            return Ok(number);
        }
        let last = self.reserve(scope, day).await?;
        let first = last - self.block_size + 1;
        if first > MAX_DAILY_SEQUENCE {
            return Err(OrderError::Conflict(format!(
                "the {scope} numbers of {day} are exhausted"
            )));
        }
        blocks.insert(
            key,
            Block {
                next: first + 1,
                last,
            },
        );
        Ok(first)
    }

    /// Reserves the next block; returns its last number.
    async fn reserve(&self, scope: &str, day: NaiveDate) -> Result<i64, OrderError> {
        let sql = match self.database.backend() {
            DbBackend::Postgres => {
                "INSERT INTO number_blocks (scope, day, next_value) VALUES ($1, $2, $3) \
                 ON CONFLICT (scope, day) DO UPDATE SET next_value = number_blocks.next_value + EXCLUDED.next_value \
                 RETURNING next_value"
            }
            _ => {
                "INSERT INTO number_blocks (scope, day, next_value) VALUES (?, ?, ?) \
                 ON CONFLICT (scope, day) DO UPDATE SET next_value = number_blocks.next_value + excluded.next_value \
                 RETURNING next_value"
            }
        };
        let statement = Statement::from_sql_and_values(
            self.database.backend(),
            sql,
            [
                scope.into(),
                day.format("%Y%m%d").to_string().into(),
                self.block_size.into(),
            ],
        );
        let transaction = self.database.begin_write().await?;
        let row = transaction.query_one_raw(statement).await?.ok_or_else(|| {
            OrderError::Internal(anyhow::anyhow!("number block upsert returned nothing"))
        })?;
        let last: i64 = row.try_get("", "next_value")?;
        transaction.commit().await?;
        Ok(last)
    }
}
