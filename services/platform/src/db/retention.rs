//! Retention (issue 18): the platform's bookkeeping tables stay bounded.
//!
//! - **inbox**: a row says "this consumer handled this event". A message can
//!   only come again while its stream still holds it (30 days,
//!   [`crate::bus::STREAM_MAX_AGE`]), so rows older than the inbox retention
//!   (`INBOX_RETENTION_HOURS`, 35 days by default, never less than the
//!   stream's age) can no longer stop anything and are deleted.
//! - **request_keys**: a caller's request id replays the first result for
//!   `REQUEST_ID_RETENTION_HOURS` (7 days by default); after that the key is
//!   deleted. Keys without a caller ([`super::idempotency::RequestKey::derived`])
//!   are business facts ("this shop order was imported", "these parts were
//!   sent out"), one per business object, and are kept like the objects.
//! - **outbox**: the relay deletes each row once the broker has it; only the
//!   set-aside `outbox_dead_letters` stay, for an operator.
//!
//! A sweep deletes in batches of [`BATCH`] rows, each in its own short write
//! transaction, oldest first, so a first sweep over a large backlog never
//! holds a lock for long.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Condition,
};

use crate::bus::consumer::inbox;
use crate::clock::SharedClock;
use crate::config::{ConfigError, Env};
use crate::db::{Database, idempotency};
use crate::shutdown::Shutdown;

/// Rows deleted per transaction.
pub const BATCH: u64 = 5_000;

/// How long the bookkeeping rows are kept, and how often they are swept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub inbox: chrono::Duration,
    pub request_ids: chrono::Duration,
    pub sweep_every: std::time::Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            inbox: chrono::Duration::days(35),
            request_ids: chrono::Duration::days(7),
            sweep_every: std::time::Duration::from_secs(3600),
        }
    }
}

impl Retention {
    /// Reads `INBOX_RETENTION_HOURS`, `REQUEST_ID_RETENTION_HOURS` and
    /// `RETENTION_SWEEP_SECS`.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let defaults = Self::default();
        let hours = |name: &str, default: chrono::Duration| -> Result<_, ConfigError> {
            let value: i64 = env.parse_in(name, default.num_hours(), 1..=24 * 3650)?;
            Ok(chrono::Duration::hours(value))
        };
        let inbox = hours("INBOX_RETENTION_HOURS", defaults.inbox)?;
        let stream_age =
            chrono::Duration::from_std(crate::bus::STREAM_MAX_AGE).unwrap_or(defaults.inbox);
        if inbox < stream_age {
            return Err(ConfigError::new(
                "INBOX_RETENTION_HOURS",
                format!(
                    "must be at least the streams' age ({} hours): a message still in a stream could be handled twice",
                    stream_age.num_hours()
                ),
            ));
        }
        let sweep_every = env.interval_or("RETENTION_SWEEP_SECS", defaults.sweep_every)?;
        Ok(Self {
            inbox,
            request_ids: hours("REQUEST_ID_RETENTION_HOURS", defaults.request_ids)?,
            sweep_every,
        })
    }
}

/// What one sweep deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub inbox: u64,
    pub request_keys: u64,
}

/// Deletes the inbox rows and callers' request keys older than `retention`
/// allows at `now`.
pub async fn prune(
    database: &Database,
    retention: &Retention,
    now: DateTime<Utc>,
) -> Result<Pruned, DbErr> {
    let inbox_cutoff = now - retention.inbox;
    let inbox = prune_older::<inbox::Entity, _>(
        database,
        inbox::Column::HandledAt,
        Condition::all().add(inbox::Column::HandledAt.lt(inbox_cutoff)),
    )
    .await?;
    let keys_cutoff = now - retention.request_ids;
    let request_keys = prune_older::<idempotency::Entity, _>(
        database,
        idempotency::Column::CreatedAt,
        Condition::all()
            .add(idempotency::Column::CreatedAt.lt(keys_cutoff))
            .add(idempotency::Column::Caller.ne("")),
    )
    .await?;
    Ok(Pruned {
        inbox,
        request_keys,
    })
}

/// Deletes the rows matching `old`, oldest first by `time`, [`BATCH`] at a
/// time: each batch ends at the time of the BATCH-th oldest row.
async fn prune_older<E, C>(database: &Database, time: C, old: Condition) -> Result<u64, DbErr>
where
    E: EntityTrait<Column = C>,
    C: ColumnTrait,
{
    let mut deleted = 0;
    loop {
        let boundary: Option<DateTime<Utc>> = E::find()
            .select_only()
            .column(time)
            .filter(old.clone())
            .order_by_asc(time)
            .offset(BATCH - 1)
            .limit(1)
            .into_tuple()
            .one(database.connection())
            .await?;
        let mut batch = old.clone();
        if let Some(boundary) = boundary {
            batch = batch.add(time.lte(boundary));
        }
        let transaction = database.begin_write().await?;
        let result = E::delete_many().filter(batch).exec(&*transaction).await?;
        transaction.commit().await?;
        deleted += result.rows_affected;
        if boundary.is_none() || result.rows_affected == 0 {
            return Ok(deleted);
        }
    }
}

/// Sweeps every `retention.sweep_every` until `stop` fires. A failed sweep
/// is logged; the next one runs regardless.
pub async fn run(
    service: &'static str,
    database: Database,
    clock: SharedClock,
    retention: Retention,
    stop: Shutdown,
) {
    loop {
        tokio::select! {
            _ = stop.wait() => return,
            _ = tokio::time::sleep(retention.sweep_every) => {}
        }
        match prune(&database, &retention, clock.now()).await {
            Ok(pruned) => {
                crate::metrics::retention_pruned(service, "inbox", pruned.inbox);
                crate::metrics::retention_pruned(service, "request_keys", pruned.request_keys);
                if pruned != Pruned::default() {
                    tracing::info!(
                        service,
                        inbox = pruned.inbox,
                        request_keys = pruned.request_keys,
                        "retention: old bookkeeping rows deleted"
                    );
                }
            }
            Err(error) => tracing::warn!(service, %error, "retention sweep failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inbox_is_kept_at_least_as_long_as_the_streams_keep_messages() {
        let env = Env::from_pairs([("INBOX_RETENTION_HOURS", "24")]);
        let error = Retention::from_env(&env)
            .err()
            .map(|error| error.to_string());
        assert!(error.is_some_and(|error| error.contains("INBOX_RETENTION_HOURS")));
        let env = Env::from_pairs([
            ("INBOX_RETENTION_HOURS", "1000"),
            ("REQUEST_ID_RETENTION_HOURS", "48"),
            ("RETENTION_SWEEP_SECS", "60"),
        ]);
        let retention = Retention::from_env(&env).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(retention.inbox, chrono::Duration::hours(1000));
        assert_eq!(retention.request_ids, chrono::Duration::hours(48));
        assert_eq!(retention.sweep_every, std::time::Duration::from_secs(60));
        assert_eq!(
            Retention::from_env(&Env::from_pairs::<&str, &str>([])).ok(),
            Some(Retention::default())
        );
        let zero = Env::from_pairs([("REQUEST_ID_RETENTION_HOURS", "0")]);
        assert!(Retention::from_env(&zero).is_err());
    }
}
