//! The operator's side of the `DEADLETTER` stream (issue 17): list what
//! consumers gave up on, and replay a dead letter once its cause is fixed.
//!
//! A replay publishes the event again to its own subject with its own event
//! id (`Nats-Msg-Id`), so every consumer's inbox recognises it: the consumer
//! that failed handles it now, the others already have and skip it. The dead
//! letter is then deleted from the stream, so a second replay finds nothing;
//! a crash between the two only means the next replay publishes a copy that
//! the inboxes (and the stream's duplicate window) absorb.

use anyhow::Context as _;
use async_nats::jetstream;
use async_nats::jetstream::message::StreamMessage;

use super::headers;

/// One event a consumer gave up on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// Its sequence in the `DEADLETTER` stream: what `replay` takes.
    pub sequence: u64,
    /// The durable consumer that gave up, e.g. `orders-finance`.
    pub consumer: String,
    /// The subject it was published on, e.g. `finance.gate.opened`.
    pub subject: String,
    /// The event's id (its `Nats-Msg-Id` when it was first published).
    pub event_id: String,
    pub reason: String,
    pub deliveries: String,
    pub dead_lettered_at: String,
}

/// What a replay did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replayed {
    /// Published again to its subject, and removed from the stream.
    Published(DeadLetter),
    /// No dead letter with that sequence (already replayed, or never).
    NotFound,
    /// The event's stream still holds it inside its duplicate window, so
    /// NATS would drop the copy: kept; replay it after the window.
    TooSoon(DeadLetter),
}

fn header(message: &StreamMessage, name: &str) -> String {
    message
        .headers
        .get(name)
        .map(|value| value.as_str().to_owned())
        .unwrap_or_default()
}

fn letter(message: &StreamMessage) -> DeadLetter {
    let consumer = header(message, headers::DEAD_LETTER_CONSUMER);
    let stored_id = header(message, headers::MESSAGE_ID);
    let event_id = stored_id
        .strip_prefix(&format!("{consumer}:"))
        .unwrap_or(&stored_id)
        .to_owned();
    DeadLetter {
        sequence: message.sequence,
        subject: header(message, headers::DEAD_LETTER_SUBJECT),
        reason: header(message, headers::DEAD_LETTER_REASON),
        deliveries: header(message, headers::DEAD_LETTER_DELIVERIES),
        dead_lettered_at: message.time.to_string(),
        consumer,
        event_id,
    }
}

async fn stream(context: &jetstream::Context) -> anyhow::Result<Option<jetstream::stream::Stream>> {
    match context.get_stream(super::DEAD_LETTER_STREAM).await {
        Ok(stream) => Ok(Some(stream)),
        Err(error)
            if matches!(
                error.kind(),
                jetstream::context::GetStreamErrorKind::JetStream(ref cause)
                    if cause.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND
            ) =>
        {
            Ok(None)
        }
        Err(error) => Err(error).context("cannot read the DEADLETTER stream"),
    }
}

/// Every dead letter, oldest first.
pub async fn list(context: &jetstream::Context) -> anyhow::Result<Vec<DeadLetter>> {
    let Some(mut stream) = stream(context).await? else {
        return Ok(Vec::new());
    };
    let state = stream.info().await?.state.clone();
    let mut letters = Vec::new();
    if state.messages == 0 {
        return Ok(letters);
    }
    for sequence in state.first_sequence..=state.last_sequence {
        // Replayed ones are deleted: gaps are normal.
        if let Ok(message) = stream.get_raw_message(sequence).await {
            letters.push(letter(&message));
        }
    }
    Ok(letters)
}

/// Replays the dead letter `sequence` (see the module's notes).
pub async fn replay(context: &jetstream::Context, sequence: u64) -> anyhow::Result<Replayed> {
    let Some(stream) = stream(context).await? else {
        return Ok(Replayed::NotFound);
    };
    let Ok(message) = stream.get_raw_message(sequence).await else {
        return Ok(Replayed::NotFound);
    };
    let letter = letter(&message);
    anyhow::ensure!(
        !letter.subject.is_empty() && !letter.event_id.is_empty(),
        "dead letter {sequence} names no subject or event id"
    );
    let mut replayed = async_nats::HeaderMap::new();
    for (name, values) in message.headers.iter() {
        let name: &str = name.as_ref();
        if name.starts_with("Orderflow-Dead-Letter") || name == headers::MESSAGE_ID {
            continue;
        }
        for value in values {
            replayed.append(name, value.as_str());
        }
    }
    replayed.insert(headers::MESSAGE_ID, letter.event_id.as_str());
    let ack = context
        .publish_with_headers(letter.subject.clone(), replayed, message.payload.clone())
        .await
        .with_context(|| format!("cannot publish to {}", letter.subject))?
        .await
        .with_context(|| format!("{} did not take the replay", letter.subject))?;
    if ack.duplicate {
        return Ok(Replayed::TooSoon(letter));
    }
    stream
        .delete_message(sequence)
        .await
        .with_context(|| format!("replayed, but dead letter {sequence} is still listed"))?;
    Ok(Replayed::Published(letter))
}
