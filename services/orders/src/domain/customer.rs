//! Customers and postal addresses.

use chrono::{DateTime, Utc};

pub use orderflow_platform::address::Address;
use orderflow_platform::validation::Violations;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomer {
    pub name: String,
    pub phone: String,
    pub email: String,
    pub address: Address,
}

impl NewCustomer {
    pub fn parse(
        name: &str,
        phone: &str,
        email: &str,
        address: &Address,
    ) -> Result<Self, super::OrderError> {
        let mut violations = Violations::new();
        let name = violations.required("name", name, 200);
        let phone = violations.phone("phone", phone);
        let email = email.trim().to_owned();
        if !email.is_empty() {
            let valid = email.len() <= 254
                && email.split_once('@').is_some_and(|(local, domain)| {
                    !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
                })
                && !email.chars().any(char::is_whitespace);
            if !valid {
                violations.add("email", "must be an email address");
            }
        }
        let address = Address::parse("address", address, &mut violations);
        Ok(violations.finish(Self {
            name,
            phone,
            email,
            address,
        })?)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub address: Address,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    /// S10: the store (its partner code) that registered the customer;
    /// only that store's orders may name them. Empty for the company's own.
    pub store_code: String,
}

impl Customer {
    /// S10: an order of `store` (empty: the company's own) may name this
    /// customer: a store's orders name the store's own customers only.
    pub fn open_to(&self, store: &str) -> bool {
        store.is_empty() || self.store_code == store
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ord_3_a_customer_with_bad_fields_names_each_of_them() {
        let address = Address {
            country_code: "China".to_owned(),
            ..Address::default()
        };
        let error = NewCustomer::parse("  ", "abc", "not-an-email", &address).err();
        let fields: Vec<String> = match error {
            Some(super::super::OrderError::InvalidInput(violations)) => {
                violations.into_iter().map(|v| v.field).collect()
            }
            other => panic!("expected invalid input, got {other:?}"),
        };
        assert_eq!(
            fields,
            vec!["name", "phone", "email", "address.country_code"]
        );
    }

    #[test]
    fn ord_5_an_incomplete_ship_to_lists_what_is_missing() {
        let address = Address {
            recipient_name: "Li Lei".to_owned(),
            country_code: "CN".to_owned(),
            region: "Zhejiang".to_owned(),
            city: "Hangzhou".to_owned(),
            ..Address::default()
        };
        let missing: Vec<String> = address
            .missing_for_shipping("ship_to")
            .into_iter()
            .map(|unmet| unmet.subject)
            .collect();
        assert_eq!(missing, vec!["ship_to.phone", "ship_to.street"]);
    }
}
