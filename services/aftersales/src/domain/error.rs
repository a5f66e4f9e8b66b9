//! After-sales' errors are the platform's one error type (`Error`): the
//! same variants, constructors and gRPC mapping in every service.

pub use orderflow_platform::error::{Error as AfterSalesError, Unmet};
