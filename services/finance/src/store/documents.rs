//! Invoices (FIN-9), one per kind and order.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::entities::document;
use super::{corrupt, currency, date, json, parse_json};
use crate::domain::FinanceError;
use crate::domain::document::{Document, DocumentKind};

fn model(document: &Document) -> Result<document::Model, FinanceError> {
    Ok(document::Model {
        id: document.id.clone(),
        kind: document.kind.as_str().to_owned(),
        number: document.number.clone(),
        order_id: document.order_id.clone(),
        order_number: document.order_number.clone(),
        customer_id: document.customer_id.clone(),
        currency: document.currency.code().to_owned(),
        lines: json(&document.lines)?,
        total: document.total,
        issue_date: document.issue_date.to_string(),
        due_date: document.due_date.map(|day| day.to_string()),
        issued_by: document.issued_by.clone(),
        issued_at: document.issued_at,
        note: document.note.clone(),
        settlement: document.settlement.as_ref().map(json).transpose()?,
        settled_at: document.settled_at,
        overdue_announced_at: document.overdue_announced_at,
    })
}

fn from(model: document::Model) -> Result<Document, FinanceError> {
    Ok(Document {
        kind: DocumentKind::parse(&model.kind)
            .ok_or_else(|| corrupt("document kind", &model.kind))?,
        currency: currency(&model.currency)?,
        lines: parse_json("document lines", &model.lines)?,
        issue_date: date("issue date", &model.issue_date)?,
        due_date: model
            .due_date
            .as_deref()
            .map(|text| date("due date", text))
            .transpose()?,
        settlement: model
            .settlement
            .as_deref()
            .map(|text| parse_json("settlement", text))
            .transpose()?,
        id: model.id,
        number: model.number,
        order_id: model.order_id,
        order_number: model.order_number,
        customer_id: model.customer_id,
        total: model.total,
        issued_by: model.issued_by,
        issued_at: model.issued_at,
        note: model.note,
        settled_at: model.settled_at,
        overdue_announced_at: model.overdue_announced_at,
    })
}

/// False when the order has a document of this kind already.
pub async fn insert<C: ConnectionTrait>(
    connection: &C,
    document: &Document,
) -> Result<bool, FinanceError> {
    let outcome = document::Entity::insert(model(document)?.into_active_model())
        .on_conflict_do_nothing_on([document::Column::OrderId, document::Column::Kind])
        .exec_without_returning(connection)
        .await?;
    Ok(matches!(outcome, sea_orm::TryInsertResult::Inserted(rows) if rows > 0))
}

pub async fn update<C: ConnectionTrait>(
    connection: &C,
    document: &Document,
) -> Result<(), FinanceError> {
    let active = model(document)?.into_active_model().reset_all();
    document::Entity::update(active).exec(connection).await?;
    Ok(())
}

pub async fn of_order<C: ConnectionTrait>(
    connection: &C,
    order_id: &str,
) -> Result<Vec<Document>, FinanceError> {
    document::Entity::find()
        .filter(document::Column::OrderId.eq(order_id))
        .order_by_asc(document::Column::Id)
        .all(connection)
        .await?
        .into_iter()
        .map(from)
        .collect()
}

pub async fn of_kind<C: ConnectionTrait>(
    connection: &C,
    order_id: &str,
    kind: DocumentKind,
    for_update: bool,
) -> Result<Option<Document>, FinanceError> {
    let mut query = document::Entity::find()
        .filter(document::Column::OrderId.eq(order_id))
        .filter(document::Column::Kind.eq(kind.as_str()));
    if for_update {
        query = query.lock_exclusive();
    }
    query.one(connection).await?.map(from).transpose()
}

/// Commercial invoices in id order, after `after`: the receivables.
pub async fn invoices<C: ConnectionTrait>(
    connection: &C,
    customer_id: Option<&str>,
    only_unannounced: bool,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<Document>, FinanceError> {
    let mut query = document::Entity::find()
        .filter(document::Column::Kind.eq(DocumentKind::Commercial.as_str()));
    if let Some(customer_id) = customer_id {
        query = query.filter(document::Column::CustomerId.eq(customer_id));
    }
    if only_unannounced {
        query = query.filter(document::Column::OverdueAnnouncedAt.is_null());
    }
    if let Some(after) = after {
        query = query.filter(document::Column::Id.gt(after));
    }
    query
        .order_by_asc(document::Column::Id)
        .limit(limit)
        .all(connection)
        .await?
        .into_iter()
        .map(from)
        .collect()
}
