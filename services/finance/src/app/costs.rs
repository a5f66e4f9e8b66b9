//! ORD-20: standard costs, and the profit finance confirms with a sales
//! detail (财务确认收款和利润).

use orderflow_platform::error::Unmet;
use orderflow_platform::money::rates::Rates;

use super::*;
use crate::domain::account::OrderKind;
use crate::domain::cost::{self, Costing, OrderProfit, StandardCost};
use crate::store::costs;

/// A standard cost to set, validated.
#[derive(Debug, Clone)]
pub struct NewStandardCost {
    pub sku: String,
    pub unit_cost: Money,
    /// `None`: from today.
    pub effective_from: Option<NaiveDate>,
    pub note: String,
}

impl Finance {
    pub async fn set_standard_cost(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        new: NewStandardCost,
    ) -> Result<StandardCost, FinanceError> {
        let transaction = self.base.database.begin_write().await?;
        if let Some(first) = idempotency::first_result(&*transaction, key, self.now()).await? {
            drop(transaction);
            return self.standard_cost(&first).await;
        }
        let cost = StandardCost {
            effective_from: new.effective_from.unwrap_or_else(|| self.today()),
            sku: new.sku,
            unit_cost: new.unit_cost,
            note: new.note,
            set_by: actor.subject.clone(),
            set_at: self.now(),
        };
        costs::save(&*transaction, &cost).await?;
        idempotency::complete(&*transaction, key, &cost.key()).await?;
        transaction.commit().await?;
        Ok(cost)
    }

    async fn standard_cost(&self, key: &str) -> Result<StandardCost, FinanceError> {
        costs::cost(self.base.database.connection(), key)
            .await?
            .ok_or_else(|| FinanceError::not_found("standard cost", key))
    }

    pub async fn standard_costs(
        &self,
        sku: Option<&str>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<StandardCost>, FinanceError> {
        costs::costs(self.base.database.connection(), sku, after, limit).await
    }

    /// ORD-20: the profit of each standard order sold on `detail`, against
    /// the standard costs of the detail's day; refused, with every order and
    /// SKU named, when one cannot be confirmed.
    pub(super) async fn confirm_profits<C: ConnectionTrait>(
        &self,
        connection: &C,
        detail: &SalesDetail,
        entries: &[LedgerEntry],
    ) -> Result<Vec<OrderProfit>, FinanceError> {
        let mut standard = Vec::new();
        for entry in entries.iter().filter(|entry| entry.kind == EntryKind::Sale) {
            let account = self.account_in(connection, &entry.order_id, false).await?;
            if account.kind == OrderKind::Standard
                && !standard
                    .iter()
                    .any(|known: &OrderAccount| known.order_id == account.order_id)
            {
                standard.push(account);
            }
        }
        let mut skus: Vec<String> = standard
            .iter()
            .flat_map(cost::costed_skus)
            .cloned()
            .collect();
        skus.sort();
        skus.dedup();
        let unit_costs = costs::unit_costs_on(connection, &skus, detail.entry_date).await?;
        let rates = if standard
            .iter()
            .any(|account| cost::needs_rates(account, &unit_costs))
        {
            self.exchange_rates().await?
        } else {
            None
        };
        let costing = Costing {
            unit_costs: &unit_costs,
            rates: rates.as_ref(),
            minimum_margin_basis_points: self.settings.minimum_margin_basis_points,
        };
        let mut profits = Vec::new();
        let mut unmet: Vec<Unmet> = Vec::new();
        for account in &standard {
            match cost::confirm_profit(account, &costing) {
                Ok(profit) => profits.push(profit),
                // A SKU without a cost, or a currency without a rate, is
                // named once however many orders and lines it holds up.
                Err(problems) => {
                    for problem in problems {
                        if !unmet.iter().any(|known| {
                            known.kind == problem.kind && known.subject == problem.subject
                        }) {
                            unmet.push(problem);
                        }
                    }
                }
            }
        }
        if unmet.is_empty() {
            Ok(profits)
        } else {
            Err(FinanceError::PreconditionFailed(unmet))
        }
    }

    /// The company's exchange rates, as the approvals service keeps them;
    /// `None` when it keeps none.
    async fn exchange_rates(&self) -> Result<Option<Rates>, FinanceError> {
        let Some(source) = &self.rates else {
            return Err(FinanceError::Unavailable(
                "no exchange rate source is configured".to_owned(),
            ));
        };
        source.exchange_rates().await
    }
}

/// Where finance reads the company's exchange rates.
#[async_trait::async_trait]
pub trait RateSource: std::fmt::Debug + Send + Sync {
    /// Every rate into one base currency; `None` when none is kept.
    async fn exchange_rates(&self) -> Result<Option<Rates>, FinanceError>;
}
