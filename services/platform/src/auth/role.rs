//! The roles of domain.md §1, as one type: the per-RPC tables name them, so a
//! misspelt role is a compile error rather than an RPC nobody may call.

/// A role a caller's token may carry. Tokens may carry other strings too
/// (approval steps name roles as data); those are simply never in a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Sales,
    SalesAssistant,
    SalesSupervisor,
    DeptManager,
    AdminReviewer,
    Gm,
    Finance,
    DocsClerk,
    Warehouse,
    Planner,
    ProductionManager,
    VpProduction,
    Qc,
    Purchaser,
    PurchasingManager,
    Logistics,
    CustomerService,
    Engineering,
    EngineeringManager,
    EquipmentManager,
    Tech,
    Commerce,
    Store,
    Supplier,
    Manufacturer,
    Admin,
    /// A service identity calling a peer (not a person's role).
    Service,
}

impl Role {
    /// Every role, in the order of domain.md §1 (the service identity last).
    pub const ALL: [Role; 27] = [
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
        Role::VpProduction,
        Role::Qc,
        Role::Purchaser,
        Role::PurchasingManager,
        Role::Logistics,
        Role::CustomerService,
        Role::Engineering,
        Role::EngineeringManager,
        Role::EquipmentManager,
        Role::Tech,
        Role::Commerce,
        Role::Store,
        Role::Supplier,
        Role::Manufacturer,
        Role::Admin,
        Role::Service,
    ];

    /// The roles of people (every role but the service identity): who may
    /// hold an approval step.
    pub const PEOPLE: [Role; 26] = {
        let mut people = [Role::Sales; 26];
        let mut index = 0;
        while index < 26 {
            people[index] = Role::ALL[index];
            index += 1;
        }
        people
    };

    /// The stable identifier tokens and policies use.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Sales => "sales",
            Role::SalesAssistant => "sales_assistant",
            Role::SalesSupervisor => "sales_supervisor",
            Role::DeptManager => "dept_manager",
            Role::AdminReviewer => "admin_reviewer",
            Role::Gm => "gm",
            Role::Finance => "finance",
            Role::DocsClerk => "docs_clerk",
            Role::Warehouse => "warehouse",
            Role::Planner => "planner",
            Role::ProductionManager => "production_manager",
            Role::VpProduction => "vp_production",
            Role::Qc => "qc",
            Role::Purchaser => "purchaser",
            Role::PurchasingManager => "purchasing_manager",
            Role::Logistics => "logistics",
            Role::CustomerService => "customer_service",
            Role::Engineering => "engineering",
            Role::EngineeringManager => "engineering_manager",
            Role::EquipmentManager => "equipment_manager",
            Role::Tech => "tech",
            Role::Commerce => "commerce",
            Role::Store => "store",
            Role::Supplier => "supplier",
            Role::Manufacturer => "manufacturer",
            Role::Admin => "admin",
            Role::Service => "service",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_parses_back_from_its_name_and_the_names_are_distinct() {
        let mut names = std::collections::BTreeSet::new();
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert!(names.insert(role.as_str()), "{role} twice");
        }
        assert_eq!(Role::parse("emperor"), None);
        assert!(!Role::PEOPLE.contains(&Role::Service));
        assert_eq!(Role::PEOPLE.len() + 1, Role::ALL.len());
    }
}
