//! FIN-1: credit ratings and what a customer may still draw.

use super::*;

impl Finance {
    pub async fn rate_customer(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        rating: CreditRating,
    ) -> Result<CreditStatus, FinanceError> {
        let transaction = self.base.database.begin_write().await?;
        if idempotency::first_result(&*transaction, key, self.now())
            .await?
            .is_some()
        {
            drop(transaction);
            return self.credit_status(&rating.customer_id).await;
        }
        idempotency::complete(&*transaction, key, &rating.customer_id).await?;
        accounts::save_rating(&*transaction, &rating).await?;
        let waiting =
            accounts::waiting_accounts(&*transaction, Some(&rating.customer_id), None).await?;
        self.open_waiting(&*transaction, waiting, &actor.subject)
            .await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        self.credit_status(&rating.customer_id).await
    }

    pub async fn credit_status(&self, customer_id: &str) -> Result<CreditStatus, FinanceError> {
        let connection = self.base.database.connection();
        let rating = accounts::rating(connection, customer_id).await?;
        let used = match &rating {
            Some(rating) => self.credit_used(connection, rating, None).await?,
            None => 0,
        };
        Ok(CreditStatus {
            customer_id: customer_id.to_owned(),
            rating,
            used,
        })
    }
}
