//! AIP-158 pagination: `page_size` (default and maximum) and opaque page
//! tokens that carry a cursor and are bound to the request's filters, so a
//! token used with other filters is refused.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::FieldViolation;

pub const DEFAULT_PAGE_SIZE: u64 = 50;
pub const MAX_PAGE_SIZE: u64 = 500;

#[derive(Serialize, Deserialize)]
struct Token {
    /// The last item of the previous page.
    cursor: String,
    /// A digest of the filters the token belongs to.
    filters: u64,
}

impl Token {
    fn decode(text: &str) -> Option<Self> {
        URL_SAFE_NO_PAD
            .decode(text)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
    }

    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }
}

/// A validated page request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub size: u64,
    /// Start after this cursor.
    pub after: Option<String>,
    filters: u64,
}

impl PageRequest {
    /// `filters` is any stable rendering of the request's filters.
    pub fn parse(page_size: i32, page_token: &str, filters: &str) -> Result<Self, FieldViolation> {
        let size = match page_size {
            size if size < 0 => {
                return Err(FieldViolation::new("page_size", "must not be negative"));
            }
            0 => DEFAULT_PAGE_SIZE,
            size => u64::try_from(size)
                .unwrap_or(MAX_PAGE_SIZE)
                .min(MAX_PAGE_SIZE),
        };
        let filters = digest(filters);
        let after = if page_token.is_empty() {
            None
        } else {
            let token = Token::decode(page_token).ok_or_else(|| {
                FieldViolation::new("page_token", "not a page token of this list")
            })?;
            if token.filters != filters {
                return Err(FieldViolation::new(
                    "page_token",
                    "belongs to a request with other filters",
                ));
            }
            Some(token.cursor)
        };
        Ok(Self {
            size,
            after,
            filters,
        })
    }

    /// Rows to fetch: one more than the page, to know whether another follows.
    pub fn fetch_limit(&self) -> u64 {
        self.size + 1
    }

    /// Trims `items` to the page and returns the next page token ("" at the end).
    pub fn finish<T>(&self, items: &mut Vec<T>, cursor_of: impl Fn(&T) -> String) -> String {
        let size = usize::try_from(self.size).unwrap_or(usize::MAX);
        if items.len() <= size {
            return String::new();
        }
        items.truncate(size);
        match items.last() {
            Some(last) => Token {
                cursor: cursor_of(last),
                filters: self.filters,
            }
            .encode(),
            None => String::new(),
        }
    }
}

/// A page token like `token` (same list, same filters) that starts after
/// `cursor` instead: what a benchmark uses to ask for a page deep in a large
/// list without walking to it (issue 18, P4). `None` if `token` is not a
/// page token.
pub fn reposition(token: &str, cursor: &str) -> Option<String> {
    let mut token = Token::decode(token)?;
    cursor.clone_into(&mut token.cursor);
    Some(token.encode())
}

fn digest(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_each_other_and_tokens_are_bound_to_filters() {
        let first = PageRequest::parse(2, "", "state=1").unwrap_or_else(|v| panic!("{v}"));
        let mut items = vec![1, 2, 3];
        let token = first.finish(&mut items, |item| item.to_string());
        assert_eq!(items, vec![1, 2]);
        assert!(!token.is_empty());

        let second = PageRequest::parse(2, &token, "state=1").unwrap_or_else(|v| panic!("{v}"));
        assert_eq!(second.after.as_deref(), Some("2"));

        let other = PageRequest::parse(2, &token, "state=2");
        assert_eq!(other.err().map(|v| v.field), Some("page_token".to_owned()));

        let deep = reposition(&token, "9000").unwrap_or_default();
        let third = PageRequest::parse(2, &deep, "state=1").unwrap_or_else(|v| panic!("{v}"));
        assert_eq!(third.after.as_deref(), Some("9000"));
        assert!(reposition("garbage", "1").is_none());
    }

    #[test]
    fn a_last_page_has_no_token_and_sizes_are_clamped() {
        let request = PageRequest::parse(10_000, "", "").unwrap_or_else(|v| panic!("{v}"));
        assert_eq!(request.size, MAX_PAGE_SIZE);
        let mut items = vec![1];
        assert_eq!(request.finish(&mut items, |item| item.to_string()), "");
        assert!(PageRequest::parse(-1, "", "").is_err());
        assert!(PageRequest::parse(5, "garbage", "").is_err());
    }
}
