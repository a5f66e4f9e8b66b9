//! Customers and postal addresses.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::Unmet;
use orderflow_platform::validation::Violations;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub recipient_name: String,
    pub phone: String,
    pub country_code: String,
    pub region: String,
    pub city: String,
    pub district: String,
    pub street: String,
    pub postal_code: String,
}

impl Address {
    /// Checks the format of what is given; completeness is checked at
    /// confirmation, since a draft may be incomplete.
    pub fn parse(field: &str, raw: &Address, violations: &mut Violations) -> Address {
        let country_code = raw.country_code.trim().to_ascii_uppercase();
        if !country_code.is_empty()
            && (country_code.len() != 2 || !country_code.chars().all(|c| c.is_ascii_uppercase()))
        {
            violations.add(
                format!("{field}.country_code"),
                "must be an ISO 3166-1 alpha-2 code",
            );
        }
        Address {
            recipient_name: violations.optional(
                &format!("{field}.recipient_name"),
                &raw.recipient_name,
                100,
            ),
            phone: violations.phone(&format!("{field}.phone"), &raw.phone),
            country_code,
            region: violations.optional(&format!("{field}.region"), &raw.region, 100),
            city: violations.optional(&format!("{field}.city"), &raw.city, 100),
            district: violations.optional(&format!("{field}.district"), &raw.district, 100),
            street: violations.optional(&format!("{field}.street"), &raw.street, 300),
            postal_code: violations.optional(&format!("{field}.postal_code"), &raw.postal_code, 20),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Address::default()
    }

    /// ORD-5: recipient name, phone and address must be complete before an
    /// order is confirmed.
    pub fn missing_for_shipping(&self, field: &str) -> Vec<Unmet> {
        let required = [
            (
                "recipient_name",
                &self.recipient_name,
                "the recipient's name",
            ),
            ("phone", &self.phone, "the recipient's phone"),
            ("country_code", &self.country_code, "the country"),
            ("region", &self.region, "the province or region"),
            ("city", &self.city, "the city"),
            ("street", &self.street, "the street address"),
        ];
        required
            .into_iter()
            .filter(|(_, value, _)| value.trim().is_empty())
            .map(|(name, _, what)| {
                Unmet::new(
                    "SHIP_TO_INCOMPLETE",
                    format!("{field}.{name}"),
                    format!("{what} is missing"),
                )
            })
            .collect()
    }

    /// Recipient, phone and address all identical (ORD-9 compares this).
    pub fn same_recipient(&self, other: &Address) -> bool {
        self == other
    }
}

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
