//! One process, several services (`orderflow up`, the in-process test
//! cluster): each span goes out under the `service.name` of the service that
//! made it, so the trace backend shows `orderflow-orders`, `orderflow-finance`
//! … as it does for the separate binaries, not one `orderflow`.
//!
//! The platform's spans (server, client, producer, consumer) carry the
//! [`SERVICE_ATTRIBUTE`]; [`ByService`] sends each finished span to the
//! batch processor of its service, whose exporter carries that service's
//! resource, and every other span to the process's own.

use std::collections::HashMap;
use std::time::Duration;

use opentelemetry::Context;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{BatchSpanProcessor, Span, SpanData, SpanProcessor};

/// The span attribute naming the service that made a span.
pub const SERVICE_ATTRIBUTE: &str = "orderflow.service";

/// Routes finished spans to their service's processor.
#[derive(Debug)]
pub struct ByService {
    own: BatchSpanProcessor,
    services: HashMap<String, BatchSpanProcessor>,
}

impl ByService {
    /// `own` for spans of no hosted service; one processor per hosted
    /// service (`orders` → resource `service.name=orderflow-orders`), each
    /// exporting with what `exporter` builds.
    pub fn new<E: opentelemetry_sdk::trace::SpanExporter + 'static>(
        own: BatchSpanProcessor,
        hosted: &[String],
        exporter: impl Fn() -> anyhow::Result<E>,
    ) -> anyhow::Result<Self> {
        let mut services = HashMap::new();
        for service in hosted {
            let mut processor = BatchSpanProcessor::builder(exporter()?).build();
            processor.set_resource(
                &Resource::builder()
                    .with_service_name(format!("orderflow-{service}"))
                    .build(),
            );
            services.insert(service.clone(), processor);
        }
        Ok(Self { own, services })
    }

    fn all(&self) -> impl Iterator<Item = &BatchSpanProcessor> {
        std::iter::once(&self.own).chain(self.services.values())
    }
}

impl SpanProcessor for ByService {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        let service = span
            .attributes
            .iter()
            .find(|pair| pair.key.as_str() == SERVICE_ATTRIBUTE)
            .map(|pair| pair.value.as_str());
        match service.and_then(|service| self.services.get(service.as_ref())) {
            Some(processor) => processor.on_end(span),
            None => self.own.on_end(span),
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        // Every processor flushes, even after one failed; the first failure
        // is the answer.
        let results: Vec<OTelSdkResult> = self.all().map(SpanProcessor::force_flush).collect();
        results.into_iter().find(Result::is_err).unwrap_or(Ok(()))
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let results: Vec<OTelSdkResult> = self
            .all()
            .map(|processor| processor.shutdown_with_timeout(timeout))
            .collect();
        results.into_iter().find(Result::is_err).unwrap_or(Ok(()))
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.own.set_resource(resource);
    }
}
