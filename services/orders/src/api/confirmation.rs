//! Around confirmation: the supervisor's review of a special custom order
//! before it (ORD-18), the confirmation sheet and the customer's
//! acknowledgement after it (ORD-16), the customer's message log (ORD-17).

use super::*;
use crate::domain::order::custom::CustomVerdict;

impl OrderApi {
    pub(super) async fn get_sheet(
        &self,
        request: Request<pb::GetConfirmationSheetRequest>,
    ) -> Result<Response<pb::ConfirmationSheet>, Status> {
        let actor = caller_of(&request)?;
        let id: OrderId = single_field("order_id", &request.get_ref().order_id)?;
        let order = self.orders.order(&id).await?;
        actor.may_see(&order)?;
        tag_span(&order);
        let sheet = self.orders.confirmation_sheet(&id).await?;
        Ok(Response::new(wire::confirmation_sheet(&sheet)))
    }

    pub(super) async fn acknowledge(
        &self,
        request: Request<pb::RecordCustomerAcknowledgementRequest>,
    ) -> Result<Response<pb::ConfirmationSheet>, Status> {
        let OrderCommand {
            actor,
            message: request,
            key,
            order_id,
        } = order_command("RecordCustomerAcknowledgement", request, |r| {
            (&r.request_id, &r.order_id)
        })?;
        let sheet = self
            .orders
            .record_customer_acknowledgement(
                &actor,
                &order_id,
                &request.acknowledged_by,
                &request.note,
                key,
            )
            .await?;
        Ok(Response::new(wire::confirmation_sheet(&sheet)))
    }

    pub(super) async fn messages(
        &self,
        request: Request<pb::ListCustomerMessagesRequest>,
    ) -> Result<Response<pb::ListCustomerMessagesResponse>, Status> {
        let request = request.into_inner();
        let mut violations = Violations::new();
        let customer_id = violations.required_id("customer_id", &request.customer_id);
        let order_id = violations.optional_id("order_id", &request.order_id);
        let (customer_id, order_id) = violations
            .finish((customer_id, order_id))
            .map_err(Status::from)?;
        let filters = format!("{customer_id}/{}", order_id.as_deref().unwrap_or_default());
        let page = PageRequest::parse(request.page_size, &request.page_token, &filters)?;
        let mut messages = self
            .orders
            .customer_messages(
                &customer_id,
                order_id.as_deref(),
                page.after.as_deref(),
                page.fetch_limit(),
            )
            .await?;
        let next_page_token = page.finish(&mut messages, |message| message.id.clone());
        Ok(Response::new(pb::ListCustomerMessagesResponse {
            messages: messages.iter().map(wire::customer_message).collect(),
            next_page_token,
        }))
    }

    pub(super) async fn custom_review(
        &self,
        request: Request<pb::ReviewCustomOrderRequest>,
    ) -> Result<Response<pb::Order>, Status> {
        let OrderCommand {
            actor,
            message: request,
            key,
            order_id,
        } = order_command("ReviewCustomOrder", request, |r| {
            (&r.request_id, &r.order_id)
        })?;
        let verdict = CustomVerdict {
            specification: request.specification_feasible,
            quantity: request.quantity_feasible,
            delivery_date: request.delivery_date_feasible,
        };
        Ok(reply(
            self.orders
                .review_custom_order(&actor, &order_id, verdict, &request.reason, key)
                .await?,
        ))
    }
}
