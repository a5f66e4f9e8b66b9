//! The services finance asks (architecture.md §1: commands are gRPC, with
//! the service's own identity).

use std::time::Duration;

use approvals::approval_service_client::ApprovalServiceClient;
use orderflow_platform::grpc::PeerChannel;
use orderflow_platform::grpc::convert::money;
use orderflow_platform::money::rates::{Rate, Rates};
use orderflow_platform::money::{Currency, Money};
use orderflow_proto::approvals::v1 as approvals;

use crate::app::RateSource;
use crate::domain::FinanceError;
use crate::domain::refund::Refund;

const PEER_TIMEOUT: Duration = Duration::from_secs(5);

/// The approvals service: the `gm` approval every refund needs (APR-6).
#[derive(Debug, Clone)]
pub struct Approvals {
    client: ApprovalServiceClient<PeerChannel>,
}

impl Approvals {
    pub fn new(channel: PeerChannel) -> Self {
        Self {
            client: ApprovalServiceClient::new(channel),
        }
    }

    /// Files the refund's approval request, on behalf of who asked for the
    /// refund; idempotent (the request id is the refund's).
    pub async fn request_refund_approval(
        &self,
        refund: &Refund,
    ) -> Result<approvals::ApprovalRequest, tonic::Status> {
        let mut client = self.client.clone();
        let mut request = tonic::Request::new(approvals::CreateApprovalRequestRequest {
            request_id: format!("refund:{}", refund.id),
            subject_kind: "refund".to_owned(),
            subject_id: refund.id.clone(),
            subject_ref: refund.order_number.clone(),
            amount: Some(money(Money::new(refund.currency, refund.amount))),
            flags: Vec::new(),
            attachments: Vec::new(),
            requester: refund.requested_by.clone(),
            estimated_costs: Vec::new(),
        });
        request.set_timeout(PEER_TIMEOUT);
        client
            .create_approval_request(request)
            .await
            .map(tonic::Response::into_inner)
    }
}

/// ORD-20: the company's exchange rates are the ones the approvals service
/// keeps (`SetExchangeRate`); finance reads them to compare a standard cost
/// with a sale in another currency.
#[async_trait::async_trait]
impl RateSource for Approvals {
    async fn exchange_rates(&self) -> Result<Option<Rates>, FinanceError> {
        let mut client = self.client.clone();
        let mut request = tonic::Request::new(approvals::ListExchangeRatesRequest {});
        request.set_timeout(PEER_TIMEOUT);
        let listed = client
            .list_exchange_rates(request)
            .await
            .map_err(|status| {
                FinanceError::Unavailable(format!(
                    "the exchange rates could not be read from the approvals service: {}",
                    status.message()
                ))
            })?
            .into_inner();
        let mut rates: Option<Rates> = None;
        for listed in listed.rates {
            let (Ok(base), Ok(currency), Ok(rate)) = (
                Currency::parse(&listed.base_currency_code),
                Currency::parse(&listed.currency_code),
                Rate::parse(&listed.rate),
            ) else {
                tracing::warn!(currency = %listed.currency_code, "unreadable exchange rate skipped");
                continue;
            };
            let rates = rates.get_or_insert_with(|| Rates::new(base));
            if rates.base == base {
                rates.rates.insert(currency, rate);
            }
        }
        Ok(rates)
    }
}
