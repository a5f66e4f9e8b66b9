//! The Rust side of every Orderflow contract.
//!
//! - `common::v1`: money and addresses shared by all services.
//! - `aftersales::v1`: the after-sales service and its events.
//! - `approvals::v1`: the approvals service and its events.
//! - `finance::v1`: the finance service and its events.
//! - `inventory::v1`: the inventory service and its events.
//! - `logistics::v1`: the logistics service and its events.
//! - `procurement::v1`: the procurement service and its events.
//! - `production::v1`: the production service and its events.
//! - `orders::v1`: the orders service (`OrderService`, `QuotationService`)
//!   and the events it publishes.
//!
//! [`FILE_DESCRIPTOR_SET`] is the encoded descriptor set of all of them, for
//! gRPC server reflection.

#![allow(clippy::all, missing_docs)]

/// The encoded `FileDescriptorSet` of every Orderflow `.proto`.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/orderflow_descriptor.bin"));

pub mod common {
    pub mod v1 {
        tonic::include_proto!("orderflow.common.v1");
    }
}

pub mod aftersales {
    pub mod v1 {
        tonic::include_proto!("orderflow.aftersales.v1");
    }
}

pub mod approvals {
    pub mod v1 {
        tonic::include_proto!("orderflow.approvals.v1");
    }
}

pub mod finance {
    pub mod v1 {
        tonic::include_proto!("orderflow.finance.v1");
    }
}

pub mod inventory {
    pub mod v1 {
        tonic::include_proto!("orderflow.inventory.v1");
    }
}

pub mod logistics {
    pub mod v1 {
        tonic::include_proto!("orderflow.logistics.v1");
    }
}

pub mod orders {
    pub mod v1 {
        tonic::include_proto!("orderflow.orders.v1");
    }
}

pub mod production {
    pub mod v1 {
        tonic::include_proto!("orderflow.production.v1");
    }
}

pub mod procurement {
    pub mod v1 {
        tonic::include_proto!("orderflow.procurement.v1");
    }
}
