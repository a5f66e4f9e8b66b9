//! The demo's made-to-measure jacket (S10): the store registers the
//! customer and enters the measurements; the sales assistant confirms;
//! finance, tech and commerce approve (APR-8); the store takes the deposit
//! and finance confirms it, which hands the order to the manufacturer, not
//! to the company's own stock or factory. Commerce buys the fabric, the
//! supplier ships it, the manufacturer receives it (PRC-7), makes the
//! jacket and ships it to the store; the store receives it, takes the
//! balance, and the customer's pick-up completes the order.

use finance::finance_service_client::FinanceServiceClient;
use orderflow_proto::common::v1 as common;
use orderflow_proto::finance::v1 as finance;
use orderflow_proto::orders::v1 as pb;
use orderflow_proto::procurement::v1 as procurement;
use pb::order_service_client::OrderServiceClient;
use procurement::procurement_service_client::ProcurementServiceClient;
use secrecy::SecretString;

use super::{
    Authorized, Client, Urls, authorized, authorized_for, finance_client, money_text,
    print_timeline, purchasing, retry, state_name, trace_of, wait_for,
};

/// The store that sells the jacket, and its salesperson.
const STORE: &str = "NANJING-1";
/// Who supplies the fabric, who makes the jacket.
const FABRIC_SUPPLIER: &str = "DEMO-WOOL";
const MANUFACTURER: &str = "DEMO-TAILORS";
const DEPOSIT_PERCENT: i64 = 30;

fn cny(minor_units: i64) -> Option<common::Money> {
    Some(common::Money {
        currency_code: "CNY".to_owned(),
        minor_units,
    })
}

/// The jacket's measurements, in millimetres.
fn jacket() -> pb::GarmentFit {
    pb::GarmentFit {
        category: "jacket".to_owned(),
        pattern: "SB-2B-notch".to_owned(),
        measurements: [
            ("chest", 1020),
            ("waist", 880),
            ("hip", 1000),
            ("shoulder", 460),
            ("sleeve", 615),
            ("back_length", 760),
        ]
        .into_iter()
        .map(|(name, mm)| (name.to_owned(), mm))
        .collect(),
    }
}

fn customer() -> pb::CreateCustomerRequest {
    pb::CreateCustomerRequest {
        name: "Zhou Ming".to_owned(),
        phone: "+86 139 5100 2200".to_owned(),
        address: Some(common::Address {
            recipient_name: "Zhou Ming".to_owned(),
            phone: "+86 139 5100 2200".to_owned(),
            country_code: "CN".to_owned(),
            region: "Jiangsu".to_owned(),
            city: "Nanjing".to_owned(),
            district: "Gulou".to_owned(),
            street: "18 Zhongshan Road".to_owned(),
            postal_code: "210008".to_owned(),
        }),
        ..Default::default()
    }
}

fn order(customer_id: &str) -> pb::CreateOrderRequest {
    pb::CreateOrderRequest {
        customer_id: customer_id.to_owned(),
        kind: pb::OrderKind::MadeToMeasure as i32,
        currency_code: "CNY".to_owned(),
        lines: vec![pb::OrderLineInput {
            sku: "SUIT-JACKET".to_owned(),
            description: "Navy jacket".to_owned(),
            quantity: 1,
            unit_price: cny(380_000),
            kit: None,
            fit: Some(jacket()),
        }],
        requested_delivery_date: (chrono::Utc::now() + chrono::Duration::days(30))
            .format("%Y-%m-%d")
            .to_string(),
        payment_terms: Some(pb::PaymentTerms {
            kind: pb::PaymentTermKind::TtDeposit as i32,
            deposit_percent: DEPOSIT_PERCENT as i32,
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A partner's person: `role` acting for the partner `code`.
async fn partner(
    url: &str,
    secret: &SecretString,
    who: &str,
    role: &str,
    code: &str,
) -> anyhow::Result<Authorized> {
    authorized_for(url, secret, who, &[role], Some(code)).await
}

/// Walks the made-to-measure jacket from the store to the customer's
/// pick-up.
pub(super) async fn walk(
    urls: &Urls,
    secret: &SecretString,
    sales: &mut Client,
    assistant: &mut Client,
) -> anyhow::Result<()> {
    println!();
    println!(
        "5. A jacket made to measure for a customer of the Nanjing store {STORE} (S10): the fabric bought for it, an outside manufacturer makes it."
    );
    for (code, name) in [
        (FABRIC_SUPPLIER, "Jiangsu Wool Co."),
        (MANUFACTURER, "Suzhou Tailors Ltd"),
    ] {
        purchasing::approved_supplier(urls, secret, code, name, &["fabric"]).await?;
    }
    let mut store =
        OrderServiceClient::new(partner(&urls.orders, secret, "demo-store", "store", STORE).await?);
    let customer = store.create_customer(customer()).await?.into_inner();
    let created = store.create_order(order(&customer.id)).await?;
    let trace = trace_of(&created);
    let order = created.into_inner();
    println!(
        "   the store registered {} and entered the jacket's measurements (sleeve 615 mm)",
        customer.name
    );
    println!(
        "   order {} created (trace {trace}), total {}, {DEPOSIT_PERCENT}% deposit",
        order.number,
        money_text(order.total.as_ref())
    );
    super::submit_and_confirm(&mut store, assistant, &order.id).await?;
    println!("   submitted by the store, confirmed by the sales assistant");
    approve(urls, secret, sales, &order.id).await?;
    wait_for(sales, &order.id, |order| {
        order.state == pb::OrderState::AwaitingPayment as i32
    })
    .await?;
    println!("   now AWAITING_PAYMENT: the store takes the deposit");
    let total = order.total.as_ref().map_or(0, |total| total.minor_units);
    let deposit = total * DEPOSIT_PERCENT / 100;
    store_payment(
        urls,
        secret,
        &order.id,
        finance::PaymentKind::Deposit,
        deposit,
    )
    .await?;
    println!(
        "   deposit of {} paid at the store, confirmed by demo-finance",
        money_text(cny(deposit).as_ref())
    );
    wait_for(sales, &order.id, |order| {
        order.state == pb::OrderState::Released as i32
    })
    .await?;
    println!("   now RELEASED: to the manufacturer, nothing taken from our own stock");
    fabric(urls, secret, &order).await?;
    wait_for(sales, &order.id, |order| {
        order.state == pb::OrderState::InProduction as i32
    })
    .await?;
    println!("   now IN_PRODUCTION: the manufacturer makes the jacket");
    let maker = OrderServiceClient::new(
        partner(
            &urls.orders,
            secret,
            "demo-tailor",
            "manufacturer",
            MANUFACTURER,
        )
        .await?,
    );
    let tracking = format!("SF{}2", order.number);
    retry("the manufacturer's shipment to the store", || {
        let mut maker = maker.clone();
        let request = pb::ShipToStoreRequest {
            request_id: String::new(),
            order_id: order.id.clone(),
            carrier: "SF Express".to_owned(),
            tracking_number: tracking.clone(),
        };
        async move { maker.ship_to_store(request).await }
    })
    .await?;
    println!("   jacket shipped to the store by the manufacturer, tracking {tracking}");
    let received = store
        .confirm_store_receipt(pb::ConfirmStoreReceiptRequest {
            request_id: String::new(),
            order_id: order.id.clone(),
        })
        .await?
        .into_inner();
    println!(
        "   the store received it: now {}",
        state_name(received.state)
    );
    store_payment(
        urls,
        secret,
        &order.id,
        finance::PaymentKind::Balance,
        total - deposit,
    )
    .await?;
    println!(
        "   balance of {} paid at the store, confirmed by demo-finance",
        money_text(cny(total - deposit).as_ref())
    );
    let picked = retry("the pick-up once the balance is in", || {
        let mut store = store.clone();
        let request = pb::ConfirmPickUpRequest {
            request_id: String::new(),
            order_id: order.id.clone(),
        };
        async move { store.confirm_pick_up(request).await }
    })
    .await?;
    println!(
        "   the customer picked the jacket up: now {}",
        state_name(picked.state)
    );
    print_timeline(sales, &order.id, &trace).await?;
    Ok(())
}

/// APR-8: finance, tech and commerce approve the made-to-measure order, in
/// that order.
async fn approve(
    urls: &Urls,
    secret: &SecretString,
    sales: &mut Client,
    order_id: &str,
) -> anyhow::Result<()> {
    let filed = wait_for(sales, order_id, |order| {
        !order.approval_request_id.is_empty()
    })
    .await?;
    super::approving::every_step(urls, secret, &filed.approval_request_id, |role| {
        format!("demo-{role}")
    })
    .await
}

/// A payment the store takes from the customer (by card), recorded once
/// finance knows the order and confirmed by finance.
async fn store_payment(
    urls: &Urls,
    secret: &SecretString,
    order_id: &str,
    kind: finance::PaymentKind,
    minor_units: i64,
) -> anyhow::Result<()> {
    let till = FinanceServiceClient::new(
        partner(&urls.finance, secret, "demo-store", "store", STORE).await?,
    );
    let payment = retry("finance to know the order", || {
        let mut till = till.clone();
        let request = finance::RecordPaymentRequest {
            request_id: format!("demo-store-{}:{order_id}", kind.as_str_name()),
            order_id: order_id.to_owned(),
            kind: kind as i32,
            amount: cny(minor_units),
            method: "card at the store".to_owned(),
            reference: format!("POS-{minor_units}"),
        };
        async move { till.record_payment(request).await }
    })
    .await?;
    finance_client(&urls.finance, secret, "demo-finance", &["finance"])
        .await?
        .confirm_payment(finance::ConfirmPaymentRequest {
            request_id: String::new(),
            payment_id: payment.id,
        })
        .await?;
    Ok(())
}

/// PRC-7: commerce buys the fabric for the order, the supplier accepts and
/// ships it, the manufacturer receives it.
async fn fabric(urls: &Urls, secret: &SecretString, order: &pb::Order) -> anyhow::Result<()> {
    let commerce = ProcurementServiceClient::new(
        authorized(&urls.procurement, secret, "demo-commerce", &["commerce"]).await?,
    );
    let record = procurement::RecordFabricPurchaseRequest {
        request_id: format!("demo-fabric:{}", order.id),
        order_id: order.id.clone(),
        order_number: order.number.clone(),
        garment: "jacket".to_owned(),
        fabric_code: "VBC-2201".to_owned(),
        length_cm: 180,
        price: cny(126_000),
        supplier_code: FABRIC_SUPPLIER.to_owned(),
        manufacturer_code: MANUFACTURER.to_owned(),
    };
    // Procurement learns the order from its events.
    let bought = retry("procurement to know the order", || {
        let mut commerce = commerce.clone();
        let request = record.clone();
        async move { commerce.record_fabric_purchase(request).await }
    })
    .await?;
    println!(
        "   fabric {} ({} cm, {}) bought by commerce from {FABRIC_SUPPLIER}, to go to {MANUFACTURER}",
        bought.fabric_code,
        bought.length_cm,
        money_text(bought.price.as_ref())
    );
    let mut supplier = ProcurementServiceClient::new(
        partner(
            &urls.procurement,
            secret,
            "demo-wool-clerk",
            "supplier",
            FABRIC_SUPPLIER,
        )
        .await?,
    );
    supplier
        .answer_fabric_purchase(procurement::AnswerFabricPurchaseRequest {
            request_id: String::new(),
            id: bought.id.clone(),
            accept: true,
            reason: String::new(),
        })
        .await?;
    let tracking = format!("SF{}1", order.number);
    supplier
        .record_fabric_shipment(procurement::RecordFabricShipmentRequest {
            request_id: String::new(),
            id: bought.id.clone(),
            carrier: "SF Express".to_owned(),
            tracking_number: tracking.clone(),
        })
        .await?;
    println!("   fabric accepted and shipped by the supplier, tracking {tracking}");
    ProcurementServiceClient::new(
        partner(
            &urls.procurement,
            secret,
            "demo-tailor",
            "manufacturer",
            MANUFACTURER,
        )
        .await?,
    )
    .receive_fabric(procurement::ReceiveFabricRequest {
        request_id: String::new(),
        id: bought.id.clone(),
        accepted: true,
        note: String::new(),
    })
    .await?;
    println!("   fabric received by the manufacturer {MANUFACTURER}");
    Ok(())
}
