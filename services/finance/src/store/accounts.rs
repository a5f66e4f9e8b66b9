//! Order accounts, payments, letters of credit and credit ratings.

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::entities::{credit_rating, letter_of_credit, order_account, payment};
use super::{corrupt, currency, date, json, parse_json};
use crate::domain::FinanceError;
use crate::domain::account::{CostBearer, OrderAccount, OrderKind, Stage};
use crate::domain::credit::CreditRating;
use crate::domain::lc::{LcState, LetterOfCredit};
use crate::domain::payment::{Payment, PaymentKind};

// ---------------------------------------------------------------- accounts

fn account_model(account: &OrderAccount) -> Result<order_account::Model, FinanceError> {
    Ok(order_account::Model {
        order_id: account.order_id.clone(),
        order_number: account.order_number.clone(),
        kind: account.kind.as_str().to_owned(),
        customer_id: account.customer_id.clone(),
        salesperson: account.salesperson.clone(),
        store_code: account.store_code.clone(),
        currency: account.currency.code().to_owned(),
        total: account.total,
        terms: account.terms.as_ref().map(json).transpose()?,
        delivery_date: account.delivery_date.to_string(),
        lines: json(&account.lines)?,
        stage: account.stage.as_str().to_owned(),
        order_updated_at: account.order_updated_at,
        manager_confirmation: account
            .manager_confirmation
            .as_ref()
            .map(json)
            .transpose()?,
        gate_opened_at: account.gate_opened_at,
        updated_at: account.order_updated_at,
        balance_reminded_at: account.balance_reminded_at,
        announced_blockers: account.announced_blockers.clone(),
        receipt_confirmed_at: account.receipt_confirmed_at,
        warehousing_date: account.warehousing_date.map(|day| day.to_string()),
        cost_bearer: account.cost_bearer.map(|bearer| bearer.as_str().to_owned()),
        replaces_order_id: account.replaces_order_id.clone(),
    })
}

fn account_from(model: order_account::Model) -> Result<OrderAccount, FinanceError> {
    Ok(OrderAccount {
        kind: OrderKind::parse(&model.kind).ok_or_else(|| corrupt("order kind", &model.kind))?,
        currency: currency(&model.currency)?,
        terms: model
            .terms
            .as_deref()
            .map(|text| parse_json("payment terms", text))
            .transpose()?,
        delivery_date: date("delivery date", &model.delivery_date)?,
        lines: parse_json("account lines", &model.lines)?,
        stage: Stage::parse(&model.stage).ok_or_else(|| corrupt("stage", &model.stage))?,
        manager_confirmation: model
            .manager_confirmation
            .as_deref()
            .map(|text| parse_json("manager confirmation", text))
            .transpose()?,
        order_id: model.order_id,
        order_number: model.order_number,
        customer_id: model.customer_id,
        salesperson: model.salesperson,
        store_code: model.store_code,
        total: model.total,
        order_updated_at: model.order_updated_at,
        gate_opened_at: model.gate_opened_at,
        balance_reminded_at: model.balance_reminded_at,
        announced_blockers: model.announced_blockers,
        receipt_confirmed_at: model.receipt_confirmed_at,
        warehousing_date: model
            .warehousing_date
            .as_deref()
            .map(|day| date("warehousing date", day))
            .transpose()?,
        cost_bearer: model
            .cost_bearer
            .as_deref()
            .map(|text| CostBearer::parse(text).ok_or_else(|| corrupt("cost bearer", text)))
            .transpose()?,
        replaces_order_id: model.replaces_order_id,
    })
}

pub async fn account<C: ConnectionTrait>(
    connection: &C,
    order_id: &str,
    for_update: bool,
) -> Result<Option<OrderAccount>, FinanceError> {
    let mut query = order_account::Entity::find_by_id(order_id.to_owned());
    if for_update {
        query = query.lock_exclusive();
    }
    tagged(
        query.one(connection).await?.map(account_from).transpose()?,
        |account| (&account.order_id, &account.order_number),
    )
}

/// Files the current span under the order of what was read (architecture.md §6).
pub(crate) fn tagged<T>(
    found: Option<T>,
    order: impl Fn(&T) -> (&String, &String),
) -> Result<Option<T>, FinanceError> {
    if let Some(found) = &found {
        let (id, number) = order(found);
        orderflow_platform::telemetry::tag_order(id, number);
    }
    Ok(found)
}

/// The account of an order given by id or by number.
pub async fn account_by_reference<C: ConnectionTrait>(
    connection: &C,
    reference: &str,
) -> Result<Option<OrderAccount>, FinanceError> {
    order_account::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(order_account::Column::OrderId.eq(reference))
                .add(order_account::Column::OrderNumber.eq(reference)),
        )
        .one(connection)
        .await?
        .map(account_from)
        .transpose()
        .and_then(|found| tagged(found, |account| (&account.order_id, &account.order_number)))
}

/// Files `account` unless the order has one already: whether it did. Two
/// replicas meeting an order for the first time at the same moment both
/// try; PostgreSQL makes the second wait for the first's commit, so the
/// second then reads the first's version instead of overwriting it.
pub async fn insert_account_if_absent<C: ConnectionTrait>(
    connection: &C,
    account: &OrderAccount,
) -> Result<bool, FinanceError> {
    Ok(
        orderflow_platform::db::insert_if_absent::<order_account::Entity, _>(
            connection,
            account_model(account)?.into_active_model(),
        )
        .await?,
    )
}

pub async fn save_account<C: ConnectionTrait>(
    connection: &C,
    account: &OrderAccount,
) -> Result<(), FinanceError> {
    use order_account::Column;
    order_account::Entity::insert(account_model(account)?.into_active_model())
        .on_conflict(
            OnConflict::column(Column::OrderId)
                .update_columns([
                    Column::OrderNumber,
                    Column::Kind,
                    Column::CustomerId,
                    Column::Salesperson,
                    Column::StoreCode,
                    Column::Currency,
                    Column::Total,
                    Column::Terms,
                    Column::DeliveryDate,
                    Column::Lines,
                    Column::Stage,
                    Column::OrderUpdatedAt,
                    Column::ManagerConfirmation,
                    Column::GateOpenedAt,
                    Column::UpdatedAt,
                    Column::BalanceRemindedAt,
                    Column::AnnouncedBlockers,
                    Column::ReceiptConfirmedAt,
                    Column::WarehousingDate,
                ])
                .to_owned(),
        )
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

/// The customer's orders on credit terms that draw on their limit: accepted
/// and released (or waiting), not completed, not ended.
pub async fn credit_accounts<C: ConnectionTrait>(
    connection: &C,
    customer_id: &str,
) -> Result<Vec<OrderAccount>, FinanceError> {
    order_account::Entity::find()
        .filter(order_account::Column::CustomerId.eq(customer_id))
        .filter(order_account::Column::Stage.is_in([
            Stage::AwaitingPayment.as_str(),
            Stage::Released.as_str(),
            Stage::Delivered.as_str(),
        ]))
        .all(connection)
        .await?
        .into_iter()
        .map(account_from)
        .filter(|account| {
            account.as_ref().map_or(true, |account| {
                account.terms.is_some_and(|terms| terms.kind.is_credit())
            })
        })
        .collect()
}

/// SLA-5: released orders paid before shipment (prepaid, T/T deposit) not
/// yet reminded of their balance.
pub async fn awaiting_balance<C: ConnectionTrait>(
    connection: &C,
) -> Result<Vec<OrderAccount>, FinanceError> {
    use crate::domain::account::TermKind;
    order_account::Entity::find()
        .filter(order_account::Column::Stage.eq(Stage::Released.as_str()))
        .filter(order_account::Column::BalanceRemindedAt.is_null())
        .order_by_asc(order_account::Column::OrderId)
        .all(connection)
        .await?
        .into_iter()
        .map(account_from)
        .filter(|account| {
            account.as_ref().map_or(true, |account| {
                account.terms.is_some_and(|terms| {
                    matches!(terms.kind, TermKind::Prepaid | TermKind::TtDeposit)
                })
            })
        })
        .collect()
}

/// Accounts waiting for payment whose gate has not opened: re-evaluated
/// when something they may depend on changes (a rating, a sales detail).
pub async fn waiting_accounts<C: ConnectionTrait>(
    connection: &C,
    customer_id: Option<&str>,
    order_ids: Option<Vec<String>>,
) -> Result<Vec<OrderAccount>, FinanceError> {
    let mut query = order_account::Entity::find()
        .filter(order_account::Column::Stage.eq(Stage::AwaitingPayment.as_str()))
        .filter(order_account::Column::GateOpenedAt.is_null());
    if let Some(customer_id) = customer_id {
        query = query.filter(order_account::Column::CustomerId.eq(customer_id));
    }
    if let Some(order_ids) = order_ids {
        query = query.filter(order_account::Column::OrderId.is_in(order_ids));
    }
    query
        .order_by_asc(order_account::Column::OrderId)
        .all(connection)
        .await?
        .into_iter()
        .map(account_from)
        .collect()
}

// ---------------------------------------------------------------- payments

fn payment_model(payment: &Payment) -> payment::Model {
    payment::Model {
        id: payment.id.clone(),
        order_id: payment.order_id.clone(),
        order_number: payment.order_number.clone(),
        kind: payment.kind.as_str().to_owned(),
        currency: payment.currency.code().to_owned(),
        amount: payment.amount,
        method: payment.method.clone(),
        reference: payment.reference.clone(),
        recorded_by: payment.recorded_by.clone(),
        recorded_at: payment.recorded_at,
        confirmed_by: payment.confirmed_by.clone(),
        confirmed_at: payment.confirmed_at,
    }
}

fn payment_from(model: payment::Model) -> Result<Payment, FinanceError> {
    Ok(Payment {
        kind: PaymentKind::parse(&model.kind)
            .ok_or_else(|| corrupt("payment kind", &model.kind))?,
        currency: currency(&model.currency)?,
        id: model.id,
        order_id: model.order_id,
        order_number: model.order_number,
        amount: model.amount,
        method: model.method,
        reference: model.reference,
        recorded_by: model.recorded_by,
        recorded_at: model.recorded_at,
        confirmed_by: model.confirmed_by,
        confirmed_at: model.confirmed_at,
    })
}

pub async fn insert_payment<C: ConnectionTrait>(
    connection: &C,
    payment: &Payment,
) -> Result<(), FinanceError> {
    payment::Entity::insert(payment_model(payment).into_active_model())
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

/// Records the confirmation; only an unconfirmed payment is changed.
pub async fn confirm_payment<C: ConnectionTrait>(
    connection: &C,
    payment: &Payment,
) -> Result<(), FinanceError> {
    let changes = payment::ActiveModel {
        confirmed_by: Set(payment.confirmed_by.clone()),
        confirmed_at: Set(payment.confirmed_at),
        ..Default::default()
    };
    payment::Entity::update_many()
        .set(changes)
        .filter(payment::Column::Id.eq(payment.id.as_str()))
        .filter(payment::Column::ConfirmedBy.is_null())
        .exec(connection)
        .await?;
    Ok(())
}

pub async fn payment<C: ConnectionTrait>(
    connection: &C,
    id: &str,
    for_update: bool,
) -> Result<Option<Payment>, FinanceError> {
    let mut query = payment::Entity::find_by_id(id.to_owned());
    if for_update {
        query = query.lock_exclusive();
    }
    tagged(
        query.one(connection).await?.map(payment_from).transpose()?,
        |payment| (&payment.order_id, &payment.order_number),
    )
}

pub async fn payments<C: ConnectionTrait>(
    connection: &C,
    order_id: &str,
    after: Option<&str>,
    limit: Option<u64>,
) -> Result<Vec<Payment>, FinanceError> {
    let mut query = payment::Entity::find().filter(payment::Column::OrderId.eq(order_id));
    if let Some(after) = after {
        query = query.filter(payment::Column::Id.gt(after));
    }
    if let Some(limit) = limit {
        query = query.limit(limit);
    }
    query
        .order_by_asc(payment::Column::Id)
        .all(connection)
        .await?
        .into_iter()
        .map(payment_from)
        .collect()
}

/// The payments of each of `order_ids`, read in one query.
pub async fn payments_of_orders<C: ConnectionTrait>(
    connection: &C,
    order_ids: &[&str],
) -> Result<std::collections::HashMap<String, Vec<Payment>>, FinanceError> {
    orderflow_platform::db::query::grouped_by_parent(
        connection,
        payment::Entity::find().order_by_asc(payment::Column::Id),
        payment::Column::OrderId,
        order_ids,
        |payment| &payment.order_id,
    )
    .await?
    .into_iter()
    .map(|(order_id, rows)| {
        let payments = rows
            .into_iter()
            .map(payment_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((order_id, payments))
    })
    .collect()
}

// ------------------------------------------------------- letters of credit

fn lc_model(lc: &LetterOfCredit) -> Result<letter_of_credit::Model, FinanceError> {
    Ok(letter_of_credit::Model {
        id: lc.id.clone(),
        order_id: lc.order_id.clone(),
        order_number: lc.order_number.clone(),
        terms: json(&lc.terms)?,
        received_date: lc.received_date.to_string(),
        state: lc.state.as_str().to_owned(),
        version: i32::try_from(lc.version).unwrap_or(i32::MAX),
        reviews: json(&lc.reviews)?,
        amendment_reasons: json(&lc.amendment_reasons)?,
        created_at: lc.created_at,
        updated_at: lc.updated_at,
    })
}

fn lc_from(model: letter_of_credit::Model) -> Result<LetterOfCredit, FinanceError> {
    Ok(LetterOfCredit {
        terms: parse_json("L/C terms", &model.terms)?,
        received_date: date("L/C received date", &model.received_date)?,
        state: LcState::parse(&model.state).ok_or_else(|| corrupt("L/C state", &model.state))?,
        version: u32::try_from(model.version).map_err(|error| corrupt("L/C version", error))?,
        reviews: parse_json("L/C reviews", &model.reviews)?,
        amendment_reasons: parse_json("L/C amendment reasons", &model.amendment_reasons)?,
        id: model.id,
        order_id: model.order_id,
        order_number: model.order_number,
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}

/// False when the order already has an L/C.
pub async fn insert_lc<C: ConnectionTrait>(
    connection: &C,
    lc: &LetterOfCredit,
) -> Result<bool, FinanceError> {
    let outcome = letter_of_credit::Entity::insert(lc_model(lc)?.into_active_model())
        .on_conflict_do_nothing_on([letter_of_credit::Column::OrderId])
        .exec_without_returning(connection)
        .await?;
    Ok(matches!(outcome, sea_orm::TryInsertResult::Inserted(rows) if rows > 0))
}

pub async fn update_lc<C: ConnectionTrait>(
    connection: &C,
    lc: &LetterOfCredit,
) -> Result<(), FinanceError> {
    let model = lc_model(lc)?;
    let changes = letter_of_credit::ActiveModel {
        terms: Set(model.terms),
        state: Set(model.state),
        version: Set(model.version),
        reviews: Set(model.reviews),
        amendment_reasons: Set(model.amendment_reasons),
        updated_at: Set(model.updated_at),
        ..Default::default()
    };
    letter_of_credit::Entity::update_many()
        .set(changes)
        .filter(letter_of_credit::Column::Id.eq(lc.id.as_str()))
        .exec(connection)
        .await?;
    Ok(())
}

pub async fn lc<C: ConnectionTrait>(
    connection: &C,
    id: &str,
    for_update: bool,
) -> Result<Option<LetterOfCredit>, FinanceError> {
    let mut query = letter_of_credit::Entity::find_by_id(id.to_owned());
    if for_update {
        query = query.lock_exclusive();
    }
    tagged(
        query.one(connection).await?.map(lc_from).transpose()?,
        |lc| (&lc.order_id, &lc.order_number),
    )
}

pub async fn lc_of_order<C: ConnectionTrait>(
    connection: &C,
    order_id: &str,
) -> Result<Option<LetterOfCredit>, FinanceError> {
    letter_of_credit::Entity::find()
        .filter(letter_of_credit::Column::OrderId.eq(order_id))
        .one(connection)
        .await?
        .map(lc_from)
        .transpose()
        .and_then(|found| tagged(found, |lc| (&lc.order_id, &lc.order_number)))
}

// ------------------------------------------------------------------ credit

pub async fn save_rating<C: ConnectionTrait>(
    connection: &C,
    rating: &CreditRating,
) -> Result<(), FinanceError> {
    use credit_rating::Column;
    let model = credit_rating::Model {
        customer_id: rating.customer_id.clone(),
        rating: rating.rating.clone(),
        currency: rating.currency.code().to_owned(),
        credit_limit: rating.limit,
        note: rating.note.clone(),
        rated_by: rating.rated_by.clone(),
        rated_at: rating.rated_at,
    };
    credit_rating::Entity::insert(model.into_active_model())
        .on_conflict(
            OnConflict::column(Column::CustomerId)
                .update_columns([
                    Column::Rating,
                    Column::Currency,
                    Column::CreditLimit,
                    Column::Note,
                    Column::RatedBy,
                    Column::RatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(connection)
        .await?;
    Ok(())
}

pub async fn rating<C: ConnectionTrait>(
    connection: &C,
    customer_id: &str,
) -> Result<Option<CreditRating>, FinanceError> {
    credit_rating::Entity::find_by_id(customer_id.to_owned())
        .one(connection)
        .await?
        .map(|model| {
            Ok(CreditRating {
                currency: currency(&model.currency)?,
                customer_id: model.customer_id,
                rating: model.rating,
                limit: model.credit_limit,
                note: model.note,
                rated_by: model.rated_by,
                rated_at: model.rated_at,
            })
        })
        .transpose()
}
