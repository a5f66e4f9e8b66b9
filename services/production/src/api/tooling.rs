//! Tooling and mould requests (PRD-7) and outsourced work coming back
//! (PRD-8): proto ⇄ domain.

use orderflow_proto::production::v1 as pb;
use tonic::{Request, Response, Status};

use super::parse::reason_if;
use super::{answer, target};
use crate::app::Production;

pub async fn request_tooling(
    production: &Production,
    request: Request<pb::RequestToolingRequest>,
) -> Result<Response<pb::ProductionOrder>, Status> {
    let mut description = String::new();
    let (actor, key, id, _) = target(
        request,
        "RequestTooling",
        |m| &m.request_id,
        |m| &m.id,
        |m, violations| description = violations.required("description", &m.description, 2000),
    )?;
    Ok(answer(
        &production
            .request_tooling(&actor, key.as_ref(), &id, description)
            .await?,
    ))
}

pub async fn review_tooling(
    production: &Production,
    request: Request<pb::ReviewToolingRequest>,
) -> Result<Response<pb::ProductionOrder>, Status> {
    let (mut tooling, mut comment) = (String::new(), String::new());
    let (actor, key, id, message) = target(
        request,
        "ReviewTooling",
        |m| &m.request_id,
        |m| &m.id,
        |m, violations| {
            tooling = violations.required_id("tooling_id", &m.tooling_id);
            comment = reason_if(!m.approve, "comment", &m.comment, violations);
        },
    )?;
    Ok(answer(
        &production
            .review_tooling(&actor, key.as_ref(), &id, tooling, message.approve, comment)
            .await?,
    ))
}

pub async fn report_tooling_made(
    production: &Production,
    request: Request<pb::ReportToolingMadeRequest>,
) -> Result<Response<pb::ProductionOrder>, Status> {
    let mut tooling = String::new();
    let (actor, key, id, _) = target(
        request,
        "ReportToolingMade",
        |m| &m.request_id,
        |m| &m.id,
        |m, violations| tooling = violations.required_id("tooling_id", &m.tooling_id),
    )?;
    Ok(answer(
        &production
            .tooling_made(&actor, key.as_ref(), &id, tooling)
            .await?,
    ))
}

pub async fn accept_tooling(
    production: &Production,
    request: Request<pb::AcceptToolingRequest>,
) -> Result<Response<pb::ProductionOrder>, Status> {
    let mut tooling = String::new();
    let (actor, key, id, _) = target(
        request,
        "AcceptTooling",
        |m| &m.request_id,
        |m| &m.id,
        |m, violations| tooling = violations.required_id("tooling_id", &m.tooling_id),
    )?;
    Ok(answer(
        &production
            .accept_tooling(&actor, key.as_ref(), &id, tooling)
            .await?,
    ))
}

pub async fn inspect_outsourced_return(
    production: &Production,
    request: Request<pb::InspectOutsourcedReturnRequest>,
) -> Result<Response<pb::ProductionOrder>, Status> {
    let mut note = String::new();
    let (actor, key, id, message) = target(
        request,
        "InspectOutsourcedReturn",
        |m| &m.request_id,
        |m| &m.id,
        |m, violations| {
            if m.seq < 1 {
                violations.add("seq", "the outsourced operation's sequence number");
            }
            note = reason_if(!m.passed, "note", &m.note, violations);
        },
    )?;
    Ok(answer(
        &production
            .inspect_outsourced_return(&actor, key.as_ref(), &id, message.seq, message.passed, note)
            .await?,
    ))
}
