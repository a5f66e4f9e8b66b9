//! proto ⇄ domain: one module below both the API (requests, responses) and
//! the events (payloads), importing neither.

pub use orderflow_platform::grpc::convert::timestamp;
use orderflow_proto::inventory::v1 as pb;

use crate::domain::item::{Component, Item, Kit};
use crate::domain::picking::{PickList, PickState};
use crate::domain::reservation::{Reservation, ReservationState};
use crate::domain::sheet::WorkContactSheet;
use crate::domain::stock::Receipt;
use crate::domain::stock::{Line, WAREHOUSES, WarehouseKind};
use crate::domain::stock::{Movement, StockRow};

pub fn item(item: &Item) -> pb::Item {
    pb::Item {
        sku: item.sku.clone(),
        name: item.name.clone(),
        unit: item.unit.clone(),
        weight_grams: item.weight_grams,
        create_time: Some(timestamp(item.created_at)),
        bought: item.bought,
    }
}

pub fn components_in(raw: &[pb::KitComponent]) -> Vec<Component> {
    raw.iter()
        .map(|component| Component {
            sku: component.sku.trim().to_owned(),
            quantity: component.quantity,
        })
        .collect()
}

pub fn kit(kit: &Kit) -> pb::Kit {
    pb::Kit {
        sku: kit.sku.clone(),
        name: kit.name.clone(),
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

pub fn warehouses() -> Vec<pb::Warehouse> {
    WAREHOUSES
        .iter()
        .map(|(code, name, kind)| pb::Warehouse {
            code: (*code).to_owned(),
            name: (*name).to_owned(),
            kind: match kind {
                WarehouseKind::FinishedGoods => pb::WarehouseKind::FinishedGoods,
                WarehouseKind::Overseas => pb::WarehouseKind::Overseas,
                WarehouseKind::Materials => pb::WarehouseKind::Materials,
                WarehouseKind::Quarantine => pb::WarehouseKind::Quarantine,
                WarehouseKind::Outsourced => pb::WarehouseKind::Outsourced,
            } as i32,
        })
        .collect()
}

pub fn stock(row: &StockRow) -> pb::Stock {
    pb::Stock {
        sku: row.sku.clone(),
        warehouse: row.warehouse.clone(),
        on_hand: row.level.on_hand,
        reserved: row.level.reserved,
        available: row.level.available(),
    }
}

pub fn lines_in(raw: &[pb::Line]) -> Vec<(String, i64)> {
    raw.iter()
        .map(|line| (line.sku.clone(), line.quantity))
        .collect()
}

pub fn lines(lines: &[Line]) -> Vec<pb::Line> {
    lines
        .iter()
        .map(|line| pb::Line {
            sku: line.sku.clone(),
            quantity: line.quantity,
        })
        .collect()
}

pub fn movement(movement: &Movement) -> pb::Movement {
    pb::Movement {
        id: movement.id.clone(),
        sku: movement.sku.clone(),
        warehouse: movement.warehouse.clone(),
        quantity: movement.quantity,
        reason: movement.reason.clone(),
        reference: movement.reference.clone(),
        note: movement.note.clone(),
        actor: movement.actor.clone(),
        time: Some(timestamp(movement.at)),
    }
}

pub fn reservation(reservation: &Reservation) -> pb::Reservation {
    pb::Reservation {
        order_id: reservation.order_id.clone(),
        order_number: reservation.order_number.clone(),
        warehouse: reservation.warehouse.clone(),
        state: match reservation.state {
            ReservationState::Active => pb::ReservationState::Active,
            ReservationState::Released => pb::ReservationState::Released,
            ReservationState::Consumed => pb::ReservationState::Consumed,
        } as i32,
        lines: reservation
            .lines
            .iter()
            .map(|line| pb::ReservedLine {
                sku: line.sku.clone(),
                requested: line.requested,
                reserved: line.reserved,
                short: line.short(),
                bought: line.bought,
            })
            .collect(),
        fully_reserved: reservation.fully_reserved(),
        create_time: Some(timestamp(reservation.created_at)),
    }
}

pub fn pick_list(list: &PickList) -> pb::PickList {
    pb::PickList {
        id: list.id.clone(),
        order_id: list.order_id.clone(),
        order_number: list.order_number.clone(),
        warehouse: list.warehouse.clone(),
        lines: lines(&list.lines),
        notes: list.notes.clone(),
        state: match list.state {
            PickState::Open => pb::PickListState::Open,
            PickState::Inspected => pb::PickListState::Inspected,
            PickState::FailedInspection => pb::PickListState::FailedInspection,
            PickState::Posted => pb::PickListState::Posted,
        } as i32,
        inspected_by: list.inspected_by.clone().unwrap_or_default(),
        inspection_note: list.inspection_note.clone(),
        create_time: Some(timestamp(list.created_at)),
    }
}

pub fn receipt(receipt: &Receipt) -> pb::Receipt {
    pb::Receipt {
        id: receipt.id.clone(),
        warehouse: receipt.warehouse.clone(),
        lines: lines(&receipt.lines),
        reference: receipt.reference.clone(),
        movements: receipt.movements.iter().map(movement).collect(),
    }
}

pub fn sheet(sheet: &WorkContactSheet) -> pb::WorkContactSheet {
    pb::WorkContactSheet {
        id: sheet.id.clone(),
        reference: sheet.reference.clone(),
        subject: sheet.subject.clone(),
        body: sheet.body.clone(),
        lines: lines(&sheet.lines),
        created_by: sheet.created_by.clone(),
        create_time: Some(timestamp(sheet.created_at)),
    }
}
