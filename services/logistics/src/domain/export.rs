//! Export documents (LOG-6): the commercial invoice, the packing list and
//! the contract data of an export order, with the statutory inspection flag
//! (商检) and the container type — as data, and as a PDF.

use std::collections::BTreeMap;

use orderflow_platform::money::{Currency, Money};
use orderflow_platform::validation::Violations;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str};

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

    /// The documents as a PDF (A4). ASCII text is set in Helvetica; other
    /// text (a Chinese consignee, say) in Adobe's standard Chinese font
    /// STSong-Light through the predefined `UniGB-UTF16-H` CMap, which PDF
    /// readers supply themselves, so nothing is embedded and nothing prints
    /// as '?'.
    pub fn pdf(&self) -> Vec<u8> {
        const LINES_PER_PAGE: usize = 50;
        let lines = self.text_lines();
        let pages: Vec<&[String]> = lines.chunks(LINES_PER_PAGE).collect();
        let catalog_id = Ref::new(1);
        let page_tree_id = Ref::new(2);
        let latin_id = Ref::new(3);
        let (latin, chinese) = (Name(b"F1"), Name(b"F2"));
        let mut pdf = Pdf::new();
        pdf.catalog(catalog_id).pages(page_tree_id);
        let page_ids: Vec<Ref> = (0..pages.len())
            .map(|index| Ref::new(4 + 2 * i32::try_from(index).unwrap_or(0)))
            .collect();
        let after_pages = 4 + 2 * i32::try_from(pages.len()).unwrap_or(0);
        let (chinese_id, cid_id, descriptor_id) = (
            Ref::new(after_pages),
            Ref::new(after_pages + 1),
            Ref::new(after_pages + 2),
        );
        pdf.pages(page_tree_id)
            .kids(page_ids.iter().copied())
            .count(i32::try_from(pages.len()).unwrap_or(1));
        pdf.type1_font(latin_id).base_font(Name(b"Helvetica"));
        chinese_font(&mut pdf, chinese_id, cid_id, descriptor_id);
        for (page_lines, page_id) in pages.iter().zip(&page_ids) {
            let content_id = Ref::new(page_id.get() + 1);
            let mut page = pdf.page(*page_id);
            page.media_box(Rect::new(0.0, 0.0, 595.0, 842.0));
            page.parent(page_tree_id);
            page.contents(content_id);
            page.resources()
                .fonts()
                .pair(latin, latin_id)
                .pair(chinese, chinese_id);
            drop(page);
            let mut content = Content::new();
            content.begin_text();
            content.next_line(50.0, 800.0);
            for (index, line) in page_lines.iter().enumerate() {
                if index > 0 {
                    content.next_line(0.0, -15.0);
                }
                for (ascii, run) in runs(line) {
                    if ascii {
                        content.set_font(latin, 10.0);
                        content.show(Str(run.as_bytes()));
                    } else {
                        content.set_font(chinese, 10.0);
                        let bytes: Vec<u8> =
                            run.encode_utf16().flat_map(u16::to_be_bytes).collect();
                        content.show(Str(&bytes));
                    }
                }
            }
            content.end_text();
            pdf.stream(content_id, &content.finish());
        }
        pdf.finish()
    }
}

/// A line cut into runs of ASCII (set in Helvetica, with its own widths) and
/// of other text (set in the Chinese font, full width); control characters
/// become spaces.
fn runs(line: &str) -> Vec<(bool, String)> {
    let mut runs: Vec<(bool, String)> = Vec::new();
    for c in line.chars() {
        let c = if c.is_control() { ' ' } else { c };
        match runs.last_mut() {
            Some((ascii, run)) if *ascii == c.is_ascii() => run.push(c),
            _ => runs.push((c.is_ascii(), c.to_string())),
        }
    }
    runs
}

/// STSong-Light, one of the CJK fonts every PDF reader must be able to show
/// without it being embedded (Adobe-GB1), addressed in UTF-16.
fn chinese_font(pdf: &mut Pdf, font_id: Ref, cid_id: Ref, descriptor_id: Ref) {
    const NAME: Name<'static> = Name(b"STSong-Light");
    pdf.type0_font(font_id)
        .base_font(NAME)
        .encoding_predefined(Name(b"UniGB-UTF16-H"))
        .descendant_font(cid_id);
    pdf.cid_font(cid_id)
        .subtype(CidFontType::Type0)
        .base_font(NAME)
        .system_info(SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"GB1"),
            supplement: 4,
        })
        .font_descriptor(descriptor_id)
        .default_width(1000.0);
    pdf.font_descriptor(descriptor_id)
        .name(NAME)
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(-25.0, -254.0, 1000.0, 880.0))
        .italic_angle(0.0)
        .ascent(880.0)
        .descent(-120.0)
        .cap_height(880.0)
        .stem_v(93.0);
}
