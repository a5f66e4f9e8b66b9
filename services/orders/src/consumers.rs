//! What the orders service consumes: the events that move an order on after
//! its commands (see [`crate::app`]).
//!
//! - [`saga`]: `orders.order.confirmed` (durable consumer `orders-saga`) files
//!   the approval chain of the order's kind or passes it; `approvals.>`
//!   (`orders-approvals`) applies the chain's outcome.
//! - [`release`]: `finance.>` (`orders-finance`) — the gate opened or blocked,
//!   payments, reminders, settlement; `orders.order.released`
//!   (`orders-reservation`) reserves the stock; `logistics.>`
//!   (`orders-logistics`) — shipping, tracking, delivery, receipt.
//! - [`production`]: `production.>` (`orders-production`) — in production,
//!   schedules, output, QA on the timeline; `inventory.reservation.completed`
//!   (`orders-stock`) — made whole by production, ready to ship.

pub mod production;
pub mod release;
pub mod saga;
