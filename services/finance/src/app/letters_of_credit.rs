//! FIN-4: letters of credit, their two reviews and their amendments.

use super::*;
use orderflow_platform::ids::OrderId;

impl Finance {
    pub async fn register_lc(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        order_id: &OrderId,
        terms: LcTerms,
        received_date: Option<NaiveDate>,
    ) -> Result<LetterOfCredit, FinanceError> {
        let transaction = self.base.database.begin_write().await?;
        if idempotency::first_result(&*transaction, key, self.now())
            .await?
            .is_some()
        {
            return self.lc_of_order(order_id).await;
        }
        let mut account = self.account_in(&*transaction, order_id, true).await?;
        if !account
            .terms
            .is_some_and(|terms| terms.kind == crate::domain::account::TermKind::Lc)
        {
            return Err(FinanceError::precondition(
                "NOT_LC_TERMS",
                format!("orders/{order_id}"),
                "the order's payment terms are not a letter of credit",
            ));
        }
        let now = self.now();
        let lc = LetterOfCredit::register(
            order_id,
            &account.order_number,
            terms,
            received_date.unwrap_or_else(|| self.today()),
            now,
        );
        if !accounts::insert_lc(&*transaction, &lc).await? {
            return Err(FinanceError::AlreadyExists {
                resource: "letter of credit for order",
                id: order_id.to_string(),
            });
        }
        idempotency::complete(&*transaction, key, &lc.id).await?;
        self.base
            .enqueue(
                &*transaction,
                events::letter_of_credit(&lc, "lc.registered", &actor.subject, now),
            )
            .await?;
        self.open_if_waiting(&*transaction, &mut account, &actor.subject)
            .await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(lc)
    }

    pub async fn lc_of_order(&self, order_id: &OrderId) -> Result<LetterOfCredit, FinanceError> {
        accounts::lc_of_order(self.base.database.connection(), order_id)
            .await?
            .ok_or_else(|| FinanceError::not_found("letter of credit for order", order_id))
    }

    /// Applies `change` to the L/C under a row lock, announces it on
    /// `finance.<subject>` (or `lc.accepted` once both reviews are clean)
    /// and re-evaluates the order's gate.
    pub(super) async fn change_lc(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        lc_id: &str,
        subject: &str,
        change: impl FnOnce(&mut LetterOfCredit, DateTime<Utc>, NaiveDate) -> Result<(), FinanceError>,
    ) -> Result<LetterOfCredit, FinanceError> {
        let transaction = self.base.database.begin_write().await?;
        if idempotency::first_result(&*transaction, key, self.now())
            .await?
            .is_some()
        {
            return accounts::lc(&*transaction, lc_id, false)
                .await?
                .ok_or_else(|| FinanceError::not_found("letter of credit", lc_id));
        }
        let mut lc = accounts::lc(&*transaction, lc_id, true)
            .await?
            .ok_or_else(|| FinanceError::not_found("letter of credit", lc_id))?;
        let now = self.now();
        change(&mut lc, now, self.day_of(now))?;
        accounts::update_lc(&*transaction, &lc).await?;
        idempotency::complete(&*transaction, key, &lc.id).await?;
        let subject = if lc.state == LcState::Accepted {
            "lc.accepted"
        } else {
            subject
        };
        self.base
            .enqueue(
                &*transaction,
                events::letter_of_credit(&lc, subject, &actor.subject, now),
            )
            .await?;
        if let Some(mut account) = accounts::account(&*transaction, &lc.order_id, true).await? {
            self.open_if_waiting(&*transaction, &mut account, &actor.subject)
                .await?;
        }
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(lc)
    }

    pub async fn review_lc(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        lc_id: &str,
        discrepancies: Vec<String>,
    ) -> Result<LetterOfCredit, FinanceError> {
        let roles: Vec<String> = actor.roles.iter().cloned().collect();
        self.change_lc(actor, key, lc_id, "lc.reviewed", |lc, now, today| {
            lc.review(&actor.subject, &roles, discrepancies, now, today)
        })
        .await
    }

    pub async fn request_amendment(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        lc_id: &str,
        reasons: Vec<String>,
    ) -> Result<LetterOfCredit, FinanceError> {
        self.change_lc(actor, key, lc_id, "lc.amendment_requested", |lc, now, _| {
            lc.request_amendment(reasons, now)
        })
        .await
    }

    pub async fn record_amendment(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        lc_id: &str,
        terms: LcTerms,
    ) -> Result<LetterOfCredit, FinanceError> {
        self.change_lc(actor, key, lc_id, "lc.amended", |lc, now, _| {
            lc.record_amendment(terms, now)
        })
        .await
    }
}
