//! What each service may do on NATS (issue 17): exactly what it publishes
//! and consumes, derived from the consumers it runs.
//!
//! A service may publish its own events (`orders.>`) and nobody else's, so a
//! compromised or buggy service cannot forge `finance.gate.opened`. On the
//! JetStream API it may declare the streams it uses, declare, read and
//! acknowledge its own durable consumers, and dead-letter what its own
//! consumers could not handle — not delete or purge a stream, not read
//! through another service's consumer. It receives replies only on its own
//! inbox prefix ([`inbox_prefix`]).
//!
//! [`render_authorization`] writes the NATS server's `authorization` block
//! for all services; `k8s/base/nats/authorization.conf` (both overlays) is that
//! text, and the end-to-end suite runs every scenario on it and fails when
//! the running services' consumers no longer match it.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::consumer::ConsumerSpec;

/// The reply subjects of a client named `client_name` (`orderflow-orders`):
/// `_INBOX_orderflow-orders.…`, so that a service's permission to receive
/// replies covers its own and nobody else's.
pub fn inbox_prefix(client_name: &str) -> String {
    format!("_INBOX_{client_name}")
}

/// The subjects a service's NATS user may publish and subscribe to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permissions {
    pub publish: BTreeSet<String>,
    pub subscribe: BTreeSet<String>,
}

impl Permissions {
    /// What `service` needs to publish its events and run `consumers`.
    pub fn of_service(service: &str, consumers: &[ConsumerSpec]) -> Self {
        let api = "$JS.API";
        let mut publish = BTreeSet::new();
        publish.insert(format!("{service}.>"));
        publish.insert(format!("{api}.INFO"));
        let mut streams = BTreeSet::from([super::stream_name(service)]);
        if !consumers.is_empty() {
            streams.insert(super::DEAD_LETTER_STREAM.to_owned());
        }
        for spec in consumers {
            let (stream, durable) = (&spec.stream.name, &spec.durable_name);
            streams.insert(stream.clone());
            for action in ["INFO", "CREATE", "DURABLE.CREATE", "MSG.NEXT"] {
                publish.insert(format!("{api}.CONSUMER.{action}.{stream}.{durable}"));
            }
            // Created with its filter subject in the API subject.
            publish.insert(format!("{api}.CONSUMER.CREATE.{stream}.{durable}.>"));
            publish.insert(format!("$JS.ACK.{stream}.{durable}.>"));
            publish.insert(format!("{}.{durable}.>", super::DEAD_LETTER_PREFIX));
        }
        // Declared idempotently by whoever needs them first (bus::ensure_stream).
        for stream in &streams {
            publish.insert(format!("{api}.STREAM.INFO.{stream}"));
            publish.insert(format!("{api}.STREAM.CREATE.{stream}"));
        }
        let subscribe =
            BTreeSet::from([format!("{}.>", inbox_prefix(&super::client_name(service)))]);
        Self { publish, subscribe }
    }
}

/// The NATS server's `authorization` block: an `operator` user with every
/// right (the `orderflow dlq` and other operator tools), then one user per
/// service with exactly its [`Permissions`]. Passwords are the server's
/// environment variables `OPERATOR_PASSWORD` and `<SERVICE>_PASSWORD`.
pub fn render_authorization(services: &[(&str, Permissions)]) -> String {
    let mut text = String::from(
        "# Generated from the services' consumers (orderflow_platform::bus::permissions);\n\
         # the end-to-end suite runs on this file and fails when it is out of date.\n\
         # Regenerate: ORDERFLOW_WRITE_NATS_AUTHORIZATION=1 cargo test -p orderflow-e2e \\\n\
         #   --test e2e nats_permissions\n\
         authorization {\n  users: [\n    \
         # Operators (orderflow dlq): every right.\n    \
         { user: operator, password: $OPERATOR_PASSWORD }\n",
    );
    let list = |subjects: &BTreeSet<String>| {
        subjects
            .iter()
            .map(|subject| format!("          \"{subject}\"\n"))
            .collect::<String>()
    };
    for (service, permissions) in services {
        let _ = write!(
            text,
            "    {{\n      user: {service}\n      password: ${}_PASSWORD\n      permissions: {{\n        \
             publish: {{ allow: [\n{}        ] }}\n        subscribe: {{ allow: [\n{}        ] }}\n      \
             }}\n    }}\n",
            service.to_ascii_uppercase(),
            list(&permissions.publish),
            list(&permissions.subscribe),
        );
    }
    text.push_str("  ]\n}\n");
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConsumerSettings;

    #[test]
    fn a_service_may_publish_its_own_events_and_run_its_own_consumers_only() {
        let consumers = [ConsumerSpec::on(
            "finance-orders",
            "orders",
            Some("orders.order.>"),
            1,
            ConsumerSettings::default(),
        )];
        let permissions = Permissions::of_service("finance", &consumers);
        for allowed in [
            "finance.>",
            "$JS.API.CONSUMER.MSG.NEXT.ORDERS.finance-orders",
            "$JS.ACK.ORDERS.finance-orders.>",
            "deadletter.finance-orders.>",
            "$JS.API.STREAM.CREATE.DEADLETTER",
            "$JS.API.STREAM.INFO.ORDERS",
        ] {
            assert!(permissions.publish.contains(allowed), "{allowed}");
        }
        assert!(
            permissions
                .publish
                .iter()
                .all(|subject| !subject.starts_with("orders.") && !subject.contains("DELETE")),
            "{permissions:?}"
        );
        assert_eq!(
            permissions.subscribe,
            BTreeSet::from(["_INBOX_orderflow-finance.>".to_owned()])
        );
        let text = render_authorization(&[("finance", permissions)]);
        assert!(text.contains("password: $FINANCE_PASSWORD"), "{text}");
        assert!(
            text.contains("\"$JS.ACK.ORDERS.finance-orders.>\""),
            "{text}"
        );
    }
}
