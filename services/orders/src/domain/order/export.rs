//! APR-2: what an export order brings to its contract review (出口合同审核表)
//! besides the contract itself: the factory purchase contract behind it and
//! the estimated costs (freight, commission, duties, …).

use super::*;

/// The most estimated costs one order lists.
pub const MAX_COST_ESTIMATES: usize = 20;

/// An export order's review form data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExportContract {
    /// The factory purchase contract (工厂采购合同) the goods come under.
    pub factory_contract_number: String,
    pub estimated_costs: Vec<CostEstimate>,
}

/// One estimated cost, in minor units of the order's currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostEstimate {
    pub name: String,
    pub amount: i64,
}

/// The form as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportContractInput {
    pub factory_contract_number: String,
    pub estimated_costs: Vec<CostEstimateInput>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CostEstimateInput {
    pub name: String,
    /// Empty: the order's currency.
    pub currency_code: String,
    pub amount: i64,
}

impl ExportContract {
    /// Checks the form: only export orders carry one; each cost named once
    /// (at most 60 characters), not negative, in the order's currency; at
    /// most [`MAX_COST_ESTIMATES`].
    pub fn parse(
        input: &ExportContractInput,
        kind: Option<OrderKind>,
        currency: Option<Currency>,
        prefix: &str,
        violations: &mut Violations,
    ) -> Self {
        let field = |name: &str| format!("{prefix}{name}");
        let factory_contract_number = violations.optional(
            &field("factory_contract_number"),
            &input.factory_contract_number,
            100,
        );
        if input.estimated_costs.len() > MAX_COST_ESTIMATES {
            violations.add(
                field("estimated_costs"),
                format!("at most {MAX_COST_ESTIMATES} estimated costs"),
            );
        }
        let mut names = BTreeSet::new();
        let mut estimated_costs = Vec::with_capacity(input.estimated_costs.len());
        for (index, cost) in input.estimated_costs.iter().enumerate() {
            let at = |name: &str| field(&format!("estimated_costs[{index}].{name}"));
            let name = violations.required(&at("name"), &cost.name, 60);
            if !name.is_empty() && !names.insert(name.to_lowercase()) {
                violations.add(at("name"), "listed twice; add the amounts up");
            }
            if cost.amount < 0 {
                violations.add(at("amount"), "must not be negative");
            }
            let given = cost.currency_code.trim();
            if let Some(currency) = currency
                && !given.is_empty()
                && given != currency.code()
            {
                violations.add(
                    at("amount.currency_code"),
                    format!("must be the order's currency {currency}"),
                );
            }
            estimated_costs.push(CostEstimate {
                name,
                amount: cost.amount,
            });
        }
        let contract = Self {
            factory_contract_number,
            estimated_costs,
        };
        if let Some(kind) = kind
            && kind != OrderKind::Export
            && !contract.is_empty()
        {
            let problem = "only export orders carry an export contract review (APR-2)";
            if !contract.factory_contract_number.is_empty() {
                violations.add(field("factory_contract_number"), problem);
            }
            if !contract.estimated_costs.is_empty() {
                violations.add(field("estimated_costs"), problem);
            }
        }
        contract
    }

    pub fn is_empty(&self) -> bool {
        self.factory_contract_number.is_empty() && self.estimated_costs.is_empty()
    }

    /// The form as it would be given again (edits start from it).
    pub fn to_input(&self) -> ExportContractInput {
        ExportContractInput {
            factory_contract_number: self.factory_contract_number.clone(),
            estimated_costs: self
                .estimated_costs
                .iter()
                .map(|cost| CostEstimateInput {
                    name: cost.name.clone(),
                    currency_code: String::new(),
                    amount: cost.amount,
                })
                .collect(),
        }
    }
}

impl Order {
    /// APR-2: the references filed with the contract review: the customer's
    /// PO and the factory purchase contract, as `customer_po:<number>` and
    /// `factory_contract:<number>`.
    pub fn review_attachments(&self) -> Vec<String> {
        let mut attachments = Vec::new();
        if !self.customer_po_number.is_empty() {
            attachments.push(format!("customer_po:{}", self.customer_po_number));
        }
        let factory = &self.export_contract.factory_contract_number;
        if !factory.is_empty() {
            attachments.push(format!("factory_contract:{factory}"));
        }
        attachments
    }
}
