//! The list prices that confirmation compares order lines with (ORD-5).

use super::*;

impl Orders {
    pub async fn set_list_price(
        &self,
        actor: &Actor,
        key: Option<RequestKey>,
        sku: &str,
        price: Money,
        special_custom: bool,
    ) -> Result<ListPrice, OrderError> {
        let list_price = ListPrice {
            sku: sku.to_owned(),
            unit_price: price,
            updated_at: self.now(),
            updated_by: actor.subject.clone(),
            special_custom,
        };
        let transaction = self.base.database.begin_write().await?;
        if already_done(&*transaction, key.as_ref()).await? {
            // A list price is one row per SKU and currency: the repeat
            // answers with that row as it is now.
            return prices::list(&*transaction, Some(sku), None, 100)
                .await?
                .into_iter()
                .find(|kept| kept.sku == sku && kept.unit_price.currency == price.currency)
                .ok_or_else(|| OrderError::not_found("list price", sku));
        }
        prices::set(&*transaction, &list_price).await?;
        // A concurrent copy that committed first set the same row: either
        // way the answer is this price.
        let resource = format!("{sku}/{}", price.currency);
        self.commit(transaction, key.as_ref(), &resource).await?;
        Ok(list_price)
    }

    pub async fn list_prices(
        &self,
        sku_prefix: Option<&str>,
        after: Option<(&str, &str)>,
        limit: u64,
    ) -> Result<Vec<ListPrice>, OrderError> {
        prices::list(self.base.database.connection(), sku_prefix, after, limit).await
    }
}
