//! The order a span is about, so that an operator finds an order's whole
//! journey by its number (architecture.md §6).
//!
//! A service tags the current span with [`tag_order`] as soon as it knows
//! which order an operation is about (usually where it loads the order's
//! record). The tag then travels with the work: [`super::current_context_headers`]
//! (what an outbox event stores and a NATS message carries) and
//! [`super::inject_into_metadata`] (a peer call) add it beside the trace
//! context, and the receiving side — a server span, an event's span, the
//! relay's publish span — tags itself from those headers. Spans below a
//! tagged span inherit the tag through [`current_order`].

use std::collections::HashMap;

use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::registry::{LookupSpan, Registry};

/// Header (gRPC metadata, NATS header, stored outbox header) with the
/// order's id.
pub const ORDER_ID_HEADER: &str = "orderflow-order-id";
/// Header with the order's number.
pub const ORDER_NUMBER_HEADER: &str = "orderflow-order-number";

/// The order an operation is about: its id and, where known, its number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderTag {
    pub id: String,
    pub number: String,
}

impl OrderTag {
    fn from_lookup<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Option<Self> {
        let tag = Self {
            id: get(ORDER_ID_HEADER).unwrap_or_default().to_owned(),
            number: get(ORDER_NUMBER_HEADER).unwrap_or_default().to_owned(),
        };
        (!tag.id.is_empty() || !tag.number.is_empty()).then_some(tag)
    }

    /// The tag stored beside a trace context (an outbox row's headers).
    pub fn from_headers(headers: &HashMap<String, String>) -> Option<Self> {
        Self::from_lookup(|name| headers.get(name).map(String::as_str))
    }

    /// The tag a NATS message carries.
    pub fn from_nats(headers: Option<&async_nats::HeaderMap>) -> Option<Self> {
        let headers = headers?;
        Self::from_lookup(|name| headers.get(name).map(|value| value.as_str()))
    }

    /// The tag a gRPC call carries in its metadata.
    pub fn from_http(headers: &http::HeaderMap) -> Option<Self> {
        Self::from_lookup(|name| headers.get(name).and_then(|value| value.to_str().ok()))
    }

    /// The header pairs that carry the tag.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            (ORDER_ID_HEADER, self.id.as_str()),
            (ORDER_NUMBER_HEADER, self.number.as_str()),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
    }

    /// What a span knows after this tag learns `newer`: a span stays about
    /// the first order it was tagged with (an operation over several orders
    /// is filed under the first); the same order's missing parts are filled.
    fn learn(self, newer: &Self) -> Self {
        if !self.id.is_empty() && !newer.id.is_empty() && self.id != newer.id {
            return self;
        }
        self.or(newer)
    }

    /// This tag with the other's parts where this one has none.
    fn or(self, other: &Self) -> Self {
        let pick = |mine: String, theirs: &str| {
            if mine.is_empty() {
                theirs.to_owned()
            } else {
                mine
            }
        };
        Self {
            id: pick(self.id, &other.id),
            number: pick(self.number, &other.number),
        }
    }
}

/// Tags the current span with the order it is about: the `order.id` and
/// `order.number` attributes, and the tag that events and peer calls made
/// inside it carry on.
pub fn tag_order(id: &str, number: &str) {
    tag_span(
        &tracing::Span::current(),
        &OrderTag {
            id: id.to_owned(),
            number: number.to_owned(),
        },
    );
}

/// Tags `span` (see [`tag_order`]); a span tagged already keeps its order
/// and only fills in what it did not know of it.
pub fn tag_span(span: &tracing::Span, tag: &OrderTag) {
    let merged = span
        .with_subscriber(|(id, dispatch)| {
            let registry = dispatch.downcast_ref::<Registry>()?;
            let data = registry.span(id)?;
            let mut extensions = data.extensions_mut();
            let merged = match extensions.get_mut::<OrderTag>() {
                Some(known) => {
                    *known = known.clone().learn(tag);
                    known.clone()
                }
                None => {
                    extensions.insert(tag.clone());
                    tag.clone()
                }
            };
            Some(merged)
        })
        .flatten()
        .unwrap_or_else(|| tag.clone());
    if !merged.id.is_empty() {
        span.set_attribute("order.id", merged.id);
    }
    if !merged.number.is_empty() {
        span.set_attribute("order.number", merged.number);
    }
}

/// The order the current span, or the nearest span above it, is about.
pub fn current_order() -> Option<OrderTag> {
    tracing::Span::current()
        .with_subscriber(|(id, dispatch)| {
            let registry = dispatch.downcast_ref::<Registry>()?;
            registry
                .span(id)?
                .scope()
                .find_map(|span| span.extensions().get::<OrderTag>().cloned())
        })
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_reads_back_from_the_headers_it_writes_and_blanks_are_left_out() {
        let tag = OrderTag {
            id: "o-1".to_owned(),
            number: String::new(),
        };
        let headers: HashMap<String, String> = tag
            .headers()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        assert_eq!(headers.len(), 1);
        assert_eq!(OrderTag::from_headers(&headers), Some(tag));
        assert_eq!(OrderTag::from_headers(&HashMap::new()), None);
    }

    #[test]
    fn a_span_stays_about_its_first_order_and_learns_only_that_orders_number() {
        let first = OrderTag {
            id: "o-1".to_owned(),
            number: String::new(),
        };
        let other = OrderTag {
            id: "o-2".to_owned(),
            number: "2026113000000002".to_owned(),
        };
        assert_eq!(first.clone().learn(&other), first);
        let same = OrderTag {
            id: "o-1".to_owned(),
            number: "2026113000000001".to_owned(),
        };
        assert_eq!(first.learn(&same), same);
    }

    #[test]
    fn a_later_tag_fills_the_blanks_of_an_earlier_one() {
        let first = OrderTag {
            id: "o-1".to_owned(),
            number: String::new(),
        };
        let second = OrderTag {
            id: String::new(),
            number: "2026113000000001".to_owned(),
        };
        assert_eq!(
            second.or(&first),
            OrderTag {
                id: "o-1".to_owned(),
                number: "2026113000000001".to_owned()
            }
        );
    }
}
