//! What an order is made of and how a new one is validated: lines (ORD-3),
//! kit compositions (ORD-8), payment terms, the cost bearer (ORD-14) and every
//! field reported at once.

use super::*;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub line_no: u32,
    pub sku: String,
    pub description: String,
    pub quantity: i64,
    /// Minor units of the order's currency.
    pub unit_price: i64,
    /// The list price at confirmation, when it differed (ORD-5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_price: Option<i64>,
    /// A kit line's composition, per kit (ORD-8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kit: Option<Kit>,
    /// A made-to-measure garment's category, pattern and measurements (S10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fit: Option<Fit>,
}

/// What one kit (套餐) is made of, as the order line lists it (ORD-8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kit {
    pub components: Vec<KitComponent>,
    pub total_weight_grams: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KitComponent {
    pub sku: String,
    /// Per kit.
    pub quantity: i64,
}

pub const MAX_KIT_COMPONENTS: usize = 100;

impl OrderLine {
    /// Quantity × unit price; validated not to overflow at creation.
    pub fn total(&self) -> i64 {
        self.unit_price.saturating_mul(self.quantity)
    }
}

/// A line as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    pub sku: String,
    pub description: String,
    pub quantity: i64,
    /// Empty: the order's currency.
    pub unit_price_currency: String,
    pub unit_price: i64,
    /// A kit line's composition as given (ORD-8).
    pub kit: Option<Kit>,
    /// A made-to-measure garment's fit as given (S10).
    pub fit: Option<Fit>,
}

pub const MAX_LINES: usize = 500;
pub const MAX_QUANTITY: i64 = orderflow_platform::ids::Quantity::MAX;

/// Everything a new order is made of, as given (ORD-1).
#[derive(Debug, Clone)]
pub struct OrderInput {
    pub kind: Choice<OrderKind>,
    pub customer_id: String,
    pub currency_code: String,
    pub lines: Vec<LineInput>,
    pub requested_delivery_date: String,
    pub payment_terms: Option<PaymentTermsInput>,
    pub salesperson: String,
    pub ship_to: Option<Address>,
    pub buyer_message: String,
    pub seller_note: String,
    pub special_requirements: String,
    /// ORD-18: a special custom-made product.
    pub special_custom: bool,
    pub replaces_order_id: String,
    pub cost_bearer: Choice<CostBearer>,
    pub customer_po_number: String,
    /// APR-2, export orders only.
    pub export_contract: ExportContractInput,
    /// ORD-10: the shop channel of an imported order; empty otherwise.
    pub channel: String,
}

/// A validated new order, before it has an id or a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub kind: OrderKind,
    pub customer_id: String,
    pub currency: Currency,
    pub lines: Vec<OrderLine>,
    pub total: i64,
    pub requested_delivery_date: NaiveDate,
    pub payment_terms: Option<PaymentTerms>,
    pub salesperson: String,
    /// `None`: take the customer's address.
    pub ship_to: Option<Address>,
    pub buyer_message: String,
    pub seller_note: String,
    pub special_requirements: String,
    pub special_custom: bool,
    pub replaces_order_id: Option<String>,
    pub cost_bearer: Option<CostBearer>,
    pub customer_po_number: String,
    pub export_contract: ExportContract,
    pub channel: String,
    /// S10: the store taking the order, from the caller's identity.
    pub store_code: String,
}

impl NewOrder {
    /// ORD-1 and ORD-3: checks every field and reports each bad one.
    /// `prefix` is prepended to field names ("order." for updates).
    pub fn parse(
        input: &OrderInput,
        actor: &Actor,
        today: NaiveDate,
        prefix: &str,
    ) -> Result<Self, OrderError> {
        let field = |name: &str| format!("{prefix}{name}");
        let mut violations = Violations::new();
        let kind = input.kind.required(&field("kind"), &mut violations);
        let customer_id = violations.required_id(&field("customer_id"), &input.customer_id);
        let currency = match Currency::parse(&input.currency_code) {
            Ok(currency) => Some(currency),
            Err(problem) => {
                violations.add(field("currency_code"), problem);
                None
            }
        };
        let lines = parse_lines(&input.lines, kind, currency, prefix, &mut violations);
        let total = lines.iter().try_fold(0i64, |sum, line| {
            line.unit_price
                .checked_mul(line.quantity)
                .and_then(|t| sum.checked_add(t))
        });
        if total.is_none() {
            violations.add(field("lines"), "the order total is too large");
        }
        let requested_delivery_date = violations.date(
            &field("requested_delivery_date"),
            &input.requested_delivery_date,
        );
        if let Some(date) = requested_delivery_date
            && date < today
        {
            violations.add(
                field("requested_delivery_date"),
                format!("must not be before today ({today})"),
            );
        }
        let payment_terms = PaymentTerms::parse(
            &field("payment_terms"),
            input.payment_terms,
            &mut violations,
        );
        if let Some(kind) = kind {
            check_payment_terms(
                kind,
                payment_terms,
                &field("payment_terms"),
                &mut violations,
            );
        }
        let salesperson = match input.salesperson.trim() {
            "" => actor.subject.clone(),
            given => violations.optional(&field("salesperson"), given, 100),
        };
        let ship_to = input
            .ship_to
            .as_ref()
            .filter(|address| !address.is_empty())
            .map(|address| Address::parse(&field("ship_to"), address, &mut violations));
        let buyer_message =
            violations.optional(&field("buyer_message"), &input.buyer_message, 2000);
        let seller_note = violations.optional(&field("seller_note"), &input.seller_note, 2000);
        let special_requirements = violations.optional(
            &field("special_requirements"),
            &input.special_requirements,
            2000,
        );
        if input.special_custom && special_requirements.trim().is_empty() {
            violations.add(
                field("special_requirements"),
                "describe the special custom product's specification for its review (ORD-18)",
            );
        }
        let replaces_order_id =
            violations.optional_id(&field("replaces_order_id"), &input.replaces_order_id);
        let cost_bearer = input
            .cost_bearer
            .optional(&field("cost_bearer"), &mut violations);
        if let Some(kind) = kind {
            if kind.replaces_an_order()
                && replaces_order_id.is_none()
                && input.replaces_order_id.trim().is_empty()
            {
                violations.add(
                    field("replaces_order_id"),
                    format!("is required for {kind} orders (ORD-14)"),
                );
            }
            check_cost_bearer(kind, cost_bearer, &field("cost_bearer"), &mut violations);
        }
        let customer_po_number =
            violations.optional(&field("customer_po_number"), &input.customer_po_number, 100);
        let export_contract = ExportContract::parse(
            &input.export_contract,
            kind,
            currency,
            prefix,
            &mut violations,
        );

        let (Some(kind), Some(currency), Some(requested_delivery_date), Some(total)) =
            (kind, currency, requested_delivery_date, total)
        else {
            // Something required is missing, so there are violations.
            return Err(OrderError::InvalidInput(violations.into_vec()));
        };
        Ok(violations.finish(Self {
            kind,
            customer_id,
            currency,
            lines,
            total,
            requested_delivery_date,
            payment_terms,
            salesperson,
            ship_to,
            buyer_message,
            seller_note,
            special_requirements,
            special_custom: input.special_custom,
            replaces_order_id,
            cost_bearer,
            customer_po_number,
            export_contract,
            channel: input.channel.clone(),
            store_code: String::new(),
        })?)
    }
}

pub(super) fn parse_lines(
    inputs: &[LineInput],
    kind: Option<OrderKind>,
    currency: Option<Currency>,
    prefix: &str,
    violations: &mut Violations,
) -> Vec<OrderLine> {
    if inputs.is_empty() {
        violations.add(format!("{prefix}lines"), "at least one line is required");
    }
    if inputs.len() > MAX_LINES {
        violations.add(
            format!("{prefix}lines"),
            format!("at most {MAX_LINES} lines"),
        );
    }
    let mut lines = Vec::with_capacity(inputs.len());
    for (index, input) in inputs.iter().enumerate() {
        let field = |name: &str| format!("{prefix}lines[{index}].{name}");
        let sku = violations
            .field::<Sku>(field("sku"), &input.sku)
            .map(Sku::into_string)
            .unwrap_or_default();
        let description = violations.optional(&field("description"), &input.description, 500);
        violations.quantity(field("quantity"), input.quantity);
        let price_currency = input.unit_price_currency.trim();
        if let Some(currency) = currency
            && !price_currency.is_empty()
            && price_currency != currency.code()
        {
            violations.add(
                field("unit_price.currency_code"),
                format!("must be the order's currency {currency}"),
            );
        }
        if let Some(kind) = kind {
            let price = input.unit_price;
            let problem = match kind.price_rule() {
                PriceRule::Positive if price <= 0 => Some("must be greater than zero"),
                PriceRule::Zero if price != 0 => Some("must be zero"),
                PriceRule::NonNegative if price < 0 => Some("must not be negative"),
                PriceRule::Negative if price >= 0 => {
                    Some("must be negative (the negative of the original)")
                }
                _ => None,
            };
            if let Some(problem) = problem {
                violations.add(
                    field("unit_price.minor_units"),
                    format!("{problem} for {kind} orders"),
                );
            }
        }
        if input.unit_price.checked_mul(input.quantity).is_none() {
            violations.add(field("unit_price.minor_units"), "line total is too large");
        }
        let kit = input
            .kit
            .as_ref()
            .map(|kit| parse_kit(kit, &field("kit"), violations));
        let made_to_measure = kind == Some(OrderKind::MadeToMeasure);
        let fit = match (&input.fit, made_to_measure) {
            (Some(fit), true) => Some(parse_fit(fit, &field("fit"), violations)),
            (None, true) => {
                violations.add(
                    field("fit"),
                    "a made-to-measure garment needs its category, pattern and measurements",
                );
                None
            }
            (Some(_), false) if kind.is_some() => {
                violations.add(field("fit"), "only made-to-measure garments have a fit");
                None
            }
            _ => None,
        };
        lines.push(OrderLine {
            line_no: u32::try_from(index + 1).unwrap_or(u32::MAX),
            sku,
            description,
            quantity: input.quantity,
            unit_price: input.unit_price,
            list_price: None,
            kit,
            fit,
        });
    }
    lines
}

/// ORD-8: a kit line names at least one component, each once, with a
/// quantity, and the kit's weight.
pub(super) fn parse_kit(kit: &Kit, field: &str, violations: &mut Violations) -> Kit {
    if kit.components.is_empty() {
        violations.add(
            format!("{field}.components"),
            "a kit line lists at least one component",
        );
    }
    if kit.components.len() > MAX_KIT_COMPONENTS {
        violations.add(
            format!("{field}.components"),
            format!("at most {MAX_KIT_COMPONENTS} components"),
        );
    }
    let mut components = Vec::with_capacity(kit.components.len());
    for (index, component) in kit.components.iter().enumerate() {
        let name = |part: &str| format!("{field}.components[{index}].{part}");
        let sku = violations.required(&name("sku"), &component.sku, 64);
        if sku.chars().any(char::is_whitespace) {
            violations.add(name("sku"), "must not contain spaces");
        } else if !sku.is_empty()
            && components
                .iter()
                .any(|earlier: &KitComponent| earlier.sku == sku)
        {
            violations.add(name("sku"), "listed twice");
        }
        if !(1..=MAX_QUANTITY).contains(&component.quantity) {
            violations.add(
                name("quantity"),
                format!("must be 1 to {MAX_QUANTITY} per kit"),
            );
        }
        components.push(KitComponent {
            sku,
            quantity: component.quantity,
        });
    }
    if kit.total_weight_grams <= 0 {
        violations.add(
            format!("{field}.total_weight_grams"),
            "must be greater than zero",
        );
    }
    Kit {
        components,
        total_weight_grams: kit.total_weight_grams,
    }
}

pub(super) fn check_payment_terms(
    kind: OrderKind,
    terms: Option<PaymentTerms>,
    field: &str,
    violations: &mut Violations,
) {
    match (kind, terms) {
        (OrderKind::MonthlySettlement, Some(terms))
            if terms.kind != PaymentTermKind::MonthlySettlement =>
        {
            violations.add(
                format!("{field}.kind"),
                "monthly_settlement orders are billed monthly",
            );
        }
        (kind, Some(terms))
            if kind != OrderKind::MonthlySettlement
                && terms.kind == PaymentTermKind::MonthlySettlement =>
        {
            violations.add(
                format!("{field}.kind"),
                "monthly_settlement terms are for monthly_settlement orders",
            );
        }
        (kind, None) if kind.is_sale() => {
            violations.add(
                format!("{field}.kind"),
                format!("is required for {kind} orders"),
            );
        }
        (kind, Some(_)) if !kind.is_sale() => {
            violations.add(
                format!("{field}.kind"),
                format!("{kind} orders are not sales and have no payment terms"),
            );
        }
        _ => {}
    }
}

pub(super) fn check_cost_bearer(
    kind: OrderKind,
    bearer: Option<CostBearer>,
    field: &str,
    violations: &mut Violations,
) {
    match (kind, bearer) {
        (OrderKind::ReshipZeroProfit | OrderKind::ReshipNegativeProfit, None) => {
            violations.add(field, format!("is required for {kind} orders (FIN-12)"));
        }
        (OrderKind::ReshipNegativeProfit, Some(bearer)) if bearer != CostBearer::Us => {
            violations.add(
                field,
                "a negative-profit reship is one where we bear the cost; when the carrier or customer pays, it is zero-profit",
            );
        }
        (OrderKind::ReshipZeroProfit | OrderKind::ReshipNegativeProfit, Some(_)) => {}
        (_, Some(_)) => violations.add(field, "is only for reship orders"),
        (_, None) => {}
    }
}
