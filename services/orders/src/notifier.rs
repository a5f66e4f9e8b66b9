//! ORD-17: the adapter through which customers are told things. A
//! deployment plugs in the channel it has (SMS, e-mail, WeChat) by
//! implementing [`Notifier`]; the built-in [`MessageLog`] sends nothing out
//! and leaves the message in the customer's message log, which every
//! notifier writes to and `ListCustomerMessages` lists.

use async_trait::async_trait;

use crate::domain::notification::Notification;

/// Why a send failed; the notification is tried again.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NotifyError(pub String);

#[async_trait]
pub trait Notifier: Send + Sync + std::fmt::Debug {
    /// Sends `notification` to its customer; returns once the channel took
    /// it.
    async fn send(&self, notification: &Notification) -> Result<(), NotifyError>;
}

/// The built-in notifier: the customer's message log is the channel.
#[derive(Debug, Default)]
pub struct MessageLog;

#[async_trait]
impl Notifier for MessageLog {
    async fn send(&self, notification: &Notification) -> Result<(), NotifyError> {
        tracing::info!(
            order.number = %notification.order_number,
            kind = notification.kind.as_str(),
            "customer notified (message log)"
        );
        Ok(())
    }
}
