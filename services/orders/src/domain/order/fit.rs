//! Made-to-measure garments (S10, 量体定制): the store picks the garment's
//! category and pattern (选分类选版式) and enters the customer's measurements
//! (录入量体信息). Each category names the measurements it needs and the
//! range each may take, in millimetres; anything missing, unknown or out of
//! range is refused with its field.

use super::*;

/// A garment category and the measurements it needs: (name, min mm, max mm).
pub struct GarmentCategory {
    pub name: &'static str,
    pub measurements: &'static [(&'static str, i32, i32)],
}

/// The categories the stores sell made to measure.
pub const GARMENT_CATEGORIES: &[GarmentCategory] = &[
    GarmentCategory {
        name: "jacket",
        measurements: &[
            ("chest", 700, 1600),
            ("waist", 550, 1500),
            ("hip", 700, 1600),
            ("shoulder", 350, 600),
            ("sleeve", 500, 750),
            ("back_length", 600, 900),
        ],
    },
    GarmentCategory {
        name: "trousers",
        measurements: &[
            ("waist", 550, 1500),
            ("hip", 700, 1600),
            ("thigh", 400, 900),
            ("inseam", 600, 950),
            ("outseam", 850, 1250),
        ],
    },
    GarmentCategory {
        name: "shirt",
        measurements: &[
            ("neck", 320, 520),
            ("chest", 700, 1600),
            ("waist", 550, 1500),
            ("shoulder", 350, 600),
            ("sleeve", 500, 750),
            ("back_length", 650, 950),
        ],
    },
    GarmentCategory {
        name: "waistcoat",
        measurements: &[
            ("chest", 700, 1600),
            ("waist", 550, 1500),
            ("back_length", 500, 750),
        ],
    },
    GarmentCategory {
        name: "coat",
        measurements: &[
            ("chest", 750, 1700),
            ("waist", 600, 1600),
            ("hip", 750, 1700),
            ("shoulder", 350, 650),
            ("sleeve", 500, 800),
            ("back_length", 850, 1300),
        ],
    },
];

/// One garment's fit: category, pattern (版式) and measurements in mm.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fit {
    pub category: String,
    pub pattern: String,
    pub measurements: BTreeMap<String, i32>,
}

/// The most measurements one garment takes (more are refused, not read).
const MAX_MEASUREMENTS: usize = 30;

/// S10: a known category, a pattern, and exactly that category's
/// measurements, each within its range.
pub(super) fn parse_fit(fit: &Fit, field: &str, violations: &mut Violations) -> Fit {
    let pattern = violations.required(&format!("{field}.pattern"), &fit.pattern, 50);
    let category = fit.category.trim().to_lowercase();
    let Some(known) = GARMENT_CATEGORIES
        .iter()
        .find(|candidate| candidate.name == category)
    else {
        let names: Vec<&str> = GARMENT_CATEGORIES.iter().map(|c| c.name).collect();
        violations.add(
            format!("{field}.category"),
            format!("one of {}", names.join(", ")),
        );
        return Fit {
            category,
            pattern,
            measurements: BTreeMap::new(),
        };
    };
    if fit.measurements.len() > MAX_MEASUREMENTS {
        violations.add(
            format!("{field}.measurements"),
            format!("at most {MAX_MEASUREMENTS}"),
        );
        return Fit::default();
    }
    for name in fit.measurements.keys() {
        if !known.measurements.iter().any(|(known, _, _)| known == name) {
            violations.add(
                format!("{field}.measurements.{}", truncated(name)),
                format!("a {} takes no such measurement", known.name),
            );
        }
    }
    for (name, min, max) in known.measurements {
        match fit.measurements.get(*name) {
            None => violations.add(
                format!("{field}.measurements.{name}"),
                format!("a {} needs it (mm)", known.name),
            ),
            Some(value) if !(*min..=*max).contains(value) => violations.add(
                format!("{field}.measurements.{name}"),
                format!("{value} mm is outside {min}–{max} mm"),
            ),
            Some(_) => {}
        }
    }
    Fit {
        category,
        pattern,
        measurements: fit.measurements.clone(),
    }
}

/// A name as a field path may show it: at most 40 characters.
fn truncated(name: &str) -> String {
    name.chars().take(40).collect()
}

impl Order {
    fn made_to_measure(&self, what: &str) -> Result<(), OrderError> {
        if self.kind == OrderKind::MadeToMeasure {
            return Ok(());
        }
        Err(OrderError::precondition(
            "NOT_MADE_TO_MEASURE",
            format!("orders/{}", self.id),
            format!("{what}: order {} is a {} order", self.number, self.kind),
        ))
    }

    /// S10: the manufacturer of this garment ships it, finished, to the
    /// store (成品发货): IN_PRODUCTION → SHIPPED with the tracking number.
    /// Another manufacturer's order is not there for it.
    pub fn ship_to_store(
        &mut self,
        manufacturer: Option<&str>,
        carrier: &str,
        tracking_number: &str,
        now: DateTime<Utc>,
    ) -> Result<OrderState, OrderError> {
        if self.manufacturer_code.is_empty()
            || manufacturer != Some(self.manufacturer_code.as_str())
        {
            return Err(OrderError::not_found("order", self.id.clone()));
        }
        self.made_to_measure("only a made-to-measure garment is shipped to its store")?;
        let from = self.transition(Action::MarkReadyToShip, now)?;
        self.transition(Action::Ship, now)?;
        self.carrier_code = carrier.to_owned();
        self.tracking_number = tracking_number.to_owned();
        Ok(from)
    }

    /// S10: the store received the garment (门店收货确认): DELIVERED.
    pub fn store_received(&mut self, now: DateTime<Utc>) -> Result<OrderState, OrderError> {
        self.made_to_measure("only a store confirms a garment's receipt")?;
        self.transition(Action::Deliver, now)
    }

    /// S10: the customer picked the garment up (客户取衣确认), paid in
    /// full: COMPLETED.
    pub fn picked_up(&mut self, now: DateTime<Utc>) -> Result<OrderState, OrderError> {
        self.made_to_measure("only a made-to-measure garment is picked up")?;
        if self.state == OrderState::Delivered && self.amount_paid < self.total {
            return Err(OrderError::precondition(
                "NOT_PAID",
                format!("orders/{}", self.id),
                format!(
                    "{} of {} paid: the store records the rest before the customer takes the garment",
                    self.money(self.amount_paid),
                    self.money(self.total)
                ),
            ));
        }
        self.transition(Action::Complete, now)
    }
}
