//! Exchange rates into the base currency.

use orderflow_platform::money::Currency;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

use super::corrupt;
use super::entities::exchange_rate;
use crate::domain::ApprovalError;
pub use crate::domain::rates::StoredRate;
use crate::domain::rates::{Rate, Rates};

pub async fn set<C: ConnectionTrait>(
    connection: &C,
    stored: &StoredRate,
) -> Result<(), ApprovalError> {
    let row = exchange_rate::ActiveModel {
        currency: Set(stored.currency.code().to_owned()),
        mantissa: Set(stored.rate.mantissa),
        scale: Set(i32::try_from(stored.rate.scale).unwrap_or(0)),
        updated_at: Set(stored.updated_at),
        updated_by: Set(stored.updated_by.clone()),
    };
    exchange_rate::Entity::insert(row)
        .on_conflict(
            OnConflict::column(exchange_rate::Column::Currency)
                .update_columns([
                    exchange_rate::Column::Mantissa,
                    exchange_rate::Column::Scale,
                    exchange_rate::Column::UpdatedAt,
                    exchange_rate::Column::UpdatedBy,
                ])
                .to_owned(),
        )
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

pub async fn all<C: ConnectionTrait>(connection: &C) -> Result<Vec<StoredRate>, ApprovalError> {
    exchange_rate::Entity::find()
        .all(connection)
        .await?
        .into_iter()
        .map(|row| {
            Ok(StoredRate {
                currency: Currency::parse(&row.currency)
                    .map_err(|e| corrupt("rate currency", e))?,
                rate: Rate {
                    mantissa: row.mantissa,
                    scale: u32::try_from(row.scale).map_err(|e| corrupt("rate scale", e))?,
                },
                updated_at: row.updated_at,
                updated_by: row.updated_by,
            })
        })
        .collect()
}

/// The rates to evaluate conditions with.
pub async fn current<C: ConnectionTrait>(
    connection: &C,
    base: Currency,
) -> Result<Rates, ApprovalError> {
    let mut rates = Rates::new(base);
    for stored in all(connection).await? {
        rates.rates.insert(stored.currency, stored.rate);
    }
    Ok(rates)
}
