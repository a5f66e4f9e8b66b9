//! Policies are data, not code (APR-1): per subject kind, an ordered list of
//! step rules, each with the role that decides it, an SLA and a condition.
//! Every change is a new version; a running request keeps the rules of the
//! version it started with.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use orderflow_platform::money::{Currency, Money};
use orderflow_platform::validation::Violations;
use serde::{Deserialize, Serialize};

use super::rates::Rates;
use super::{ApprovalError, is_person_role};

pub const MAX_STEPS: usize = 20;
pub const MAX_SLA_MINUTES: i32 = 30 * 24 * 60;

/// When a step applies: always (no condition), or when the amount reaches
/// `min_amount`, or when the request has any of `any_flags`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub min_amount: Option<Money>,
    pub any_flags: BTreeSet<String>,
}

impl Condition {
    pub fn is_always(&self) -> bool {
        self.min_amount.is_none() && self.any_flags.is_empty()
    }

    /// Whether the step applies, and a note when an amount could not be
    /// compared (no exchange rate: the condition counts as met, so a
    /// threshold is never skipped for want of a rate).
    pub fn holds(
        &self,
        amount: Money,
        flags: &BTreeSet<String>,
        rates: &Rates,
    ) -> (bool, Option<String>) {
        if self.is_always() {
            return (true, None);
        }
        if self.any_flags.iter().any(|flag| flags.contains(flag)) {
            return (true, None);
        }
        let Some(threshold) = self.min_amount else {
            return (false, None);
        };
        match rates.convert(amount, threshold.currency) {
            Some(converted) => (converted >= i128::from(threshold.minor_units), None),
            None => (
                true,
                Some(format!(
                    "no exchange rate from {} to {}: the amount threshold {threshold} counts as reached",
                    amount.currency, threshold.currency
                )),
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRule {
    pub name: String,
    pub role: String,
    pub sla_minutes: i32,
    pub condition: Condition,
    pub signed_by_requester: bool,
}

/// A rule as given.
#[derive(Debug, Clone, Default)]
pub struct StepRuleInput {
    pub name: String,
    pub role: String,
    pub sla_minutes: i32,
    pub min_amount: Option<(String, i64)>,
    pub any_flags: Vec<String>,
    pub signed_by_requester: bool,
}

/// `[a-z][a-z0-9_]*`, at most 64 characters: subject kinds and flags.
pub fn is_identifier(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text.starts_with(|c: char| c.is_ascii_lowercase())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

pub fn parse_subject_kind(raw: &str, violations: &mut Violations) -> String {
    let kind = raw.trim().to_owned();
    if !is_identifier(&kind) {
        violations.add(
            "subject_kind",
            "must be lowercase letters, digits and _ (e.g. export_contract)",
        );
    }
    kind
}

pub fn parse_flags(field: &str, raw: &[String], violations: &mut Violations) -> BTreeSet<String> {
    raw.iter()
        .enumerate()
        .filter_map(|(index, flag)| {
            let flag = flag.trim().to_owned();
            if is_identifier(&flag) {
                Some(flag)
            } else {
                violations.add(
                    format!("{field}[{index}]"),
                    "must be lowercase letters, digits and _",
                );
                None
            }
        })
        .collect()
}

/// APR-1: checks every rule and reports each bad field.
pub fn parse_rules(inputs: &[StepRuleInput]) -> Result<Vec<StepRule>, ApprovalError> {
    let mut violations = Violations::new();
    if inputs.is_empty() {
        violations.add("steps", "a policy needs at least one step");
    }
    if inputs.len() > MAX_STEPS {
        violations.add("steps", format!("at most {MAX_STEPS} steps"));
    }
    let mut rules = Vec::with_capacity(inputs.len());
    for (index, input) in inputs.iter().enumerate() {
        let field = |name: &str| format!("steps[{index}].{name}");
        let name = violations.required(&field("name"), &input.name, 100);
        let role = input.role.trim().to_owned();
        if !is_person_role(&role) {
            violations.add(
                field("role"),
                format!("{role:?} is not a role of domain.md §1"),
            );
        }
        if !(1..=MAX_SLA_MINUTES).contains(&input.sla_minutes) {
            violations.add(
                field("sla_minutes"),
                format!("must be 1 to {MAX_SLA_MINUTES}"),
            );
        }
        let min_amount = match &input.min_amount {
            None => None,
            Some((code, minor_units)) => match Currency::parse(code) {
                Ok(currency) if *minor_units > 0 => Some(Money::new(currency, *minor_units)),
                Ok(_) => {
                    violations.add(
                        field("condition.min_amount.minor_units"),
                        "must be greater than zero",
                    );
                    None
                }
                Err(problem) => {
                    violations.add(field("condition.min_amount.currency_code"), problem);
                    None
                }
            },
        };
        let any_flags = parse_flags(
            &field("condition.any_flags"),
            &input.any_flags,
            &mut violations,
        );
        rules.push(StepRule {
            name,
            role,
            sla_minutes: input.sla_minutes,
            condition: Condition {
                min_amount,
                any_flags,
            },
            signed_by_requester: input.signed_by_requester,
        });
    }
    Ok(violations.finish(rules)?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub id: String,
    pub subject_kind: String,
    pub version: i32,
    pub name: String,
    pub steps: Vec<StepRule>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// The rules that apply to an amount and flags, in order, with notes on
/// conditions that could not be evaluated exactly.
pub fn resolve<'a>(
    rules: &'a [StepRule],
    amount: Money,
    flags: &BTreeSet<String>,
    rates: &Rates,
) -> (Vec<&'a StepRule>, Vec<String>) {
    let mut applying = Vec::new();
    let mut notes = Vec::new();
    for rule in rules {
        let (holds, note) = rule.condition.holds(amount, flags, rates);
        if let Some(note) = note {
            notes.push(note);
        }
        if holds {
            applying.push(rule);
        }
    }
    (applying, notes)
}

/// The chains of domain.md, shipped as version 1 of each policy. Operators
/// change them through `UpdatePolicy`.
pub fn default_policies(
    gm_threshold: Money,
    sla_minutes: i32,
) -> Vec<(&'static str, &'static str, Vec<StepRule>)> {
    let step = |name: &str, role: &str| StepRule {
        name: name.to_owned(),
        role: role.to_owned(),
        sla_minutes,
        condition: Condition::default(),
        signed_by_requester: false,
    };
    let gm_when_large_or_prepayment = StepRule {
        condition: Condition {
            min_amount: Some(gm_threshold),
            any_flags: ["prepayment", "commission"]
                .into_iter()
                .map(str::to_owned)
                .collect(),
        },
        ..step(
            "general manager approval (large amount, prepayment or commission)",
            "gm",
        )
    };
    vec![
        (
            "export_contract",
            "Export contract review (出口合同审核表, APR-2)",
            vec![
                StepRule {
                    signed_by_requester: true,
                    ..step("salesperson signs the contract review form", "sales")
                },
                step("department manager approval", "dept_manager"),
                step("administrative review", "admin_reviewer"),
                gm_when_large_or_prepayment,
            ],
        ),
        (
            "special_order",
            "Monthly-settlement, free-sample and reship orders: GM and finance (APR-5)",
            vec![
                step("general manager signs", "gm"),
                step("finance confirms", "finance"),
            ],
        ),
        (
            "refund",
            "Every refund needs the GM (APR-6)",
            vec![step("general manager approval", "gm")],
        ),
        (
            "material_prep",
            "Material-prep orders need the GM (APR-7)",
            vec![step("general manager signs", "gm")],
        ),
        (
            "self_stock",
            "Self-stock production orders need the GM (APR-7)",
            vec![step("general manager confirms the production order", "gm")],
        ),
        (
            "made_to_measure",
            "Made-to-measure: finance, tech, commerce in order (APR-8)",
            vec![
                step("finance review", "finance"),
                step("technical review", "tech"),
                step("commercial review", "commerce"),
            ],
        ),
        (
            "purchase_contract",
            "Purchase contracts (APR-9)",
            vec![
                step("purchasing manager review", "purchasing_manager"),
                step("production vice president approval", "vp_production"),
            ],
        ),
        (
            "outsourcing_contract",
            "Outsourcing contracts (APR-9)",
            vec![
                step("purchasing manager review", "purchasing_manager"),
                step("production vice president approval", "vp_production"),
            ],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cny(minor_units: i64) -> Money {
        Money::new(
            Currency::parse("CNY").unwrap_or_else(|e| panic!("{e}")),
            minor_units,
        )
    }

    fn export_rules() -> Vec<StepRule> {
        default_policies(cny(50_000_000), 240)
            .into_iter()
            .find(|(kind, _, _)| *kind == "export_contract")
            .map(|(_, _, rules)| rules)
            .unwrap_or_default()
    }

    fn roles(amount: Money, flags: &[&str]) -> Vec<String> {
        let rules = export_rules();
        let flags: BTreeSet<String> = flags.iter().map(|f| (*f).to_owned()).collect();
        let rates = Rates::new(Currency::parse("CNY").unwrap_or_else(|e| panic!("{e}")));
        resolve(&rules, amount, &flags, &rates)
            .0
            .iter()
            .map(|rule| rule.role.clone())
            .collect()
    }

    #[test]
    fn apr_2_the_gm_signs_large_export_contracts() {
        assert_eq!(
            roles(cny(60_000_000), &[]),
            vec!["sales", "dept_manager", "admin_reviewer", "gm"]
        );
        assert_eq!(
            roles(cny(50_000_000), &[]),
            vec!["sales", "dept_manager", "admin_reviewer", "gm"]
        );
        assert_eq!(
            roles(cny(10_000_000), &[]),
            vec!["sales", "dept_manager", "admin_reviewer"]
        );
    }

    #[test]
    fn apr_2_prepayment_or_commission_brings_in_the_gm() {
        assert_eq!(
            roles(cny(10_000_000), &["commission"]),
            vec!["sales", "dept_manager", "admin_reviewer", "gm"]
        );
        assert_eq!(
            roles(cny(10_000_000), &["prepayment"]),
            vec!["sales", "dept_manager", "admin_reviewer", "gm"]
        );
        assert_eq!(
            roles(cny(10_000_000), &["lc"]),
            vec!["sales", "dept_manager", "admin_reviewer"]
        );
    }

    #[test]
    fn apr_2_without_an_exchange_rate_the_threshold_counts_as_reached() {
        let rules = export_rules();
        let usd = Money::new(
            Currency::parse("USD").unwrap_or_else(|e| panic!("{e}")),
            100,
        );
        let rates = Rates::new(Currency::parse("CNY").unwrap_or_else(|e| panic!("{e}")));
        let (applying, notes) = resolve(&rules, usd, &BTreeSet::new(), &rates);
        assert_eq!(applying.len(), 4);
        assert_eq!(notes.len(), 1);
    }

    #[test]
    fn apr_1_rules_name_a_known_role_a_positive_sla_and_valid_conditions() {
        let error = parse_rules(&[StepRuleInput {
            name: String::new(),
            role: "boss".to_owned(),
            sla_minutes: 0,
            min_amount: Some(("QQQ".to_owned(), 5)),
            any_flags: vec!["Has Spaces".to_owned()],
            signed_by_requester: false,
        }])
        .err();
        let fields: Vec<String> = match error {
            Some(ApprovalError::InvalidInput(violations)) => {
                violations.into_iter().map(|v| v.field).collect()
            }
            other => panic!("expected invalid input, got {other:?}"),
        };
        assert_eq!(
            fields,
            vec![
                "steps[0].name",
                "steps[0].role",
                "steps[0].sla_minutes",
                "steps[0].condition.min_amount.currency_code",
                "steps[0].condition.any_flags[0]",
            ]
        );
        assert!(parse_rules(&[]).is_err());
    }

    #[test]
    fn every_chain_of_the_domain_ships_as_a_default() {
        let kinds: Vec<&str> = default_policies(cny(1), 60)
            .iter()
            .map(|(kind, _, _)| *kind)
            .collect();
        for expected in [
            "export_contract",
            "special_order",
            "refund",
            "material_prep",
            "self_stock",
            "made_to_measure",
            "purchase_contract",
            "outsourcing_contract",
        ] {
            assert!(kinds.contains(&expected), "{expected}");
        }
    }
}
