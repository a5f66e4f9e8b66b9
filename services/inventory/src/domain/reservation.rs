//! A reservation per order (INV-3): each line is reserved in full from the
//! available stock, or passed on as short (to production or procurement,
//! INV-9). A reservation is made once per order; repeating it changes
//! nothing. Cancelling the order releases it; shipping consumes it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::stock::Line;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReservationState {
    Active,
    Released,
    Consumed,
}

impl ReservationState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReservationState::Active => "active",
            ReservationState::Released => "released",
            ReservationState::Consumed => "consumed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "active" => Some(ReservationState::Active),
            "released" => Some(ReservationState::Released),
            "consumed" => Some(ReservationState::Consumed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservedLine {
    pub sku: String,
    pub requested: i64,
    pub reserved: i64,
    /// INV-9: a traded item: its shortage is bought, not made.
    #[serde(default)]
    pub bought: bool,
}

impl ReservedLine {
    pub fn short(&self) -> i64 {
        self.requested - self.reserved
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    pub order_id: String,
    pub order_number: String,
    pub warehouse: String,
    pub state: ReservationState,
    pub lines: Vec<ReservedLine>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Reservation {
    pub fn new(
        order_id: String,
        order_number: String,
        warehouse: String,
        lines: &[Line],
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            order_id,
            order_number,
            warehouse,
            state: ReservationState::Active,
            lines: lines
                .iter()
                .map(|line| ReservedLine {
                    sku: line.sku.clone(),
                    requested: line.quantity,
                    reserved: 0,
                    bought: false,
                })
                .collect(),
            created_at: now,
            updated_at: now,
        }
    }

    pub fn fully_reserved(&self) -> bool {
        self.lines.iter().all(|line| line.short() == 0)
    }

    pub fn short_lines(&self) -> Vec<Line> {
        self.lines
            .iter()
            .filter(|line| line.short() > 0)
            .map(|line| Line {
                sku: line.sku.clone(),
                quantity: line.short(),
            })
            .collect()
    }

    /// The lines that hold stock.
    pub fn held(&self) -> Vec<Line> {
        self.lines
            .iter()
            .filter(|line| line.reserved > 0)
            .map(|line| Line {
                sku: line.sku.clone(),
                quantity: line.reserved,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inv_3_short_lines_are_what_was_not_reserved() {
        let lines = [
            Line {
                sku: "A".to_owned(),
                quantity: 2,
            },
            Line {
                sku: "B".to_owned(),
                quantity: 5,
            },
        ];
        let mut reservation = Reservation::new(
            "o".to_owned(),
            "n".to_owned(),
            "FG".to_owned(),
            &lines,
            Utc::now(),
        );
        reservation.lines[0].reserved = 2;
        assert!(!reservation.fully_reserved());
        assert_eq!(
            reservation.short_lines(),
            vec![Line {
                sku: "B".to_owned(),
                quantity: 5
            }]
        );
        assert_eq!(
            reservation.held(),
            vec![Line {
                sku: "A".to_owned(),
                quantity: 2
            }]
        );
    }
}
