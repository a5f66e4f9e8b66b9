//! A postal address with its recipient, as orders, logistics and
//! after-sales keep it, and its wire form (`common.v1.Address`).

use orderflow_proto::common::v1 as common;
use serde::{Deserialize, Serialize};

use crate::error::Unmet;
use crate::validation::Violations;

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

/// As the caller sent it, each part trimmed and the country code in
/// capitals; [`Address::parse`] checks it.
impl From<&common::Address> for Address {
    fn from(address: &common::Address) -> Self {
        Address {
            recipient_name: address.recipient_name.trim().to_owned(),
            phone: address.phone.trim().to_owned(),
            country_code: address.country_code.trim().to_uppercase(),
            region: address.region.trim().to_owned(),
            city: address.city.trim().to_owned(),
            district: address.district.trim().to_owned(),
            street: address.street.trim().to_owned(),
            postal_code: address.postal_code.trim().to_owned(),
        }
    }
}

impl From<&Address> for common::Address {
    fn from(address: &Address) -> Self {
        common::Address {
            recipient_name: address.recipient_name.clone(),
            phone: address.phone.clone(),
            country_code: address.country_code.clone(),
            region: address.region.clone(),
            city: address.city.clone(),
            district: address.district.clone(),
            street: address.street.clone(),
            postal_code: address.postal_code.clone(),
        }
    }
}
