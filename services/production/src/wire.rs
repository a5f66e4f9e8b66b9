//! Domain ⇄ protobuf conversions shared by the API and the events.

use chrono::NaiveDate;
use orderflow_platform::grpc::convert::timestamp;
use orderflow_proto::production::v1 as pb;

use crate::domain::bom::{Bom, Component};
use crate::domain::order::{LotState, PreShipmentKind, ProductionOrder, State};
use crate::domain::plan::{MasterSchedule, ScheduleState};
use crate::domain::schedule::{Allocation, CapacityUnit, Operation, PlanLine, WorkCentre};
use crate::domain::summary::{Output, Summary, yield_bps};

fn day(day: Option<NaiveDate>) -> String {
    day.map(|day| day.to_string()).unwrap_or_default()
}

pub fn state(state: State) -> pb::ProductionOrderState {
    match state {
        State::Engineering => pb::ProductionOrderState::Engineering,
        State::Ready => pb::ProductionOrderState::Ready,
        State::Scheduled => pb::ProductionOrderState::Scheduled,
        State::InProgress => pb::ProductionOrderState::InProgress,
        State::Completed => pb::ProductionOrderState::Completed,
        State::Cancelled => pb::ProductionOrderState::Cancelled,
        State::Closed => pb::ProductionOrderState::Closed,
    }
}

pub fn state_in(state: pb::ProductionOrderState) -> Option<State> {
    match state {
        pb::ProductionOrderState::Unspecified => None,
        pb::ProductionOrderState::Engineering => Some(State::Engineering),
        pb::ProductionOrderState::Ready => Some(State::Ready),
        pb::ProductionOrderState::Scheduled => Some(State::Scheduled),
        pb::ProductionOrderState::InProgress => Some(State::InProgress),
        pb::ProductionOrderState::Completed => Some(State::Completed),
        pb::ProductionOrderState::Cancelled => Some(State::Cancelled),
        pb::ProductionOrderState::Closed => Some(State::Closed),
    }
}

pub fn lot(lot: &crate::domain::order::Lot) -> pb::Lot {
    pb::Lot {
        id: lot.id.to_string(),
        quantity: lot.quantity,
        state: match lot.state {
            LotState::AwaitingQa => pb::LotState::AwaitingQa,
            LotState::Passed => pb::LotState::Passed,
            LotState::Rework => pb::LotState::Rework,
        } as i32,
        rework_reason: lot.rework_reason.clone(),
        rework_count: lot.rework_count,
        submit_time: Some(timestamp(lot.submitted_at)),
    }
}

pub fn production_order(order: &ProductionOrder) -> pb::ProductionOrder {
    pb::ProductionOrder {
        id: order.id.to_string(),
        order_id: order.demand.order_id.to_string(),
        order_number: order.demand.order_number.clone(),
        order_kind: order.demand.order_kind.clone(),
        sku: order.demand.sku.clone(),
        quantity: order.demand.quantity,
        due_date: day(order.demand.due_date),
        warehouse: order.demand.warehouse.clone(),
        state: state(order.state) as i32,
        review_meeting: order
            .review_meeting
            .as_ref()
            .map(|meeting| pb::ReviewMeeting {
                held_time: Some(timestamp(meeting.held_at)),
                attendees: meeting.attendees.clone(),
                conclusions: meeting.conclusions.clone(),
                recorded_by: meeting.recorded_by.clone(),
            }),
        engineering: order
            .engineering
            .as_ref()
            .map(|engineering| pb::Engineering {
                drawings: engineering.drawings.clone(),
                process_sheet: engineering.process_sheet.clone(),
                bom_version: engineering.bom_version,
                prepared_by: engineering.prepared_by.clone(),
                submit_time: Some(timestamp(engineering.submitted_at)),
                status: engineering.status.as_str().to_owned(),
                reviewed_by: engineering.reviewed_by.clone(),
                review_comment: engineering.review_comment.clone(),
                review_time: engineering.reviewed_at.map(timestamp),
            }),
        materials: order
            .materials
            .iter()
            .map(|line| pb::MaterialLine {
                sku: line.sku.clone(),
                required: line.required,
                available: line.available,
                short: line.short,
                issued: line.issued,
            })
            .collect(),
        schedule_id: order.schedule_id.clone(),
        planned_start: day(order.planned_start),
        planned_completion: day(order.planned_completion),
        late_reason: order.late_reason.clone(),
        first_article: order
            .first_article
            .as_ref()
            .map(|article| pb::FirstArticle {
                made_by: article.made_by.clone(),
                confirmed_by: article.confirmed_by.clone(),
                made_time: Some(timestamp(article.made_at)),
                status: article.status.as_str().to_owned(),
            }),
        outputs: order
            .outputs
            .iter()
            .map(|output| pb::OutputReport {
                day: output.day.to_string(),
                good: output.good,
                scrap: output.scrap,
                reported_by: output.reported_by.clone(),
                time: Some(timestamp(output.at)),
            })
            .collect(),
        inspections: order
            .inspections
            .iter()
            .map(|inspection| pb::Inspection {
                kind: inspection.kind.as_str().to_owned(),
                passed: inspection.passed,
                inspector: inspection.inspector.clone(),
                note: inspection.note.clone(),
                time: Some(timestamp(inspection.at)),
                quantity: inspection.quantity,
                lot_id: inspection.lot_id.clone(),
            })
            .collect(),
        lots: order.lots.iter().map(lot).collect(),
        good: order.good(),
        scrap: order.scrap(),
        passed: order.passed(),
        schedule_due_time: Some(timestamp(order.schedule_due_at)),
        schedule_overdue: order.schedule_overdue,
        create_time: Some(timestamp(order.created_at)),
        update_time: Some(timestamp(order.updated_at)),
        cancel_reason: order.cancel_reason.clone(),
        pre_shipment_inspections: order
            .pre_shipment
            .iter()
            .map(|planned| pb::PreShipmentInspection {
                kind: match planned.kind {
                    PreShipmentKind::OwnQc => pb::PreShipmentInspectionKind::OwnQc,
                    PreShipmentKind::Customer => pb::PreShipmentInspectionKind::Customer,
                    PreShipmentKind::ThirdParty => pb::PreShipmentInspectionKind::ThirdParty,
                } as i32,
                book_by: day(planned.book_by),
                inspection_date: day(planned.inspection_date),
                inspector: planned.inspector.clone(),
                booked_by: planned.booked_by.clone(),
                overdue: planned.overdue,
            })
            .collect(),
        tooling: order
            .tooling
            .iter()
            .map(|tooling| pb::Tooling {
                id: tooling.id.to_string(),
                description: tooling.description.clone(),
                state: tooling.state.as_str().to_owned(),
                requested_by: tooling.requested_by.clone(),
                reviewed_by: tooling.reviewed_by.clone(),
                review_comment: tooling.review_comment.clone(),
                made_by: tooling.made_by.clone(),
                accepted_by: tooling.accepted_by.clone(),
                update_time: Some(timestamp(tooling.updated_at)),
            })
            .collect(),
        outsourced: order
            .outsourced
            .iter()
            .map(|out| pb::OutsourcedOperation {
                seq: out.seq,
                name: out.name.clone(),
                quantity: out.quantity,
                send_date: out.send_date.to_string(),
                return_date: out.return_date.to_string(),
                state: out.state().to_owned(),
                inspector: out.inspector.clone(),
                note: out.note.clone(),
            })
            .collect(),
        closing: order.closing.as_ref().map(|closing| pb::Closing {
            process_summary: closing.process_summary.clone(),
            quality_summary: closing.quality_summary.clone(),
            document_changes: closing
                .document_changes
                .iter()
                .map(|change| pb::DocumentChange {
                    document: change.document.clone(),
                    change: change.change.clone(),
                    status: change.status.clone(),
                    reviewed_by: change.reviewed_by.clone(),
                    comment: change.comment.clone(),
                })
                .collect(),
            closed_by: closing.closed_by.clone(),
            close_time: Some(timestamp(closing.closed_at)),
        }),
    }
}

/// PRD-9: one production order's summary.
pub fn summary(order: &ProductionOrder, summary: &Summary) -> pb::ProductionSummary {
    pb::ProductionSummary {
        production_order_id: order.id.to_string(),
        order_number: order.demand.order_number.clone(),
        sku: order.demand.sku.clone(),
        planned: summary.planned,
        good: summary.good,
        scrap: summary.scrap,
        passed: summary.passed,
        yield_bps: yield_bps(summary.good, summary.scrap),
        days: summary
            .days
            .iter()
            .map(|output| pb::DayOutput {
                day: day(output.day),
                planned: output.planned,
                good: output.good,
                scrap: output.scrap,
            })
            .collect(),
        materials: summary
            .materials
            .iter()
            .map(|material| pb::MaterialUse {
                sku: material.sku.clone(),
                bom_quantity: material.bom_quantity,
                issued: material.issued,
                variance: material.variance(),
            })
            .collect(),
    }
}

/// PRD-9: a period's summary.
pub fn period(
    from: NaiveDate,
    to: NaiveDate,
    total: &Output,
    per_sku: &std::collections::BTreeMap<String, Output>,
) -> pb::PeriodSummary {
    pb::PeriodSummary {
        from_date: from.to_string(),
        to_date: to.to_string(),
        planned: total.planned,
        good: total.good,
        scrap: total.scrap,
        yield_bps: yield_bps(total.good, total.scrap),
        skus: per_sku
            .iter()
            .map(|(sku, output)| pb::SkuOutput {
                sku: sku.clone(),
                planned: output.planned,
                good: output.good,
                scrap: output.scrap,
                yield_bps: yield_bps(output.good, output.scrap),
            })
            .collect(),
    }
}

pub fn operation(operation: &Operation) -> pb::Operation {
    pb::Operation {
        seq: operation.seq,
        name: operation.name.clone(),
        work_centre: operation.work_centre.clone(),
        outsourced: operation.outsourced,
        load_per_piece: operation.load_per_piece,
        lead_days: operation.lead_days,
    }
}

pub fn operation_in(operation: &pb::Operation) -> Operation {
    Operation {
        seq: operation.seq,
        name: operation.name.trim().to_owned(),
        work_centre: operation.work_centre.trim().to_uppercase(),
        outsourced: operation.outsourced,
        load_per_piece: operation.load_per_piece,
        lead_days: operation.lead_days,
    }
}

pub fn component_in(component: &pb::BomComponent) -> Component {
    Component {
        sku: component.sku.trim().to_owned(),
        quantity: component.quantity,
        scrap_bps: component.scrap_bps,
    }
}

pub fn bom(bom: &Bom) -> pb::Bom {
    pb::Bom {
        sku: bom.sku.clone(),
        version: bom.version,
        components: bom
            .components
            .iter()
            .map(|component| pb::BomComponent {
                sku: component.sku.clone(),
                quantity: component.quantity,
                scrap_bps: component.scrap_bps,
            })
            .collect(),
        operations: bom.operations.iter().map(operation).collect(),
        defined_by: bom.defined_by.clone(),
        create_time: Some(timestamp(bom.created_at)),
    }
}

pub fn work_centre(centre: &WorkCentre) -> pb::WorkCentre {
    pb::WorkCentre {
        code: centre.code.clone(),
        name: centre.name.clone(),
        unit: match centre.unit {
            CapacityUnit::Units => pb::CapacityUnit::Units,
            CapacityUnit::Minutes => pb::CapacityUnit::Minutes,
        } as i32,
        daily_capacity: centre.daily_capacity,
        days_off: centre
            .days_off
            .iter()
            .map(|day| day.number_from_monday() as i32)
            .collect(),
        holidays: centre.holidays.iter().map(NaiveDate::to_string).collect(),
    }
}

fn allocation(allocation: &Allocation) -> pb::Allocation {
    pb::Allocation {
        production_order_id: allocation.job_id.clone(),
        seq: allocation.seq,
        work_centre: allocation.work_centre.clone(),
        day: allocation.day.to_string(),
        pieces: allocation.pieces,
        load: allocation.load,
    }
}

/// `orders` gives each plan's production order for the order number, SKU
/// and quantity.
pub fn schedule(
    schedule: &MasterSchedule,
    orders: &std::collections::HashMap<String, ProductionOrder>,
) -> pb::Schedule {
    pb::Schedule {
        id: schedule.id.to_string(),
        state: match schedule.state {
            ScheduleState::Draft => pb::ScheduleState::Draft,
            ScheduleState::Approved => pb::ScheduleState::Approved,
            ScheduleState::Superseded => pb::ScheduleState::Superseded,
        } as i32,
        from_date: schedule.from.to_string(),
        horizon_days: i32::try_from(schedule.horizon_days).unwrap_or(i32::MAX),
        orders: schedule
            .plans
            .iter()
            .map(|plan| {
                let order = orders.get(&plan.job_id);
                pb::ScheduledOrder {
                    production_order_id: plan.job_id.clone(),
                    order_number: order
                        .map(|order| order.demand.order_number.clone())
                        .unwrap_or_default(),
                    sku: order
                        .map(|order| order.demand.sku.clone())
                        .unwrap_or_default(),
                    quantity: order.map(|order| order.demand.quantity).unwrap_or_default(),
                    due_date: plan.due.to_string(),
                    planned_start: plan.planned_start.to_string(),
                    planned_completion: plan.planned_completion.to_string(),
                    late_days: plan.late_days,
                    late_reason: plan.late_reason.clone(),
                }
            })
            .collect(),
        unscheduled: schedule
            .unscheduled
            .iter()
            .map(|unscheduled| pb::Unscheduled {
                production_order_id: unscheduled.job_id.clone(),
                reason: unscheduled.reason.clone(),
            })
            .collect(),
        allocations: schedule
            .plans
            .iter()
            .flat_map(|plan| plan.allocations.iter().map(allocation))
            .collect(),
        proposed_by: schedule.proposed_by.clone(),
        approved_by: schedule.approved_by.clone(),
        create_time: Some(timestamp(schedule.created_at)),
        approve_time: schedule.approved_at.map(timestamp),
    }
}

pub fn plan_line(line: &PlanLine) -> pb::PlanLine {
    pb::PlanLine {
        period_start: line.period_start.to_string(),
        work_centre: line.work_centre.clone(),
        production_order_id: line.job_id.clone(),
        pieces: line.pieces,
        load: line.load,
    }
}
