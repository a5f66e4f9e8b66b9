//! proto ⇄ domain: one module below both the API (requests, responses) and
//! the events (payloads), importing neither.

pub use orderflow_platform::grpc::convert::{from_timestamp, timestamp};
use orderflow_platform::money::{Currency, Money};
use orderflow_proto::common::v1 as common;
use orderflow_proto::logistics::v1 as pb;

use crate::domain::export::ExportDocuments;
use crate::domain::pickup::Pickup;
use crate::domain::routing::{Carrier, Rule, Rules};
use crate::domain::shipment::{Address, Shipment, ShipmentState, Tracking};

pub fn carrier(carrier: &Carrier) -> pb::Carrier {
    pb::Carrier {
        code: carrier.code.clone(),
        name: carrier.name.clone(),
        promised_days: carrier.promised_days,
        tracking_url_template: carrier.tracking_url_template.clone(),
        create_time: Some(timestamp(carrier.created_at)),
    }
}

pub fn rules(rules: &Rules) -> pb::RoutingRules {
    pb::RoutingRules {
        rules: rules
            .rules
            .iter()
            .map(|rule| pb::RoutingRule {
                regions: rule.regions.clone(),
                country_codes: rule.country_codes.clone(),
                carrier_code: rule.carrier_code.clone(),
                name: rule.name.clone(),
            })
            .collect(),
        default_carrier_code: rules.default_carrier_code.clone(),
        version: rules.version,
        updated_by: rules.updated_by.clone(),
        update_time: Some(timestamp(rules.updated_at)),
    }
}

pub fn rules_in(raw: &[pb::RoutingRule]) -> Vec<Rule> {
    raw.iter()
        .map(|rule| Rule {
            name: rule.name.clone(),
            regions: rule.regions.clone(),
            country_codes: rule.country_codes.clone(),
            carrier_code: rule.carrier_code.clone(),
        })
        .collect()
}

pub fn tracking(tracking: &Tracking) -> pb::TrackingEvent {
    pb::TrackingEvent {
        time: Some(timestamp(tracking.at)),
        status: tracking.status.clone(),
        location: tracking.location.clone(),
        description: tracking.description.clone(),
    }
}

fn state(state: ShipmentState) -> pb::ShipmentState {
    match state {
        ShipmentState::Open => pb::ShipmentState::Open,
        ShipmentState::Planned => pb::ShipmentState::Planned,
        ShipmentState::NotePending => pb::ShipmentState::NotePending,
        ShipmentState::NoteApproved => pb::ShipmentState::NoteApproved,
        ShipmentState::Dispatched => pb::ShipmentState::Dispatched,
        ShipmentState::Delivered => pb::ShipmentState::Delivered,
        ShipmentState::Received => pb::ShipmentState::Received,
        ShipmentState::Cancelled => pb::ShipmentState::Cancelled,
    }
}

pub fn shipment(shipment: &Shipment, now: chrono::DateTime<chrono::Utc>) -> pb::Shipment {
    pb::Shipment {
        order_id: shipment.order_id.clone(),
        order_number: shipment.order.number.clone(),
        state: state(shipment.state).into(),
        ship_to: Some(common::Address::from(&shipment.ship_to)),
        carrier_code: shipment.carrier_code.clone(),
        carrier_reason: shipment.carrier_reason.clone(),
        planned_ship_date: shipment
            .planned_ship_date
            .map(|day| day.to_string())
            .unwrap_or_default(),
        note_number: shipment.note_number.clone(),
        note_approved_by: shipment.note_approved_by.clone(),
        tracking_number: shipment.tracking_number.clone(),
        dispatch_time: shipment.dispatched_at.map(timestamp),
        promised_time: shipment.promised_at.map(timestamp),
        delayed: shipment.delay_announced || shipment.is_late(now),
        tracking: shipment.tracking.iter().map(tracking).collect(),
        deliver_time: shipment.delivered_at.map(timestamp),
        receipt_time: shipment.received_at.map(timestamp),
        receipt_confirmed_by: shipment.receipt_confirmed_by.clone(),
        goods_out: shipment.goods_out,
        order_state: shipment.order.state.clone(),
        delivery_date: shipment
            .order
            .delivery_date
            .map(|day| day.to_string())
            .unwrap_or_default(),
        plan_overdue: shipment.plan_overdue,
        update_time: Some(timestamp(shipment.updated_at)),
    }
}

fn money(currency: Currency, minor: i64) -> common::Money {
    orderflow_platform::grpc::convert::money(Money::new(currency, minor))
}

pub fn export_documents(documents: &ExportDocuments, address: &Address) -> pb::ExportDocuments {
    let currency = documents.currency;
    pb::ExportDocuments {
        order_id: documents.order_id.clone(),
        order_number: documents.order_number.clone(),
        invoice_number: documents.invoice_number.clone(),
        contract_number: documents.contract_number.clone(),
        customer_po_number: documents.customer_po_number.clone(),
        consignee: Some(common::Address::from(address)),
        lines: documents
            .lines
            .iter()
            .map(|line| pb::ExportLine {
                sku: line.sku.clone(),
                description: line.description.clone(),
                quantity: line.quantity,
                unit_price: Some(money(currency, line.unit_price)),
                line_total: Some(money(currency, line.line_total)),
                packages: line.packages,
                net_weight_grams: line.net_weight_grams,
                gross_weight_grams: line.gross_weight_grams,
            })
            .collect(),
        total: Some(money(currency, documents.total)),
        total_packages: documents.total_packages,
        total_net_weight_grams: documents.total_net_weight_grams,
        total_gross_weight_grams: documents.total_gross_weight_grams,
        statutory_inspection: documents.statutory_inspection,
        container_type: documents.container_type.clone(),
        payment_terms: documents.payment_terms.clone(),
        pdf: documents.pdf(),
    }
}

pub fn pickup(pickup: &Pickup) -> pb::Pickup {
    pb::Pickup {
        id: pickup.id.clone(),
        order_id: pickup.order_id.clone(),
        reference: pickup.reference.clone(),
        address: Some(common::Address::from(&pickup.address)),
        pickup_date: pickup.pickup_date.to_string(),
        carrier_code: pickup.carrier_code.clone(),
        reason: pickup.reason.clone(),
        create_time: Some(timestamp(pickup.created_at)),
    }
}
