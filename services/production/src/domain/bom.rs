//! Bills of materials (PRD-2): versioned per product, multi-level (a
//! component with a BOM of its own is a sub-assembly, exploded through its
//! latest version), each component with a scrap allowance, and the routing
//! (the operations, on work centres or outsourced) the scheduler books.
//!
//! Material requirements = BOM × quantity (with scrap, rounded up per
//! level) − what the materials warehouse has; see [`requirements`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use orderflow_platform::ids::{Quantity, Sku};
use orderflow_platform::validation::Violations;
use serde::{Deserialize, Serialize};

use super::ProductionError;
use super::schedule::Operation;

/// A scrap allowance is at most 100 %.
pub const MAX_SCRAP_BPS: i32 = 10_000;
/// Components per BOM.
pub const MAX_COMPONENTS: usize = 200;
/// Operations per routing.
pub const MAX_OPERATIONS: usize = 50;
/// Levels a BOM may nest (sub-assemblies of sub-assemblies …).
pub const MAX_DEPTH: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    pub sku: String,
    /// Per piece of the parent.
    pub quantity: i64,
    /// Scrap allowance in basis points (250 = 2.5 %).
    pub scrap_bps: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bom {
    pub sku: String,
    pub version: i32,
    pub components: Vec<Component>,
    pub operations: Vec<Operation>,
    pub defined_by: String,
    pub created_at: DateTime<Utc>,
}

/// A BOM as a request describes it, before it has a version.
#[derive(Debug, Clone)]
pub struct Draft {
    pub sku: String,
    pub components: Vec<Component>,
    pub operations: Vec<Operation>,
}

impl Draft {
    /// Checks every field; each problem names its field.
    pub fn parse(
        sku: &str,
        components: Vec<Component>,
        operations: Vec<Operation>,
    ) -> Result<Self, ProductionError> {
        let mut violations = Violations::new();
        let sku = violations
            .field::<Sku>("sku", sku)
            .map(|sku| sku.as_str().to_owned())
            .unwrap_or_default();
        if components.len() > MAX_COMPONENTS {
            violations.add("components", format!("at most {MAX_COMPONENTS} components"));
        }
        if components.is_empty() && operations.is_empty() {
            violations.add("components", "a BOM needs components or operations");
        }
        let mut seen = BTreeSet::new();
        for (index, component) in components.iter().enumerate() {
            let field = format!("components[{index}]");
            violations.field::<Sku>(format!("{field}.sku"), &component.sku);
            if component.sku == sku {
                violations.add(format!("{field}.sku"), "a product cannot contain itself");
            }
            if !seen.insert(component.sku.as_str()) {
                violations.add(format!("{field}.sku"), "listed twice; give one quantity");
            }
            violations.quantity(format!("{field}.quantity"), component.quantity);
            if !(0..=MAX_SCRAP_BPS).contains(&component.scrap_bps) {
                violations.add(
                    format!("{field}.scrap_bps"),
                    "must be 0 to 10000 basis points (0 % to 100 %)",
                );
            }
        }
        if operations.len() > MAX_OPERATIONS {
            violations.add("operations", format!("at most {MAX_OPERATIONS} operations"));
        }
        let mut previous = 0;
        for (index, operation) in operations.iter().enumerate() {
            let field = format!("operations[{index}]");
            if operation.seq <= previous {
                violations.add(
                    format!("{field}.seq"),
                    "must be positive and increase from one operation to the next",
                );
            }
            previous = operation.seq;
            violations.required(&format!("{field}.name"), &operation.name, 100);
            if operation.outsourced {
                if !operation.work_centre.is_empty() {
                    violations.add(
                        format!("{field}.work_centre"),
                        "an outsourced operation uses no work centre of ours",
                    );
                }
                if !(1..=365).contains(&operation.lead_days) {
                    violations.add(
                        format!("{field}.lead_days"),
                        "an outsourced operation needs the vendor's lead time, 1 to 365 days",
                    );
                }
            } else {
                violations.required(&format!("{field}.work_centre"), &operation.work_centre, 20);
                if !(1..=100_000).contains(&operation.load_per_piece) {
                    violations.add(
                        format!("{field}.load_per_piece"),
                        "must be 1 to 100000 (pieces count 1; minutes per piece on a minutes centre)",
                    );
                }
            }
        }
        violations.finish(())?;
        Ok(Self {
            sku,
            components,
            operations,
        })
    }

    pub fn into_bom(self, version: i32, defined_by: &str, now: DateTime<Utc>) -> Bom {
        Bom {
            sku: self.sku,
            version,
            components: self.components,
            operations: self.operations,
            defined_by: defined_by.to_owned(),
            created_at: now,
        }
    }
}

/// PRD-2: a BOM may not contain itself, directly or through sub-assemblies.
/// `latest` gives the BOM each component is exploded through. Returns the
/// cycle as a path (`A → B → A`), or `None`.
pub fn cycle(draft: &Draft, latest: &HashMap<String, Bom>) -> Option<String> {
    fn visit(
        sku: &str,
        root: &str,
        latest: &HashMap<String, Bom>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> bool {
        if sku == root {
            return true;
        }
        if done.contains(sku) || path.len() > MAX_DEPTH * 4 {
            return false;
        }
        let Some(bom) = latest.get(sku) else {
            done.insert(sku.to_owned());
            return false;
        };
        for component in &bom.components {
            path.push(component.sku.clone());
            if visit(&component.sku, root, latest, path, done) {
                return true;
            }
            path.pop();
        }
        done.insert(sku.to_owned());
        false
    }
    let mut done = BTreeSet::new();
    for component in &draft.components {
        let mut path = vec![draft.sku.clone(), component.sku.clone()];
        if visit(&component.sku, &draft.sku, latest, &mut path, &mut done) {
            return Some(path.join(" → "));
        }
    }
    None
}

/// Pieces of a component for `parent` pieces: per piece × parent, plus the
/// scrap allowance, rounded up (a part is never planned as a fraction).
pub fn gross(parent: i64, per_piece: i64, scrap_bps: i32) -> i64 {
    let exact = i128::from(parent) * i128::from(per_piece) * i128::from(10_000 + scrap_bps);
    let pieces = (exact + 9_999) / 10_000;
    i64::try_from(pieces).unwrap_or(i64::MAX)
}

/// The purchased materials `quantity` pieces of `bom` need: sub-assemblies
/// (components with a BOM of their own in `latest`) are exploded through
/// their latest version, level by level; the rest are summed per SKU.
pub fn requirements(
    bom: &Bom,
    quantity: i64,
    latest: &HashMap<String, Bom>,
) -> Result<BTreeMap<String, i64>, ProductionError> {
    fn explode(
        bom: &Bom,
        quantity: i64,
        latest: &HashMap<String, Bom>,
        depth: usize,
        needs: &mut BTreeMap<String, i64>,
    ) -> Result<(), ProductionError> {
        if depth > MAX_DEPTH {
            return Err(ProductionError::precondition(
                "BOM_TOO_DEEP",
                format!("boms/{}", bom.sku),
                format!("the BOM nests more than {MAX_DEPTH} levels (or contains itself)"),
            ));
        }
        for component in &bom.components {
            let pieces = gross(quantity, component.quantity, component.scrap_bps);
            if pieces > Quantity::MAX {
                return Err(ProductionError::precondition(
                    "REQUIREMENT_TOO_LARGE",
                    format!("boms/{}", bom.sku),
                    format!("{} of {} is beyond any stock", pieces, component.sku),
                ));
            }
            match latest.get(&component.sku) {
                Some(sub) => explode(sub, pieces, latest, depth + 1, needs)?,
                None => {
                    let need = needs.entry(component.sku.clone()).or_default();
                    *need = need.saturating_add(pieces);
                }
            }
        }
        Ok(())
    }
    let mut needs = BTreeMap::new();
    explode(bom, quantity, latest, 0, &mut needs)?;
    Ok(needs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn component(sku: &str, quantity: i64, scrap_bps: i32) -> Component {
        Component {
            sku: sku.to_owned(),
            quantity,
            scrap_bps,
        }
    }

    fn bom(sku: &str, components: Vec<Component>) -> Bom {
        Bom {
            sku: sku.to_owned(),
            version: 1,
            components,
            operations: Vec::new(),
            defined_by: "engineer".to_owned(),
            created_at: DateTime::<Utc>::MIN_UTC,
        }
    }

    fn draft(sku: &str, components: Vec<Component>) -> Draft {
        Draft {
            sku: sku.to_owned(),
            components,
            operations: Vec::new(),
        }
    }

    #[test]
    fn prd_2_requirements_are_bom_times_quantity_with_scrap_rounded_up() {
        let pump = bom(
            "PUMP",
            vec![component("BOLT", 4, 0), component("SEAL", 1, 250)],
        );
        let needs = requirements(&pump, 30, &HashMap::new()).ok();
        // 30 × 1 × 1.025 = 30.75 → 31 seals; 120 bolts, no scrap.
        assert_eq!(
            needs,
            Some(BTreeMap::from([
                ("BOLT".to_owned(), 120),
                ("SEAL".to_owned(), 31)
            ]))
        );
    }

    #[test]
    fn prd_2_sub_assemblies_are_exploded_level_by_level() {
        let motor = bom(
            "MOTOR",
            vec![component("COIL", 2, 1000), component("BOLT", 2, 0)],
        );
        let pump = bom(
            "PUMP",
            vec![component("MOTOR", 1, 0), component("BOLT", 4, 0)],
        );
        let latest = HashMap::from([("MOTOR".to_owned(), motor)]);
        let needs = requirements(&pump, 10, &latest).ok();
        // 10 motors → 22 coils (2 × 10 × 1.1), 20 bolts; plus 40 bolts.
        assert_eq!(
            needs,
            Some(BTreeMap::from([
                ("BOLT".to_owned(), 60),
                ("COIL".to_owned(), 22)
            ]))
        );
    }

    #[test]
    fn prd_2_a_bom_cycle_is_found_through_sub_assemblies() {
        let motor = bom("MOTOR", vec![component("ROTOR", 1, 0)]);
        let rotor = bom("ROTOR", vec![component("PUMP", 1, 0)]);
        let latest = HashMap::from([("MOTOR".to_owned(), motor), ("ROTOR".to_owned(), rotor)]);
        let pump = draft("PUMP", vec![component("MOTOR", 1, 0)]);
        assert_eq!(
            cycle(&pump, &latest).as_deref(),
            Some("PUMP → MOTOR → ROTOR → PUMP")
        );
        let fine = draft("PUMP", vec![component("BOLT", 1, 0)]);
        assert_eq!(cycle(&fine, &latest), None);
    }

    #[test]
    fn prd_2_a_draft_refuses_bad_quantities_scrap_and_self_reference() {
        let refused = Draft::parse(
            "PUMP",
            vec![
                component("PUMP", 1, 0),
                component("BOLT", 0, 0),
                component("SEAL", 1, 10_001),
            ],
            Vec::new(),
        );
        let Err(ProductionError::InvalidInput(violations)) = refused else {
            panic!("expected field violations");
        };
        let fields: Vec<&str> = violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "components[0].sku",
                "components[1].quantity",
                "components[2].scrap_bps"
            ]
        );
    }
}
