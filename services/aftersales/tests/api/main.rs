//! The after-sales service's API tests.

mod cases;
mod feedback;
mod support;
