//! The quotation service (ORD-13): inquiry → quotation versions → order.

use super::*;

#[derive(Debug, Clone)]
pub struct QuotationApi {
    orders: Orders,
}

impl QuotationApi {
    pub fn new(orders: Orders) -> Self {
        Self { orders }
    }
}

#[tonic::async_trait]
impl QuotationService for QuotationApi {
    async fn create_quotation(
        &self,
        request: Request<pb::CreateQuotationRequest>,
    ) -> Result<Response<pb::Quotation>, Status> {
        let actor = caller_of(&request)?;
        let request = request.into_inner();
        let mut violations = Violations::new();
        let key = violations.request_key(
            "CreateQuotation",
            &actor.subject,
            &request.request_id,
            &request,
        );
        let customer_id = violations.required_id("customer_id", &request.customer_id);
        let inquiry = wire::inquiry_in(request.inquiry.as_ref());
        violations.optional("inquiry.reference", &inquiry.reference, 100);
        violations.optional("inquiry.text", &inquiry.text, 5000);
        let salesperson = violations.optional("salesperson", &request.salesperson, 100);
        let terms =
            QuotationTerms::parse(&wire::terms_in(request.terms.as_ref()), self.orders.today());
        let terms = match terms {
            Ok(terms) => violations.finish(terms)?,
            Err(OrderError::InvalidInput(more)) => {
                let mut all = violations.into_vec();
                all.extend(more);
                return Err(status::invalid_argument(&all));
            }
            Err(other) => return Err(other.into()),
        };
        let quotation = self
            .orders
            .create_quotation(&actor, &customer_id, inquiry, terms, &salesperson, key)
            .await?;
        Ok(Response::new(wire::quotation(&quotation)))
    }

    async fn get_quotation(
        &self,
        request: Request<pb::GetQuotationRequest>,
    ) -> Result<Response<pb::Quotation>, Status> {
        let id = id_field("quotation_id", &request.get_ref().quotation_id)?;
        Ok(Response::new(wire::quotation(
            &self.orders.quotation(&id).await?,
        )))
    }

    async fn list_quotations(
        &self,
        request: Request<pb::ListQuotationsRequest>,
    ) -> Result<Response<pb::ListQuotationsResponse>, Status> {
        let request = request.into_inner();
        let mut violations = Violations::new();
        let customer_id = violations.optional_id("customer_id", &request.customer_id);
        let state = wire::quotation_state_in(request.state).optional("state", &mut violations);
        violations.finish(())?;
        let filters = format!("{customer_id:?}/{state:?}");
        let page = PageRequest::parse(request.page_size, &request.page_token, &filters)?;
        let mut quotations = self
            .orders
            .list_quotations(
                customer_id.as_deref(),
                state,
                page.after.as_deref(),
                page.fetch_limit(),
            )
            .await?;
        let next_page_token = page.finish(&mut quotations, |quotation| quotation.id.clone());
        Ok(Response::new(pb::ListQuotationsResponse {
            quotations: quotations.iter().map(wire::quotation).collect(),
            next_page_token,
        }))
    }

    async fn revise_quotation(
        &self,
        request: Request<pb::ReviseQuotationRequest>,
    ) -> Result<Response<pb::Quotation>, Status> {
        let actor = caller_of(&request)?;
        let request = request.into_inner();
        let key = request_key("ReviseQuotation", &actor, &request.request_id, &request)?;
        let quotation_id = id_field("quotation_id", &request.quotation_id)?;
        let terms =
            QuotationTerms::parse(&wire::terms_in(request.terms.as_ref()), self.orders.today())?;
        let quotation = self
            .orders
            .revise_quotation(
                &actor,
                &quotation_id,
                terms,
                &request.change_note,
                request.base_version,
                key,
            )
            .await?;
        Ok(Response::new(wire::quotation(&quotation)))
    }

    async fn accept_quotation(
        &self,
        request: Request<pb::AcceptQuotationRequest>,
    ) -> Result<Response<pb::AcceptQuotationResponse>, Status> {
        let actor = caller_of(&request)?;
        let request = request.into_inner();
        let key = request_key("AcceptQuotation", &actor, &request.request_id, &request)?;
        let quotation_id = id_field("quotation_id", &request.quotation_id)?;
        let mut violations = Violations::new();
        let kind = wire::order_kind_in(request.order_kind).optional("order_kind", &mut violations);
        violations.finish(())?;
        let ship_to = request
            .ship_to
            .as_ref()
            .map(crate::domain::customer::Address::from);
        let (quotation, order) = self
            .orders
            .accept_quotation(
                &actor,
                &quotation_id,
                Acceptance {
                    version: request.version,
                    customer_po_number: request.customer_po_number.clone(),
                    order_kind: kind,
                    ship_to,
                },
                key,
            )
            .await?;
        tag_span(&order);
        Ok(Response::new(pb::AcceptQuotationResponse {
            quotation: Some(wire::quotation(&quotation)),
            order: Some(wire::order(&order)),
        }))
    }
}
