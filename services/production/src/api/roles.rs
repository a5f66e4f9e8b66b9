//! Which roles may call each RPC of the production service.

use orderflow_platform::auth::{Role, RoleTable};

const EVERYONE: &[Role] = &[
    Role::Sales,
    Role::SalesAssistant,
    Role::SalesSupervisor,
    Role::Gm,
    Role::Warehouse,
    Role::Planner,
    Role::ProductionManager,
    Role::VpProduction,
    Role::Qc,
    Role::Purchaser,
    Role::PurchasingManager,
    Role::Engineering,
    Role::EngineeringManager,
    Role::EquipmentManager,
    Role::CustomerService,
    Role::Admin,
    Role::Service,
];
const PLANNING: &[Role] = &[Role::Planner, Role::ProductionManager];
/// The workshop head confirms, reports and hands lots to QA.
const WORKSHOP: &[Role] = &[Role::ProductionManager, Role::Planner];
const QC: &[Role] = &[Role::Qc];

macro_rules! rpc {
    ($name:literal) => {
        concat!("/orderflow.production.v1.ProductionService/", $name)
    };
}

/// Which roles may call each RPC (checked by the platform's auth layer).
pub const ROLES: RoleTable = &[
    (rpc!("GetProductionOrder"), EVERYONE),
    (rpc!("ListProductionOrders"), EVERYONE),
    (
        rpc!("RecordReviewMeeting"),
        &[
            Role::Planner,
            Role::ProductionManager,
            Role::Engineering,
            Role::EngineeringManager,
        ],
    ),
    (rpc!("SubmitEngineering"), &[Role::Engineering]),
    (rpc!("ReviewEngineering"), &[Role::EngineeringManager]),
    (
        rpc!("DefineBom"),
        &[Role::Engineering, Role::EngineeringManager, Role::Admin],
    ),
    (rpc!("GetBom"), EVERYONE),
    (rpc!("PlanMaterials"), PLANNING),
    (
        rpc!("DefineWorkCentre"),
        &[Role::ProductionManager, Role::Planner, Role::Admin],
    ),
    (rpc!("ListWorkCentres"), EVERYONE),
    (rpc!("ProposeSchedule"), &[Role::Planner]),
    (rpc!("ApproveSchedule"), &[Role::ProductionManager]),
    (rpc!("GetSchedule"), EVERYONE),
    (rpc!("GetPlan"), EVERYONE),
    (
        rpc!("IssueMaterials"),
        &[Role::Warehouse, Role::Planner, Role::ProductionManager],
    ),
    (rpc!("RecordFirstArticle"), &[Role::ProductionManager]),
    (rpc!("InspectFirstArticle"), QC),
    (rpc!("StartRun"), WORKSHOP),
    (rpc!("ReportOutput"), WORKSHOP),
    (rpc!("RecordInProcessInspection"), QC),
    (rpc!("SubmitLot"), WORKSHOP),
    (rpc!("InspectLot"), QC),
    (rpc!("CompleteRework"), WORKSHOP),
    (rpc!("ListScheduleOverdue"), EVERYONE),
    (
        rpc!("BookInspection"),
        &[Role::Qc, Role::Planner, Role::SalesAssistant],
    ),
    (rpc!("ListInspectionsOverdue"), EVERYONE),
    (
        rpc!("RequestTooling"),
        &[Role::Engineering, Role::Planner, Role::ProductionManager],
    ),
    (rpc!("ReviewTooling"), &[Role::EquipmentManager]),
    (rpc!("ReportToolingMade"), &[Role::EquipmentManager]),
    (rpc!("AcceptTooling"), &[Role::ProductionManager]),
    (rpc!("InspectOutsourcedReturn"), QC),
    (rpc!("GetProductionSummary"), EVERYONE),
    (rpc!("SummarizePeriod"), EVERYONE),
    (rpc!("CloseProductionOrder"), &[Role::ProductionManager]),
    (rpc!("ReviewDocumentChange"), &[Role::EngineeringManager]),
];
