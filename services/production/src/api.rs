//! The tonic service: proto ⇄ domain conversion and error → status mapping.
//! The use cases are in [`crate::app`].

use orderflow_platform::auth::Caller;
use orderflow_platform::db::idempotency::RequestKey;
use orderflow_platform::grpc::convert::from_timestamp;
use orderflow_platform::grpc::paging::PageRequest;
use orderflow_platform::ids::OrderId;
use orderflow_platform::validation::Violations;
use orderflow_proto::production::v1 as pb;
use pb::production_service_server::ProductionService;
use tonic::{Request, Response, Status};

use crate::app::scheduling::Period;
use crate::app::{Minutes, Overdue, Production};
use crate::domain::Actor;
use crate::domain::bom::Draft;
use crate::domain::order::{ProductionOrder, ProductionOrderId, State};
use crate::domain::plan::ScheduleId;
use crate::wire;

mod closing;
mod parse;
mod roles;
mod tooling;

use parse::{inspection_kind, optional_day, reason_if, texts, work_centre};
pub use roles::ROLES;

#[derive(Debug, Clone)]
pub struct ProductionApi {
    production: Production,
}

impl ProductionApi {
    pub fn new(production: Production) -> Self {
        Self { production }
    }
}

fn answer(order: &ProductionOrder) -> Response<pb::ProductionOrder> {
    Response::new(wire::production_order(order))
}

/// The caller, the request key and the production order of a call that
/// changes one, after checking them and whatever `check` adds.
fn target<M: prost::Message>(
    request: Request<M>,
    operation: &str,
    request_id: impl Fn(&M) -> &str,
    id: impl Fn(&M) -> &str,
    check: impl FnOnce(&M, &mut Violations),
) -> Result<(Actor, Option<RequestKey>, ProductionOrderId, M), Status> {
    let actor = Caller::of(&request)?;
    let message = request.into_inner();
    let mut violations = Violations::new();
    let key = violations.request_key(operation, &actor.subject, request_id(&message), &message);
    let id = violations
        .field::<ProductionOrderId>("id", id(&message))
        .unwrap_or_else(ProductionOrderId::blank);
    check(&message, &mut violations);
    violations.finish(())?;
    Ok((actor, key, id, message))
}

#[tonic::async_trait]
impl ProductionService for ProductionApi {
    async fn get_production_order(
        &self,
        request: Request<pb::GetProductionOrderRequest>,
    ) -> Result<Response<pb::ProductionOrder>, Status> {
        let id: ProductionOrderId =
            orderflow_platform::validation::single_field("id", &request.get_ref().id)?;
        Ok(answer(&self.production.production_order(&id).await?))
    }

    async fn list_production_orders(
        &self,
        request: Request<pb::ListProductionOrdersRequest>,
    ) -> Result<Response<pb::ListProductionOrdersResponse>, Status> {
        let request = request.into_inner();
        let mut violations = Violations::new();
        let order_id = violations.optional_field::<OrderId>("order_id", &request.order_id);
        let state = match pb::ProductionOrderState::try_from(request.state) {
            Ok(state) => wire::state_in(state),
            Err(_) => {
                violations.add("state", "not a production order state");
                None
            }
        };
        violations.finish(())?;
        let page = PageRequest::parse(
            request.page_size,
            &request.page_token,
            &format!("{order_id:?}/{state:?}"),
        )?;
        let mut orders = self
            .production
            .list(
                order_id.as_ref(),
                &state.into_iter().collect::<Vec<_>>(),
                Overdue::Any,
                page.after.as_deref(),
                page.fetch_limit(),
            )
            .await?;
        let next_page_token = page.finish(&mut orders, |order| order.id.to_string());
        Ok(Response::new(pb::ListProductionOrdersResponse {
            production_orders: orders.iter().map(wire::production_order).collect(),
            next_page_token,
        }))
    }

    async fn record_review_meeting(
        &self,
        request: Request<pb::RecordReviewMeetingRequest>,
    ) -> Result<Response<pb::ProductionOrder>, Status> {
        let mut attendees = Vec::new();
        let mut conclusions = String::new();
        let mut inspections = Vec::new();
        let (actor, key, id, message) = target(
            request,
            "RecordReviewMeeting",
            |m| &m.request_id,
            |m| &m.id,
            |m, violations| {
                if m.attendees.is_empty() {
                    violations.add("attendees", "who took part in the review meeting");
                }
                attendees = texts("attendees", &m.attendees, violations);
                conclusions = violations.required("conclusions", &m.conclusions, 4000);
                for (index, kind) in m.inspections.iter().enumerate() {
                    match inspection_kind(*kind) {
                        Some(kind) => inspections.push(kind),
                        None => violations.add(
                            format!("inspections[{index}]"),
                            "OWN_QC, CUSTOMER or THIRD_PARTY",
                        ),
                    }
                }
            },
        )?;
        let held_at = message.held_time.as_ref().and_then(from_timestamp);
        let order = self
            .production
            .record_review_meeting(
                &actor,
                key.as_ref(),
                &id,
                Minutes {
                    held_at,
                    attendees,
                    conclusions,
                    inspections,
                },
            )
            .await?;
        Ok(answer(&order))
    }

    async fn submit_engineering(
        &self,
        request: Request<pb::SubmitEngineeringRequest>,
    ) -> Result<Response<pb::ProductionOrder>, Status> {
        let mut drawings = Vec::new();
        let mut process_sheet = String::new();
        let (actor, key, id, message) = target(
            request,
            "SubmitEngineering",
            |m| &m.request_id,
            |m| &m.id,
            |m, violations| {
                if m.drawings.is_empty() {
                    violations.add("drawings", "at least one drawing reference");
                }
                drawings = texts("drawings", &m.drawings, violations);
                process_sheet = violations.required("process_sheet", &m.process_sheet, 200);
                if m.bom_version < 1 {
                    violations.add("bom_version", "the BOM version to build with (1 or more)");
                }
            },
        )?;
        let order = self
            .production
            .submit_engineering(
                &actor,
                key.as_ref(),
                &id,
                drawings,
                process_sheet,
                message.bom_version,
            )
            .await?;
        Ok(answer(&order))
    }

    async fn review_engineering(
        &self,
        request: Request<pb::ReviewEngineeringRequest>,
    ) -> Result<Response<pb::ProductionOrder>, Status> {
        let mut comment = String::new();
        let (actor, key, id, message) = target(
            request,
            "ReviewEngineering",
            |m| &m.request_id,
            |m| &m.id,
            |m, violations| {
                comment = reason_if(!m.approve, "comment", &m.comment, violations);
            },
        )?;
        let order = self
            .production
            .review_engineering(&actor, key.as_ref(), &id, message.approve, comment)
            .await?;
        Ok(answer(&order))
    }

    async fn define_bom(
        &self,
        request: Request<pb::DefineBomRequest>,
    ) -> Result<Response<pb::Bom>, Status> {
        let actor = Caller::of(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key =
            violations.request_key("DefineBom", &actor.subject, &request.request_id, &request);
        violations.finish(())?;
        let draft = Draft::parse(
            &request.sku,
            request.components.iter().map(wire::component_in).collect(),
            request.operations.iter().map(wire::operation_in).collect(),
        )?;
        let bom = self
            .production
            .define_bom(&actor, key.as_ref(), draft)
            .await?;
        Ok(Response::new(wire::bom(&bom)))
    }

    async fn get_bom(
        &self,
        request: Request<pb::GetBomRequest>,
    ) -> Result<Response<pb::Bom>, Status> {
        let request = request.into_inner();
        let mut violations = Violations::new();
        let sku = violations.required("sku", &request.sku, 64);
        if request.version < 0 {
            violations.add("version", "0 (the latest) or a version number");
        }
        violations.finish(())?;
        let bom = self.production.bom(&sku, request.version).await?;
        Ok(Response::new(wire::bom(&bom)))
    }

    async fn plan_materials(
        &self,
        request: Request<pb::PlanMaterialsRequest>,
    ) -> Result<Response<pb::ProductionOrder>, Status> {
        let (actor, key, id, _) = target(
            request,
            "PlanMaterials",
            |m| &m.request_id,
            |m| &m.id,
            |_, _| {},
        )?;
        Ok(answer(
            &self
                .production
                .plan_materials(&actor, key.as_ref(), &id)
                .await?,
        ))
    }

    async fn define_work_centre(
        &self,
        request: Request<pb::DefineWorkCentreRequest>,
    ) -> Result<Response<pb::WorkCentre>, Status> {
        let actor = Caller::of(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "DefineWorkCentre",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let centre = work_centre(&request.work_centre.unwrap_or_default(), &mut violations);
        violations.finish(())?;
        let centre = self
            .production
            .define_work_centre(key.as_ref(), centre)
            .await?;
        Ok(Response::new(wire::work_centre(&centre)))
    }

    async fn list_work_centres(
        &self,
        _request: Request<pb::ListWorkCentresRequest>,
    ) -> Result<Response<pb::ListWorkCentresResponse>, Status> {
        let centres = self.production.work_centres().await?;
        Ok(Response::new(pb::ListWorkCentresResponse {
            work_centres: centres.iter().map(wire::work_centre).collect(),
        }))
    }

    async fn propose_schedule(
        &self,
        request: Request<pb::ProposeScheduleRequest>,
    ) -> Result<Response<pb::Schedule>, Status> {
        let actor = Caller::of(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "ProposeSchedule",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let from = optional_day("from_date", &request.from_date, &mut violations);
        let horizon = match request.horizon_days {
            0 => None,
            days @ 1..=366 => Some(i64::from(days)),
            _ => {
                violations.add("horizon_days", "0 (90 days) or 1 to 366");
                None
            }
        };
        violations.finish(())?;
        let schedule = self
            .production
            .propose_schedule(&actor, key.as_ref(), from, horizon)
            .await?;
        let orders = self.production.scheduled_orders(&schedule).await?;
        Ok(Response::new(wire::schedule(&schedule, &orders)))
    }

    async fn approve_schedule(
        &self,
        request: Request<pb::ApproveScheduleRequest>,
    ) -> Result<Response<pb::Schedule>, Status> {
        let actor = Caller::of(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "ApproveSchedule",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let id = violations
            .field::<ScheduleId>("id", &request.id)
            .unwrap_or_else(ScheduleId::blank);
        violations.finish(())?;
        let schedule = self
            .production
            .approve_schedule(&actor, key.as_ref(), &id)
            .await?;
        let orders = self.production.scheduled_orders(&schedule).await?;
        Ok(Response::new(wire::schedule(&schedule, &orders)))
    }

    async fn get_schedule(
        &self,
        request: Request<pb::GetScheduleRequest>,
    ) -> Result<Response<pb::Schedule>, Status> {
        let id: ScheduleId =
            orderflow_platform::validation::single_field("id", &request.get_ref().id)?;
        let schedule = self.production.schedule(&id).await?;
        let orders = self.production.scheduled_orders(&schedule).await?;
        Ok(Response::new(wire::schedule(&schedule, &orders)))
    }

    async fn get_plan(
        &self,
        request: Request<pb::GetPlanRequest>,
    ) -> Result<Response<pb::Plan>, Status> {
        let request = request.into_inner();
        let mut violations = Violations::new();
        let period = match pb::PlanPeriod::try_from(request.period) {
            Ok(pb::PlanPeriod::Weekly) => Some(Period::Weekly),
            Ok(pb::PlanPeriod::Daily) => {
                let day = optional_day("day", &request.day, &mut violations)
                    .unwrap_or_else(|| self.production.today());
                Some(Period::Daily(day))
            }
            _ => {
                violations.add("period", "WEEKLY or DAILY");
                None
            }
        };
        violations.finish(())?;
        let period = period.unwrap_or(Period::Weekly);
        let lines = self.production.plan(period).await?;
        Ok(Response::new(pb::Plan {
            period: request.period,
            lines: lines.iter().map(wire::plan_line).collect(),
        }))
    }

    async fn issue_materials(
        &self,
        request: Request<pb::IssueMaterialsRequest>,
    ) -> Result<Response<pb::ProductionOrder>, Status> {
        let (actor, key, id, _) = target(
            request,
            "IssueMaterials",
            |m| &m.request_id,
            |m| &m.id,
            |_, _| {},
        )?;
        Ok(answer(
            &self
                .production
                .issue_materials(&actor, key.as_ref(), &id)
                .await?,
        ))
    }

    async fn record_first_article(
        &self,
        request: Request<pb::RecordFirstArticleRequest>,
    ) -> Result<Response<pb::ProductionOrder>, Status> {
        let mut made_by = String::new();
        let (actor, key, id, _) = target(
            request,
            "RecordFirstArticle",
            |m| &m.request_id,
            |m| &m.id,
            |m, violations| made_by = violations.required("made_by", &m.made_by, 100),
        )?;
        Ok(answer(
            &self
                .production
                .record_first_article(&actor, key.as_ref(), &id, made_by)
                .await?,
        ))
    }

    async fn inspect_first_article(
        &self,
        request: Request<pb::InspectFirstArticleRequest>,
    ) -> Result<Response<pb::ProductionOrder>, Status> {
        let mut note = String::new();
        let (actor, key, id, message) = target(
            request,
            "InspectFirstArticle",
            |m| &m.request_id,
            |m| &m.id,
            |m, violations| {
                note = reason_if(!m.passed, "note", &m.note, violations);
            },
        )?;
        Ok(answer(
            &self
                .production
                .inspect_first_article(&actor, key.as_ref(), &id, message.passed, note)
                .await?,
        ))
    }

    async fn start_run(
        &self,
        request: Request<pb::StartRunRequest>,
    ) -> Result<Response<pb::ProductionOrder>, Status> {
        let (actor, key, id, _) =
            target(request, "StartRun", |m| &m.request_id, |m| &m.id, |_, _| {})?;
        Ok(answer(
            &self.production.start_run(&actor, key.as_ref(), &id).await?,
        ))
    }

    async fn report_output(
        &self,
        request: Request<pb::ReportOutputRequest>,
    ) -> Result<Response<pb::ProductionOrder>, Status> {
        let mut day = None;
        let (actor, key, id, message) = target(
            request,
            "ReportOutput",
            |m| &m.request_id,
            |m| &m.id,
            |m, violations| {
                day = optional_day("day", &m.day, violations);
                for (field, value) in [("good", m.good), ("scrap", m.scrap)] {
                    if !(0..=orderflow_platform::ids::Quantity::MAX).contains(&value) {
                        violations.add(field, "must be 0 or more pieces");
                    }
                }
                if m.good == 0 && m.scrap == 0 {
                    violations.add("good", "a report has good or scrap pieces");
                }
            },
        )?;
        Ok(answer(
            &self
                .production
                .report_output(&actor, key.as_ref(), &id, day, message.good, message.scrap)
                .await?,
        ))
    }

    async fn record_in_process_inspection(
        &self,
        request: Request<pb::RecordInProcessInspectionRequest>,
    ) -> Result<Response<pb::ProductionOrder>, Status> {
        let mut note = String::new();
        let (actor, key, id, message) = target(
            request,
            "RecordInProcessInspection",
            |m| &m.request_id,
            |m| &m.id,
            |m, violations| {
                violations.quantity("quantity", m.quantity);
                note = reason_if(!m.passed, "note", &m.note, violations);
            },
        )?;
        Ok(answer(
            &self
                .production
                .record_in_process_inspection(
                    &actor,
                    key.as_ref(),
                    &id,
                    message.passed,
                    message.quantity,
                    note,
                )
                .await?,
        ))
    }

    async fn submit_lot(
        &self,
        request: Request<pb::SubmitLotRequest>,
    ) -> Result<Response<pb::ProductionOrder>, Status> {
        let (_, key, id, message) = target(
            request,
            "SubmitLot",
            |m| &m.request_id,
            |m| &m.id,
            |m, violations| {
                violations.quantity("quantity", m.quantity);
            },
        )?;
        Ok(answer(
            &self
                .production
                .submit_lot(key.as_ref(), &id, message.quantity)
                .await?,
        ))
    }

    async fn inspect_lot(
        &self,
        request: Request<pb::InspectLotRequest>,
    ) -> Result<Response<pb::ProductionOrder>, Status> {
        let mut note = String::new();
        let mut lot_id = String::new();
        let (actor, key, id, message) = target(
            request,
            "InspectLot",
            |m| &m.request_id,
            |m| &m.id,
            |m, violations| {
                lot_id = violations.required_id("lot_id", &m.lot_id);
                note = reason_if(!m.passed, "note", &m.note, violations);
            },
        )?;
        Ok(answer(
            &self
                .production
                .inspect_lot(&actor, key.as_ref(), &id, lot_id, message.passed, note)
                .await?,
        ))
    }

    async fn complete_rework(
        &self,
        request: Request<pb::CompleteReworkRequest>,
    ) -> Result<Response<pb::ProductionOrder>, Status> {
        let mut lot_id = String::new();
        let (_, key, id, _) = target(
            request,
            "CompleteRework",
            |m| &m.request_id,
            |m| &m.id,
            |m, violations| lot_id = violations.required_id("lot_id", &m.lot_id),
        )?;
        Ok(answer(
            &self
                .production
                .complete_rework(key.as_ref(), &id, lot_id)
                .await?,
        ))
    }

    async fn list_schedule_overdue(
        &self,
        request: Request<pb::ListScheduleOverdueRequest>,
    ) -> Result<Response<pb::ListProductionOrdersResponse>, Status> {
        let request = request.into_inner();
        let page = PageRequest::parse(request.page_size, &request.page_token, "overdue")?;
        let mut orders = self
            .production
            .list(
                None,
                &[State::Engineering, State::Ready],
                Overdue::Schedule,
                page.after.as_deref(),
                page.fetch_limit(),
            )
            .await?;
        let next_page_token = page.finish(&mut orders, |order| order.id.to_string());
        Ok(Response::new(pb::ListProductionOrdersResponse {
            production_orders: orders.iter().map(wire::production_order).collect(),
            next_page_token,
        }))
    }

    async fn book_inspection(
        &self,
        request: Request<pb::BookInspectionRequest>,
    ) -> Result<Response<pb::ProductionOrder>, Status> {
        let mut kind = None;
        let mut date = None;
        let mut inspector = String::new();
        let (actor, key, id, _) = target(
            request,
            "BookInspection",
            |m| &m.request_id,
            |m| &m.id,
            |m, violations| {
                kind = inspection_kind(m.kind);
                if kind.is_none() {
                    violations.add("kind", "OWN_QC, CUSTOMER or THIRD_PARTY");
                }
                date = violations.date("inspection_date", &m.inspection_date);
                inspector = violations.required("inspector", &m.inspector, 200);
            },
        )?;
        let (Some(kind), Some(date)) = (kind, date) else {
            return Err(Status::internal("validated fields missing"));
        };
        Ok(answer(
            &self
                .production
                .book_inspection(&actor, key.as_ref(), &id, kind, date, inspector)
                .await?,
        ))
    }

    async fn list_inspections_overdue(
        &self,
        request: Request<pb::ListInspectionsOverdueRequest>,
    ) -> Result<Response<pb::ListProductionOrdersResponse>, Status> {
        let request = request.into_inner();
        let page = PageRequest::parse(request.page_size, &request.page_token, "inspections")?;
        let mut orders = self
            .production
            .list(
                None,
                &[],
                Overdue::Inspection,
                page.after.as_deref(),
                page.fetch_limit(),
            )
            .await?;
        let next_page_token = page.finish(&mut orders, |order| order.id.to_string());
        Ok(Response::new(pb::ListProductionOrdersResponse {
            production_orders: orders.iter().map(wire::production_order).collect(),
            next_page_token,
        }))
    }

    async fn request_tooling(
        &self,
        request: Request<pb::RequestToolingRequest>,
    ) -> Result<Response<pb::ProductionOrder>, Status> {
        tooling::request_tooling(&self.production, request).await
    }

    async fn review_tooling(
        &self,
        request: Request<pb::ReviewToolingRequest>,
    ) -> Result<Response<pb::ProductionOrder>, Status> {
        tooling::review_tooling(&self.production, request).await
    }

    async fn report_tooling_made(
        &self,
        request: Request<pb::ReportToolingMadeRequest>,
    ) -> Result<Response<pb::ProductionOrder>, Status> {
        tooling::report_tooling_made(&self.production, request).await
    }

    async fn accept_tooling(
        &self,
        request: Request<pb::AcceptToolingRequest>,
    ) -> Result<Response<pb::ProductionOrder>, Status> {
        tooling::accept_tooling(&self.production, request).await
    }

    async fn inspect_outsourced_return(
        &self,
        request: Request<pb::InspectOutsourcedReturnRequest>,
    ) -> Result<Response<pb::ProductionOrder>, Status> {
        tooling::inspect_outsourced_return(&self.production, request).await
    }

    async fn get_production_summary(
        &self,
        request: Request<pb::GetProductionSummaryRequest>,
    ) -> Result<Response<pb::ProductionSummary>, Status> {
        closing::get_production_summary(&self.production, request).await
    }

    async fn summarize_period(
        &self,
        request: Request<pb::SummarizePeriodRequest>,
    ) -> Result<Response<pb::PeriodSummary>, Status> {
        closing::summarize_period(&self.production, request).await
    }

    async fn close_production_order(
        &self,
        request: Request<pb::CloseProductionOrderRequest>,
    ) -> Result<Response<pb::ProductionOrder>, Status> {
        closing::close_production_order(&self.production, request).await
    }

    async fn review_document_change(
        &self,
        request: Request<pb::ReviewDocumentChangeRequest>,
    ) -> Result<Response<pb::ProductionOrder>, Status> {
        closing::review_document_change(&self.production, request).await
    }
}
