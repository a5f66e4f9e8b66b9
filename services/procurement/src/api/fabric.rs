//! The made-to-measure fabric RPCs (PRC-7): proto ⇄ domain.

use orderflow_platform::auth::Caller;
use orderflow_platform::grpc::paging::PageRequest;
use orderflow_platform::ids::OrderId;
use orderflow_platform::validation::{AmountRule, Violations, checked_command as checked};
use orderflow_proto::procurement::v1 as pb;
use tonic::{Request, Response, Status};

use crate::app::Procurement;
use crate::domain::fabric::{FabricFilter, FabricOrder, FabricPurchase, FabricPurchaseId};
use crate::wire;

/// The most fabric one purchase may be, in centimetres (a kilometre).
const MAX_LENGTH_CM: i64 = 100_000;

fn answer(purchase: &FabricPurchase) -> Response<pb::FabricPurchase> {
    Response::new(wire::fabric(purchase))
}

fn purchase_id(raw: &str, violations: &mut Violations) -> FabricPurchaseId {
    violations
        .field::<FabricPurchaseId>("id", raw)
        .unwrap_or_else(FabricPurchaseId::blank)
}

pub async fn record(
    procurement: &Procurement,
    request: Request<pb::RecordFabricPurchaseRequest>,
) -> Result<Response<pb::FabricPurchase>, Status> {
    let mut order = None;
    let (actor, key, _) = checked(
        request,
        "RecordFabricPurchase",
        |m| &m.request_id,
        |m, violations| {
            let order_id = violations.field::<OrderId>("order_id", &m.order_id);
            let order_number = violations.required("order_number", &m.order_number, 32);
            let garment = violations.required("garment", &m.garment, 100);
            let fabric_code = violations.required("fabric_code", &m.fabric_code, 50);
            if !(1..=MAX_LENGTH_CM).contains(&m.length_cm) {
                violations.add(
                    "length_cm",
                    format!("centimetres of fabric, 1 to {MAX_LENGTH_CM}"),
                );
            }
            let price = violations.amount("price", m.price.as_ref(), AmountRule::Positive);
            let supplier = violations.required("supplier_code", &m.supplier_code, 20);
            let manufacturer = violations.required("manufacturer_code", &m.manufacturer_code, 20);
            if let (Some(order_id), Some(price)) = (order_id, price) {
                order = Some(FabricOrder {
                    order_id: order_id.to_string(),
                    order_number,
                    garment,
                    fabric_code,
                    length_cm: m.length_cm,
                    price,
                    supplier_code: supplier.to_uppercase(),
                    manufacturer_code: manufacturer.to_uppercase(),
                });
            }
        },
    )?;
    let Some(order) = order else {
        return Err(Status::internal("validated fields missing"));
    };
    Ok(answer(
        &procurement
            .record_fabric_purchase(&actor, key.as_ref(), order)
            .await?,
    ))
}

pub async fn get(
    procurement: &Procurement,
    request: Request<pb::GetFabricPurchaseRequest>,
) -> Result<Response<pb::FabricPurchase>, Status> {
    let actor = Caller::of(&request)?;
    let mut violations = Violations::new();
    let id = purchase_id(&request.get_ref().id, &mut violations);
    violations.finish(())?;
    Ok(answer(&procurement.fabric_purchase(&actor, &id).await?))
}

pub async fn list(
    procurement: &Procurement,
    request: Request<pb::ListFabricPurchasesRequest>,
) -> Result<Response<pb::ListFabricPurchasesResponse>, Status> {
    let actor = Caller::of(&request)?;
    let request = request.into_inner();
    let mut violations = Violations::new();
    let order_id = if request.order_id.trim().is_empty() {
        None
    } else {
        violations
            .field::<OrderId>("order_id", &request.order_id)
            .map(|id| id.to_string())
    };
    violations.finish(())?;
    let state = pb::FabricPurchaseState::try_from(request.state)
        .ok()
        .and_then(wire::fabric_state_in);
    let page = PageRequest::parse(
        request.page_size,
        &request.page_token,
        &format!("{state:?}/{order_id:?}"),
    )?;
    let filter = FabricFilter {
        state,
        order_id,
        partner: None,
    };
    let mut purchases = procurement
        .fabric_purchases(&actor, filter, page.after.as_deref(), page.fetch_limit())
        .await?;
    let next_page_token = page.finish(&mut purchases, |purchase| purchase.id.to_string());
    Ok(Response::new(pb::ListFabricPurchasesResponse {
        fabric_purchases: purchases.iter().map(wire::fabric).collect(),
        next_page_token,
    }))
}

pub async fn respond(
    procurement: &Procurement,
    request: Request<pb::AnswerFabricPurchaseRequest>,
) -> Result<Response<pb::FabricPurchase>, Status> {
    let (mut id, mut reason) = (FabricPurchaseId::blank(), String::new());
    let (actor, key, message) = checked(
        request,
        "AnswerFabricPurchase",
        |m| &m.request_id,
        |m, violations| {
            id = purchase_id(&m.id, violations);
            reason = if m.accept {
                violations.optional("reason", &m.reason, 2000)
            } else {
                violations.required("reason", &m.reason, 2000)
            };
        },
    )?;
    Ok(answer(
        &procurement
            .answer_fabric_purchase(&actor, key.as_ref(), &id, message.accept, reason)
            .await?,
    ))
}

pub async fn ship(
    procurement: &Procurement,
    request: Request<pb::RecordFabricShipmentRequest>,
) -> Result<Response<pb::FabricPurchase>, Status> {
    let (mut id, mut carrier, mut tracking) =
        (FabricPurchaseId::blank(), String::new(), String::new());
    let (actor, key, _) = checked(
        request,
        "RecordFabricShipment",
        |m| &m.request_id,
        |m, violations| {
            id = purchase_id(&m.id, violations);
            carrier = violations.required("carrier", &m.carrier, 50);
            tracking = violations.required("tracking_number", &m.tracking_number, 50);
        },
    )?;
    Ok(answer(
        &procurement
            .record_fabric_shipment(&actor, key.as_ref(), &id, carrier, tracking)
            .await?,
    ))
}

pub async fn receive(
    procurement: &Procurement,
    request: Request<pb::ReceiveFabricRequest>,
) -> Result<Response<pb::FabricPurchase>, Status> {
    let (mut id, mut note) = (FabricPurchaseId::blank(), String::new());
    let (actor, key, message) = checked(
        request,
        "ReceiveFabric",
        |m| &m.request_id,
        |m, violations| {
            id = purchase_id(&m.id, violations);
            note = if m.accepted {
                violations.optional("note", &m.note, 2000)
            } else {
                violations.required("note", &m.note, 2000)
            };
        },
    )?;
    Ok(answer(
        &procurement
            .receive_fabric(&actor, key.as_ref(), &id, message.accepted, note)
            .await?,
    ))
}
