//! The tonic services: proto ⇄ domain conversion and error → status mapping.
//! The use cases are in [`crate::app`].

mod confirmation;
mod quotations;
mod roles;

pub use quotations::QuotationApi;
pub use roles::ROLES;

/// ORD-10: how many orders one channel import may carry.
const MAX_IMPORTED_ORDERS: usize = 500;
/// ORD-9: how many orders one merge may take.
const MAX_MERGED_ORDERS: usize = 50;

use orderflow_platform::auth::{Caller, Role};
use orderflow_platform::db::idempotency::RequestKey;
use orderflow_platform::grpc::paging::PageRequest;
use orderflow_platform::grpc::status;
use orderflow_proto::orders::v1 as pb;
use pb::order_service_server::OrderService;
use pb::quotation_service_server::QuotationService;
use tonic::{Request, Response, Status};

use crate::app::{Acceptance, Orders};
use crate::domain::customer::NewCustomer;
use crate::domain::listing::OrderFilter;
use crate::domain::order::Order;
use crate::domain::quotation::QuotationTerms;
use crate::domain::{Actor, OrderActor, OrderError};
use crate::wire;
use orderflow_platform::ids::OrderId;
use orderflow_platform::validation::{AmountRule, Violations, single_field};

fn caller_of<T>(request: &Request<T>) -> Result<Actor, Status> {
    Caller::of(request)
}

/// The idempotency key of a mutating call: its request id, scoped by
/// operation and caller, with the message fingerprinted.
fn request_key(
    operation: &str,
    actor: &Actor,
    raw: &str,
    message: &impl prost::Message,
) -> Result<Option<RequestKey>, Status> {
    let mut violations = Violations::new();
    let key = violations.request_key(operation, &actor.subject, raw, message);
    violations.finish(key).map_err(Status::from)
}

fn id_field(field: &str, raw: &str) -> Result<String, Status> {
    let mut violations = Violations::new();
    let id = violations.required_id(field, raw);
    violations.finish(id).map_err(Status::from)
}

/// What every order command starts with: the caller, the message, its
/// idempotency key and its order id.
struct OrderCommand<T> {
    actor: Actor,
    message: T,
    key: Option<RequestKey>,
    order_id: OrderId,
}

fn order_command<T: prost::Message>(
    operation: &str,
    request: Request<T>,
    ids: impl Fn(&T) -> (&str, &str),
) -> Result<OrderCommand<T>, Status> {
    let actor = caller_of(&request)?;
    let message = request.into_inner();
    let (raw_request_id, raw_order_id) = ids(&message);
    let key = request_key(operation, &actor, raw_request_id, &message)?;
    let order_id = single_field("order_id", raw_order_id)?;
    Ok(OrderCommand {
        actor,
        message,
        key,
        order_id,
    })
}

/// Puts the order's business keys on the current (server) span, so that an
/// operator finds the trace by order number.
fn tag_span(order: &Order) {
    orderflow_platform::telemetry::tag_order(&order.id, &order.number);
}

fn reply(order: Order) -> Response<pb::Order> {
    tag_span(&order);
    Response::new(wire::order(&order))
}

#[derive(Debug, Clone)]
pub struct OrderApi {
    orders: Orders,
}

impl OrderApi {
    pub fn new(orders: Orders) -> Self {
        Self { orders }
    }
}

#[tonic::async_trait]
impl OrderService for OrderApi {
    async fn create_customer(
        &self,
        request: Request<pb::CreateCustomerRequest>,
    ) -> Result<Response<pb::Customer>, Status> {
        let actor = caller_of(&request)?;
        let request = request.into_inner();
        let key = request_key("CreateCustomer", &actor, &request.request_id, &request)?;
        let address = request
            .address
            .as_ref()
            .map(crate::domain::customer::Address::from)
            .unwrap_or_default();
        let new = NewCustomer::parse(&request.name, &request.phone, &request.email, &address)?;
        let customer = self.orders.create_customer(&actor, new, key).await?;
        Ok(Response::new(wire::customer(&customer)))
    }

    async fn get_customer(
        &self,
        request: Request<pb::GetCustomerRequest>,
    ) -> Result<Response<pb::Customer>, Status> {
        let id = id_field("customer_id", &request.get_ref().customer_id)?;
        let customer = self.orders.customer(&id).await?;
        Ok(Response::new(wire::customer(&customer)))
    }

    async fn list_customers(
        &self,
        request: Request<pb::ListCustomersRequest>,
    ) -> Result<Response<pb::ListCustomersResponse>, Status> {
        let request = request.into_inner();
        let name = request.name_contains.trim();
        let page = PageRequest::parse(request.page_size, &request.page_token, name)?;
        let mut customers = self
            .orders
            .list_customers(
                (!name.is_empty()).then_some(name),
                page.after.as_deref(),
                page.fetch_limit(),
            )
            .await?;
        let next_page_token = page.finish(&mut customers, |customer| customer.id.clone());
        Ok(Response::new(pb::ListCustomersResponse {
            customers: customers.iter().map(wire::customer).collect(),
            next_page_token,
        }))
    }

    async fn set_list_price(
        &self,
        request: Request<pb::SetListPriceRequest>,
    ) -> Result<Response<pb::ListPrice>, Status> {
        let actor = caller_of(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "SetListPrice",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let sku = violations.required("sku", &request.sku, 64);
        let price = request.unit_price.unwrap_or_default();
        let money = violations.amount("unit_price", Some(&price), AmountRule::Positive);
        let money = violations
            .finish(money)?
            .ok_or_else(|| Status::internal("the price was checked above"))?;
        let saved = self
            .orders
            .set_list_price(&actor, key, &sku, money, request.special_custom)
            .await?;
        Ok(Response::new(wire::list_price(&saved)))
    }

    async fn list_list_prices(
        &self,
        request: Request<pb::ListListPricesRequest>,
    ) -> Result<Response<pb::ListListPricesResponse>, Status> {
        let request = request.into_inner();
        let prefix = request.sku_prefix.trim();
        let page = PageRequest::parse(request.page_size, &request.page_token, prefix)?;
        let after = page
            .after
            .as_deref()
            .and_then(|cursor| cursor.split_once('/'));
        let mut prices = self
            .orders
            .list_prices(
                (!prefix.is_empty()).then_some(prefix),
                after,
                page.fetch_limit(),
            )
            .await?;
        let next_page_token = page.finish(&mut prices, |price| {
            format!("{}/{}", price.sku, price.unit_price.currency)
        });
        Ok(Response::new(pb::ListListPricesResponse {
            prices: prices.iter().map(wire::list_price).collect(),
            next_page_token,
        }))
    }

    async fn create_order(
        &self,
        request: Request<pb::CreateOrderRequest>,
    ) -> Result<Response<pb::Order>, Status> {
        let actor = caller_of(&request)?;
        let request = request.into_inner();
        let key = request_key("CreateOrder", &actor, &request.request_id, &request)?;
        let input = wire::create_order_input(&request);
        let order = self.orders.create_order(&actor, &input, key).await?;
        Ok(reply(order))
    }

    async fn get_order(
        &self,
        request: Request<pb::GetOrderRequest>,
    ) -> Result<Response<pb::Order>, Status> {
        let actor = caller_of(&request)?;
        let id: OrderId = single_field("order_id", &request.get_ref().order_id)?;
        let order = self.orders.order(&id).await?;
        actor.may_see(&order)?;
        Ok(reply(order))
    }

    async fn list_orders(
        &self,
        request: Request<pb::ListOrdersRequest>,
    ) -> Result<Response<pb::ListOrdersResponse>, Status> {
        let actor = caller_of(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let state = wire::order_state_in(request.state).optional("state", &mut violations);
        let kind = wire::order_kind_in(request.kind).optional("kind", &mut violations);
        let customer_id = violations.optional_id("customer_id", &request.customer_id);
        let salesperson = violations.optional("salesperson", &request.salesperson, 100);
        let created_after = request
            .created_after
            .as_ref()
            .and_then(wire::from_timestamp);
        let created_before = request
            .created_before
            .as_ref()
            .and_then(wire::from_timestamp);
        if let (Some(after), Some(before)) = (created_after, created_before)
            && after >= before
        {
            violations.add("created_before", "must be after created_after");
        }
        let filter = violations.finish(OrderFilter {
            state,
            kind,
            customer_id,
            salesperson: (!salesperson.is_empty()).then_some(salesperson),
            created_after,
            created_before,
            confirmation_overdue_only: request.confirmation_overdue_only,
            // ORD-10: supervisors see every order; other reviewers not the
            // submitted ones a colleague has claimed.
            // A store's people see all their store's orders, claimed or not.
            reviewer: (!actor.has_role(Role::SalesSupervisor.as_str())
                && !actor.has_role(Role::Admin.as_str())
                && actor.store_scope()?.is_none())
            .then(|| actor.subject.clone()),
            store_code: actor.store_scope()?.map(str::to_owned),
        })?;
        let page = PageRequest::parse(
            request.page_size,
            &request.page_token,
            &filter.fingerprint(),
        )?;
        let mut orders = self
            .orders
            .list_orders(&filter, page.after.as_deref(), page.fetch_limit())
            .await?;
        let next_page_token = page.finish(&mut orders, |order| order.id.clone());
        Ok(Response::new(pb::ListOrdersResponse {
            orders: orders.iter().map(wire::order).collect(),
            next_page_token,
        }))
    }

    async fn update_order(
        &self,
        request: Request<pb::UpdateOrderRequest>,
    ) -> Result<Response<pb::Order>, Status> {
        let OrderCommand {
            actor,
            message: request,
            key,
            order_id,
        } = order_command("UpdateOrder", request, |r| (&r.request_id, &r.order_id))?;
        let mask: Vec<String> = request
            .update_mask
            .map(|mask| mask.paths)
            .unwrap_or_default();
        let update = wire::update_input(&request.order.unwrap_or_default());
        let mut violations = Violations::new();
        let reason = violations.optional("reason", &request.reason, 1000);
        violations.finish(())?;
        let order = self
            .orders
            .update_order(&actor, &order_id, &mask, &update, &reason, key)
            .await?;
        Ok(reply(order))
    }

    async fn submit_order(
        &self,
        request: Request<pb::SubmitOrderRequest>,
    ) -> Result<Response<pb::Order>, Status> {
        let OrderCommand {
            actor,
            message: _,
            key,
            order_id,
        } = order_command("SubmitOrder", request, |r| (&r.request_id, &r.order_id))?;
        Ok(reply(
            self.orders.submit_order(&actor, &order_id, key).await?,
        ))
    }

    async fn confirm_order(
        &self,
        request: Request<pb::ConfirmOrderRequest>,
    ) -> Result<Response<pb::Order>, Status> {
        let OrderCommand {
            actor,
            message: request,
            key,
            order_id,
        } = order_command("ConfirmOrder", request, |r| (&r.request_id, &r.order_id))?;
        let mut violations = Violations::new();
        let fake_order_reason =
            violations.optional("fake_order_reason", &request.fake_order_reason, 1000);
        violations.finish(())?;
        let order = self
            .orders
            .confirm_order(
                &actor,
                &order_id,
                request.accept_price_deviation,
                &fake_order_reason,
                key,
            )
            .await?;
        Ok(reply(order))
    }

    async fn import_channel_orders(
        &self,
        request: Request<pb::ImportChannelOrdersRequest>,
    ) -> Result<Response<pb::ImportChannelOrdersResponse>, Status> {
        let actor = caller_of(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let channel = violations.required("channel", &request.channel, 32);
        if !channel
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            violations.add("channel", "letters, digits, '-' and '_' only");
        }
        if request.orders.is_empty() || request.orders.len() > MAX_IMPORTED_ORDERS {
            violations.add("orders", format!("name 1 to {MAX_IMPORTED_ORDERS} orders"));
        }
        let mut items = Vec::with_capacity(request.orders.len());
        for (index, item) in request.orders.iter().enumerate() {
            let field = format!("orders[{index}].external_id");
            let external_id = violations.required(&field, &item.external_id, 64);
            if items
                .iter()
                .any(|(seen, _): &(String, _)| !external_id.is_empty() && *seen == external_id)
            {
                violations.add(field, "names an order twice");
            }
            let input = wire::create_order_input(&item.order.clone().unwrap_or_default());
            items.push((external_id, input));
        }
        let items = violations.finish(items).map_err(Status::from)?;
        let imported = self
            .orders
            .import_channel_orders(&actor, &channel, &items)
            .await?;
        Ok(Response::new(pb::ImportChannelOrdersResponse {
            orders: items
                .iter()
                .zip(imported)
                .map(|((external_id, _), (order, duplicate))| pb::ImportedOrder {
                    external_id: external_id.clone(),
                    order: Some(wire::order(&order)),
                    duplicate,
                })
                .collect(),
        }))
    }

    async fn claim_orders(
        &self,
        request: Request<pb::ClaimOrdersRequest>,
    ) -> Result<Response<pb::ClaimOrdersResponse>, Status> {
        let actor = caller_of(&request)?;
        let count = request.get_ref().count;
        let count = match count {
            0 => None,
            1..=1000 => u32::try_from(count).ok(),
            _ => {
                return Err(
                    OrderError::invalid("count", "must be 0 (the batch size) to 1000").into(),
                );
            }
        };
        let held = self.orders.claim_orders(&actor, count).await?;
        Ok(Response::new(pb::ClaimOrdersResponse {
            orders: held
                .iter()
                .map(|(order, expires_at)| pb::ClaimedOrder {
                    order: Some(wire::order(order)),
                    claim_expire_time: Some(wire::timestamp(*expires_at)),
                })
                .collect(),
        }))
    }

    async fn release_claims(
        &self,
        request: Request<pb::ReleaseClaimsRequest>,
    ) -> Result<Response<pb::ReleaseClaimsResponse>, Status> {
        let actor = caller_of(&request)?;
        let mut violations = Violations::new();
        let order_ids: Vec<String> = request
            .get_ref()
            .order_ids
            .iter()
            .enumerate()
            .map(|(index, id)| violations.required_id(&format!("order_ids[{index}]"), id))
            .collect();
        let order_ids = violations.finish(order_ids).map_err(Status::from)?;
        let released = self.orders.release_claims(&actor, &order_ids).await?;
        Ok(Response::new(pb::ReleaseClaimsResponse {
            released: i32::try_from(released).unwrap_or(i32::MAX),
        }))
    }

    async fn decide_held_order(
        &self,
        request: Request<pb::DecideHeldOrderRequest>,
    ) -> Result<Response<pb::Order>, Status> {
        let OrderCommand {
            actor,
            message: request,
            key,
            order_id,
        } = order_command("DecideHeldOrder", request, |r| (&r.request_id, &r.order_id))?;
        let order = self
            .orders
            .decide_held_order(&actor, &order_id, request.genuine, &request.reason, key)
            .await?;
        Ok(reply(order))
    }

    async fn reject_order(
        &self,
        request: Request<pb::RejectOrderRequest>,
    ) -> Result<Response<pb::Order>, Status> {
        let OrderCommand {
            actor,
            message: request,
            key,
            order_id,
        } = order_command("RejectOrder", request, |r| (&r.request_id, &r.order_id))?;
        Ok(reply(
            self.orders
                .reject_order(&actor, &order_id, &request.reason, key)
                .await?,
        ))
    }

    async fn cancel_order(
        &self,
        request: Request<pb::CancelOrderRequest>,
    ) -> Result<Response<pb::Order>, Status> {
        let OrderCommand {
            actor,
            message: request,
            key,
            order_id,
        } = order_command("CancelOrder", request, |r| (&r.request_id, &r.order_id))?;
        Ok(reply(
            self.orders
                .cancel_order(&actor, &order_id, &request.reason, key)
                .await?,
        ))
    }

    async fn copy_order(
        &self,
        request: Request<pb::CopyOrderRequest>,
    ) -> Result<Response<pb::Order>, Status> {
        let OrderCommand {
            actor,
            message: _,
            key,
            order_id,
        } = order_command("CopyOrder", request, |r| (&r.request_id, &r.order_id))?;
        Ok(reply(self.orders.copy_order(&actor, &order_id, key).await?))
    }

    async fn merge_orders(
        &self,
        request: Request<pb::MergeOrdersRequest>,
    ) -> Result<Response<pb::Order>, Status> {
        let actor = caller_of(&request)?;
        let message = request.get_ref();
        let mut violations = Violations::new();
        let key =
            violations.request_key("MergeOrders", &actor.subject, &message.request_id, message);
        let order_ids: Vec<String> = message
            .order_ids
            .iter()
            .enumerate()
            .map(|(index, id)| violations.required_id(&format!("order_ids[{index}]"), id))
            .collect();
        if order_ids.len() < 2 {
            violations.add("order_ids", "name at least two orders to merge");
        }
        if order_ids.len() > MAX_MERGED_ORDERS {
            violations.add(
                "order_ids",
                format!("at most {MAX_MERGED_ORDERS} orders merge at once"),
            );
        }
        for (index, id) in order_ids.iter().enumerate() {
            if !id.is_empty() && order_ids[..index].contains(id) {
                violations.add(format!("order_ids[{index}]"), "names an order twice");
            }
        }
        let (key, order_ids) = violations.finish((key, order_ids)).map_err(Status::from)?;
        let merged = self.orders.merge_orders(&actor, &order_ids, key).await?;
        Ok(reply(merged))
    }

    async fn ship_to_store(
        &self,
        request: Request<pb::ShipToStoreRequest>,
    ) -> Result<Response<pb::Order>, Status> {
        let OrderCommand {
            actor,
            message: request,
            key,
            order_id,
        } = order_command("ShipToStore", request, |r| (&r.request_id, &r.order_id))?;
        let mut violations = Violations::new();
        let carrier = violations.required("carrier", &request.carrier, 50);
        let tracking = violations.required("tracking_number", &request.tracking_number, 50);
        violations.finish(())?;
        Ok(reply(
            self.orders
                .ship_to_store(&actor, &order_id, (carrier, tracking), key)
                .await?,
        ))
    }

    async fn confirm_store_receipt(
        &self,
        request: Request<pb::ConfirmStoreReceiptRequest>,
    ) -> Result<Response<pb::Order>, Status> {
        let OrderCommand {
            actor,
            message: _,
            key,
            order_id,
        } = order_command("ConfirmStoreReceipt", request, |r| {
            (&r.request_id, &r.order_id)
        })?;
        Ok(reply(
            self.orders
                .confirm_store_receipt(&actor, &order_id, key)
                .await?,
        ))
    }

    async fn confirm_pick_up(
        &self,
        request: Request<pb::ConfirmPickUpRequest>,
    ) -> Result<Response<pb::Order>, Status> {
        let OrderCommand {
            actor,
            message: _,
            key,
            order_id,
        } = order_command("ConfirmPickUp", request, |r| (&r.request_id, &r.order_id))?;
        Ok(reply(
            self.orders.confirm_pick_up(&actor, &order_id, key).await?,
        ))
    }

    async fn get_confirmation_sheet(
        &self,
        request: Request<pb::GetConfirmationSheetRequest>,
    ) -> Result<Response<pb::ConfirmationSheet>, Status> {
        self.get_sheet(request).await
    }

    async fn record_customer_acknowledgement(
        &self,
        request: Request<pb::RecordCustomerAcknowledgementRequest>,
    ) -> Result<Response<pb::ConfirmationSheet>, Status> {
        self.acknowledge(request).await
    }

    async fn review_custom_order(
        &self,
        request: Request<pb::ReviewCustomOrderRequest>,
    ) -> Result<Response<pb::Order>, Status> {
        self.custom_review(request).await
    }

    async fn list_customer_messages(
        &self,
        request: Request<pb::ListCustomerMessagesRequest>,
    ) -> Result<Response<pb::ListCustomerMessagesResponse>, Status> {
        self.messages(request).await
    }

    async fn get_order_timeline(
        &self,
        request: Request<pb::GetOrderTimelineRequest>,
    ) -> Result<Response<pb::GetOrderTimelineResponse>, Status> {
        let actor = caller_of(&request)?;
        let id: OrderId = single_field("order_id", &request.get_ref().order_id)?;
        let (order, entries) = self.orders.timeline(&id).await?;
        actor.may_see(&order)?;
        tag_span(&order);
        Ok(Response::new(pb::GetOrderTimelineResponse {
            order_id: order.id.clone(),
            order_number: order.number.clone(),
            entries: entries.iter().map(wire::timeline_entry).collect(),
        }))
    }
}
