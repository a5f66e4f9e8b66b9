//! proto ⇄ domain: one module below both the API (requests, responses) and
//! the events (payloads), importing neither.

pub use orderflow_platform::grpc::convert::{from_timestamp, money, timestamp};

use orderflow_proto::common::v1 as common;
use orderflow_proto::orders::v1 as pb;

use crate::domain::confirmation::ConfirmationSheet;
use crate::domain::customer::{Address, Customer};
use crate::domain::notification::{Notification, NotificationKind};
use crate::domain::order::{
    Choice, CostBearer, CostEstimateInput, ExportContractInput, Fit, Kit, KitComponent, LineInput,
    Order, OrderInput, OrderKind, OrderLine, OrderState, PaymentTermKind, PaymentTerms,
    PaymentTermsInput,
};
use crate::domain::price::ListPrice;
use crate::domain::quotation::{
    Inquiry, Quotation, QuotationLineInput, QuotationState, TermsInput,
};
use crate::domain::timeline::TimelineEntry;
use orderflow_platform::money::{Currency, Money};

/// A proto enum number as a domain value: unspecified, unknown, or one of `all`.
fn choice_in<D: Copy, P: TryFrom<i32> + PartialEq>(
    value: i32,
    unspecified: P,
    all: &[D],
    to_proto: fn(D) -> P,
) -> Choice<D> {
    match P::try_from(value) {
        Ok(proto) if proto == unspecified => Choice::Unspecified,
        Ok(proto) => all
            .iter()
            .copied()
            .find(|candidate| to_proto(*candidate) == proto)
            .map_or(Choice::Unknown(value), Choice::Value),
        Err(_) => Choice::Unknown(value),
    }
}

pub fn order_kind(kind: OrderKind) -> pb::OrderKind {
    match kind {
        OrderKind::Standard => pb::OrderKind::Standard,
        OrderKind::Export => pb::OrderKind::Export,
        OrderKind::MonthlySettlement => pb::OrderKind::MonthlySettlement,
        OrderKind::FreeSample => pb::OrderKind::FreeSample,
        OrderKind::ReshipZeroProfit => pb::OrderKind::ReshipZeroProfit,
        OrderKind::ReshipNegativeProfit => pb::OrderKind::ReshipNegativeProfit,
        OrderKind::MaterialPrep => pb::OrderKind::MaterialPrep,
        OrderKind::SelfStock => pb::OrderKind::SelfStock,
        OrderKind::MadeToMeasure => pb::OrderKind::MadeToMeasure,
        OrderKind::Return => pb::OrderKind::Return,
    }
}

pub fn order_kind_in(value: i32) -> Choice<OrderKind> {
    choice_in(
        value,
        pb::OrderKind::Unspecified,
        OrderKind::ALL,
        order_kind,
    )
}

pub fn order_state(state: OrderState) -> pb::OrderState {
    match state {
        OrderState::Draft => pb::OrderState::Draft,
        OrderState::Submitted => pb::OrderState::Submitted,
        OrderState::PendingApproval => pb::OrderState::PendingApproval,
        OrderState::AwaitingPayment => pb::OrderState::AwaitingPayment,
        OrderState::Released => pb::OrderState::Released,
        OrderState::InProduction => pb::OrderState::InProduction,
        OrderState::ReadyToShip => pb::OrderState::ReadyToShip,
        OrderState::Shipped => pb::OrderState::Shipped,
        OrderState::Delivered => pb::OrderState::Delivered,
        OrderState::Completed => pb::OrderState::Completed,
        OrderState::Rejected => pb::OrderState::Rejected,
        OrderState::Cancelled => pb::OrderState::Cancelled,
        OrderState::Closed => pb::OrderState::Closed,
    }
}

pub fn order_state_in(value: i32) -> Choice<OrderState> {
    choice_in(
        value,
        pb::OrderState::Unspecified,
        OrderState::ALL,
        order_state,
    )
}

fn payment_term_kind(kind: PaymentTermKind) -> pb::PaymentTermKind {
    match kind {
        PaymentTermKind::Prepaid => pb::PaymentTermKind::Prepaid,
        PaymentTermKind::TtDeposit => pb::PaymentTermKind::TtDeposit,
        PaymentTermKind::Lc => pb::PaymentTermKind::Lc,
        PaymentTermKind::Da => pb::PaymentTermKind::Da,
        PaymentTermKind::OpenAccount => pb::PaymentTermKind::OpenAccount,
        PaymentTermKind::MonthlySettlement => pb::PaymentTermKind::MonthlySettlement,
    }
}

fn payment_term_kind_in(value: i32) -> Choice<PaymentTermKind> {
    choice_in(
        value,
        pb::PaymentTermKind::Unspecified,
        PaymentTermKind::ALL,
        payment_term_kind,
    )
}

fn cost_bearer(bearer: CostBearer) -> pb::CostBearer {
    match bearer {
        CostBearer::Us => pb::CostBearer::Us,
        CostBearer::Carrier => pb::CostBearer::Carrier,
        CostBearer::Customer => pb::CostBearer::Customer,
    }
}

fn cost_bearer_in(value: i32) -> Choice<CostBearer> {
    choice_in(
        value,
        pb::CostBearer::Unspecified,
        CostBearer::ALL,
        cost_bearer,
    )
}

pub fn payment_terms(terms: &PaymentTerms) -> pb::PaymentTerms {
    pb::PaymentTerms {
        kind: payment_term_kind(terms.kind) as i32,
        deposit_percent: i32::from(terms.deposit_percent),
        has_prepayment_clause: terms.prepayment_clause,
        has_commission_clause: terms.commission_clause,
    }
}

fn payment_terms_in(terms: Option<&pb::PaymentTerms>) -> Option<PaymentTermsInput> {
    terms.map(|terms| PaymentTermsInput {
        kind: payment_term_kind_in(terms.kind),
        deposit_percent: terms.deposit_percent,
        prepayment_clause: terms.has_prepayment_clause,
        commission_clause: terms.has_commission_clause,
    })
}

fn lines_in(lines: &[pb::OrderLineInput]) -> Vec<LineInput> {
    lines
        .iter()
        .map(|line| LineInput {
            sku: line.sku.clone(),
            description: line.description.clone(),
            quantity: line.quantity,
            unit_price_currency: line
                .unit_price
                .as_ref()
                .map(|price| price.currency_code.clone())
                .unwrap_or_default(),
            unit_price: line
                .unit_price
                .as_ref()
                .map_or(0, |price| price.minor_units),
            kit: line.kit.as_ref().map(|kit| Kit {
                components: kit
                    .components
                    .iter()
                    .map(|component| KitComponent {
                        sku: component.sku.clone(),
                        quantity: component.quantity,
                    })
                    .collect(),
                total_weight_grams: kit.total_weight_grams,
            }),
            fit: line.fit.as_ref().map(fit_in),
        })
        .collect()
}

fn fit_in(fit: &pb::GarmentFit) -> Fit {
    Fit {
        category: fit.category.clone(),
        pattern: fit.pattern.clone(),
        measurements: fit
            .measurements
            .iter()
            .map(|(name, mm)| (name.clone(), *mm))
            .collect(),
    }
}

pub fn fit(fit: &Fit) -> pb::GarmentFit {
    pb::GarmentFit {
        category: fit.category.clone(),
        pattern: fit.pattern.clone(),
        measurements: fit
            .measurements
            .iter()
            .map(|(name, mm)| (name.clone(), *mm))
            .collect(),
    }
}

pub fn kit(kit: &Kit) -> pb::KitComposition {
    pb::KitComposition {
        components: kit
            .components
            .iter()
            .map(|component| pb::KitComponent {
                sku: component.sku.clone(),
                quantity: component.quantity,
            })
            .collect(),
        total_weight_grams: kit.total_weight_grams,
    }
}

pub fn create_order_input(request: &pb::CreateOrderRequest) -> OrderInput {
    OrderInput {
        kind: order_kind_in(request.kind),
        customer_id: request.customer_id.clone(),
        currency_code: request.currency_code.clone(),
        lines: lines_in(&request.lines),
        requested_delivery_date: request.requested_delivery_date.clone(),
        payment_terms: payment_terms_in(request.payment_terms.as_ref()),
        salesperson: request.salesperson.clone(),
        ship_to: request.ship_to.as_ref().map(Address::from),
        buyer_message: request.buyer_message.clone(),
        seller_note: request.seller_note.clone(),
        special_requirements: request.special_requirements.clone(),
        special_custom: request.special_custom,
        replaces_order_id: request.replaces_order_id.clone(),
        channel: String::new(),
        cost_bearer: cost_bearer_in(request.cost_bearer),
        customer_po_number: request.customer_po_number.clone(),
        export_contract: export_contract_in(
            &request.factory_contract_number,
            &request.estimated_costs,
        ),
    }
}

fn export_contract_in(
    factory_contract_number: &str,
    estimated_costs: &[pb::CostEstimate],
) -> ExportContractInput {
    ExportContractInput {
        factory_contract_number: factory_contract_number.to_owned(),
        estimated_costs: estimated_costs
            .iter()
            .map(|cost| {
                let amount = cost.amount.clone().unwrap_or_default();
                CostEstimateInput {
                    name: cost.name.clone(),
                    currency_code: amount.currency_code,
                    amount: amount.minor_units,
                }
            })
            .collect(),
    }
}

/// APR-2: an export order's estimated costs, in its currency.
pub fn estimated_costs(order: &Order) -> Vec<pb::CostEstimate> {
    order
        .export_contract
        .estimated_costs
        .iter()
        .map(|cost| pb::CostEstimate {
            name: cost.name.clone(),
            amount: Some(money(order.money(cost.amount))),
        })
        .collect()
}

/// The update's values; only the fields named in the mask are used.
pub fn update_input(update: &pb::OrderUpdate) -> OrderInput {
    OrderInput {
        kind: Choice::Unspecified,
        customer_id: String::new(),
        currency_code: update.currency_code.clone(),
        lines: lines_in(&update.lines),
        requested_delivery_date: update.requested_delivery_date.clone(),
        payment_terms: payment_terms_in(update.payment_terms.as_ref()),
        salesperson: String::new(),
        ship_to: Some(
            update
                .ship_to
                .as_ref()
                .map(Address::from)
                .unwrap_or_default(),
        ),
        buyer_message: update.buyer_message.clone(),
        seller_note: update.seller_note.clone(),
        special_requirements: update.special_requirements.clone(),
        special_custom: update.special_custom,
        replaces_order_id: String::new(),
        channel: String::new(),
        cost_bearer: cost_bearer_in(update.cost_bearer),
        customer_po_number: update.customer_po_number.clone(),
        export_contract: export_contract_in(
            &update.factory_contract_number,
            &update.estimated_costs,
        ),
    }
}

fn order_line(currency: Currency, line: &OrderLine) -> pb::OrderLine {
    let amount = |minor_units| money(Money::new(currency, minor_units));
    pb::OrderLine {
        line_no: i32::try_from(line.line_no).unwrap_or(i32::MAX),
        sku: line.sku.clone(),
        description: line.description.clone(),
        quantity: line.quantity,
        unit_price: Some(amount(line.unit_price)),
        line_total: Some(amount(line.total())),
        list_price: line.list_price.map(amount),
        kit: line.kit.as_ref().map(kit),
        fit: line.fit.as_ref().map(fit),
    }
}

/// ORD-17: a message of the customer's log.
pub fn customer_message(message: &Notification) -> pb::CustomerMessage {
    pb::CustomerMessage {
        id: message.id.clone(),
        customer_id: message.customer_id.clone(),
        order_id: message.order_id.clone(),
        order_number: message.order_number.clone(),
        kind: match message.kind {
            NotificationKind::Shortage => pb::NotificationKind::Shortage,
            NotificationKind::ProductionDelay => pb::NotificationKind::ProductionDelay,
            NotificationKind::Shipment => pb::NotificationKind::Shipment,
            NotificationKind::DeliveryProblem => pb::NotificationKind::DeliveryProblem,
            NotificationKind::Confirmation => pb::NotificationKind::Confirmation,
        } as i32,
        recipient: message.recipient.clone(),
        text: message.text.clone(),
        create_time: Some(timestamp(message.created_at)),
        due_time: message.due_at.map(timestamp),
        send_time: message.sent_at.map(timestamp),
        late: message.late_by().is_some(),
        attempts: i32::try_from(message.attempts).unwrap_or(i32::MAX),
        last_error: message.last_error.clone(),
    }
}

/// ORD-16: the sheet, with its PDF.
pub fn confirmation_sheet(sheet: &ConfirmationSheet) -> pb::ConfirmationSheet {
    let acknowledgement = sheet.acknowledgement.as_ref();
    pb::ConfirmationSheet {
        number: sheet.number.clone(),
        order_id: sheet.order_id.clone(),
        order_number: sheet.order_number.clone(),
        customer_id: sheet.customer_id.clone(),
        customer_name: sheet.customer_name.clone(),
        salesperson: sheet.salesperson.clone(),
        lines: sheet
            .lines
            .iter()
            .map(|line| order_line(sheet.currency, line))
            .collect(),
        total: Some(money(Money::new(sheet.currency, sheet.total))),
        delivery_date: sheet.delivery_date.to_string(),
        payment_terms: sheet.payment_terms.as_ref().map(payment_terms),
        payment_terms_text: sheet.terms_text(),
        ship_to: Some(common::Address::from(&sheet.ship_to)),
        customer_po_number: sheet.customer_po_number.clone(),
        special_requirements: sheet.special_requirements.clone(),
        issue_time: Some(timestamp(sheet.issued_at)),
        issued_by: sheet.issued_by.clone(),
        acknowledged_by: acknowledgement
            .map(|done| done.by.clone())
            .unwrap_or_default(),
        acknowledgement_note: acknowledgement
            .map(|done| done.note.clone())
            .unwrap_or_default(),
        acknowledgement_recorded_by: acknowledgement
            .map(|done| done.recorded_by.clone())
            .unwrap_or_default(),
        acknowledge_time: acknowledgement.map(|done| timestamp(done.at)),
        pdf: sheet.pdf(),
        version: i32::try_from(sheet.version).unwrap_or(i32::MAX),
    }
}

pub fn order(order: &Order) -> pb::Order {
    pb::Order {
        id: order.id.clone(),
        number: order.number.clone(),
        kind: order_kind(order.kind) as i32,
        state: order_state(order.state) as i32,
        customer_id: order.customer_id.clone(),
        salesperson: order.salesperson.clone(),
        currency_code: order.currency.code().to_owned(),
        lines: order
            .lines
            .iter()
            .map(|line| order_line(order.currency, line))
            .collect(),
        total: Some(money(order.money(order.total))),
        requested_delivery_date: order.requested_delivery_date.to_string(),
        payment_terms: order.payment_terms.as_ref().map(payment_terms),
        ship_to: Some(common::Address::from(&order.ship_to)),
        buyer_message: order.buyer_message.clone(),
        seller_note: order.seller_note.clone(),
        special_requirements: order.special_requirements.clone(),
        replaces_order_id: order.replaces_order_id.clone().unwrap_or_default(),
        copied_from_order_id: order.copied_from_order_id.clone().unwrap_or_default(),
        merged_from_order_ids: order.merged_from_order_ids.clone(),
        merged_into_order_id: order.merged_into_order_id.clone().unwrap_or_default(),
        quotation_id: order.quotation_id.clone().unwrap_or_default(),
        customer_po_number: order.customer_po_number.clone(),
        cost_bearer: order
            .cost_bearer
            .map_or(pb::CostBearer::Unspecified, cost_bearer) as i32,
        factory_contract_number: order.export_contract.factory_contract_number.clone(),
        estimated_costs: estimated_costs(order),
        revision: order.revision,
        flags: order.flags.iter().cloned().collect(),
        confirmation_due_time: order.confirmation_due_at.map(timestamp),
        confirmation_overdue: order.confirmation_overdue,
        create_time: Some(timestamp(order.created_at)),
        update_time: Some(timestamp(order.updated_at)),
        created_by: order.created_by.clone(),
        approval_request_id: order.approval_request_id.clone().unwrap_or_default(),
        amount_paid: Some(money(order.money(order.amount_paid))),
        carrier_code: order.carrier_code.clone(),
        tracking_number: order.tracking_number.clone(),
        channel: order.channel.clone(),
        store_code: order.store_code.clone(),
        manufacturer_code: order.manufacturer_code.clone(),
        special_custom: order.special_custom,
        custom_review_due_time: order.custom_review_due_at.map(timestamp),
    }
}

pub fn customer(customer: &Customer) -> pb::Customer {
    pb::Customer {
        id: customer.id.clone(),
        name: customer.name.clone(),
        phone: customer.phone.clone(),
        email: customer.email.clone(),
        address: Some(common::Address::from(&customer.address)),
        create_time: Some(timestamp(customer.created_at)),
        created_by: customer.created_by.clone(),
        store_code: customer.store_code.clone(),
    }
}

pub fn list_price(price: &ListPrice) -> pb::ListPrice {
    pb::ListPrice {
        sku: price.sku.clone(),
        unit_price: Some(money(price.unit_price)),
        update_time: Some(timestamp(price.updated_at)),
        updated_by: price.updated_by.clone(),
        special_custom: price.special_custom,
    }
}

pub fn timeline_entry(entry: &TimelineEntry) -> pb::TimelineEntry {
    pb::TimelineEntry {
        time: Some(timestamp(entry.at)),
        actor: entry.actor.clone(),
        action: entry.action.clone(),
        from_state: entry
            .from_state
            .map_or(pb::OrderState::Unspecified, order_state) as i32,
        to_state: entry
            .to_state
            .map_or(pb::OrderState::Unspecified, order_state) as i32,
        reason: entry.reason.clone(),
        detail: entry.detail.clone(),
        source: entry.source.clone(),
        trace_id: entry.trace_id.clone(),
    }
}

pub fn quotation_state(state: QuotationState) -> pb::QuotationState {
    match state {
        QuotationState::Open => pb::QuotationState::Open,
        QuotationState::Accepted => pb::QuotationState::Accepted,
    }
}

pub fn quotation_state_in(value: i32) -> Choice<QuotationState> {
    match pb::QuotationState::try_from(value) {
        Ok(pb::QuotationState::Unspecified) => Choice::Unspecified,
        Ok(pb::QuotationState::Open) => Choice::Value(QuotationState::Open),
        Ok(pb::QuotationState::Accepted) => Choice::Value(QuotationState::Accepted),
        Err(_) => Choice::Unknown(value),
    }
}

pub fn quotation(quotation: &Quotation) -> pb::Quotation {
    pb::Quotation {
        id: quotation.id.clone(),
        number: quotation.number.clone(),
        customer_id: quotation.customer_id.clone(),
        salesperson: quotation.salesperson.clone(),
        state: quotation_state(quotation.state) as i32,
        inquiry: Some(pb::Inquiry {
            reference: quotation.inquiry.reference.clone(),
            text: quotation.inquiry.text.clone(),
            receive_time: quotation.inquiry.received_at.map(timestamp),
        }),
        current_version: quotation.current_version(),
        versions: quotation
            .versions
            .iter()
            .map(|version| {
                let terms = &version.terms;
                let price = |minor| Some(money(Money::new(terms.currency, minor)));
                pb::QuotationVersion {
                    version: version.version,
                    terms: Some(pb::QuotationTerms {
                        currency_code: terms.currency.code().to_owned(),
                        lines: terms
                            .lines
                            .iter()
                            .map(|line| pb::QuotationLine {
                                sku: line.sku.clone(),
                                description: line.description.clone(),
                                model: line.model.clone(),
                                manufacturer: line.manufacturer.clone(),
                                quantity: line.quantity,
                                unit_price: price(line.unit_price),
                                line_total: price(line.unit_price.saturating_mul(line.quantity)),
                            })
                            .collect(),
                        delivery_date: terms.delivery_date.to_string(),
                        payment_terms: Some(payment_terms(&terms.payment_terms)),
                        packaging: terms.packaging.clone(),
                        container_type: terms.container_type.clone(),
                        valid_until: terms
                            .valid_until
                            .map(|date| date.to_string())
                            .unwrap_or_default(),
                    }),
                    total: price(terms.total()),
                    change_note: version.change_note.clone(),
                    create_time: Some(timestamp(version.created_at)),
                    created_by: version.created_by.clone(),
                }
            })
            .collect(),
        order_id: quotation.order_id.clone().unwrap_or_default(),
        customer_po_number: quotation.customer_po_number.clone(),
        create_time: Some(timestamp(quotation.created_at)),
    }
}

pub fn inquiry_in(inquiry: Option<&pb::Inquiry>) -> Inquiry {
    inquiry.map_or_else(Inquiry::default, |inquiry| Inquiry {
        reference: inquiry.reference.trim().to_owned(),
        text: inquiry.text.trim().to_owned(),
        received_at: inquiry.receive_time.as_ref().and_then(from_timestamp),
    })
}

pub fn terms_in(terms: Option<&pb::QuotationTerms>) -> TermsInput {
    let terms = terms.cloned().unwrap_or_default();
    TermsInput {
        currency_code: terms.currency_code,
        lines: terms
            .lines
            .iter()
            .map(|line| QuotationLineInput {
                sku: line.sku.clone(),
                description: line.description.clone(),
                model: line.model.clone(),
                manufacturer: line.manufacturer.clone(),
                quantity: line.quantity,
                unit_price_currency: line
                    .unit_price
                    .as_ref()
                    .map(|price| price.currency_code.clone())
                    .unwrap_or_default(),
                unit_price: line
                    .unit_price
                    .as_ref()
                    .map_or(0, |price| price.minor_units),
            })
            .collect(),
        delivery_date: terms.delivery_date,
        payment_terms: payment_terms_in(terms.payment_terms.as_ref()),
        packaging: terms.packaging,
        container_type: terms.container_type,
        valid_until: terms.valid_until,
    }
}
