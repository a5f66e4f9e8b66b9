//! Closing a production order (PRD-12) with its document changes, and the
//! summaries (PRD-9): proto ⇄ domain.

use orderflow_platform::validation::Violations;
use orderflow_proto::production::v1 as pb;
use tonic::{Request, Response, Status};

use super::parse::reason_if;
use super::{answer, target};
use crate::app::Production;
use crate::domain::order::ProductionOrderId;
use crate::wire;

pub async fn get_production_summary(
    production: &Production,
    request: Request<pb::GetProductionSummaryRequest>,
) -> Result<Response<pb::ProductionSummary>, Status> {
    let id: ProductionOrderId =
        orderflow_platform::validation::single_field("id", &request.get_ref().id)?;
    let (order, summary) = production.summary(&id).await?;
    Ok(Response::new(wire::summary(&order, &summary)))
}

pub async fn summarize_period(
    production: &Production,
    request: Request<pb::SummarizePeriodRequest>,
) -> Result<Response<pb::PeriodSummary>, Status> {
    let request = request.into_inner();
    let mut violations = Violations::new();
    let from = violations.date("from_date", &request.from_date);
    let to = violations.date("to_date", &request.to_date);
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            violations.add("to_date", "must not be before from_date");
        } else if (to - from).num_days() > 366 {
            violations.add("to_date", "a period is at most a year");
        }
    }
    violations.finish(())?;
    let (Some(from), Some(to)) = (from, to) else {
        return Err(Status::internal("validated fields missing"));
    };
    let (total, per_sku) = production.period_summary(from, to).await?;
    Ok(Response::new(wire::period(from, to, &total, &per_sku)))
}

pub async fn close_production_order(
    production: &Production,
    request: Request<pb::CloseProductionOrderRequest>,
) -> Result<Response<pb::ProductionOrder>, Status> {
    let (mut process, mut quality, mut changes) = (String::new(), String::new(), Vec::new());
    let (actor, key, id, _) = target(
        request,
        "CloseProductionOrder",
        |m| &m.request_id,
        |m| &m.id,
        |m, violations| {
            process = violations.required("process_summary", &m.process_summary, 8000);
            quality = violations.required("quality_summary", &m.quality_summary, 8000);
            if m.document_changes.len() > 50 {
                violations.add("document_changes", "at most 50 changes");
            }
            for (index, change) in m.document_changes.iter().enumerate() {
                let field = format!("document_changes[{index}]");
                changes.push((
                    violations.required(&format!("{field}.document"), &change.document, 200),
                    violations.required(&format!("{field}.change"), &change.change, 4000),
                ));
            }
        },
    )?;
    Ok(answer(
        &production
            .close(&actor, key.as_ref(), &id, process, quality, changes)
            .await?,
    ))
}

pub async fn review_document_change(
    production: &Production,
    request: Request<pb::ReviewDocumentChangeRequest>,
) -> Result<Response<pb::ProductionOrder>, Status> {
    let mut comment = String::new();
    let mut index = 0;
    let (actor, key, id, message) = target(
        request,
        "ReviewDocumentChange",
        |m| &m.request_id,
        |m| &m.id,
        |m, violations| {
            match usize::try_from(m.index) {
                Ok(position) => index = position,
                Err(_) => violations.add("index", "the change's position, 0 or more"),
            }
            comment = reason_if(!m.approve, "comment", &m.comment, violations);
        },
    )?;
    Ok(answer(
        &production
            .review_document_change(&actor, key.as_ref(), &id, index, message.approve, comment)
            .await?,
    ))
}
