//! Customers (ORD-1): created once per request id, read and listed.

use super::*;

impl Orders {
    pub async fn create_customer(
        &self,
        actor: &Actor,
        new: NewCustomer,
        key: Option<RequestKey>,
    ) -> Result<Customer, OrderError> {
        if let Some(existing) = self.replayed(key.as_ref()).await? {
            return self.customer(&existing).await;
        }
        let now = self.now();
        let customer = Customer {
            id: uuid::Uuid::now_v7().to_string(),
            name: new.name,
            phone: new.phone,
            email: new.email,
            address: new.address,
            created_at: now,
            created_by: actor.subject.clone(),
            store_code: actor.store_scope()?.unwrap_or_default().to_owned(),
        };
        let transaction = self.base.database.begin_write().await?;
        customers::insert(&*transaction, &customer).await?;
        self.base
            .enqueue(
                &*transaction,
                events::customer_created(&customer, &actor.subject, now),
            )
            .await?;
        if let Some(winner) = self.commit(transaction, key.as_ref(), &customer.id).await? {
            return self.customer(&winner).await;
        }
        Ok(customer)
    }

    pub async fn customer(&self, id: &str) -> Result<Customer, OrderError> {
        customers::find(self.base.database.connection(), id)
            .await?
            .ok_or_else(|| OrderError::not_found("customer", id))
    }

    pub async fn list_customers(
        &self,
        name_contains: Option<&str>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<Customer>, OrderError> {
        customers::list(self.base.database.connection(), name_contains, after, limit).await
    }
}
