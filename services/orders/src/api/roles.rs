//! Which roles may call each RPC of the orders service: the table the
//! platform's auth layer checks and the authorisation matrix test walks.

use orderflow_platform::auth::{Role, RoleTable};

/// Every role that may read orders.
const READERS: &[Role] = &[
    Role::Sales,
    Role::SalesAssistant,
    Role::SalesSupervisor,
    Role::DeptManager,
    Role::AdminReviewer,
    Role::Gm,
    Role::Finance,
    Role::DocsClerk,
    Role::Warehouse,
    Role::Planner,
    Role::ProductionManager,
    Role::Logistics,
    Role::CustomerService,
    Role::Tech,
    Role::Commerce,
    Role::Admin,
    Role::Service,
];
/// Readers of orders: the staff, and a store's people, who see their
/// store's orders only (S10).
const ORDER_READERS: &[Role] = &[
    Role::Sales,
    Role::SalesAssistant,
    Role::SalesSupervisor,
    Role::DeptManager,
    Role::AdminReviewer,
    Role::Gm,
    Role::Finance,
    Role::DocsClerk,
    Role::Warehouse,
    Role::Planner,
    Role::ProductionManager,
    Role::Logistics,
    Role::CustomerService,
    Role::Tech,
    Role::Commerce,
    Role::Store,
    Role::Admin,
    Role::Service,
];
const ORDER_WRITERS: &[Role] = &[Role::Sales, Role::SalesAssistant, Role::Admin];
/// Writers of a store's own made-to-measure orders too (S10).
const STORE_WRITERS: &[Role] = &[Role::Sales, Role::SalesAssistant, Role::Store, Role::Admin];
const REVIEWERS: &[Role] = &[Role::SalesAssistant, Role::SalesSupervisor, Role::Admin];
const CANCELLERS: &[Role] = &[
    Role::Sales,
    Role::SalesAssistant,
    Role::SalesSupervisor,
    Role::DeptManager,
    Role::Admin,
    Role::Service,
];
const QUOTERS: &[Role] = &[Role::Sales, Role::Admin];

/// Which roles may call each RPC (checked by the platform's auth layer).
pub const ROLES: RoleTable = &[
    (
        "/orderflow.orders.v1.OrderService/CreateCustomer",
        &[Role::Sales, Role::SalesAssistant, Role::Store, Role::Admin],
    ),
    ("/orderflow.orders.v1.OrderService/GetCustomer", READERS),
    ("/orderflow.orders.v1.OrderService/ListCustomers", READERS),
    (
        "/orderflow.orders.v1.OrderService/SetListPrice",
        &[Role::SalesSupervisor, Role::Admin],
    ),
    ("/orderflow.orders.v1.OrderService/ListListPrices", READERS),
    (
        "/orderflow.orders.v1.OrderService/CreateOrder",
        &[
            Role::Sales,
            Role::SalesAssistant,
            Role::Store,
            Role::Admin,
            Role::Service,
        ],
    ),
    ("/orderflow.orders.v1.OrderService/GetOrder", ORDER_READERS),
    (
        "/orderflow.orders.v1.OrderService/ListOrders",
        ORDER_READERS,
    ),
    (
        "/orderflow.orders.v1.OrderService/UpdateOrder",
        STORE_WRITERS,
    ),
    (
        "/orderflow.orders.v1.OrderService/SubmitOrder",
        STORE_WRITERS,
    ),
    ("/orderflow.orders.v1.OrderService/ConfirmOrder", REVIEWERS),
    ("/orderflow.orders.v1.OrderService/RejectOrder", REVIEWERS),
    ("/orderflow.orders.v1.OrderService/CancelOrder", CANCELLERS),
    (
        "/orderflow.orders.v1.OrderService/ImportChannelOrders",
        &[Role::SalesAssistant, Role::Admin, Role::Service],
    ),
    ("/orderflow.orders.v1.OrderService/ClaimOrders", REVIEWERS),
    ("/orderflow.orders.v1.OrderService/ReleaseClaims", REVIEWERS),
    (
        "/orderflow.orders.v1.OrderService/DecideHeldOrder",
        &[Role::SalesSupervisor, Role::Admin],
    ),
    ("/orderflow.orders.v1.OrderService/CopyOrder", ORDER_WRITERS),
    ("/orderflow.orders.v1.OrderService/MergeOrders", REVIEWERS),
    (
        "/orderflow.orders.v1.OrderService/GetOrderTimeline",
        ORDER_READERS,
    ),
    (
        "/orderflow.orders.v1.OrderService/GetConfirmationSheet",
        ORDER_READERS,
    ),
    (
        "/orderflow.orders.v1.OrderService/ReviewCustomOrder",
        &[Role::SalesSupervisor, Role::Admin],
    ),
    (
        "/orderflow.orders.v1.OrderService/ListCustomerMessages",
        READERS,
    ),
    (
        "/orderflow.orders.v1.OrderService/RecordCustomerAcknowledgement",
        &[Role::Sales, Role::SalesAssistant, Role::Admin],
    ),
    (
        "/orderflow.orders.v1.OrderService/ShipToStore",
        &[Role::Manufacturer],
    ),
    (
        "/orderflow.orders.v1.OrderService/ConfirmStoreReceipt",
        &[Role::Store, Role::Admin],
    ),
    (
        "/orderflow.orders.v1.OrderService/ConfirmPickUp",
        &[Role::Store, Role::Admin],
    ),
    (
        "/orderflow.orders.v1.QuotationService/CreateQuotation",
        QUOTERS,
    ),
    (
        "/orderflow.orders.v1.QuotationService/GetQuotation",
        READERS,
    ),
    (
        "/orderflow.orders.v1.QuotationService/ListQuotations",
        READERS,
    ),
    (
        "/orderflow.orders.v1.QuotationService/ReviseQuotation",
        QUOTERS,
    ),
    (
        "/orderflow.orders.v1.QuotationService/AcceptQuotation",
        QUOTERS,
    ),
];
