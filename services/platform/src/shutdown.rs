//! A shutdown signal shared by a service's tasks: the gRPC server, the relay,
//! the consumers and the sweepers all stop when it fires.

use std::sync::Arc;

use tokio::sync::watch;

/// Fires once; every clone sees it. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Shutdown {
    sender: Arc<watch::Sender<bool>>,
    receiver: watch::Receiver<bool>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}

impl Shutdown {
    pub fn new() -> Self {
        let (sender, receiver) = watch::channel(false);
        Self {
            sender: Arc::new(sender),
            receiver,
        }
    }

    pub fn trigger(&self) {
        self.sender.send_replace(true);
    }

    pub fn is_triggered(&self) -> bool {
        *self.receiver.borrow()
    }

    /// Resolves once the signal has fired.
    pub async fn wait(&self) {
        let mut receiver = self.receiver.clone();
        // An error means every sender is gone: nothing can fire any more,
        // which is as good as fired.
        let _ = receiver.wait_for(|fired| *fired).await;
    }

    /// Fires on Ctrl-C or SIGTERM.
    pub fn trigger_on_os_signal(&self) {
        let shutdown = self.clone();
        tokio::spawn(async move {
            wait_for_os_signal().await;
            tracing::info!("shutdown requested");
            shutdown.trigger();
        });
    }
}

#[cfg(unix)]
async fn wait_for_os_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut terminate) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
        }
        Err(error) => {
            tracing::warn!(%error, "cannot listen for SIGTERM; Ctrl-C only");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_os_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
