//! The sales ledger and the sales details. Ledger rows are inserted and read,
//! never updated or deleted (FIN-7): this module has no such path, and the
//! database's triggers refuse one.

use chrono::NaiveDate;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::entities::{ledger_entry, sales_detail, sales_detail_entry};
use super::{corrupt, currency, date, json, parse_json};
use crate::domain::FinanceError;
pub use crate::domain::ledger::EntryFilter;
use crate::domain::ledger::{DetailState, EntryKind, LedgerEntry, SalesDetail};

fn entry_from(model: ledger_entry::Model) -> Result<LedgerEntry, FinanceError> {
    Ok(LedgerEntry {
        kind: EntryKind::parse(&model.kind).ok_or_else(|| corrupt("entry kind", &model.kind))?,
        currency: currency(&model.currency)?,
        entry_date: date("entry date", &model.entry_date)?,
        id: model.id,
        order_id: model.order_id,
        order_number: model.order_number,
        salesperson: model.salesperson,
        customer_id: model.customer_id,
        amount: model.amount,
        offsets_entry_id: model.offsets_entry_id,
        reference: model.reference,
        note: model.note,
        created_at: model.created_at,
    })
}

/// Appends an entry once per `dedupe_key`; false when one was written for
/// it already.
pub async fn append<C: ConnectionTrait>(
    connection: &C,
    dedupe_key: &str,
    entry: &LedgerEntry,
) -> Result<bool, FinanceError> {
    let model = ledger_entry::Model {
        id: entry.id.clone(),
        dedupe_key: dedupe_key.to_owned(),
        order_id: entry.order_id.clone(),
        order_number: entry.order_number.clone(),
        salesperson: entry.salesperson.clone(),
        customer_id: entry.customer_id.clone(),
        kind: entry.kind.as_str().to_owned(),
        currency: entry.currency.code().to_owned(),
        amount: entry.amount,
        entry_date: entry.entry_date.to_string(),
        offsets_entry_id: entry.offsets_entry_id.clone(),
        reference: entry.reference.clone(),
        note: entry.note.clone(),
        created_at: entry.created_at,
    };
    let outcome = ledger_entry::Entity::insert(model.into_active_model())
        .on_conflict_do_nothing_on([ledger_entry::Column::DedupeKey])
        .exec_without_returning(connection)
        .await?;
    Ok(matches!(outcome, sea_orm::TryInsertResult::Inserted(rows) if rows > 0))
}

pub async fn entries<C: ConnectionTrait>(
    connection: &C,
    filter: &EntryFilter,
    after: Option<&str>,
    limit: Option<u64>,
) -> Result<Vec<LedgerEntry>, FinanceError> {
    use ledger_entry::Column;
    let mut query = ledger_entry::Entity::find();
    if let Some(salesperson) = &filter.salesperson {
        query = query.filter(Column::Salesperson.eq(salesperson.as_str()));
    }
    if let Some(order_id) = &filter.order_id {
        query = query.filter(Column::OrderId.eq(order_id.as_str()));
    }
    // ISO dates compare as text.
    if let Some(from) = filter.from {
        query = query.filter(Column::EntryDate.gte(from.to_string()));
    }
    if let Some(to) = filter.to {
        query = query.filter(Column::EntryDate.lte(to.to_string()));
    }
    if let Some(after) = after {
        query = query.filter(Column::Id.gt(after));
    }
    if let Some(limit) = limit {
        query = query.limit(limit);
    }
    query
        .order_by_asc(Column::Id)
        .all(connection)
        .await?
        .into_iter()
        .map(entry_from)
        .collect()
}

/// The entry written under `dedupe_key`, if any.
pub async fn entry_by_key<C: ConnectionTrait>(
    connection: &C,
    dedupe_key: &str,
) -> Result<Option<LedgerEntry>, FinanceError> {
    ledger_entry::Entity::find()
        .filter(ledger_entry::Column::DedupeKey.eq(dedupe_key))
        .one(connection)
        .await?
        .map(entry_from)
        .transpose()
}

/// The entries of `salesperson` on `day` that no sales detail covers yet.
pub async fn unsigned_entries<C: ConnectionTrait>(
    connection: &C,
    salesperson: &str,
    day: NaiveDate,
) -> Result<Vec<LedgerEntry>, FinanceError> {
    let filter = EntryFilter {
        salesperson: Some(salesperson.to_owned()),
        from: Some(day),
        to: Some(day),
        ..EntryFilter::default()
    };
    let entries = entries(connection, &filter, None, None).await?;
    let ids: Vec<String> = entries.iter().map(|entry| entry.id.clone()).collect();
    let signed: Vec<String> = sales_detail_entry::Entity::find()
        .filter(sales_detail_entry::Column::EntryId.is_in(ids))
        .all(connection)
        .await?
        .into_iter()
        .map(|row| row.entry_id)
        .collect();
    Ok(entries
        .into_iter()
        .filter(|entry| !signed.contains(&entry.id))
        .collect())
}

fn detail_model(detail: &SalesDetail) -> Result<sales_detail::Model, FinanceError> {
    let totals: Vec<(String, i64)> = detail
        .totals
        .iter()
        .map(|(currency, sum)| (currency.code().to_owned(), *sum))
        .collect();
    Ok(sales_detail::Model {
        id: detail.id.clone(),
        salesperson: detail.salesperson.clone(),
        entry_date: detail.entry_date.to_string(),
        state: detail.state.as_str().to_owned(),
        entry_ids: json(&detail.entry_ids)?,
        totals: json(&totals)?,
        signed_by: detail.signed_by.clone(),
        signed_at: detail.signed_at,
        confirmed_by: detail.confirmed_by.clone(),
        confirmed_at: detail.confirmed_at,
        profits: json(&detail.profits)?,
    })
}

fn detail_from(model: sales_detail::Model) -> Result<SalesDetail, FinanceError> {
    let totals: Vec<(String, i64)> = parse_json("sales detail totals", &model.totals)?;
    Ok(SalesDetail {
        state: DetailState::parse(&model.state)
            .ok_or_else(|| corrupt("sales detail state", &model.state))?,
        entry_date: date("sales detail date", &model.entry_date)?,
        entry_ids: parse_json("sales detail entries", &model.entry_ids)?,
        totals: totals
            .into_iter()
            .map(|(code, sum)| Ok((currency(&code)?, sum)))
            .collect::<Result<_, FinanceError>>()?,
        id: model.id,
        salesperson: model.salesperson,
        signed_by: model.signed_by,
        signed_at: model.signed_at,
        confirmed_by: model.confirmed_by,
        confirmed_at: model.confirmed_at,
        profits: parse_json("sales detail profits", &model.profits)?,
    })
}

/// Saves a new detail and claims its entries; false when one of them was
/// signed meanwhile (nothing is written then).
pub async fn insert_detail<C: ConnectionTrait>(
    connection: &C,
    detail: &SalesDetail,
) -> Result<bool, FinanceError> {
    let rows: Vec<sales_detail_entry::ActiveModel> = detail
        .entry_ids
        .iter()
        .map(|entry_id| {
            sales_detail_entry::Model {
                entry_id: entry_id.clone(),
                sales_detail_id: detail.id.clone(),
            }
            .into_active_model()
        })
        .collect();
    let claimed = sales_detail_entry::Entity::insert_many(rows)
        .on_conflict_do_nothing_on([sales_detail_entry::Column::EntryId])
        .exec_without_returning(connection)
        .await?;
    let claimed = match claimed {
        sea_orm::TryInsertResult::Inserted(rows) => rows,
        _ => 0,
    };
    if usize::try_from(claimed).unwrap_or(0) != detail.entry_ids.len() {
        return Ok(false);
    }
    sales_detail::Entity::insert(detail_model(detail)?.into_active_model())
        .exec_without_returning(connection)
        .await?;
    Ok(true)
}

pub async fn confirm_detail<C: ConnectionTrait>(
    connection: &C,
    detail: &SalesDetail,
) -> Result<(), FinanceError> {
    let changes = sales_detail::ActiveModel {
        state: Set(detail.state.as_str().to_owned()),
        confirmed_by: Set(detail.confirmed_by.clone()),
        confirmed_at: Set(detail.confirmed_at),
        profits: Set(json(&detail.profits)?),
        ..Default::default()
    };
    sales_detail::Entity::update_many()
        .set(changes)
        .filter(sales_detail::Column::Id.eq(detail.id.as_str()))
        .exec(connection)
        .await?;
    Ok(())
}

pub async fn detail<C: ConnectionTrait>(
    connection: &C,
    id: &str,
    for_update: bool,
) -> Result<Option<SalesDetail>, FinanceError> {
    let mut query = sales_detail::Entity::find_by_id(id.to_owned());
    if for_update {
        query = query.lock_exclusive();
    }
    query.one(connection).await?.map(detail_from).transpose()
}

pub async fn details<C: ConnectionTrait>(
    connection: &C,
    salesperson: Option<&str>,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<SalesDetail>, FinanceError> {
    let mut query = sales_detail::Entity::find();
    if let Some(salesperson) = salesperson {
        query = query.filter(sales_detail::Column::Salesperson.eq(salesperson));
    }
    if let Some(after) = after {
        query = query.filter(sales_detail::Column::Id.gt(after));
    }
    query
        .order_by_asc(sales_detail::Column::Id)
        .limit(limit)
        .all(connection)
        .await?
        .into_iter()
        .map(detail_from)
        .collect()
}

/// ORD-20: whether `entry_id` is on a sales detail finance confirmed.
pub async fn entry_confirmed<C: ConnectionTrait>(
    connection: &C,
    entry_id: &str,
) -> Result<bool, FinanceError> {
    let Some(row) = sales_detail_entry::Entity::find_by_id(entry_id.to_owned())
        .one(connection)
        .await?
    else {
        return Ok(false);
    };
    Ok(detail(connection, &row.sales_detail_id, false)
        .await?
        .is_some_and(|detail| detail.state == DetailState::Confirmed))
}
