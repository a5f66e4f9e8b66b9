//! Items and kits (INV-1, ORD-8).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use orderflow_platform::ids::Sku;
use orderflow_platform::validation::Violations;
use serde::{Deserialize, Serialize};

use super::InventoryError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub sku: String,
    pub name: String,
    pub unit: String,
    pub weight_grams: i64,
    pub created_at: DateTime<Utc>,
    /// INV-9: a traded item, bought rather than made.
    pub bought: bool,
}

pub fn parse_sku(field: &str, raw: &str, violations: &mut Violations) -> String {
    violations
        .field::<Sku>(field, raw)
        .map(Sku::into_string)
        .unwrap_or_default()
}

pub fn parse_item(
    sku: &str,
    name: &str,
    unit: &str,
    weight_grams: i64,
    bought: bool,
    now: DateTime<Utc>,
) -> Result<Item, InventoryError> {
    let mut violations = Violations::new();
    let sku = parse_sku("sku", sku, &mut violations);
    let name = violations.required("name", name, 200);
    let unit = match unit.trim() {
        "" => "pcs".to_owned(),
        given => violations.optional("unit", given, 16),
    };
    if !(0..=100_000_000).contains(&weight_grams) {
        violations.add("weight_grams", "must be 0 to 100,000,000 (100 t)");
    }
    Ok(violations.finish(Item {
        sku,
        name,
        unit,
        weight_grams,
        created_at: now,
        bought,
    })?)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    pub sku: String,
    pub quantity: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kit {
    pub sku: String,
    pub name: String,
    pub components: Vec<Component>,
    pub total_weight_grams: i64,
}

impl Kit {
    /// A kit from its components and their items' weights.
    pub fn define(
        sku: &str,
        name: &str,
        components: &[Component],
        weights: &BTreeMap<String, i64>,
    ) -> Result<Self, InventoryError> {
        let mut violations = Violations::new();
        let sku = parse_sku("sku", sku, &mut violations);
        let name = violations.required("name", name, 200);
        if components.is_empty() {
            violations.add("components", "a kit has at least one component");
        }
        let mut total = 0i64;
        let mut seen = std::collections::BTreeSet::new();
        for (index, component) in components.iter().enumerate() {
            if component.sku == sku {
                violations.add(
                    format!("components[{index}].sku"),
                    "a kit cannot contain itself",
                );
            }
            if !seen.insert(component.sku.clone()) {
                violations.add(format!("components[{index}].sku"), "listed twice");
            }
            match weights.get(&component.sku) {
                Some(weight) => {
                    total = total.saturating_add(weight.saturating_mul(component.quantity))
                }
                None => violations.add(format!("components[{index}].sku"), "no such item"),
            }
            if !(1..=10_000).contains(&component.quantity) {
                violations.add(
                    format!("components[{index}].quantity"),
                    "must be 1 to 10,000",
                );
            }
        }
        Ok(violations.finish(Self {
            sku,
            name,
            components: components.to_vec(),
            total_weight_grams: total,
        })?)
    }

    /// ORD-8: the differences between a kit line as an order lists it and
    /// the kit's definition (component quantities, total weight).
    pub fn discrepancies(&self, listed: &[Component], listed_weight_grams: i64) -> Vec<String> {
        let defined: BTreeMap<&str, i64> = self
            .components
            .iter()
            .map(|c| (c.sku.as_str(), c.quantity))
            .collect();
        let given: BTreeMap<&str, i64> = listed
            .iter()
            .map(|c| (c.sku.as_str(), c.quantity))
            .collect();
        let mut differences = Vec::new();
        for (sku, quantity) in &defined {
            match given.get(sku) {
                None => {
                    differences.push(format!("{sku}: {quantity} per kit, missing from the line"))
                }
                Some(listed) if listed != quantity => {
                    differences.push(format!("{sku}: {quantity} per kit, the line says {listed}"))
                }
                Some(_) => {}
            }
        }
        for (sku, quantity) in &given {
            if !defined.contains_key(sku) {
                differences.push(format!(
                    "{sku}: not part of the kit (the line says {quantity})"
                ));
            }
        }
        if listed_weight_grams != self.total_weight_grams {
            differences.push(format!(
                "total weight: {} g per kit, the line says {listed_weight_grams} g",
                self.total_weight_grams
            ));
        }
        differences
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn component(sku: &str, quantity: i64) -> Component {
        Component {
            sku: sku.to_owned(),
            quantity,
        }
    }

    fn kit() -> Kit {
        let weights =
            BTreeMap::from([("PUMP-100".to_owned(), 4_200), ("SEAL-KIT".to_owned(), 150)]);
        Kit::define(
            "PUMP-SET",
            "Pump with two seal kits",
            &[component("PUMP-100", 1), component("SEAL-KIT", 2)],
            &weights,
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn ord_8_a_kit_weighs_what_its_components_weigh() {
        assert_eq!(kit().total_weight_grams, 4_500);
    }

    #[test]
    fn ord_8_a_kit_line_with_a_wrong_quantity_or_weight_is_flagged() {
        let kit = kit();
        assert!(
            kit.discrepancies(&[component("PUMP-100", 1), component("SEAL-KIT", 2)], 4_500)
                .is_empty()
        );
        let wrong = kit.discrepancies(&[component("PUMP-100", 1), component("SEAL-KIT", 1)], 4_350);
        assert_eq!(
            wrong,
            vec![
                "SEAL-KIT: 2 per kit, the line says 1".to_owned(),
                "total weight: 4500 g per kit, the line says 4350 g".to_owned(),
            ]
        );
        let extra = kit.discrepancies(
            &[
                component("PUMP-100", 1),
                component("SEAL-KIT", 2),
                component("GIFT", 1),
            ],
            4_500,
        );
        assert_eq!(extra.len(), 1);
    }
}
