//! Customers.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter};

use super::entities::customer;
use super::{json, parse_json};
use crate::domain::OrderError;
use crate::domain::customer::Customer;
use orderflow_platform::db::query::newest_first;

fn from_model(model: customer::Model) -> Result<Customer, OrderError> {
    Ok(Customer {
        address: parse_json("customer address", &model.address)?,
        id: model.id,
        name: model.name,
        phone: model.phone,
        email: model.email,
        created_at: model.created_at,
        created_by: model.created_by,
        store_code: model.store_code,
    })
}

pub async fn insert<C: ConnectionTrait>(
    connection: &C,
    customer: &Customer,
) -> Result<(), OrderError> {
    let model = customer::Model {
        id: customer.id.clone(),
        name: customer.name.clone(),
        phone: customer.phone.clone(),
        email: customer.email.clone(),
        address: json(&customer.address)?,
        created_at: customer.created_at,
        created_by: customer.created_by.clone(),
        store_code: customer.store_code.clone(),
    };
    customer::Entity::insert(model.into_active_model())
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

pub async fn find<C: ConnectionTrait>(
    connection: &C,
    id: &str,
) -> Result<Option<Customer>, OrderError> {
    customer::Entity::find_by_id(id.to_owned())
        .one(connection)
        .await?
        .map(from_model)
        .transpose()
}

/// The customers among `ids`, by id.
pub async fn find_many<C: ConnectionTrait>(
    connection: &C,
    ids: impl IntoIterator<Item = String>,
) -> Result<std::collections::HashMap<String, Customer>, OrderError> {
    customer::Entity::find()
        .filter(customer::Column::Id.is_in(ids))
        .all(connection)
        .await?
        .into_iter()
        .map(|model| from_model(model).map(|customer| (customer.id.clone(), customer)))
        .collect()
}

/// Newest first, optionally by a substring of the name.
pub async fn list<C: ConnectionTrait>(
    connection: &C,
    name_contains: Option<&str>,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<Customer>, OrderError> {
    let mut query = customer::Entity::find();
    if let Some(fragment) = name_contains {
        query = query.filter(customer::Column::Name.contains(fragment));
    }
    newest_first(connection, query, customer::Column::Id, after, limit)
        .await?
        .into_iter()
        .map(from_model)
        .collect()
}
