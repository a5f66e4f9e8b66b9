//! Quotations and their versions.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};

use orderflow_platform::db::query::{grouped_by_parent, newest_first};

use super::entities::{quotation, quotation_version};
use super::{corrupt, json, parse_json};
use crate::domain::OrderError;
use crate::domain::quotation::{Quotation, QuotationState, QuotationVersion};

pub async fn insert<C: ConnectionTrait>(
    connection: &C,
    quotation: &Quotation,
) -> Result<(), OrderError> {
    let model = quotation::Model {
        id: quotation.id.clone(),
        number: quotation.number.clone(),
        customer_id: quotation.customer_id.clone(),
        salesperson: quotation.salesperson.clone(),
        state: quotation.state.as_str().to_owned(),
        inquiry: json(&quotation.inquiry)?,
        order_id: quotation.order_id.clone(),
        customer_po_number: quotation.customer_po_number.clone(),
        created_at: quotation.created_at,
    };
    quotation::Entity::insert(model.into_active_model())
        .exec_without_returning(connection)
        .await?;
    for version in &quotation.versions {
        insert_version(connection, &quotation.id, version).await?;
    }
    Ok(())
}

pub async fn insert_version<C: ConnectionTrait>(
    connection: &C,
    quotation_id: &str,
    version: &QuotationVersion,
) -> Result<(), OrderError> {
    let model = quotation_version::Model {
        quotation_id: quotation_id.to_owned(),
        version: version.version,
        terms: json(&version.terms)?,
        change_note: version.change_note.clone(),
        created_at: version.created_at,
        created_by: version.created_by.clone(),
    };
    quotation_version::Entity::insert(model.into_active_model())
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

/// Writes the quotation's state, order and PO back (versions are appended
/// with [`insert_version`]).
pub async fn update_header<C: ConnectionTrait>(
    connection: &C,
    quotation: &Quotation,
) -> Result<(), OrderError> {
    let active = quotation::ActiveModel {
        id: Set(quotation.id.clone()),
        state: Set(quotation.state.as_str().to_owned()),
        order_id: Set(quotation.order_id.clone()),
        customer_po_number: Set(quotation.customer_po_number.clone()),
        ..Default::default()
    };
    quotation::Entity::update(active).exec(connection).await?;
    Ok(())
}

/// The quotations of `models` with their versions, read in one query for
/// all.
async fn assemble<C: ConnectionTrait>(
    connection: &C,
    models: Vec<quotation::Model>,
) -> Result<Vec<Quotation>, OrderError> {
    let ids: Vec<&str> = models.iter().map(|model| model.id.as_str()).collect();
    let mut versions = grouped_by_parent(
        connection,
        quotation_version::Entity::find().order_by_asc(quotation_version::Column::Version),
        quotation_version::Column::QuotationId,
        &ids,
        |version| &version.quotation_id,
    )
    .await?;
    models
        .into_iter()
        .map(|model| {
            let versions = versions.remove(&model.id).unwrap_or_default();
            from_model(model, versions)
        })
        .collect()
}

/// The quotation of `model` and its `versions`.
fn from_model(
    model: quotation::Model,
    versions: Vec<quotation_version::Model>,
) -> Result<Quotation, OrderError> {
    let versions = versions
        .into_iter()
        .map(|row| {
            Ok(QuotationVersion {
                version: row.version,
                terms: parse_json("quotation terms", &row.terms)?,
                change_note: row.change_note,
                created_at: row.created_at,
                created_by: row.created_by,
            })
        })
        .collect::<Result<Vec<_>, OrderError>>()?;
    Ok(Quotation {
        state: QuotationState::parse(&model.state)
            .ok_or_else(|| corrupt("quotation state", &model.state))?,
        inquiry: parse_json("inquiry", &model.inquiry)?,
        id: model.id,
        number: model.number,
        customer_id: model.customer_id,
        salesperson: model.salesperson,
        versions,
        order_id: model.order_id,
        customer_po_number: model.customer_po_number,
        created_at: model.created_at,
    })
}

pub async fn find<C: ConnectionTrait>(
    connection: &C,
    id: &str,
) -> Result<Option<Quotation>, OrderError> {
    match quotation::Entity::find_by_id(id.to_owned())
        .one(connection)
        .await?
    {
        Some(model) => Ok(assemble(connection, vec![model]).await?.pop()),
        None => Ok(None),
    }
}

pub async fn load_for_update<C: ConnectionTrait>(
    connection: &C,
    id: &str,
) -> Result<Quotation, OrderError> {
    let model = quotation::Entity::find_by_id(id.to_owned())
        .lock_exclusive()
        .one(connection)
        .await?
        .ok_or_else(|| OrderError::not_found("quotation", id))?;
    assemble(connection, vec![model])
        .await?
        .pop()
        .ok_or_else(|| OrderError::not_found("quotation", id))
}

pub async fn list<C: ConnectionTrait>(
    connection: &C,
    customer_id: Option<&str>,
    state: Option<QuotationState>,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<Quotation>, OrderError> {
    let mut query = quotation::Entity::find();
    if let Some(customer_id) = customer_id {
        query = query.filter(quotation::Column::CustomerId.eq(customer_id));
    }
    if let Some(state) = state {
        query = query.filter(quotation::Column::State.eq(state.as_str()));
    }
    let models = newest_first(connection, query, quotation::Column::Id, after, limit).await?;
    assemble(connection, models).await
}
