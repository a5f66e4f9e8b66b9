//! `orderflow demo`: against running services, creates a customer and an
//! order, walks it as far as the services that exist allow, and prints its
//! timeline.

use std::time::Duration;

use anyhow::Context as _;
use orderflow_proto::common::v1 as common;
use orderflow_proto::orders::v1 as pb;
use pb::order_service_client::OrderServiceClient;
use secrecy::SecretString;
use tonic::transport::Channel;

use crate::secret;

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// The orders service.
    #[arg(long, env = "ORDERS_URL", default_value = "http://127.0.0.1:50051")]
    orders_url: String,
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let secret = secret::load()?;
    walk(&args.orders_url, &secret).await
}

type Client = OrderServiceClient<tonic::service::interceptor::InterceptedService<Channel, Bearer>>;

#[derive(Clone)]
struct Bearer(tonic::metadata::MetadataValue<tonic::metadata::Ascii>);

impl tonic::service::Interceptor for Bearer {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        request
            .metadata_mut()
            .insert("authorization", self.0.clone());
        Ok(request)
    }
}

async fn client(
    url: &str,
    secret: &SecretString,
    subject: &str,
    roles: &[&str],
) -> anyhow::Result<Client> {
    let roles: Vec<String> = roles.iter().map(|role| (*role).to_owned()).collect();
    let token =
        orderflow_platform::auth::mint_hs256(secret, subject, &roles, Duration::from_secs(600))?;
    let channel = Channel::from_shared(url.to_owned())?
        .connect()
        .await
        .with_context(|| format!("cannot reach the orders service at {url}"))?;
    Ok(OrderServiceClient::with_interceptor(
        channel,
        Bearer(format!("Bearer {token}").parse()?),
    ))
}

fn state_name(state: i32) -> String {
    pb::OrderState::try_from(state)
        .map(|state| {
            state
                .as_str_name()
                .trim_start_matches("ORDER_STATE_")
                .to_owned()
        })
        .unwrap_or_else(|_| state.to_string())
}

pub async fn walk(orders_url: &str, secret: &SecretString) -> anyhow::Result<()> {
    let mut sales = client(orders_url, secret, "demo-sales", &["sales"]).await?;
    let mut assistant = client(orders_url, secret, "demo-assistant", &["sales_assistant"]).await?;

    let customer = sales
        .create_customer(pb::CreateCustomerRequest {
            request_id: String::new(),
            name: "Hangzhou Water Works".to_owned(),
            phone: "+86 571 8888 6666".to_owned(),
            email: "buyer@hzwater.example".to_owned(),
            address: Some(common::Address {
                recipient_name: "Li Lei".to_owned(),
                phone: "+86 138 0013 8000".to_owned(),
                country_code: "CN".to_owned(),
                region: "Zhejiang".to_owned(),
                city: "Hangzhou".to_owned(),
                district: "Xihu".to_owned(),
                street: "1 Wensan Road".to_owned(),
                postal_code: "310000".to_owned(),
            }),
        })
        .await?
        .into_inner();
    println!("customer  {} ({})", customer.name, customer.id);

    let delivery = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let order = sales
        .create_order(pb::CreateOrderRequest {
            customer_id: customer.id.clone(),
            kind: pb::OrderKind::Standard as i32,
            currency_code: "CNY".to_owned(),
            lines: vec![pb::OrderLineInput {
                sku: "PUMP-100".to_owned(),
                description: "Water pump".to_owned(),
                quantity: 3,
                unit_price: Some(common::Money {
                    currency_code: "CNY".to_owned(),
                    minor_units: 125_000,
                }),
            }],
            requested_delivery_date: delivery,
            payment_terms: Some(pb::PaymentTerms {
                kind: pb::PaymentTermKind::Prepaid as i32,
                ..Default::default()
            }),
            special_requirements: "gift: one spare seal kit".to_owned(),
            ..Default::default()
        })
        .await?;
    let trace_id = order
        .metadata()
        .get("x-trace-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let order = order.into_inner();
    println!("order     {} created (trace {trace_id})", order.number);

    sales
        .submit_order(pb::SubmitOrderRequest {
            request_id: String::new(),
            order_id: order.id.clone(),
        })
        .await?;
    println!("order     {} submitted", order.number);
    assistant
        .confirm_order(pb::ConfirmOrderRequest {
            order_id: order.id.clone(),
            ..Default::default()
        })
        .await?;
    println!("order     {} confirmed", order.number);

    let mut current = order.clone();
    for _ in 0..100 {
        current = sales
            .get_order(pb::GetOrderRequest {
                order_id: order.id.clone(),
            })
            .await?
            .into_inner();
        if current.state != pb::OrderState::PendingApproval as i32 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "order     {} is {} (the services that exist end here)",
        current.number,
        state_name(current.state)
    );

    let timeline = sales
        .get_order_timeline(pb::GetOrderTimelineRequest {
            order_id: order.id.clone(),
        })
        .await?
        .into_inner();
    println!();
    println!("Timeline of order {}:", timeline.order_number);
    for entry in timeline.entries {
        let time = entry
            .time
            .and_then(|t| {
                chrono::DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap_or(0))
            })
            .map(|t| t.format("%H:%M:%S%.3f").to_string())
            .unwrap_or_default();
        let states = if entry.to_state != 0 {
            format!(
                "{} → {}",
                state_name(entry.from_state),
                state_name(entry.to_state)
            )
        } else {
            String::new()
        };
        let why = [entry.reason.as_str(), entry.detail.as_str()]
            .iter()
            .filter(|text| !text.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" — ");
        println!(
            "  {time}  {:<22} {:<34} by {:<16} {why}",
            entry.action, states, entry.actor
        );
    }
    Ok(())
}
