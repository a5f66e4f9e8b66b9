//! What every service's application layer stands on: its database, the
//! clock and the outbox's signal, with the few things each use case asks of
//! them (the time now, today's date, a change's context, an event to send).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbErr};

use crate::bus::outbox::{self, OutboxSignal, OutgoingEvent};
use crate::clock::SharedClock;
use crate::db::Database;
use crate::db::document::ChangeContext;
use crate::db::idempotency::RequestKey;

#[derive(Debug, Clone)]
pub struct AppBase {
    pub database: Database,
    pub clock: SharedClock,
    pub outbox: OutboxSignal,
}

impl AppBase {
    pub fn new(database: Database, clock: SharedClock, outbox: OutboxSignal) -> Self {
        Self {
            database,
            clock,
            outbox,
        }
    }

    /// The time now, at the store's precision.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.stored_now()
    }

    /// Today's date in the business time zone `zone`.
    pub fn today<Z: chrono::TimeZone>(&self, zone: &Z) -> NaiveDate {
        crate::clock::day_in(self.now(), zone)
    }

    /// What a change of one aggregate needs: the database, the outbox, the
    /// request's key and the time now.
    pub fn change<'a>(&'a self, key: Option<&'a RequestKey>) -> ChangeContext<'a> {
        ChangeContext {
            database: &self.database,
            outbox: &self.outbox,
            key,
            now: self.now(),
        }
    }

    /// `event` into the outbox, in the caller's transaction, stamped now.
    pub async fn enqueue<C: ConnectionTrait>(
        &self,
        connection: &C,
        event: OutgoingEvent,
    ) -> Result<(), DbErr> {
        outbox::enqueue(connection, event, self.now()).await
    }
}
