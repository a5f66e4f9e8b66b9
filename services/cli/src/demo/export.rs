//! The demo's export order (S1): eight pumps on L/C terms, more than the
//! warehouse holds. The export contract review (APR-2) up to the GM, the
//! L/C registered and reviewed twice (FIN-4) releases it; the shortage goes
//! through production and purchasing; shipped against the accepted L/C,
//! delivered, and completed once the bank paid the L/C proceeds.

use orderflow_proto::finance::v1 as finance;
use orderflow_proto::orders::v1 as pb;
use secrecy::SecretString;

use super::{
    Client, Urls, finance_client, money_text, order_request, place, print_timeline, production,
    released_and_reserved, shipping, state_name, wait_for,
};

/// Walks the export order for `customer_id` from its creation to COMPLETED.
pub(super) async fn walk(
    urls: &Urls,
    secret: &SecretString,
    sales: &mut Client,
    assistant: &mut Client,
    customer_id: &str,
) -> anyhow::Result<()> {
    println!();
    println!(
        "2. An export order of 680,000.00 CNY on L/C terms: the export contract review (APR-2), with the GM."
    );
    let export = order_request(
        customer_id,
        pb::OrderKind::Export,
        pb::PaymentTermKind::Lc,
        8,
        8_500_000,
    );
    let (export, trace) = place(sales, assistant, export).await?;
    contract_review(urls, secret, &export).await?;
    let export = wait_for(sales, &export.id, |order| {
        order.state == pb::OrderState::AwaitingPayment as i32
    })
    .await?;
    println!("   now {}", state_name(export.state));
    letter_of_credit(&urls.finance, secret, &export).await?;
    let export = released_and_reserved(sales, &export.id).await?;
    println!(
        "   now {}: short in finished goods, to production",
        state_name(export.state)
    );
    production::produce(urls, secret, sales, &export).await?;
    shipping::ship_and_deliver(urls, secret, &export).await?;
    let export = wait_for(sales, &export.id, |order| {
        order.state == pb::OrderState::Delivered as i32
    })
    .await?;
    println!(
        "   now {}: shipped against the L/C; finance waits for the bank's money",
        state_name(export.state)
    );
    proceeds(&urls.finance, secret, &export).await?;
    let export = wait_for(sales, &export.id, |order| {
        order.state == pb::OrderState::Completed as i32
    })
    .await?;
    println!(
        "   now {}: paid in full, settled by finance",
        state_name(export.state)
    );
    print_timeline(sales, &export.id, &trace).await?;
    Ok(())
}

/// APR-2: every step of the export contract review, the GM's included.
async fn contract_review(
    urls: &Urls,
    secret: &SecretString,
    order: &pb::Order,
) -> anyhow::Result<()> {
    let deciders = [
        ("sales", "demo-sales"),
        ("dept_manager", "demo-manager"),
        ("admin_reviewer", "demo-reviewer"),
        ("gm", "demo-gm"),
    ];
    super::approving::every_step(urls, secret, &order.approval_request_id, |role| {
        deciders
            .iter()
            .find(|(decider, _)| *decider == role)
            .map_or("demo-approver", |(_, subject)| *subject)
            .to_owned()
    })
    .await
}

/// The export order's L/C: registered, reviewed by sales and by the
/// documents clerk (FIN-4).
async fn letter_of_credit(
    url: &str,
    secret: &SecretString,
    order: &pb::Order,
) -> anyhow::Result<()> {
    let mut sales = finance_client(url, secret, "demo-sales", &["sales"]).await?;
    let mut clerk = finance_client(url, secret, "demo-docs", &["docs_clerk"]).await?;
    let delivery = chrono::NaiveDate::parse_from_str(&order.requested_delivery_date, "%Y-%m-%d")?;
    let lc = sales
        .register_letter_of_credit(finance::RegisterLetterOfCreditRequest {
            request_id: format!("demo-lc:{}", order.id),
            order_id: order.id.clone(),
            terms: Some(finance::LetterOfCreditTerms {
                number: "LC-DEMO-0001".to_owned(),
                issuing_bank: "Bank of China, Hangzhou".to_owned(),
                amount: order.total.clone(),
                expiry_date: (delivery + chrono::Duration::days(30)).to_string(),
                latest_shipment_date: (delivery + chrono::Duration::days(10)).to_string(),
                required_documents: vec![
                    "commercial invoice x3".to_owned(),
                    "packing list".to_owned(),
                    "bill of lading".to_owned(),
                ],
            }),
            received_date: String::new(),
        })
        .await?
        .into_inner();
    for client in [&mut sales, &mut clerk] {
        client
            .review_letter_of_credit(finance::ReviewLetterOfCreditRequest {
                request_id: String::new(),
                letter_of_credit_id: lc.id.clone(),
                discrepancies: Vec::new(),
            })
            .await?;
    }
    println!(
        "   L/C {} registered, reviewed by demo-sales and demo-docs",
        lc.number
    );
    Ok(())
}

/// The bank paid the L/C: sales records the proceeds, finance confirms them
/// (FIN-3), and finance settles the delivered order.
async fn proceeds(url: &str, secret: &SecretString, order: &pb::Order) -> anyhow::Result<()> {
    let payment = super::pay_in_full(
        url,
        secret,
        order,
        ("L/C negotiation", "BOC-NEG-0001"),
        "demo-lc-proceeds",
    )
    .await?;
    println!(
        "   the bank paid the L/C: {} recorded by demo-sales, confirmed by demo-finance",
        money_text(payment.amount.as_ref())
    );
    Ok(())
}
