//! ORD-16: the confirmation sheet and the customer's acknowledgement.

use super::*;

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
}
