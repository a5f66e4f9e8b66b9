//! The orders domain: plain Rust, no transport or storage.
//!
//! - [`order`]: order kinds and their price rules, the lifecycle state
//!   machine (ORD-4), lines, payment terms, new-order validation (ORD-1, ORD-3),
//!   edits (ORD-7) and review (ORD-5).
//! - [`customer`]: customers and addresses.
//! - [`quotation`]: inquiry → quotation versions → order (ORD-13).
//! - [`error`]: the service's error enum.

/// An enum whose values are stored and shown as snake_case words: `ALL`,
/// `as_str`, `parse`, `Display` and serde from one list (the order kinds and
/// states, the notification kinds). The caller's module brings `fmt`,
/// `Serialize` and `Deserialize` into scope.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$variant_meta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$variant_meta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(self.as_str())
            }
        }
    };
}

pub mod confirmation;
pub mod customer;
pub mod error;
pub mod listing;
pub mod notification;
pub mod order;
pub mod price;
pub mod quotation;
pub mod timeline;

pub use error::OrderError;

/// Who acts: the platform's caller (subject, roles, and the outside partner
/// a partner's person acts for), recorded on every change.
pub use orderflow_platform::auth::Caller as Actor;

/// What the orders service asks of an actor beyond the platform's caller.
pub trait OrderActor {
    /// S10: the store whose orders alone a store's person sees and acts on;
    /// `None` for the company's own people and services.
    fn store_scope(&self) -> Result<Option<&str>, OrderError>;

    /// S10: refused unless the caller may see `order`: staff see every
    /// order, a store's person its store's only (another's is not there).
    fn may_see(&self, order: &order::Order) -> Result<(), OrderError>;
}

impl OrderActor for Actor {
    fn store_scope(&self) -> Result<Option<&str>, OrderError> {
        self.partner_scope().map_err(OrderError::PermissionDenied)
    }

    fn may_see(&self, order: &order::Order) -> Result<(), OrderError> {
        match self.store_scope()? {
            Some(store) if store != order.store_code => {
                Err(OrderError::not_found("order", order.id.clone()))
            }
            _ => Ok(()),
        }
    }
}

/// The fulfilment saga acting on its own.
pub fn saga_actor() -> Actor {
    Actor::new("orders:saga", &["service"])
}
