//! Quotations (ORD-13): created, revised by version, accepted into an order.

use super::*;
use orderflow_platform::ids::OrderId;

impl Orders {
    pub async fn create_quotation(
        &self,
        actor: &Actor,
        customer_id: &str,
        inquiry: Inquiry,
        terms: QuotationTerms,
        salesperson: &str,
        key: Option<RequestKey>,
    ) -> Result<Quotation, OrderError> {
        if let Some(existing) = self.replayed(key.as_ref()).await? {
            return self.quotation(&existing).await;
        }
        let number = self.next_number("quotation", "PI").await?;
        let now = self.now();
        let quotation = Quotation {
            id: uuid::Uuid::now_v7().to_string(),
            number,
            customer_id: customer_id.to_owned(),
            salesperson: if salesperson.trim().is_empty() {
                actor.subject.clone()
            } else {
                salesperson.trim().to_owned()
            },
            state: QuotationState::Open,
            inquiry,
            versions: vec![QuotationVersion {
                version: 1,
                terms,
                change_note: "first quotation".to_owned(),
                created_at: now,
                created_by: actor.subject.clone(),
            }],
            order_id: None,
            customer_po_number: String::new(),
            created_at: now,
        };
        let transaction = self.base.database.begin_write().await?;
        if customers::find(&*transaction, customer_id).await?.is_none() {
            return Err(OrderError::invalid("customer_id", "no such customer"));
        }
        quotations::insert(&*transaction, &quotation).await?;
        self.base
            .enqueue(
                &*transaction,
                events::quotation_event(&quotation, "created", &actor.subject, now),
            )
            .await?;
        if let Some(winner) = self
            .commit(transaction, key.as_ref(), &quotation.id)
            .await?
        {
            return self.quotation(&winner).await;
        }
        Ok(quotation)
    }

    pub async fn quotation(&self, id: &str) -> Result<Quotation, OrderError> {
        quotations::find(self.base.database.connection(), id)
            .await?
            .ok_or_else(|| OrderError::not_found("quotation", id))
    }

    pub async fn list_quotations(
        &self,
        customer_id: Option<&str>,
        state: Option<QuotationState>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Quotation>, OrderError> {
        quotations::list(
            self.base.database.connection(),
            customer_id,
            state,
            after,
            limit,
        )
        .await
    }

    pub async fn revise_quotation(
        &self,
        actor: &Actor,
        quotation_id: &str,
        terms: QuotationTerms,
        change_note: &str,
        base_version: i32,
        key: Option<RequestKey>,
    ) -> Result<Quotation, OrderError> {
        let key = key.map(|key| key.within(quotation_id));
        let transaction = self.base.database.begin_write().await?;
        let mut quotation = quotations::load_for_update(&*transaction, quotation_id).await?;
        if already_done(&*transaction, key.as_ref()).await? {
            return Ok(quotation);
        }
        let now = self.now();
        let version = quotation
            .revise(terms, change_note, base_version, actor, now)?
            .clone();
        quotations::insert_version(&*transaction, quotation_id, &version).await?;
        self.base
            .enqueue(
                &*transaction,
                events::quotation_event(&quotation, "revised", &actor.subject, now),
            )
            .await?;
        if self
            .commit(transaction, key.as_ref(), quotation_id)
            .await?
            .is_some()
        {
            return self.quotation(quotation_id).await;
        }
        Ok(quotation)
    }

    /// ORD-13: the customer's PO turns the current version into a sales order.
    pub async fn accept_quotation(
        &self,
        actor: &Actor,
        quotation_id: &str,
        acceptance: Acceptance,
        key: Option<RequestKey>,
    ) -> Result<(Quotation, Order), OrderError> {
        let Acceptance {
            version,
            customer_po_number,
            order_kind,
            ship_to,
        } = acceptance;
        let key = key.map(|key| key.within(quotation_id));
        let today = self.today();
        let number = self.next_number("order", "").await?;
        let transaction = self.base.database.begin_write().await?;
        let mut quotation = quotations::load_for_update(&*transaction, quotation_id).await?;
        if already_done(&*transaction, key.as_ref()).await? {
            let order_id = quotation.order_id.clone().unwrap_or_default();
            let order = orders::load(&*transaction, &order_id).await?;
            return Ok((quotation, order));
        }
        let mut input = quotation.accept(version, &customer_po_number, order_kind, today)?;
        input.ship_to = ship_to;
        let new = NewOrder::parse(&input, actor, today, "")?;
        let customer = creation::referenced(&*transaction, &new).await?;
        let now = self.now();
        let mut order = Order::create(
            new,
            uuid::Uuid::now_v7().to_string(),
            number,
            &customer.address,
            actor,
            now,
        );
        order.quotation_id = Some(quotation.id.clone());
        quotation.order_id = Some(order.id.clone());
        orders::insert(&*transaction, &order).await?;
        let change = Change::new("created", None).detail(format!(
            "from quotation {} version {version}, customer PO {}",
            quotation.number, quotation.customer_po_number
        ));
        self.note(&*transaction, &order, actor, &change, now)
            .await?;
        quotations::update_header(&*transaction, &quotation).await?;
        self.base
            .enqueue(
                &*transaction,
                events::quotation_event(&quotation, "accepted", &actor.subject, now),
            )
            .await?;
        if self
            .commit(transaction, key.as_ref(), quotation_id)
            .await?
            .is_some()
        {
            let quotation = self.quotation(quotation_id).await?;
            let order = self
                .order(&OrderId::from_stored(
                    quotation.order_id.clone().unwrap_or_default(),
                ))
                .await?;
            return Ok((quotation, order));
        }
        Ok((quotation, order))
    }
}
