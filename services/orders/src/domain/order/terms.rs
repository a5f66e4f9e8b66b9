//! Payment terms (FIN-5): the kind, the deposit percentage and how they are validated.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentTerms {
    pub kind: PaymentTermKind,
    /// TT_DEPOSIT only: 1-99.
    pub deposit_percent: u8,
    pub prepayment_clause: bool,
    pub commission_clause: bool,
}

/// Payment terms as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentTermsInput {
    pub kind: Choice<PaymentTermKind>,
    pub deposit_percent: i32,
    pub prepayment_clause: bool,
    pub commission_clause: bool,
}

impl PaymentTerms {
    /// `None` when no terms were given at all.
    pub fn parse(
        field: &str,
        input: Option<PaymentTermsInput>,
        violations: &mut Violations,
    ) -> Option<PaymentTerms> {
        let input = input?;
        let kind = input.kind.optional(&format!("{field}.kind"), violations)?;
        let deposit_percent = match (kind, input.deposit_percent) {
            (PaymentTermKind::TtDeposit, percent @ 1..=99) => u8::try_from(percent).unwrap_or(0),
            (PaymentTermKind::TtDeposit, _) => {
                violations.add(
                    format!("{field}.deposit_percent"),
                    "must be 1 to 99 for tt_deposit",
                );
                0
            }
            (_, 0) => 0,
            (_, _) => {
                violations.add(
                    format!("{field}.deposit_percent"),
                    "is only allowed with tt_deposit",
                );
                0
            }
        };
        Some(PaymentTerms {
            kind,
            deposit_percent,
            prepayment_clause: input.prepayment_clause,
            commission_clause: input.commission_clause,
        })
    }
}
