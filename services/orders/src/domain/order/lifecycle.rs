//! The vocabulary of an order — its kind and what each kind requires (ORD-1,
//! APR-5), its states, and the state machine that says which action leads where
//! (ORD-4).

use super::*;

/// A value from the API that may be unset or a number this build does not
/// know; validation reports both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice<T> {
    Unspecified,
    Unknown(i32),
    Value(T),
}

impl<T: Copy> Choice<T> {
    pub(in crate::domain) fn required(self, field: &str, violations: &mut Violations) -> Option<T> {
        match self {
            Choice::Value(value) => Some(value),
            Choice::Unspecified => {
                violations.add(field, "is required");
                None
            }
            Choice::Unknown(number) => {
                violations.add(field, format!("{number} is not a known value"));
                None
            }
        }
    }

    /// The value, `None` when unspecified; an unknown number is a violation.
    pub fn optional(self, field: &str, violations: &mut Violations) -> Option<T> {
        match self {
            Choice::Value(value) => Some(value),
            Choice::Unspecified => None,
            Choice::Unknown(number) => {
                violations.add(field, format!("{number} is not a known value"));
                None
            }
        }
    }
}

string_enum!(
    /// The order kinds of domain.md §2.
    OrderKind {
        Standard => "standard",
        Export => "export",
        MonthlySettlement => "monthly_settlement",
        FreeSample => "free_sample",
        ReshipZeroProfit => "reship_zero_profit",
        ReshipNegativeProfit => "reship_negative_profit",
        MaterialPrep => "material_prep",
        SelfStock => "self_stock",
        MadeToMeasure => "made_to_measure",
        Return => "return",
    }
);

string_enum!(
    /// The lifecycle of domain.md §3.
    OrderState {
        Draft => "draft",
        Submitted => "submitted",
        PendingApproval => "pending_approval",
        AwaitingPayment => "awaiting_payment",
        Released => "released",
        InProduction => "in_production",
        ReadyToShip => "ready_to_ship",
        Shipped => "shipped",
        Delivered => "delivered",
        Completed => "completed",
        Rejected => "rejected",
        Cancelled => "cancelled",
        Closed => "closed",
    }
);

string_enum!(
    /// Payment terms (FIN-2).
    PaymentTermKind {
        Prepaid => "prepaid",
        TtDeposit => "tt_deposit",
        Lc => "lc",
        Da => "da",
        OpenAccount => "open_account",
        MonthlySettlement => "monthly_settlement",
    }
);

string_enum!(
    /// Who bears the cost of a reship (FIN-12).
    CostBearer {
        Us => "us",
        Carrier => "carrier",
        Customer => "customer",
    }
);

/// What unit prices a kind allows (ORD-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceRule {
    /// A sale: every unit price is above zero.
    Positive,
    /// No sale: every unit price is zero.
    Zero,
    /// Price at cost or below (reships): zero or more.
    NonNegative,
    /// The negative of an original sale (returns).
    Negative,
}

impl OrderKind {
    pub fn price_rule(self) -> PriceRule {
        match self {
            OrderKind::Standard
            | OrderKind::Export
            | OrderKind::MonthlySettlement
            | OrderKind::MadeToMeasure => PriceRule::Positive,
            OrderKind::FreeSample | OrderKind::MaterialPrep | OrderKind::SelfStock => {
                PriceRule::Zero
            }
            OrderKind::ReshipZeroProfit | OrderKind::ReshipNegativeProfit => PriceRule::NonNegative,
            OrderKind::Return => PriceRule::Negative,
        }
    }

    /// The approval chain an order of this kind goes through, named as the
    /// approvals service's subject kind; `None` passes PENDING_APPROVAL at once.
    pub fn approval_chain(self) -> Option<&'static str> {
        match self {
            OrderKind::Standard | OrderKind::Return => None,
            OrderKind::Export => Some("export_contract"),
            OrderKind::MonthlySettlement
            | OrderKind::FreeSample
            | OrderKind::ReshipZeroProfit
            | OrderKind::ReshipNegativeProfit => Some("special_order"),
            OrderKind::MaterialPrep => Some("material_prep"),
            OrderKind::SelfStock => Some("self_stock"),
            OrderKind::MadeToMeasure => Some("made_to_measure"),
        }
    }

    /// Kinds that sell need payment terms.
    pub fn is_sale(self) -> bool {
        matches!(self.price_rule(), PriceRule::Positive)
    }

    /// Reships and returns point at the order they replace (ORD-14).
    pub fn replaces_an_order(self) -> bool {
        matches!(
            self,
            OrderKind::ReshipZeroProfit | OrderKind::ReshipNegativeProfit | OrderKind::Return
        )
    }

    /// Sales are checked against the price list at confirmation (ORD-5).
    pub fn checks_price_list(self) -> bool {
        self.is_sale()
    }
}

/// What can happen to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Edit,
    Submit,
    Confirm,
    Reject,
    Revise,
    PassApproval,
    FailApproval,
    Release,
    StartProduction,
    MarkReadyToShip,
    Ship,
    Deliver,
    Complete,
    Cancel,
    Close,
}

impl Action {
    pub fn past_tense(self) -> &'static str {
        match self {
            Action::Edit => "edited",
            Action::Submit => "submitted",
            Action::Confirm => "confirmed",
            Action::Reject => "rejected",
            Action::Revise => "revised",
            Action::PassApproval => "approved",
            Action::FailApproval => "rejected by approval",
            Action::Release => "released",
            Action::StartProduction => "put into production",
            Action::MarkReadyToShip => "marked ready to ship",
            Action::Ship => "shipped",
            Action::Deliver => "delivered",
            Action::Complete => "completed",
            Action::Cancel => "cancelled",
            Action::Close => "closed",
        }
    }
}

impl OrderState {
    /// ORD-4: the only transitions there are (domain.md §3).
    pub fn apply(self, action: Action) -> Result<OrderState, OrderError> {
        use Action as A;
        use OrderState as S;
        let next = match (self, action) {
            (S::Draft, A::Edit) => S::Draft,
            (S::Draft, A::Submit) => S::Submitted,
            (S::Submitted, A::Confirm) => S::PendingApproval,
            (S::Submitted, A::Reject) => S::Rejected,
            (S::Submitted | S::Rejected, A::Revise) => S::Draft,
            (S::PendingApproval, A::PassApproval) => S::AwaitingPayment,
            (S::PendingApproval, A::FailApproval) => S::Rejected,
            (S::AwaitingPayment, A::Release) => S::Released,
            (S::Released, A::StartProduction) => S::InProduction,
            (S::Released | S::InProduction, A::MarkReadyToShip) => S::ReadyToShip,
            (S::ReadyToShip, A::Ship) => S::Shipped,
            (S::Shipped, A::Deliver) => S::Delivered,
            (S::Delivered, A::Complete) => S::Completed,
            (
                S::Draft
                | S::Submitted
                | S::PendingApproval
                | S::AwaitingPayment
                | S::Released
                | S::InProduction
                | S::ReadyToShip
                | S::Rejected,
                A::Cancel,
            ) => S::Cancelled,
            (
                S::Draft | S::Submitted | S::PendingApproval | S::AwaitingPayment | S::Rejected,
                A::Close,
            ) => S::Closed,
            _ => {
                return Err(crate::domain::error::illegal_transition(
                    self,
                    action.past_tense(),
                ));
            }
        };
        Ok(next)
    }

    /// Before confirmation lines may change (ORD-7).
    pub fn is_editable(self) -> bool {
        matches!(
            self,
            OrderState::Draft | OrderState::Submitted | OrderState::Rejected
        )
    }

    /// Released, and not yet as far as `step` on the way from release to
    /// delivery: a report of `step` (or of what follows it) is ahead of the
    /// order, which will get there.
    pub fn is_short_of(self, step: OrderState) -> bool {
        const FULFILMENT: [OrderState; 5] = [
            OrderState::Released,
            OrderState::InProduction,
            OrderState::ReadyToShip,
            OrderState::Shipped,
            OrderState::Delivered,
        ];
        let position = |state| FULFILMENT.iter().position(|known| *known == state);
        matches!((position(self), position(step)), (Some(here), Some(there)) if here < there)
    }

    pub fn has_shipped(self) -> bool {
        matches!(
            self,
            OrderState::Shipped | OrderState::Delivered | OrderState::Completed
        )
    }

    /// Closed or finished: may be copied into a new order (ORD-15).
    pub fn is_closed_or_finished(self) -> bool {
        matches!(
            self,
            OrderState::Closed | OrderState::Cancelled | OrderState::Completed
        )
    }
}
