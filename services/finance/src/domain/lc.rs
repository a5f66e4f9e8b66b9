//! Letters of credit (FIN-4): registered, reviewed twice — by `sales` and by
//! `docs_clerk` — and amended (改证) when a review finds a discrepancy.

use chrono::{DateTime, NaiveDate, Utc};
use orderflow_platform::money::Currency;
use orderflow_platform::validation::Violations;
use serde::{Deserialize, Serialize};

use super::FinanceError;

/// The two reviews an L/C needs (原文: 业务员和单证员分别审查信用证).
pub const REVIEWER_ROLES: [&str; 2] = ["sales", "docs_clerk"];

pub const MAX_DOCUMENTS: usize = 50;
pub const MAX_DISCREPANCIES: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LcState {
    UnderReview,
    Discrepant,
    AmendmentRequested,
    Accepted,
}

impl LcState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnderReview => "under_review",
            Self::Discrepant => "discrepant",
            Self::AmendmentRequested => "amendment_requested",
            Self::Accepted => "accepted",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::UnderReview,
            Self::Discrepant,
            Self::AmendmentRequested,
            Self::Accepted,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }
}

/// What the bank's L/C says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LcTerms {
    pub number: String,
    pub issuing_bank: String,
    pub currency: Currency,
    pub amount: i64,
    pub expiry_date: NaiveDate,
    pub latest_shipment_date: NaiveDate,
    pub required_documents: Vec<String>,
}

/// The raw terms of a request, validated by [`LcTerms::parse`].
#[derive(Debug, Clone, Default)]
pub struct LcTermsInput {
    pub number: String,
    pub issuing_bank: String,
    pub currency_code: String,
    pub amount: i64,
    pub expiry_date: String,
    pub latest_shipment_date: String,
    pub required_documents: Vec<String>,
}

impl LcTerms {
    /// Every bad field is reported, each under `prefix`.
    pub fn parse(input: &LcTermsInput, prefix: &str, violations: &mut Violations) -> Option<Self> {
        let field = |name: &str| format!("{prefix}{name}");
        let number = violations.required(&field("number"), &input.number, 64);
        let issuing_bank = violations.optional(&field("issuing_bank"), &input.issuing_bank, 200);
        let currency = match Currency::parse(&input.currency_code) {
            Ok(currency) => Some(currency),
            Err(problem) => {
                violations.add(field("amount.currency_code"), problem);
                None
            }
        };
        if input.amount <= 0 {
            violations.add(field("amount.minor_units"), "must be greater than zero");
        }
        let expiry_date = violations.date(&field("expiry_date"), &input.expiry_date);
        let latest_shipment_date =
            violations.date(&field("latest_shipment_date"), &input.latest_shipment_date);
        if let (Some(expiry), Some(shipment)) = (expiry_date, latest_shipment_date)
            && shipment > expiry
        {
            violations.add(
                field("latest_shipment_date"),
                "must not be after the expiry date",
            );
        }
        if input.required_documents.len() > MAX_DOCUMENTS {
            violations.add(
                field("required_documents"),
                format!("at most {MAX_DOCUMENTS} documents"),
            );
        }
        let mut required_documents = Vec::new();
        for (index, document) in input.required_documents.iter().enumerate() {
            required_documents.push(violations.required(
                &field(&format!("required_documents[{index}]")),
                document,
                200,
            ));
        }
        Some(Self {
            number,
            issuing_bank,
            currency: currency?,
            amount: input.amount,
            expiry_date: expiry_date?,
            latest_shipment_date: latest_shipment_date?,
            required_documents,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub role: String,
    pub reviewer: String,
    pub discrepancies: Vec<String>,
    pub at: DateTime<Utc>,
    /// The business day of the review.
    pub on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterOfCredit {
    pub id: String,
    pub order_id: String,
    pub order_number: String,
    pub terms: LcTerms,
    pub received_date: NaiveDate,
    pub state: LcState,
    pub version: u32,
    /// The reviews of the current version.
    pub reviews: Vec<Review>,
    pub amendment_reasons: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl LetterOfCredit {
    pub fn register(
        order_id: &str,
        order_number: &str,
        terms: LcTerms,
        received_date: NaiveDate,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: uuid::Uuid::now_v7().to_string(),
            order_id: order_id.to_owned(),
            order_number: order_number.to_owned(),
            terms,
            received_date,
            state: LcState::UnderReview,
            version: 1,
            reviews: Vec::new(),
            amendment_reasons: Vec::new(),
            created_at: now,
            updated_at: now,
        }
    }

    /// The day the second review of the current version was done, when both
    /// are done.
    pub fn reviewed_on(&self) -> Option<NaiveDate> {
        let days: Vec<NaiveDate> = REVIEWER_ROLES
            .iter()
            .filter_map(|role| self.review_by(role).map(|review| review.on))
            .collect();
        (days.len() == REVIEWER_ROLES.len())
            .then(|| days.into_iter().max())
            .flatten()
    }

    pub fn review_by(&self, role: &str) -> Option<&Review> {
        self.reviews.iter().find(|review| review.role == role)
    }

    /// The discrepancies the reviews of the current version found.
    pub fn discrepancies(&self) -> Vec<String> {
        self.reviews
            .iter()
            .flat_map(|review| {
                review
                    .discrepancies
                    .iter()
                    .map(move |text| format!("{}: {text}", review.role))
            })
            .collect()
    }

    /// One review per reviewer role and version. `roles` are the caller's;
    /// the review is recorded for the first reviewer role they hold that has
    /// not reviewed this version. A discrepancy makes the L/C discrepant;
    /// both reviews clean make it accepted.
    pub fn review(
        &mut self,
        reviewer: &str,
        roles: &[String],
        discrepancies: Vec<String>,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> Result<(), FinanceError> {
        if matches!(self.state, LcState::AmendmentRequested) {
            return Err(FinanceError::precondition(
                "LC_AMENDMENT_PENDING",
                format!("letters_of_credit/{}", self.id),
                "an amendment was requested; record it before reviewing again",
            ));
        }
        let holds: Vec<&str> = REVIEWER_ROLES
            .iter()
            .copied()
            .filter(|role| roles.iter().any(|held| held == role))
            .collect();
        if holds.is_empty() {
            return Err(FinanceError::PermissionDenied(
                "an L/C is reviewed by sales and by docs_clerk".to_owned(),
            ));
        }
        if self
            .reviews
            .iter()
            .any(|review| review.reviewer == reviewer)
        {
            return Err(FinanceError::precondition(
                "LC_ALREADY_REVIEWED",
                format!("letters_of_credit/{}", self.id),
                format!(
                    "{reviewer} already reviewed version {}; the second review is another person's",
                    self.version
                ),
            ));
        }
        let Some(role) = holds
            .into_iter()
            .find(|role| self.review_by(role).is_none())
        else {
            return Err(FinanceError::precondition(
                "LC_ALREADY_REVIEWED",
                format!("letters_of_credit/{}", self.id),
                format!("version {} has its reviews", self.version),
            ));
        };
        self.reviews.push(Review {
            role: role.to_owned(),
            reviewer: reviewer.to_owned(),
            discrepancies,
            at: now,
            on: today,
        });
        self.state = if !self.discrepancies().is_empty() {
            LcState::Discrepant
        } else if self.reviewed_on().is_some() {
            LcState::Accepted
        } else {
            LcState::UnderReview
        };
        self.updated_at = now;
        Ok(())
    }

    /// Asks the customer for an amendment (改证); blocks the gate until it is
    /// recorded. Without reasons, the reviews' discrepancies are the reasons.
    pub fn request_amendment(
        &mut self,
        reasons: Vec<String>,
        now: DateTime<Utc>,
    ) -> Result<(), FinanceError> {
        let reasons = if reasons.is_empty() {
            self.discrepancies()
        } else {
            reasons
        };
        if reasons.is_empty() {
            return Err(FinanceError::invalid(
                "reasons",
                "no review found a discrepancy; say what must be amended",
            ));
        }
        if self.state == LcState::AmendmentRequested {
            return Err(FinanceError::precondition(
                "LC_AMENDMENT_PENDING",
                format!("letters_of_credit/{}", self.id),
                "an amendment is already requested",
            ));
        }
        self.state = LcState::AmendmentRequested;
        self.amendment_reasons = reasons;
        self.updated_at = now;
        Ok(())
    }

    /// The amended L/C: a new version, to be reviewed twice again.
    pub fn record_amendment(
        &mut self,
        terms: LcTerms,
        now: DateTime<Utc>,
    ) -> Result<(), FinanceError> {
        if self.state != LcState::AmendmentRequested {
            return Err(FinanceError::precondition(
                "LC_NO_AMENDMENT_REQUESTED",
                format!("letters_of_credit/{}", self.id),
                "no amendment was requested for this L/C",
            ));
        }
        self.terms = terms;
        self.version = self.version.saturating_add(1);
        self.reviews.clear();
        self.amendment_reasons.clear();
        self.state = LcState::UnderReview;
        self.updated_at = now;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms() -> LcTerms {
        LcTerms {
            number: "LC-HSBC-0042".to_owned(),
            issuing_bank: "HSBC London".to_owned(),
            currency: Currency::parse("USD").unwrap_or_else(|e| panic!("{e}")),
            amount: 9_000_000,
            expiry_date: day(2027, 3, 31),
            latest_shipment_date: day(2027, 3, 15),
            required_documents: vec!["commercial invoice x3".to_owned()],
        }
    }

    fn day(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default()
    }

    fn roles(role: &str) -> Vec<String> {
        vec![role.to_owned()]
    }

    #[test]
    fn fin_4_both_reviews_accept_and_the_later_day_counts() {
        let now = Utc::now();
        let mut lc = LetterOfCredit::register("o", "n", terms(), day(2027, 1, 2), now);
        lc.review("tom", &roles("sales"), Vec::new(), now, day(2027, 1, 3))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lc.state, LcState::UnderReview);
        assert_eq!(lc.reviewed_on(), None);
        lc.review(
            "dora",
            &roles("docs_clerk"),
            Vec::new(),
            now,
            day(2027, 1, 5),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lc.state, LcState::Accepted);
        assert_eq!(lc.reviewed_on(), Some(day(2027, 1, 5)));
    }

    #[test]
    fn fin_4_one_person_cannot_be_both_reviewers() {
        let now = Utc::now();
        let mut lc = LetterOfCredit::register("o", "n", terms(), day(2027, 1, 2), now);
        let both = vec!["sales".to_owned(), "docs_clerk".to_owned()];
        lc.review("tom", &both, Vec::new(), now, day(2027, 1, 3))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            lc.review("tom", &both, Vec::new(), now, day(2027, 1, 3))
                .is_err()
        );
        assert!(
            lc.review("ann", &roles("sales"), Vec::new(), now, day(2027, 1, 3))
                .is_err(),
            "sales already reviewed this version"
        );
        assert!(
            lc.review("fred", &roles("finance"), Vec::new(), now, day(2027, 1, 3))
                .is_err()
        );
    }

    #[test]
    fn fin_4_a_discrepancy_needs_an_amendment_and_two_new_reviews() {
        let now = Utc::now();
        let mut lc = LetterOfCredit::register("o", "n", terms(), day(2027, 1, 2), now);
        lc.review(
            "tom",
            &roles("sales"),
            vec!["beneficiary name misspelt".to_owned()],
            now,
            day(2027, 1, 3),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lc.state, LcState::Discrepant);
        lc.review(
            "dora",
            &roles("docs_clerk"),
            Vec::new(),
            now,
            day(2027, 1, 3),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            lc.state,
            LcState::Discrepant,
            "one clean review is not enough"
        );
        assert!(
            lc.record_amendment(terms(), now).is_err(),
            "nothing was requested"
        );
        lc.request_amendment(Vec::new(), now)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            lc.amendment_reasons,
            vec!["sales: beneficiary name misspelt"]
        );
        assert!(
            lc.review("ann", &roles("sales"), Vec::new(), now, day(2027, 1, 4))
                .is_err(),
            "no review while the amendment is pending"
        );
        lc.record_amendment(terms(), now)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((lc.version, lc.state), (2, LcState::UnderReview));
        assert!(lc.reviews.is_empty());
        lc.review("tom", &roles("sales"), Vec::new(), now, day(2027, 1, 9))
            .unwrap_or_else(|e| panic!("{e}"));
        lc.review(
            "dora",
            &roles("docs_clerk"),
            Vec::new(),
            now,
            day(2027, 1, 9),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lc.state, LcState::Accepted);
    }
}
