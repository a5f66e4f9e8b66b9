//! Export documents (LOG-6): the commercial invoice, the packing list and
//! the contract data of an export order, with the statutory inspection flag
//! (商检) and the container type — as data, and as a PDF.

use std::collections::BTreeMap;

use orderflow_platform::money::{Currency, Money};
use orderflow_platform::validation::Violations;

use super::LogisticsError;
use super::shipment::Shipment;

/// How one SKU of the order is packed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packing {
    pub sku: String,
    pub packages: i32,
    pub net_weight_grams: i64,
    pub gross_weight_grams: i64,
    pub dimensions: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportLine {
    pub sku: String,
    pub description: String,
    pub quantity: i64,
    pub unit_price: i64,
    pub line_total: i64,
    pub packages: i32,
    pub net_weight_grams: i64,
    pub gross_weight_grams: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportDocuments {
    pub order_id: String,
    pub order_number: String,
    pub invoice_number: String,
    pub contract_number: String,
    pub customer_po_number: String,
    pub currency: Currency,
    pub lines: Vec<ExportLine>,
    pub total: i64,
    pub total_packages: i32,
    pub total_net_weight_grams: i64,
    pub total_gross_weight_grams: i64,
    pub statutory_inspection: bool,
    pub container_type: String,
    pub payment_terms: String,
    pub consignee: Vec<String>,
}

/// Container types as the forwarders write them.
pub const CONTAINER_TYPES: [&str; 6] = ["20GP", "40GP", "40HQ", "45HQ", "LCL", "AIR"];

impl ExportDocuments {
    /// Every order line needs its packing, every packing line an order line;
    /// gross weight is at least net weight; totals add up.
    pub fn compose(
        shipment: &Shipment,
        packing: &[Packing],
        container_type: &str,
        statutory_inspection: bool,
    ) -> Result<Self, LogisticsError> {
        let mut violations = Violations::new();
        let container_type = container_type.trim().to_uppercase();
        if !CONTAINER_TYPES.contains(&container_type.as_str()) {
            violations.add(
                "container_type",
                format!("must be one of {}", CONTAINER_TYPES.join(", ")),
            );
        }
        let mut by_sku: BTreeMap<&str, &Packing> = BTreeMap::new();
        for (index, pack) in packing.iter().enumerate() {
            let field = |name: &str| format!("packing[{index}].{name}");
            if !shipment.order.lines.iter().any(|line| line.sku == pack.sku) {
                violations.add(field("sku"), "is not on the order");
            }
            if by_sku.insert(pack.sku.as_str(), pack).is_some() {
                violations.add(field("sku"), "is packed twice");
            }
            if pack.packages < 1 {
                violations.add(field("packages"), "must be at least 1");
            }
            if pack.net_weight_grams <= 0 {
                violations.add(field("net_weight_grams"), "must be greater than zero");
            }
            if pack.gross_weight_grams < pack.net_weight_grams {
                violations.add(
                    field("gross_weight_grams"),
                    "must be at least the net weight",
                );
            }
        }
        for line in &shipment.order.lines {
            if !by_sku.contains_key(line.sku.as_str()) {
                violations.add("packing", format!("{} has no packing", line.sku));
            }
        }
        let currency = Currency::parse(&shipment.order.currency)
            .map_err(|error| LogisticsError::Internal(anyhow::anyhow!("order currency: {error}")));
        violations.finish(())?;
        let currency = currency?;
        let mut lines = Vec::new();
        for line in &shipment.order.lines {
            let Some(pack) = by_sku.get(line.sku.as_str()) else {
                continue;
            };
            lines.push(ExportLine {
                sku: line.sku.clone(),
                description: line.description.clone(),
                quantity: line.quantity,
                unit_price: line.unit_price,
                line_total: line.unit_price.saturating_mul(line.quantity),
                packages: pack.packages,
                net_weight_grams: pack.net_weight_grams,
                gross_weight_grams: pack.gross_weight_grams,
            });
        }
        let address = &shipment.ship_to;
        Ok(Self {
            order_id: shipment.order_id.clone(),
            order_number: shipment.order.number.clone(),
            invoice_number: format!("CI-{}", shipment.order.number),
            contract_number: format!("SC-{}", shipment.order.number),
            customer_po_number: shipment.order.customer_po_number.clone(),
            currency,
            total: lines
                .iter()
                .fold(0_i64, |sum, line| sum.saturating_add(line.line_total)),
            total_packages: lines
                .iter()
                .fold(0_i32, |sum, line| sum.saturating_add(line.packages)),
            total_net_weight_grams: lines
                .iter()
                .fold(0_i64, |sum, line| sum.saturating_add(line.net_weight_grams)),
            total_gross_weight_grams: lines.iter().fold(0_i64, |sum, line| {
                sum.saturating_add(line.gross_weight_grams)
            }),
            lines,
            statutory_inspection,
            container_type,
            payment_terms: shipment.order.payment_terms.clone(),
            consignee: [
                address.recipient_name.clone(),
                address.street.clone(),
                [
                    address.city.as_str(),
                    address.region.as_str(),
                    address.postal_code.as_str(),
                ]
                .iter()
                .filter(|part| !part.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(", "),
                address.country_code.clone(),
                address.phone.clone(),
            ]
            .into_iter()
            .filter(|line| !line.trim().is_empty())
            .collect(),
        })
    }

    fn money(&self, minor: i64) -> String {
        Money::new(self.currency, minor).to_string()
    }

    /// The text of the documents, line by line (what the PDF shows).
    pub fn text_lines(&self) -> Vec<String> {
        let kg = |grams: i64| format!("{}.{:03} kg", grams / 1000, (grams % 1000).abs());
        let mut out = vec![
            format!("COMMERCIAL INVOICE {}", self.invoice_number),
            format!(
                "Contract {}   Order {}   Customer PO {}",
                self.contract_number,
                self.order_number,
                if self.customer_po_number.is_empty() {
                    "-"
                } else {
                    &self.customer_po_number
                }
            ),
            format!("Payment terms: {}", self.payment_terms),
            "Consignee:".to_owned(),
        ];
        out.extend(self.consignee.iter().map(|line| format!("  {line}")));
        out.push(String::new());
        out.push("SKU | description | quantity | unit price | amount".to_owned());
        for line in &self.lines {
            out.push(format!(
                "{} | {} | {} | {} | {}",
                line.sku,
                line.description,
                line.quantity,
                self.money(line.unit_price),
                self.money(line.line_total)
            ));
        }
        out.push(format!("TOTAL {}", self.money(self.total)));
        out.push(String::new());
        out.push("PACKING LIST".to_owned());
        out.push("SKU | packages | net weight | gross weight".to_owned());
        for line in &self.lines {
            out.push(format!(
                "{} | {} | {} | {}",
                line.sku,
                line.packages,
                kg(line.net_weight_grams),
                kg(line.gross_weight_grams)
            ));
        }
        out.push(format!(
            "TOTAL {} packages | net {} | gross {}",
            self.total_packages,
            kg(self.total_net_weight_grams),
            kg(self.total_gross_weight_grams)
        ));
        out.push(format!("Container: {}", self.container_type));
        out.push(format!(
            "Statutory inspection (CIQ): {}",
            if self.statutory_inspection {
                "required"
            } else {
                "not required"
            }
        ));
        out
    }

    /// The documents as a PDF (A4; Chinese text prints as written).
    pub fn pdf(&self) -> Vec<u8> {
        orderflow_platform::pdf::text_document(&self.text_lines())
    }
}
