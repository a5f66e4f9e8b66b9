//! What the finance service consumes.
//!
//! Consumed: `finance-orders` (`ORDERS`, `orders.order.>`) keeps an account
//! per order, writes the sale entry when an order is accepted and the
//! negative one when an accepted order is cancelled. Goods received back
//! are not valued here from inventory's movements: their negative entry is
//! the executed refund of the after-sales case, for the value agreed at
//! inspection (AFS-6, FIN-7), so nothing is taken off twice.
//! `finance-aftersales` (`AFTERSALES`, `aftersales.case.shelved`): an
//! overseas return's goods shelved turn its refund's negative-profit entry
//! into a return (AFS-8).

use crate::app::Finance;
use crate::domain::account::{
    AccountLine, CostBearer, OrderAccount, OrderKind, Stage, TermKind, Terms,
};
use crate::peers::Approvals;
use async_trait::async_trait;
use chrono::NaiveDate;
use orderflow_platform::bus::consumer::{EventHandler, HandlerError, IncomingEvent, Subscription};
use orderflow_platform::bus::decisions;
use orderflow_platform::grpc::convert::from_timestamp;
use orderflow_platform::money::Currency;
use orderflow_proto::aftersales::v1 as aftersales;
use orderflow_proto::approvals::v1 as approvals;
use orderflow_proto::finance::v1 as pb;
use orderflow_proto::orders::v1 as orders;
use sea_orm::DatabaseTransaction;

pub const ORDERS_CONSUMER: &str = "finance-orders";
pub const APPROVALS_CONSUMER: &str = "finance-approvals";
pub const REFUNDS_CONSUMER: &str = "finance-refunds";
pub const LOGISTICS_CONSUMER: &str = "finance-logistics";
pub const PRODUCTION_CONSUMER: &str = "finance-production";

pub const PRODUCTION_SUBSCRIPTION: Subscription = Subscription::new(
    PRODUCTION_CONSUMER,
    "production",
    Some("production.order.scheduled"),
);

/// PRD-11 → SLA-5: production's planned completion is the date the balance
/// is urged before.
pub struct ProductionPlans {
    finance: Finance,
}

impl ProductionPlans {
    pub fn new(finance: Finance) -> Self {
        Self { finance }
    }
}

#[async_trait]
impl EventHandler for ProductionPlans {
    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let message: orderflow_proto::production::v1::ProductionEvent = event.decode()?;
        let Some(order) = message.production_order else {
            return Ok(());
        };
        let Ok(planned) = chrono::NaiveDate::parse_from_str(&order.planned_completion, "%Y-%m-%d")
        else {
            return Err(HandlerError::Permanent(format!(
                "a scheduled production order without a planned completion date: {:?}",
                order.planned_completion
            )));
        };
        self.finance
            .warehousing_planned(
                transaction,
                &HandlerError::parse("production_order.order_id", &order.order_id)?,
                planned,
            )
            .await
            .map_err(HandlerError::from)
    }
}

pub const LOGISTICS_SUBSCRIPTION: Subscription = Subscription::new(
    LOGISTICS_CONSUMER,
    "logistics",
    Some("logistics.shipment.receipt_confirmed"),
);

/// LOG-5 → FIN-9: the customer's receipt starts the settlement.
pub struct ReceiptEvents {
    finance: Finance,
}

impl ReceiptEvents {
    pub fn new(finance: Finance) -> Self {
        Self { finance }
    }
}

#[async_trait]
impl EventHandler for ReceiptEvents {
    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let message: orderflow_proto::logistics::v1::ShipmentEvent = event.decode()?;
        let Some(shipment) = message.shipment else {
            return Ok(());
        };
        self.finance
            .receipt_confirmed(
                transaction,
                &HandlerError::parse("order_id", &shipment.order_id)?,
            )
            .await
            .map_err(HandlerError::from)
    }
}

pub const ORDERS_SUBSCRIPTION: Subscription =
    Subscription::new(ORDERS_CONSUMER, "orders", Some("orders.order.>"));

pub const APPROVALS_SUBSCRIPTION: Subscription =
    Subscription::new(APPROVALS_CONSUMER, "approvals", Some("approvals.request.>"));

pub const REFUNDS_SUBSCRIPTION: Subscription = Subscription::new(
    REFUNDS_CONSUMER,
    crate::config::SERVICE,
    Some("finance.refund.requested"),
);

fn stage_of(state: orders::OrderState) -> Stage {
    use orders::OrderState as S;
    match state {
        S::AwaitingPayment => Stage::AwaitingPayment,
        S::Released | S::InProduction | S::ReadyToShip | S::Shipped => Stage::Released,
        S::Delivered => Stage::Delivered,
        S::Completed => Stage::Completed,
        S::Rejected | S::Cancelled | S::Closed => Stage::Ended,
        S::Unspecified | S::Draft | S::Submitted | S::PendingApproval => Stage::BeforePayment,
    }
}

fn kind_of(kind: orders::OrderKind) -> Option<OrderKind> {
    use orders::OrderKind as K;
    Some(match kind {
        K::Standard => OrderKind::Standard,
        K::Export => OrderKind::Export,
        K::MonthlySettlement => OrderKind::MonthlySettlement,
        K::FreeSample => OrderKind::FreeSample,
        K::ReshipZeroProfit => OrderKind::ReshipZeroProfit,
        K::ReshipNegativeProfit => OrderKind::ReshipNegativeProfit,
        K::MaterialPrep => OrderKind::MaterialPrep,
        K::SelfStock => OrderKind::SelfStock,
        K::MadeToMeasure => OrderKind::MadeToMeasure,
        K::Return => OrderKind::Return,
        K::Unspecified => return None,
    })
}

fn terms_of(terms: Option<&orders::PaymentTerms>) -> Option<Terms> {
    use orders::PaymentTermKind as T;
    let terms = terms?;
    let kind = match terms.kind() {
        T::Prepaid => TermKind::Prepaid,
        T::TtDeposit => TermKind::TtDeposit,
        T::Lc => TermKind::Lc,
        T::Da => TermKind::Da,
        T::OpenAccount => TermKind::OpenAccount,
        T::MonthlySettlement => TermKind::MonthlySettlement,
        T::Unspecified => return None,
    };
    Some(Terms {
        kind,
        deposit_percent: u8::try_from(terms.deposit_percent.clamp(0, 100)).unwrap_or(0),
    })
}

/// The account finance keeps of an order, from the order as published.
pub fn account_of(order: &orders::Order) -> Result<OrderAccount, String> {
    let kind = kind_of(order.kind()).ok_or("an order without a kind")?;
    let currency = Currency::parse(&order.currency_code)
        .map_err(|error| format!("order currency: {error}"))?;
    let delivery_date = NaiveDate::parse_from_str(&order.requested_delivery_date, "%Y-%m-%d")
        .map_err(|error| format!("order delivery date: {error}"))?;
    let updated_at = order
        .update_time
        .as_ref()
        .and_then(from_timestamp)
        .ok_or("an order without an update time")?;
    Ok(OrderAccount {
        order_id: order.id.clone(),
        order_number: order.number.clone(),
        kind,
        customer_id: order.customer_id.clone(),
        salesperson: order.salesperson.clone(),
        store_code: order.store_code.clone(),
        currency,
        total: order.total.as_ref().map_or(0, |total| total.minor_units),
        terms: terms_of(order.payment_terms.as_ref()),
        delivery_date,
        lines: order
            .lines
            .iter()
            .map(|line| AccountLine {
                sku: line.sku.clone(),
                quantity: line.quantity,
                unit_price: line
                    .unit_price
                    .as_ref()
                    .map_or(0, |price| price.minor_units),
                components: line.kit.as_ref().map_or_else(Vec::new, |kit| {
                    kit.components
                        .iter()
                        .map(|component| (component.sku.clone(), component.quantity))
                        .collect()
                }),
            })
            .collect(),
        stage: stage_of(order.state()),
        order_updated_at: updated_at,
        manager_confirmation: None,
        gate_opened_at: None,
        balance_reminded_at: None,
        announced_blockers: None,
        receipt_confirmed_at: None,
        warehousing_date: None,
        cost_bearer: match order.cost_bearer() {
            orders::CostBearer::Us => Some(CostBearer::Us),
            orders::CostBearer::Carrier => Some(CostBearer::Carrier),
            orders::CostBearer::Customer => Some(CostBearer::Customer),
            orders::CostBearer::Unspecified => None,
        },
        replaces_order_id: order.replaces_order_id.clone(),
    })
}

/// The orders service's reports, as finance needs them.
pub struct OrderEvents {
    finance: Finance,
}

impl OrderEvents {
    pub fn new(finance: Finance) -> Self {
        Self { finance }
    }
}

#[async_trait]
impl EventHandler for OrderEvents {
    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let message: orders::OrderEvent = event.decode()?;
        let Some(order) = message.order else {
            return Err(HandlerError::Permanent(
                "an order event without an order".to_owned(),
            ));
        };
        let account = account_of(&order).map_err(HandlerError::Permanent)?;
        self.finance
            .sync_order(transaction, account, &message.actor)
            .await
            .map_err(HandlerError::from)
    }
}

/// Files a requested refund's `gm` approval with the approvals service.
pub struct RefundRequests {
    finance: Finance,
    approvals: Approvals,
}

impl RefundRequests {
    pub fn new(finance: Finance, approvals: Approvals) -> Self {
        Self { finance, approvals }
    }
}

#[async_trait]
impl EventHandler for RefundRequests {
    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let message: pb::RefundEvent = event.decode()?;
        let Some(refund) = message.refund else {
            return Err(HandlerError::Permanent(
                "a refund event without a refund".to_owned(),
            ));
        };
        let Some(refund) = self
            .finance
            .refund_to_file(transaction, &refund.id)
            .await
            .map_err(HandlerError::from)?
        else {
            return Ok(());
        };
        let request = self
            .approvals
            .request_refund_approval(&refund)
            .await
            .map_err(|status| {
                HandlerError::from_peer("the approvals service refused the refund", &status)
            })?;
        self.finance
            .approval_filed(transaction, refund, &request.id)
            .await
            .map_err(HandlerError::from)
    }
}

/// The approvals service's decisions on refunds.
pub struct RefundDecisions {
    finance: Finance,
}

impl RefundDecisions {
    pub fn new(finance: Finance) -> Self {
        Self { finance }
    }
}

/// Whether the request's current round has an approved `gm` step.
fn gm_approved(request: &approvals::ApprovalRequest) -> bool {
    request.steps.iter().any(|step| {
        step.round == request.round
            && step.role == "gm"
            && step.state == approvals::StepState::Approved as i32
    })
}

#[async_trait]
impl EventHandler for RefundDecisions {
    /// A request's decision only.
    fn acts_on(&self, event: &IncomingEvent) -> bool {
        decisions::is_decision(event)
    }

    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let Some(decided) = decisions::decision(event)? else {
            return Ok(());
        };
        if decided.request.subject_kind != "refund" {
            return Ok(());
        }
        let decision = if decided.approved {
            Ok(gm_approved(&decided.request))
        } else {
            Err(decided.reason.as_str())
        };
        self.finance
            .approval_decided(
                transaction,
                &decided.request.subject_id,
                decision,
                &decided.actor,
            )
            .await
            .map_err(HandlerError::from)
    }
}

/// After-sales' overseas returns shelved (AFS-8): the refund's loss becomes
/// a return.
pub struct AfterSalesEvents {
    finance: Finance,
}

impl AfterSalesEvents {
    pub fn new(finance: Finance) -> Self {
        Self { finance }
    }
}

pub const AFTERSALES_CONSUMER: &str = "finance-aftersales";

pub const AFTERSALES_SUBSCRIPTION: Subscription = Subscription::new(
    AFTERSALES_CONSUMER,
    "aftersales",
    Some("aftersales.case.shelved"),
);

#[async_trait]
impl EventHandler for AfterSalesEvents {
    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let message: aftersales::CaseChanged = event.decode()?;
        let Some(case) = message.case else {
            return Ok(());
        };
        let shelved_at = case
            .shelve_time
            .as_ref()
            .or(message.occur_time.as_ref())
            .and_then(from_timestamp)
            .ok_or_else(|| HandlerError::Permanent("a shelving without a time".to_owned()))?;
        // The case may not know its refund's id yet (shelved while the
        // refund was being filed): the refund names the case.
        let refund_id = if case.refund_id.is_empty() {
            match self
                .finance
                .refund_of_case(transaction, &case.order_id, &case.id)
                .await
                .map_err(HandlerError::from)?
            {
                Some(id) => id,
                // Being filed (the case is refunding): its request may have
                // read the case before the shelving and ask for a refund
                // with the goods still pending, so the shelving waits for
                // it rather than be lost.
                None if case.state == aftersales::CaseState::Refunding as i32 => {
                    return Err(HandlerError::Waiting(anyhow::anyhow!(
                        "case {} shelved while its refund is being filed: waiting for the refund",
                        case.id
                    )));
                }
                // Not requested yet: it will be filed as a return's, the
                // case knowing its goods shelved.
                None => return Ok(()),
            }
        } else {
            case.refund_id.clone()
        };
        self.finance
            .goods_shelved(transaction, &refund_id, shelved_at, &message.actor)
            .await
            .map_err(HandlerError::from)
    }
}
