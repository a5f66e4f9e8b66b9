//! Warehouses, order lines and why stock moves (INV-1, INV-2, INV-7).

use chrono::{DateTime, Utc};
use orderflow_platform::validation::Violations;
use serde::{Deserialize, Serialize};

pub const MAX_QUANTITY: i64 = orderflow_platform::ids::Quantity::MAX;
pub const MAX_LINES: usize = 500;

/// The warehouses every installation has.
pub const FINISHED_GOODS: &str = "FG";
pub const OVERSEAS: &str = "OVERSEAS";
pub const MATERIALS: &str = "MATERIALS";
pub const QUARANTINE: &str = "QUARANTINE";
/// Parts out at outsourcing vendors (外协在外, PRC-6): in by procurement's
/// send, out by its passed inspection of the returned work.
pub const OUTSOURCED: &str = "OUTSOURCED";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarehouseKind {
    FinishedGoods,
    Overseas,
    Materials,
    Quarantine,
    Outsourced,
}

/// The default warehouses: code, name, kind.
pub const WAREHOUSES: &[(&str, &str, WarehouseKind)] = &[
    (
        FINISHED_GOODS,
        "Finished goods warehouse (成品仓)",
        WarehouseKind::FinishedGoods,
    ),
    (
        OVERSEAS,
        "Overseas warehouse (海外仓)",
        WarehouseKind::Overseas,
    ),
    (
        MATERIALS,
        "Materials store (材料库)",
        WarehouseKind::Materials,
    ),
    (
        QUARANTINE,
        "Quarantine for damaged returns",
        WarehouseKind::Quarantine,
    ),
    (
        OUTSOURCED,
        "At outsourcing vendors (外协在外)",
        WarehouseKind::Outsourced,
    ),
];

pub fn is_warehouse(code: &str) -> bool {
    WAREHOUSES.iter().any(|(known, _, _)| *known == code)
}

/// A warehouse code: one of [`WAREHOUSES`]; empty means finished goods.
pub fn parse_warehouse(field: &str, raw: &str, violations: &mut Violations) -> String {
    let code = raw.trim();
    if code.is_empty() {
        return FINISHED_GOODS.to_owned();
    }
    if !is_warehouse(code) {
        let known: Vec<&str> = WAREHOUSES.iter().map(|(code, _, _)| *code).collect();
        violations.add(
            field,
            format!("unknown warehouse; one of {}", known.join(", ")),
        );
    }
    code.to_owned()
}

/// A warehouse stock is moved in or out of by a call: any but
/// [`OUTSOURCED`], whose parts move only with procurement's outsourcing
/// orders (PRC-6).
pub fn parse_moving_warehouse(field: &str, raw: &str, violations: &mut Violations) -> String {
    let code = parse_warehouse(field, raw, violations);
    if code == OUTSOURCED {
        violations.add(
            field,
            "parts at outsourcing vendors move only with procurement's outsourcing orders (PRC-6)",
        );
    }
    code
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub sku: String,
    pub quantity: i64,
}

/// Lines of positive quantities; a SKU at most once.
pub fn parse_lines(raw: &[(String, i64)], violations: &mut Violations) -> Vec<Line> {
    if raw.is_empty() {
        violations.add("lines", "at least one line is required");
    }
    if raw.len() > MAX_LINES {
        violations.add("lines", format!("at most {MAX_LINES} lines"));
    }
    let mut seen = std::collections::BTreeSet::new();
    raw.iter()
        .enumerate()
        .map(|(index, (sku, quantity))| {
            let sku = super::item::parse_sku(&format!("lines[{index}].sku"), sku, violations);
            if !sku.is_empty() && !seen.insert(sku.clone()) {
                violations.add(
                    format!("lines[{index}].sku"),
                    "listed twice; add the quantities up",
                );
            }
            violations.quantity(format!("lines[{index}].quantity"), *quantity);
            Line {
                sku,
                quantity: *quantity,
            }
        })
        .collect()
}

/// Why on-hand changed; every change is a movement (INV-7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Adjustment,
    Outbound,
    InboundProduction,
    InboundPurchase,
    InboundReturn,
    MaterialIssue,
    /// Materials back from a stopped production order (ORD-6).
    MaterialReturn,
    /// Parts sent to an outsourcing vendor (PRC-6).
    OutsourcingSent,
    /// Outsourced work back and through incoming inspection (PRC-6).
    OutsourcingReturned,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Adjustment => "adjustment",
            Reason::Outbound => "outbound",
            Reason::InboundProduction => "inbound_production",
            Reason::InboundPurchase => "inbound_purchase",
            Reason::InboundReturn => "inbound_return",
            Reason::MaterialIssue => "material_issue",
            Reason::MaterialReturn => "material_return",
            Reason::OutsourcingSent => "outsourcing_sent",
            Reason::OutsourcingReturned => "outsourcing_returned",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_need_a_sku_once_and_a_positive_quantity() {
        let mut violations = Violations::new();
        parse_lines(
            &[("A".to_owned(), 1), ("A".to_owned(), 2), ("".to_owned(), 0)],
            &mut violations,
        );
        let fields: Vec<String> = violations.into_vec().into_iter().map(|v| v.field).collect();
        assert_eq!(
            fields,
            vec!["lines[1].sku", "lines[2].sku", "lines[2].quantity"]
        );
    }

    #[test]
    fn inv_1_the_warehouses_of_the_domain_exist() {
        for code in [FINISHED_GOODS, OVERSEAS, MATERIALS, QUARANTINE, OUTSOURCED] {
            assert!(is_warehouse(code));
        }
        let mut violations = Violations::new();
        assert_eq!(
            parse_warehouse("warehouse", "", &mut violations),
            FINISHED_GOODS
        );
        parse_warehouse("warehouse", "MARS", &mut violations);
        assert_eq!(violations.into_vec().len(), 1);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement {
    pub id: String,
    pub batch: String,
    pub sku: String,
    pub warehouse: String,
    pub quantity: i64,
    pub reason: String,
    pub reference: String,
    pub note: String,
    pub actor: String,
    pub at: DateTime<Utc>,
}

impl Movement {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        batch: &str,
        sku: &str,
        warehouse: &str,
        quantity: i64,
        reason: Reason,
        reference: &str,
        note: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: uuid::Uuid::now_v7().to_string(),
            batch: batch.to_owned(),
            sku: sku.to_owned(),
            warehouse: warehouse.to_owned(),
            quantity,
            reason: reason.as_str().to_owned(),
            reference: reference.to_owned(),
            note: note.to_owned(),
            actor: actor.to_owned(),
            at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockRow {
    pub sku: String,
    pub warehouse: String,
    pub level: Level,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Level {
    pub on_hand: i64,
    pub reserved: i64,
}

impl Level {
    pub fn available(self) -> i64 {
        self.on_hand - self.reserved
    }
}

/// What a receipt, an outbound or an issue moved.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub id: String,
    pub warehouse: String,
    pub lines: Vec<Line>,
    pub reference: String,
    pub movements: Vec<Movement>,
}
