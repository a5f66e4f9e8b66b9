//! Which roles may call each RPC of the procurement service.

use orderflow_platform::auth::{Role, RoleTable};

const READERS: &[Role] = &[
    Role::Purchaser,
    Role::PurchasingManager,
    Role::VpProduction,
    Role::Planner,
    Role::ProductionManager,
    Role::Warehouse,
    Role::Qc,
    Role::Finance,
    Role::Gm,
    Role::Commerce,
    Role::Admin,
    Role::Service,
];

macro_rules! rpc {
    ($name:literal) => {
        concat!("/orderflow.procurement.v1.ProcurementService/", $name)
    };
}

/// Which roles may call each RPC (checked by the platform's auth layer).
pub const ROLES: RoleTable = &[
    (
        rpc!("CreateSupplier"),
        &[Role::Purchaser, Role::PurchasingManager, Role::Admin],
    ),
    (rpc!("GetSupplier"), READERS),
    (rpc!("ListSuppliers"), READERS),
    (rpc!("ReviewSupplier"), &[Role::PurchasingManager]),
    (
        rpc!("CreateRequisition"),
        &[
            Role::Purchaser,
            Role::PurchasingManager,
            Role::Planner,
            Role::ProductionManager,
            Role::Warehouse,
        ],
    ),
    (rpc!("GetRequisition"), READERS),
    (rpc!("ListRequisitions"), READERS),
    (rpc!("RecordQuote"), &[Role::Purchaser]),
    (rpc!("RequestQuotations"), &[Role::Purchaser]),
    (
        rpc!("SelectSupplier"),
        &[Role::Purchaser, Role::PurchasingManager],
    ),
    (rpc!("GetPurchaseOrder"), READERS),
    (rpc!("ListPurchaseOrders"), READERS),
    (rpc!("SendPurchaseOrder"), &[Role::Purchaser]),
    (rpc!("RecordFollowUp"), &[Role::Purchaser]),
    (rpc!("ListLatePurchaseOrders"), READERS),
    (rpc!("RecordArrival"), &[Role::Warehouse]),
    (rpc!("RecordIqc"), &[Role::Qc]),
    (rpc!("ListOutsourcingOrders"), READERS),
    (rpc!("GetOutsourcingOrder"), READERS),
    (rpc!("AssignOutsourcingVendor"), &[Role::Purchaser]),
    (rpc!("SendOutsourcing"), &[Role::Purchaser, Role::Warehouse]),
    (rpc!("RecordOutsourcingReturn"), &[Role::Qc]),
    (rpc!("RecordFabricPurchase"), &[Role::Commerce]),
    (rpc!("GetFabricPurchase"), FABRIC_READERS),
    (rpc!("ListFabricPurchases"), FABRIC_READERS),
    (rpc!("AnswerFabricPurchase"), &[Role::Supplier]),
    (rpc!("RecordFabricShipment"), &[Role::Supplier]),
    (rpc!("ReceiveFabric"), &[Role::Manufacturer]),
];

/// Made-to-measure fabric (PRC-7): the staff who follow it, and the
/// partners, who see their own only.
const FABRIC_READERS: &[Role] = &[
    Role::Commerce,
    Role::Tech,
    Role::Finance,
    Role::Purchaser,
    Role::PurchasingManager,
    Role::Supplier,
    Role::Manufacturer,
    Role::Admin,
    Role::Service,
];
