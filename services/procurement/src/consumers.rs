//! What the procurement service consumes.
//!
//! - `procurement-production` on `PRODUCTION`, `production.materials.short`:
//!   each short material becomes (or joins) a requisition (PRC-2, PRD-2).
//! - `procurement-contracts` on `PROCUREMENT`,
//!   `procurement.purchase_order.created`: the contract is filed with the
//!   approvals service (APR-9), retried while approvals is away.
//! - `procurement-approvals` on `APPROVALS`, `approvals.request.>`: a
//!   purchase contract's decision.
//! - `procurement-outsourcing` on `PRODUCTION`,
//!   `production.outsourcing.requested`: each outsourced operation becomes
//!   an outsourcing order (PRC-6).
//! - `procurement-outsourcing-contracts` on `PROCUREMENT`,
//!   `procurement.outsourcing.assigned`: the outsourcing contract is filed
//!   with the approvals service (APR-9), retried while approvals is away.
//! - `procurement-stock` on `INVENTORY`, `inventory.stock.short`: the short
//!   lines of traded goods (bought, not made) become requisitions (INV-9).
//! - `procurement-sheets` on `INVENTORY`, `inventory.sheet.created`: the
//!   work contact sheet of a GM-approved material-prep order becomes
//!   requisitions (S11, PRC-2).
//! - `procurement-orders` on `ORDERS`, `orders.order.>`: the number and
//!   state of made-to-measure orders, which fabric is bought for (PRC-7).

use async_trait::async_trait;
use chrono::{Duration, NaiveDate};
use orderflow_platform::bus::consumer::{EventHandler, HandlerError, IncomingEvent, Subscription};
use orderflow_platform::bus::decisions;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::orders::v1 as orders;
use orderflow_proto::procurement::v1 as pb;
use orderflow_proto::production::v1 as production;
use sea_orm::DatabaseTransaction;

use crate::app::{Need, Procurement};
use crate::domain::outsourcing::Demand;
use crate::domain::requisition::Source;
use crate::peers;

pub const PRODUCTION_CONSUMER: &str = "procurement-production";
pub const CONTRACTS_CONSUMER: &str = "procurement-contracts";
pub const APPROVALS_CONSUMER: &str = "procurement-approvals";
pub const SHEETS_CONSUMER: &str = "procurement-sheets";
pub const STOCK_CONSUMER: &str = "procurement-stock";
pub const OUTSOURCING_CONSUMER: &str = "procurement-outsourcing";
pub const OUTSOURCING_CONTRACTS_CONSUMER: &str = "procurement-outsourcing-contracts";
pub const ORDERS_CONSUMER: &str = "procurement-orders";

pub const ORDERS_SUBSCRIPTION: Subscription =
    Subscription::new(ORDERS_CONSUMER, "orders", Some("orders.order.>"));

pub const OUTSOURCING_SUBSCRIPTION: Subscription = Subscription::new(
    OUTSOURCING_CONSUMER,
    "production",
    Some("production.outsourcing.requested"),
);

pub const OUTSOURCING_CONTRACTS_SUBSCRIPTION: Subscription = Subscription::new(
    OUTSOURCING_CONTRACTS_CONSUMER,
    crate::config::SERVICE,
    Some("procurement.outsourcing.assigned"),
);

pub const STOCK_SUBSCRIPTION: Subscription =
    Subscription::new(STOCK_CONSUMER, "inventory", Some("inventory.stock.short"));

pub const SHEETS_SUBSCRIPTION: Subscription = Subscription::new(
    SHEETS_CONSUMER,
    "inventory",
    Some("inventory.sheet.created"),
);

/// A shortage without a need-by day is needed in two weeks.
const DEFAULT_LEAD_DAYS: i64 = 14;

pub const PRODUCTION_SUBSCRIPTION: Subscription = Subscription::new(
    PRODUCTION_CONSUMER,
    "production",
    Some("production.materials.short"),
);

pub const CONTRACTS_SUBSCRIPTION: Subscription = Subscription::new(
    CONTRACTS_CONSUMER,
    crate::config::SERVICE,
    Some("procurement.purchase_order.created"),
);

pub const APPROVALS_SUBSCRIPTION: Subscription =
    Subscription::new(APPROVALS_CONSUMER, "approvals", Some("approvals.request.>"));

/// Production's material shortages.
pub struct MaterialShortages {
    procurement: Procurement,
}

impl MaterialShortages {
    pub fn new(procurement: Procurement) -> Self {
        Self { procurement }
    }
}

#[async_trait]
impl EventHandler for MaterialShortages {
    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let message: production::MaterialShortage = event.decode()?;
        let need_by = NaiveDate::parse_from_str(&message.need_by, "%Y-%m-%d")
            .unwrap_or_else(|_| self.procurement.today() + Duration::days(DEFAULT_LEAD_DAYS));
        for material in message.materials.iter().filter(|m| m.quantity > 0) {
            self.procurement
                .need(
                    transaction,
                    Need {
                        sku: material.sku.clone(),
                        quantity: material.quantity,
                        need_by,
                        source: Source {
                            kind: "production".to_owned(),
                            reference: message.production_order_id.clone(),
                            quantity: material.quantity,
                            order_number: message.order_number.clone(),
                        },
                    },
                )
                .await?;
        }
        Ok(())
    }
}

/// Files a new purchase order's contract (APR-9).
pub struct ContractFiling {
    procurement: Procurement,
    approvals: peers::Approvals,
}

impl ContractFiling {
    pub fn new(procurement: Procurement, approvals: peers::Approvals) -> Self {
        Self {
            procurement,
            approvals,
        }
    }
}

#[async_trait]
impl EventHandler for ContractFiling {
    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let message: pb::PurchaseOrderEvent = event.decode()?;
        let Some(order) = message.purchase_order else {
            return Err(HandlerError::Permanent(
                "a purchase order event without its order".to_owned(),
            ));
        };
        let request = self
            .approvals
            .file_contract(&order, &message.actor)
            .await
            .map_err(|status| HandlerError::from_peer("approvals refused the contract", &status))?;
        self.procurement
            .contract_filed(transaction, &order.id, &request.id)
            .await?;
        Ok(())
    }
}

/// The approvals service's decisions on purchase contracts.
pub struct ContractDecisions {
    procurement: Procurement,
}

impl ContractDecisions {
    pub fn new(procurement: Procurement) -> Self {
        Self { procurement }
    }
}

#[async_trait]
impl EventHandler for ContractDecisions {
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
        let (subject, approved) = (&decided.request.subject_id, decided.approved);
        match decided.request.subject_kind.as_str() {
            "purchase_contract" => {
                self.procurement
                    .contract_decided(
                        transaction,
                        subject,
                        approved,
                        &decided.reason,
                        &decided.actor,
                    )
                    .await?;
            }
            // PRC-6: an outsourcing order's contract.
            "outsourcing_contract" => {
                self.procurement
                    .outsourcing_contract_decided(
                        transaction,
                        subject,
                        approved,
                        &decided.reason,
                        &decided.actor,
                    )
                    .await?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// The materials warehouse's work contact sheets (S11).
pub struct WorkContactSheets {
    procurement: Procurement,
}

impl WorkContactSheets {
    pub fn new(procurement: Procurement) -> Self {
        Self { procurement }
    }
}

#[async_trait]
impl EventHandler for WorkContactSheets {
    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let message: inventory::WorkContactSheetEvent = event.decode()?;
        let Some(sheet) = message.sheet else {
            return Err(HandlerError::Permanent(
                "a sheet event without its sheet".to_owned(),
            ));
        };
        let need_by = NaiveDate::parse_from_str(&message.need_by, "%Y-%m-%d")
            .unwrap_or_else(|_| self.procurement.today() + Duration::days(DEFAULT_LEAD_DAYS));
        for line in sheet.lines.iter().filter(|line| line.quantity > 0) {
            self.procurement
                .need(
                    transaction,
                    Need {
                        sku: line.sku.clone(),
                        quantity: line.quantity,
                        need_by,
                        source: Source {
                            kind: "material_prep".to_owned(),
                            reference: sheet.id.clone(),
                            quantity: line.quantity,
                            order_number: message.order_number.clone(),
                        },
                    },
                )
                .await?;
        }
        Ok(())
    }
}

/// Inventory's shortages of traded goods (INV-9): bought, not made.
pub struct TradedShortages {
    procurement: Procurement,
}

impl TradedShortages {
    pub fn new(procurement: Procurement) -> Self {
        Self { procurement }
    }
}

#[async_trait]
impl EventHandler for TradedShortages {
    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let message: inventory::ReservationEvent = event.decode()?;
        let Some(reservation) = message.reservation else {
            return Ok(());
        };
        let need_by = self.procurement.today() + Duration::days(DEFAULT_LEAD_DAYS);
        for line in reservation
            .lines
            .iter()
            .filter(|line| line.bought && line.short > 0)
        {
            self.procurement
                .need(
                    transaction,
                    Need {
                        sku: line.sku.clone(),
                        quantity: line.short,
                        need_by,
                        source: Source {
                            kind: "stock_short".to_owned(),
                            reference: reservation.order_id.clone(),
                            quantity: line.short,
                            order_number: reservation.order_number.clone(),
                        },
                    },
                )
                .await?;
        }
        Ok(())
    }
}

/// Production's outsourced operations (PRC-6, PRD-8).
pub struct OutsourcingDemands {
    procurement: Procurement,
}

impl OutsourcingDemands {
    pub fn new(procurement: Procurement) -> Self {
        Self { procurement }
    }
}

#[async_trait]
impl EventHandler for OutsourcingDemands {
    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let message: production::OutsourcingDemand = event.decode()?;
        let day = |field: &str, raw: &str| {
            NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map_err(|_| HandlerError::Permanent(format!("{field} {raw:?} is not a date")))
        };
        let demand = Demand {
            production_order_id: message.production_order_id.clone(),
            order_id: message.order_id.clone(),
            order_number: message.order_number.clone(),
            sku: message.sku.clone(),
            seq: message.seq,
            operation: message.operation.clone(),
            quantity: message.quantity,
            send_date: day("send_date", &message.send_date)?,
            return_date: day("return_date", &message.return_date)?,
        };
        self.procurement
            .outsourcing_requested(transaction, demand, &message.actor)
            .await?;
        Ok(())
    }
}

/// Files a newly assigned outsourcing order's contract (APR-9).
pub struct OutsourcingContractFiling {
    procurement: Procurement,
    approvals: peers::Approvals,
}

impl OutsourcingContractFiling {
    pub fn new(procurement: Procurement, approvals: peers::Approvals) -> Self {
        Self {
            procurement,
            approvals,
        }
    }
}

#[async_trait]
impl EventHandler for OutsourcingContractFiling {
    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let message: pb::OutsourcingEvent = event.decode()?;
        let Some(order) = message.outsourcing_order else {
            return Ok(());
        };
        let request = self
            .approvals
            .file_outsourcing_contract(&order, &message.actor)
            .await
            .map_err(|status| {
                HandlerError::from_peer("approvals refused the outsourcing contract", &status)
            })?;
        self.procurement
            .outsourcing_contract_filed(transaction, &order.id, &request.id)
            .await?;
        Ok(())
    }
}

/// Made-to-measure orders as the orders service reports them (PRC-7).
pub struct GarmentOrders {
    procurement: Procurement,
}

impl GarmentOrders {
    pub fn new(procurement: Procurement) -> Self {
        Self { procurement }
    }
}

#[async_trait]
impl EventHandler for GarmentOrders {
    /// Made-to-measure orders only: the others' events are acknowledged
    /// without a transaction (an event that does not decode is handled, and
    /// dead-lettered there).
    fn acts_on(&self, event: &IncomingEvent) -> bool {
        event
            .decode::<orders::OrderEvent>()
            .ok()
            .and_then(|message| message.order)
            .is_none_or(|order| order.kind == orders::OrderKind::MadeToMeasure as i32)
    }

    async fn handle(
        &self,
        transaction: &DatabaseTransaction,
        event: &IncomingEvent,
    ) -> Result<(), HandlerError> {
        let message: orders::OrderEvent = event.decode()?;
        let Some(order) = message.order else {
            return Ok(());
        };
        if order.kind != orders::OrderKind::MadeToMeasure as i32 {
            return Ok(());
        }
        // `ORDER_STATE_AWAITING_PAYMENT` → `awaiting_payment`.
        let state = orders::OrderState::try_from(order.state)
            .map(|state| {
                state
                    .as_str_name()
                    .trim_start_matches("ORDER_STATE_")
                    .to_lowercase()
            })
            .unwrap_or_default();
        self.procurement
            .garment_order_reported(transaction, &order.id, &order.number, &state)
            .await
            .map_err(HandlerError::from)
    }
}
