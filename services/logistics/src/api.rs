//! The tonic service: proto ⇄ domain conversion and error → status mapping.
//! The use cases are in [`crate::app`].

use orderflow_platform::auth::{Caller, Role, RoleTable};
use orderflow_platform::ids::OrderId;
use orderflow_platform::validation::Violations;
use orderflow_proto::logistics::v1 as pb;
use pb::logistics_service_server::LogisticsService;
use tonic::{Request, Response, Status};

use crate::app::{Logistics, PickupRequest};
use crate::domain::export::Packing;
use crate::domain::routing::Carrier;
use crate::domain::shipment::Tracking;
use crate::domain::tracking;
use crate::domain::{Actor, LogisticsError};
use crate::wire;

const EVERYONE: &[Role] = &[
    Role::Sales,
    Role::SalesAssistant,
    Role::DeptManager,
    Role::Gm,
    Role::Finance,
    Role::DocsClerk,
    Role::Warehouse,
    Role::Logistics,
    Role::CustomerService,
    Role::Admin,
    Role::Service,
];
const SHIPPING: &[Role] = &[
    Role::Logistics,
    Role::Warehouse,
    Role::SalesAssistant,
    Role::Admin,
];

/// Which roles may call each RPC (checked by the platform's auth layer).
pub const ROLES: RoleTable = &[
    (
        "/orderflow.logistics.v1.LogisticsService/CreateCarrier",
        &[Role::Logistics, Role::Admin],
    ),
    (
        "/orderflow.logistics.v1.LogisticsService/ListCarriers",
        EVERYONE,
    ),
    (
        "/orderflow.logistics.v1.LogisticsService/SetRoutingRules",
        &[Role::Logistics, Role::Admin],
    ),
    (
        "/orderflow.logistics.v1.LogisticsService/GetRoutingRules",
        EVERYONE,
    ),
    (
        "/orderflow.logistics.v1.LogisticsService/ChooseCarrier",
        EVERYONE,
    ),
    (
        "/orderflow.logistics.v1.LogisticsService/GetShipment",
        EVERYONE,
    ),
    (
        "/orderflow.logistics.v1.LogisticsService/PlanShipment",
        SHIPPING,
    ),
    (
        "/orderflow.logistics.v1.LogisticsService/CreateShippingNote",
        SHIPPING,
    ),
    (
        "/orderflow.logistics.v1.LogisticsService/ApproveShippingNote",
        &[Role::Finance],
    ),
    (
        "/orderflow.logistics.v1.LogisticsService/DispatchShipment",
        &[Role::Warehouse, Role::Logistics],
    ),
    (
        "/orderflow.logistics.v1.LogisticsService/RecordTrackingEvent",
        &[Role::Logistics, Role::Service, Role::Admin],
    ),
    (
        "/orderflow.logistics.v1.LogisticsService/IngestTrackingFeed",
        &[Role::Logistics, Role::Service, Role::Admin],
    ),
    (
        "/orderflow.logistics.v1.LogisticsService/ConfirmReceipt",
        &[
            Role::CustomerService,
            Role::Sales,
            Role::SalesAssistant,
            Role::Service,
        ],
    ),
    (
        "/orderflow.logistics.v1.LogisticsService/GenerateExportDocuments",
        &[Role::DocsClerk, Role::Logistics, Role::Sales, Role::Admin],
    ),
    (
        "/orderflow.logistics.v1.LogisticsService/SchedulePickup",
        &[Role::CustomerService, Role::Logistics, Role::Service],
    ),
];

fn caller<T>(request: &Request<T>) -> Result<Actor, Status> {
    Caller::of(request)
}

fn order_id(raw: &str, violations: &mut Violations) -> OrderId {
    violations.order_id("order_id", raw)
}

#[derive(Debug, Clone)]
pub struct LogisticsApi {
    logistics: Logistics,
}

impl LogisticsApi {
    pub fn new(logistics: Logistics) -> Self {
        Self { logistics }
    }

    fn shipment(&self, shipment: &crate::domain::shipment::Shipment) -> Response<pb::Shipment> {
        Response::new(wire::shipment(shipment, self.logistics.now()))
    }
}

#[tonic::async_trait]
impl LogisticsService for LogisticsApi {
    async fn create_carrier(
        &self,
        request: Request<pb::CreateCarrierRequest>,
    ) -> Result<Response<pb::Carrier>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "CreateCarrier",
            &actor.subject,
            &request.request_id,
            &request,
        );
        violations.finish(())?;
        let raw = request.carrier.unwrap_or_default();
        let carrier = Carrier::parse(
            &raw.code,
            &raw.name,
            raw.promised_days,
            &raw.tracking_url_template,
            self.logistics.now(),
        )?;
        let carrier = self.logistics.create_carrier(key.as_ref(), carrier).await?;
        Ok(Response::new(wire::carrier(&carrier)))
    }

    async fn list_carriers(
        &self,
        _request: Request<pb::ListCarriersRequest>,
    ) -> Result<Response<pb::ListCarriersResponse>, Status> {
        let carriers = self.logistics.carriers().await?;
        Ok(Response::new(pb::ListCarriersResponse {
            carriers: carriers.iter().map(wire::carrier).collect(),
        }))
    }

    async fn set_routing_rules(
        &self,
        request: Request<pb::SetRoutingRulesRequest>,
    ) -> Result<Response<pb::RoutingRules>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "SetRoutingRules",
            &actor.subject,
            &request.request_id,
            &request,
        );
        violations.finish(())?;
        let rules = self
            .logistics
            .set_rules(
                &actor,
                key.as_ref(),
                wire::rules_in(&request.rules),
                &request.default_carrier_code,
                request.base_version,
            )
            .await?;
        Ok(Response::new(wire::rules(&rules)))
    }

    async fn get_routing_rules(
        &self,
        _request: Request<pb::GetRoutingRulesRequest>,
    ) -> Result<Response<pb::RoutingRules>, Status> {
        Ok(Response::new(wire::rules(&self.logistics.rules().await?)))
    }

    async fn choose_carrier(
        &self,
        request: Request<pb::ChooseCarrierRequest>,
    ) -> Result<Response<pb::CarrierChoice>, Status> {
        let mut violations = Violations::new();
        let Some(address) = request.into_inner().address else {
            violations.add("address", "is required");
            violations.finish(())?;
            return Err(Status::invalid_argument("address is required"));
        };
        if address.country_code.trim().is_empty() {
            violations.add("address.country_code", "is required");
        }
        if address.region.trim().is_empty() {
            violations.add("address.region", "is required (routing goes by region)");
        }
        violations.finish(())?;
        let choice = self
            .logistics
            .choose(&address.country_code, &address.region)
            .await?;
        Ok(Response::new(pb::CarrierChoice {
            carrier: Some(wire::carrier(&choice.carrier)),
            matched_rule: choice.matched_rule,
            rules_version: choice.rules_version,
        }))
    }

    async fn get_shipment(
        &self,
        request: Request<pb::GetShipmentRequest>,
    ) -> Result<Response<pb::Shipment>, Status> {
        let mut violations = Violations::new();
        let order_id = order_id(&request.get_ref().order_id, &mut violations);
        violations.finish(())?;
        Ok(self.shipment(&self.logistics.shipment(&order_id).await?))
    }

    async fn plan_shipment(
        &self,
        request: Request<pb::PlanShipmentRequest>,
    ) -> Result<Response<pb::Shipment>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "PlanShipment",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let order_id = order_id(&request.order_id, &mut violations);
        let date = violations.date("planned_ship_date", &request.planned_ship_date);
        let carrier = request.carrier_code.trim().to_uppercase();
        let reason = request.override_reason.trim().to_owned();
        if !carrier.is_empty() && reason.is_empty() {
            violations.add("override_reason", "a manual carrier needs a reason (LOG-1)");
        }
        let date = violations.finish(date)?;
        let Some(date) = date else {
            return Err(Status::invalid_argument("planned_ship_date"));
        };
        let carrier_override = (!carrier.is_empty()).then_some((carrier, reason));
        let shipment = self
            .logistics
            .plan(&actor, key.as_ref(), &order_id, date, carrier_override)
            .await?;
        Ok(self.shipment(&shipment))
    }

    async fn create_shipping_note(
        &self,
        request: Request<pb::CreateShippingNoteRequest>,
    ) -> Result<Response<pb::Shipment>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "CreateShippingNote",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let order_id = order_id(&request.order_id, &mut violations);
        violations.finish(())?;
        Ok(self.shipment(
            &self
                .logistics
                .create_note(&actor, key.as_ref(), &order_id)
                .await?,
        ))
    }

    async fn approve_shipping_note(
        &self,
        request: Request<pb::ApproveShippingNoteRequest>,
    ) -> Result<Response<pb::Shipment>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "ApproveShippingNote",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let order_id = order_id(&request.order_id, &mut violations);
        violations.finish(())?;
        Ok(self.shipment(
            &self
                .logistics
                .approve_note(&actor, key.as_ref(), &order_id)
                .await?,
        ))
    }

    async fn dispatch_shipment(
        &self,
        request: Request<pb::DispatchShipmentRequest>,
    ) -> Result<Response<pb::Shipment>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "DispatchShipment",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let order_id = order_id(&request.order_id, &mut violations);
        let tracking = violations.required("tracking_number", &request.tracking_number, 64);
        violations.finish(())?;
        Ok(self.shipment(
            &self
                .logistics
                .dispatch(&actor, key.as_ref(), &order_id, &tracking)
                .await?,
        ))
    }

    async fn record_tracking_event(
        &self,
        request: Request<pb::RecordTrackingEventRequest>,
    ) -> Result<Response<pb::Shipment>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "RecordTrackingEvent",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let tracking_number = violations.required("tracking_number", &request.tracking_number, 64);
        let event = request.event.unwrap_or_default();
        let status = violations.required("event.status", &event.status, 40);
        let location = violations.optional("event.location", &event.location, 200);
        let description = violations.optional("event.description", &event.description, 500);
        let at = event.time.as_ref().and_then(wire::from_timestamp);
        if at.is_none() {
            violations.add("event.time", "is required");
        }
        violations.finish(())?;
        let tracking = Tracking {
            at: at.unwrap_or_default(),
            status: status.to_lowercase(),
            location,
            description,
        };
        let shipment = self
            .logistics
            .track(&actor.subject, key.as_ref(), &tracking_number, tracking)
            .await?;
        Ok(self.shipment(&shipment))
    }

    async fn ingest_tracking_feed(
        &self,
        request: Request<pb::IngestTrackingFeedRequest>,
    ) -> Result<Response<pb::IngestTrackingFeedResponse>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let Some(adapter) = tracking::adapter(&request.format) else {
            return Err(LogisticsError::invalid(
                "format",
                "no carrier adapter reads it (built in: \"csv\")",
            )
            .into());
        };
        let feed = adapter.read(&request.content);
        let mut rejected = feed.rejected;
        let mut accepted = 0;
        for (tracking_number, tracking) in feed.events {
            match self
                .logistics
                .track(&actor.subject, None, &tracking_number, tracking)
                .await
            {
                Ok(_) => accepted += 1,
                Err(
                    error @ (LogisticsError::NotFound { .. }
                    | LogisticsError::PreconditionFailed(_)),
                ) => {
                    rejected.push(format!("{tracking_number}: {error}"));
                }
                Err(error) => return Err(error.into()),
            }
        }
        Ok(Response::new(pb::IngestTrackingFeedResponse {
            accepted,
            rejected,
        }))
    }

    async fn confirm_receipt(
        &self,
        request: Request<pb::ConfirmReceiptRequest>,
    ) -> Result<Response<pb::Shipment>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "ConfirmReceipt",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let order_id = order_id(&request.order_id, &mut violations);
        violations.finish(())?;
        Ok(self.shipment(
            &self
                .logistics
                .confirm_receipt(&actor, key.as_ref(), &order_id)
                .await?,
        ))
    }

    async fn generate_export_documents(
        &self,
        request: Request<pb::GenerateExportDocumentsRequest>,
    ) -> Result<Response<pb::ExportDocuments>, Status> {
        let request = request.into_inner();
        let mut violations = Violations::new();
        let order_id = order_id(&request.order_id, &mut violations);
        if request.packing.is_empty() {
            violations.add("packing", "say how each line is packed");
        }
        violations.finish(())?;
        let packing: Vec<Packing> = request
            .packing
            .iter()
            .map(|pack| Packing {
                sku: pack.sku.trim().to_owned(),
                packages: pack.packages,
                net_weight_grams: pack.net_weight_grams,
                gross_weight_grams: pack.gross_weight_grams,
                dimensions: pack.package_dimensions.trim().to_owned(),
            })
            .collect();
        let documents = self
            .logistics
            .export_documents(
                &order_id,
                &packing,
                &request.container_type,
                request.statutory_inspection,
            )
            .await?;
        let shipment = self.logistics.shipment(&order_id).await?;
        Ok(Response::new(wire::export_documents(
            &documents,
            &shipment.ship_to,
        )))
    }

    async fn schedule_pickup(
        &self,
        request: Request<pb::SchedulePickupRequest>,
    ) -> Result<Response<pb::Pickup>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "SchedulePickup",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let order_id = order_id(&request.order_id, &mut violations);
        let reference = violations.required("reference", &request.reference, 100);
        let date = violations.date("pickup_date", &request.pickup_date);
        let reason = violations.required("reason", &request.reason, 500);
        let date = violations.finish(date)?;
        let Some(date) = date else {
            return Err(Status::invalid_argument("pickup_date"));
        };
        let address = request
            .address
            .as_ref()
            .map(crate::domain::shipment::Address::from);
        let pickup = self
            .logistics
            .schedule_pickup(
                &actor,
                key.as_ref(),
                PickupRequest {
                    order_id,
                    reference,
                    address,
                    pickup_date: date,
                    reason,
                },
            )
            .await?;
        Ok(Response::new(wire::pickup(&pickup)))
    }
}
