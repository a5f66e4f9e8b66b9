//! Which roles may call each RPC of the finance service: the table the
//! platform's auth layer checks and the authorisation matrix test walks.

use orderflow_platform::auth::{Role, RoleTable};

const EVERYONE: &[Role] = &[
    Role::Sales,
    Role::SalesAssistant,
    Role::SalesSupervisor,
    Role::DeptManager,
    Role::Gm,
    Role::Finance,
    Role::DocsClerk,
    Role::Warehouse,
    Role::Planner,
    Role::ProductionManager,
    Role::Logistics,
    Role::CustomerService,
    Role::Admin,
    Role::Service,
];
const LC_DESK: &[Role] = &[Role::Sales, Role::DocsClerk, Role::Finance, Role::Admin];
const LEDGER_READERS: &[Role] = &[
    Role::Sales,
    Role::DeptManager,
    Role::Finance,
    Role::Gm,
    Role::Admin,
];

/// Which roles may call each RPC (checked by the platform's auth layer).
pub const ROLES: RoleTable = &[
    (
        "/orderflow.finance.v1.FinanceService/RateCustomer",
        &[Role::Finance, Role::Admin],
    ),
    (
        "/orderflow.finance.v1.FinanceService/GetCreditStatus",
        EVERYONE,
    ),
    (
        "/orderflow.finance.v1.FinanceService/RecordPayment",
        &[
            Role::Sales,
            Role::SalesAssistant,
            Role::Store,
            Role::Finance,
            Role::Admin,
        ],
    ),
    (
        "/orderflow.finance.v1.FinanceService/ConfirmPayment",
        &[Role::Finance],
    ),
    (
        "/orderflow.finance.v1.FinanceService/ListPayments",
        EVERYONE,
    ),
    (
        "/orderflow.finance.v1.FinanceService/RegisterLetterOfCredit",
        LC_DESK,
    ),
    (
        "/orderflow.finance.v1.FinanceService/GetLetterOfCredit",
        EVERYONE,
    ),
    (
        "/orderflow.finance.v1.FinanceService/ReviewLetterOfCredit",
        &[Role::Sales, Role::DocsClerk],
    ),
    (
        "/orderflow.finance.v1.FinanceService/RequestAmendment",
        &[Role::Sales, Role::DocsClerk],
    ),
    (
        "/orderflow.finance.v1.FinanceService/RecordAmendment",
        LC_DESK,
    ),
    (
        "/orderflow.finance.v1.FinanceService/GetReleaseGate",
        EVERYONE,
    ),
    (
        "/orderflow.finance.v1.FinanceService/ConfirmRelease",
        &[Role::DeptManager],
    ),
    (
        "/orderflow.finance.v1.FinanceService/ListLedgerEntries",
        LEDGER_READERS,
    ),
    (
        "/orderflow.finance.v1.FinanceService/SignSalesDetail",
        &[Role::DeptManager],
    ),
    (
        "/orderflow.finance.v1.FinanceService/ConfirmSalesDetail",
        &[Role::Finance],
    ),
    (
        "/orderflow.finance.v1.FinanceService/ListSalesDetails",
        LEDGER_READERS,
    ),
    (
        "/orderflow.finance.v1.FinanceService/SetStandardCost",
        &[Role::Finance, Role::Admin],
    ),
    (
        "/orderflow.finance.v1.FinanceService/ListStandardCosts",
        LEDGER_READERS,
    ),
    (
        "/orderflow.finance.v1.FinanceService/RequestRefund",
        &[
            Role::Sales,
            Role::SalesAssistant,
            Role::CustomerService,
            Role::Finance,
            // After-sales files a case's refund (AFS-6).
            Role::Service,
        ],
    ),
    ("/orderflow.finance.v1.FinanceService/GetRefund", EVERYONE),
    ("/orderflow.finance.v1.FinanceService/ListRefunds", EVERYONE),
    (
        "/orderflow.finance.v1.FinanceService/ExecuteRefund",
        &[Role::Finance],
    ),
    (
        "/orderflow.finance.v1.FinanceService/IssueProformaInvoice",
        &[
            Role::Sales,
            Role::SalesAssistant,
            Role::DocsClerk,
            Role::Finance,
        ],
    ),
    (
        "/orderflow.finance.v1.FinanceService/IssueCommercialInvoice",
        &[Role::DocsClerk, Role::Finance],
    ),
    (
        "/orderflow.finance.v1.FinanceService/IssueFinalInvoice",
        &[Role::Finance],
    ),
    (
        "/orderflow.finance.v1.FinanceService/ListDocuments",
        EVERYONE,
    ),
    (
        "/orderflow.finance.v1.FinanceService/ListReceivables",
        LEDGER_READERS,
    ),
    (
        "/orderflow.finance.v1.FinanceService/GetShipmentGate",
        EVERYONE,
    ),
];
