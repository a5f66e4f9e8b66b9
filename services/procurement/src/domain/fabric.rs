//! Made-to-measure fabric (PRC-7, APR-8, S10): `commerce` records the
//! fabric bought for a made-to-measure garment from a supplier, to be
//! delivered to the manufacturer who makes it. The supplier — a partner
//! acting through its own people — confirms it (or declines with a reason)
//! and records the shipping number; the manufacturer's receipt closes it,
//! or its refusal sends it back for a new shipment.
//!
//! ```text
//! ORDERED ─supplier confirms→ CONFIRMED ─supplier ships (tracking)→ SHIPPED
//!   ─manufacturer accepts the fabric→ RECEIVED
//! ORDERED ─supplier declines (reason)→ DECLINED
//! SHIPPED ─manufacturer refuses the fabric (reason)→ CONFIRMED (ship again)
//! ```
//!
//! A partner sees and acts on its own purchases only: the supplier on
//! those it supplies, the manufacturer on those delivered to it.

use chrono::{DateTime, Utc};
use orderflow_platform::money::Money;
use serde::{Deserialize, Serialize};

use super::{Actor, ProcurementError};

orderflow_platform::uuid_id!(
    /// A made-to-measure fabric purchase.
    FabricPurchaseId,
    "fabric purchase"
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FabricState {
    Ordered,
    Confirmed,
    Declined,
    Shipped,
    Received,
}

impl FabricState {
    pub const ALL: [FabricState; 5] = [
        Self::Ordered,
        Self::Confirmed,
        Self::Declined,
        Self::Shipped,
        Self::Received,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ordered => "ordered",
            Self::Confirmed => "confirmed",
            Self::Declined => "declined",
            Self::Shipped => "shipped",
            Self::Received => "received",
        }
    }
}

/// What commerce records (录入采购面料信息).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FabricOrder {
    /// The made-to-measure order and its number.
    pub order_id: String,
    pub order_number: String,
    /// The garment it is for, e.g. "suit jacket".
    pub garment: String,
    /// The supplier's fabric code and how much, in centimetres.
    pub fabric_code: String,
    pub length_cm: i64,
    /// What the fabric costs in all.
    pub price: Money,
    pub supplier_code: String,
    /// Who makes the garment and receives the fabric.
    pub manufacturer_code: String,
}

/// One thing that happened to the purchase, for its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FabricStep {
    pub what: String,
    pub note: String,
    pub by: String,
    pub partner: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FabricPurchase {
    pub id: FabricPurchaseId,
    pub order: FabricOrder,
    pub state: FabricState,
    pub decline_reason: String,
    pub carrier: String,
    pub tracking_number: String,
    pub history: Vec<FabricStep>,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// APR-8, PRC-7: fabric is bought for a made-to-measure order that passed
/// its finance → tech → commerce review and is not over (`state` as the
/// orders service names it, e.g. `awaiting_payment`).
pub fn may_buy_fabric_for(order_id: &str, state: &str) -> Result<(), ProcurementError> {
    match state {
        "awaiting_payment" | "released" | "in_production" => Ok(()),
        _ => Err(ProcurementError::precondition(
            "ORDER_NOT_APPROVED",
            format!("orders/{order_id}"),
            format!(
                "the made-to-measure order is {state}: fabric is bought once finance, tech and commerce approved it (APR-8), until it is made"
            ),
        )),
    }
}

/// Which fabric purchases a list shows.
#[derive(Debug, Clone, Default)]
pub struct FabricFilter {
    pub state: Option<FabricState>,
    pub order_id: Option<String>,
    /// A partner's own: where it is the supplier or the manufacturer.
    pub partner: Option<String>,
}

/// Which side of a purchase a partner acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Supplier,
    Manufacturer,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Supplier => "supplier",
            Side::Manufacturer => "manufacturer",
        }
    }
}

impl FabricPurchase {
    pub fn record(order: FabricOrder, actor: &Actor, now: DateTime<Utc>) -> Self {
        let note = format!(
            "{} cm of {} from {} for the {} of order {}, to {}",
            order.length_cm,
            order.fabric_code,
            order.supplier_code,
            order.garment,
            order.order_number,
            order.manufacturer_code
        );
        let mut purchase = Self {
            id: FabricPurchaseId::new(),
            order,
            state: FabricState::Ordered,
            decline_reason: String::new(),
            carrier: String::new(),
            tracking_number: String::new(),
            history: Vec::new(),
            recorded_by: actor.subject.clone(),
            created_at: now,
            updated_at: now,
        };
        purchase.happened("ordered", note, actor, now);
        purchase
    }

    /// The partner on `side` of this purchase.
    pub fn partner(&self, side: Side) -> &str {
        match side {
            Side::Supplier => &self.order.supplier_code,
            Side::Manufacturer => &self.order.manufacturer_code,
        }
    }

    /// PRC-7: only the partner on `side` acts there, through a person whose
    /// token names it.
    pub fn acting_as(&self, actor: &Actor, side: Side) -> Result<(), ProcurementError> {
        match actor.partner.as_deref() {
            Some(partner) if partner == self.partner(side) => Ok(()),
            Some(_) => Err(ProcurementError::PermissionDenied(format!(
                "fabric purchase {} is another {}'s",
                self.id,
                side.name()
            ))),
            None => Err(ProcurementError::PermissionDenied(format!(
                "a {} acts through a token that names its partner code",
                side.name()
            ))),
        }
    }

    /// Whether a partner may see it: its supplier or its manufacturer.
    pub fn visible_to(&self, partner: &str) -> bool {
        self.order.supplier_code == partner || self.order.manufacturer_code == partner
    }

    fn unmet(&self, what: &str) -> ProcurementError {
        ProcurementError::precondition(
            "FABRIC_PURCHASE_STATE",
            format!("fabric_purchases/{}", self.id),
            format!(
                "cannot {what}: the fabric purchase is {}",
                self.state.as_str()
            ),
        )
    }

    fn happened(&mut self, what: &str, note: String, actor: &Actor, now: DateTime<Utc>) {
        self.history.push(FabricStep {
            what: what.to_owned(),
            note,
            by: actor.subject.clone(),
            partner: actor.partner.clone(),
            at: now,
        });
        self.updated_at = now;
    }

    /// PRC-7: the supplier confirms the purchase (审核) or declines it with a
    /// reason, after which commerce buys elsewhere.
    pub fn answer(
        &mut self,
        actor: &Actor,
        accept: bool,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ProcurementError> {
        self.acting_as(actor, Side::Supplier)?;
        if self.state != FabricState::Ordered {
            return Err(self.unmet("answer it"));
        }
        if accept {
            self.state = FabricState::Confirmed;
            self.happened("confirmed", reason.to_owned(), actor, now);
        } else {
            if reason.trim().is_empty() {
                return Err(ProcurementError::invalid(
                    "reason",
                    "a declined fabric purchase needs its reason",
                ));
            }
            self.state = FabricState::Declined;
            self.decline_reason = reason.to_owned();
            self.happened("declined", reason.to_owned(), actor, now);
        }
        Ok(())
    }

    /// PRC-7: the supplier ships the fabric and records the shipping number
    /// (录入面料发货单号).
    pub fn ship(
        &mut self,
        actor: &Actor,
        carrier: &str,
        tracking_number: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ProcurementError> {
        self.acting_as(actor, Side::Supplier)?;
        if self.state != FabricState::Confirmed {
            return Err(self.unmet("ship it"));
        }
        self.state = FabricState::Shipped;
        self.carrier = carrier.to_owned();
        self.tracking_number = tracking_number.to_owned();
        self.happened(
            "shipped",
            format!("{carrier} {tracking_number}"),
            actor,
            now,
        );
        Ok(())
    }

    /// PRC-7, S10: the manufacturer's receipt check (对面料进行收货审核):
    /// accepted closes the purchase; refused (with a note) sends it back
    /// for the supplier to ship again.
    pub fn receive(
        &mut self,
        actor: &Actor,
        accepted: bool,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ProcurementError> {
        self.acting_as(actor, Side::Manufacturer)?;
        if self.state != FabricState::Shipped {
            return Err(self.unmet("receive it"));
        }
        if accepted {
            self.state = FabricState::Received;
            self.happened("received", note.to_owned(), actor, now);
        } else {
            if note.trim().is_empty() {
                return Err(ProcurementError::invalid(
                    "note",
                    "refused fabric needs what is wrong with it",
                ));
            }
            self.state = FabricState::Confirmed;
            self.happened(
                "refused",
                format!(
                    "{note} (shipment {} {} refused)",
                    self.carrier, self.tracking_number
                ),
                actor,
                now,
            );
            self.carrier.clear();
            self.tracking_number.clear();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use orderflow_platform::money::Currency;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn purchase() -> FabricPurchase {
        FabricPurchase::record(
            FabricOrder {
                order_id: "o-1".to_owned(),
                order_number: "2026120100000001".to_owned(),
                garment: "suit jacket".to_owned(),
                fabric_code: "VBC-2201".to_owned(),
                length_cm: 280,
                price: Money::new(
                    Currency::parse("CNY").unwrap_or_else(|e| panic!("{e}")),
                    126_000,
                ),
                supplier_code: "WOOLCO".to_owned(),
                manufacturer_code: "TAILORS".to_owned(),
            },
            &Actor::new("cora", &["commerce"]),
            now(),
        )
    }

    fn partner(code: &str, role: &str) -> Actor {
        Actor::new(format!("{code}-desk"), &[role]).for_partner(code)
    }

    #[test]
    fn prc_7_only_the_named_supplier_confirms_and_ships_and_only_its_manufacturer_receives() {
        let mut fabric = purchase();
        let woolco = partner("WOOLCO", "supplier");
        let other = partner("SILKCO", "supplier");
        let staff = Actor::new("pat", &["supplier"]);
        let tailors = partner("TAILORS", "manufacturer");
        for intruder in [&other, &staff, &tailors] {
            assert!(matches!(
                fabric.answer(intruder, true, "", now()),
                Err(ProcurementError::PermissionDenied(_))
            ));
        }
        assert_eq!(fabric.state, FabricState::Ordered, "nothing changed");
        assert!(fabric.answer(&woolco, true, "", now()).is_ok());
        assert!(
            fabric.receive(&tailors, true, "", now()).is_err(),
            "not shipped"
        );
        assert!(fabric.ship(&woolco, "SF", "SF1234567890", now()).is_ok());
        assert!(matches!(
            fabric.receive(&woolco, true, "", now()),
            Err(ProcurementError::PermissionDenied(_))
        ));
        assert!(
            fabric
                .receive(&tailors, true, "colour matches", now())
                .is_ok()
        );
        assert_eq!(fabric.state, FabricState::Received);
        assert_eq!(fabric.tracking_number, "SF1234567890");
        let steps: Vec<&str> = fabric.history.iter().map(|s| s.what.as_str()).collect();
        assert_eq!(steps, ["ordered", "confirmed", "shipped", "received"]);
    }

    #[test]
    fn prc_7_a_decline_and_a_refused_delivery_need_their_reasons() {
        let woolco = partner("WOOLCO", "supplier");
        let tailors = partner("TAILORS", "manufacturer");
        let mut declined = purchase();
        assert!(matches!(
            declined.answer(&woolco, false, " ", now()),
            Err(ProcurementError::InvalidInput(_))
        ));
        assert!(
            declined
                .answer(&woolco, false, "out of stock", now())
                .is_ok()
        );
        assert_eq!(declined.state, FabricState::Declined);
        assert!(declined.ship(&woolco, "SF", "1", now()).is_err());

        let mut fabric = purchase();
        assert!(fabric.answer(&woolco, true, "", now()).is_ok());
        assert!(fabric.ship(&woolco, "SF", "SF1", now()).is_ok());
        assert!(matches!(
            fabric.receive(&tailors, false, "", now()),
            Err(ProcurementError::InvalidInput(_))
        ));
        assert!(
            fabric
                .receive(&tailors, false, "wrong shade", now())
                .is_ok()
        );
        assert_eq!(fabric.state, FabricState::Confirmed, "to ship again");
        assert!(fabric.tracking_number.is_empty());
        assert!(fabric.ship(&woolco, "SF", "SF2", now()).is_ok());
        assert!(fabric.receive(&tailors, true, "", now()).is_ok());
        assert!(fabric.visible_to("WOOLCO") && fabric.visible_to("TAILORS"));
        assert!(!fabric.visible_to("SILKCO"));
    }
}
