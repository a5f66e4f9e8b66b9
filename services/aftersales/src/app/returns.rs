//! Goods and money back: the pick-up (AFS-4, LOG-7), the inspection with
//! the goods into stock or quarantine (AFS-5, INV-6), overseas-warehouse
//! returns (AFS-8), the refund through finance (AFS-6, FIN-8), the
//! replacement order (AFS-7, ORD-14) and the shop refund deadline (SLA-7).

use chrono::NaiveDate;
use orderflow_platform::db::idempotency::{self, RequestKey};
use orderflow_platform::grpc::convert::{money, timestamp};
use orderflow_platform::money::Money;
use orderflow_proto::common::v1 as common;
use orderflow_proto::finance::v1 as finance;
use orderflow_proto::inventory::v1 as inventory;
use orderflow_proto::logistics::v1 as logistics;
use orderflow_proto::orders::v1 as orders;
use sea_orm::ConnectionTrait;

use super::{AfterSales, not_known};
use crate::domain::case::{Case, CaseId, Finding, FreightPayment, Kind, Pickup, State};
use crate::domain::{Actor, AfterSalesError};
use crate::store::records;
use crate::wire;

/// AFS-11: the size, style and colour asked for, as they go on the
/// replacement order's line and the case's history.
fn attributes(line: &crate::domain::case::Line) -> String {
    let named: Vec<String> = [
        ("size", &line.size),
        ("style", &line.style),
        ("colour", &line.colour),
    ]
    .iter()
    .filter(|(_, value)| !value.is_empty())
    .map(|(name, value)| format!("{name} {value}"))
    .collect();
    if named.is_empty() {
        String::new()
    } else {
        format!(": {}", named.join(", "))
    }
}

/// What finance's refund references: the case.
pub fn refund_reference(case_id: &str) -> String {
    format!("aftersales/cases/{case_id}")
}

/// The case a finance refund serves, from its reference.
pub fn case_of_reference(reference: &str) -> Option<&str> {
    reference.strip_prefix("aftersales/cases/")
}

impl AfterSales {
    /// AFS-4: logistics collects the goods (LOG-7); the freight is the
    /// customer's unless the cause is ours; never cash on delivery (the
    /// API refuses it before this is called).
    pub async fn schedule_pickup(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &CaseId,
        pickup_date: NaiveDate,
        address: Option<common::Address>,
        payment: FreightPayment,
    ) -> Result<Case, AfterSalesError> {
        if self.replayed(key).await? {
            return self.case(id).await;
        }
        let case = self.case(id).await?;
        case.check_pickup()?;
        let payer = case.freight_payer;
        let scheduled = self
            .peers
            .schedule_pickup(logistics::SchedulePickupRequest {
                request_id: format!("pickup:{}:{pickup_date}", case.id),
                order_id: case.order_id.clone(),
                reference: case.number.clone(),
                address,
                pickup_date: pickup_date.to_string(),
                reason: format!(
                    "{} {}: {}; return freight paid by {}, no cash on delivery",
                    case.kind.as_str(),
                    case.number,
                    case.reason.as_str(),
                    payer.as_str()
                ),
            })
            .await?;
        let pickup = Pickup {
            pickup_id: scheduled.id,
            pickup_date,
            carrier_code: scheduled.carrier_code,
            address: crate::domain::case::Address::from(&scheduled.address.unwrap_or_default()),
            freight_payer: payer,
            freight_payment: payment,
        };
        let who = actor.subject.clone();
        self.change(
            actor,
            key,
            id,
            Box::new(move |case, now| {
                case.pickup_scheduled(&who, pickup, now)?;
                Ok(vec![("pickup_scheduled", String::new())])
            }),
        )
        .await
    }

    /// AFS-5, INV-6: the inspection's lines go into finished goods or
    /// quarantine through inventory (request ids derived from the case, so
    /// a retry moves nothing twice); then the case records them and asks
    /// for the agreed refund (AFS-6).
    pub async fn inspect(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &CaseId,
        findings: Vec<Finding>,
    ) -> Result<Case, AfterSalesError> {
        if self.replayed(key).await? {
            return self.case(id).await;
        }
        let case = self.case(id).await?;
        let inspected = case.check_inspection(&findings)?;
        self.receive_goods(&case, &inspected).await?;
        // The order's facts are locked while what is left to refund is
        // worked out, so two cases of one order take turns (AFS-6).
        let transaction = self.base.database.begin_write().await?;
        let now = self.now();
        if let idempotency::Claim::Replay(_) = idempotency::claim(&*transaction, key, now).await? {
            drop(transaction);
            return self.case(id).await;
        }
        let paid_left = self.paid_left(&*transaction, &case, true).await?;
        let mut case = records::case(&*transaction, id, true)
            .await?
            .ok_or_else(|| AfterSalesError::not_found("case", id.as_str()))?;
        let refund = case.inspected(&actor.subject, inspected, paid_left, now)?;
        let mut actions = vec![("inspected", String::new())];
        if refund {
            actions.push(("refund_requested", String::new()));
        }
        if case.kind == Kind::Exchange {
            actions.push(("replacement_due", String::new()));
        }
        if case.state == State::Closed {
            actions.push(("closed", String::new()));
        }
        records::save_case(&*transaction, &case).await?;
        self.announce(&*transaction, &case, &actions, &actor.subject)
            .await?;
        idempotency::complete(&*transaction, key, id).await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(case)
    }

    /// INV-6: inspected goods into finished goods (restocked) or
    /// quarantine through inventory, with request ids derived from the case
    /// so that a retry moves nothing twice.
    async fn receive_goods(
        &self,
        case: &Case,
        inspected: &[crate::domain::case::Inspected],
    ) -> Result<(), AfterSalesError> {
        for restock in [true, false] {
            let lines: Vec<inventory::Line> = inspected
                .iter()
                .filter(|line| line.restocked == restock)
                .map(|line| inventory::Line {
                    sku: line.sku.clone(),
                    quantity: line.quantity,
                })
                .collect();
            if lines.is_empty() {
                continue;
            }
            let note = inspected
                .iter()
                .filter(|line| line.restocked == restock && !line.note.is_empty())
                .map(|line| format!("{}: {}", line.sku, line.note))
                .collect::<Vec<_>>()
                .join("; ");
            self.peers
                .receive_return(inventory::ReceiveReturnRequest {
                    request_id: format!(
                        "return:{}:{}",
                        case.id,
                        if restock { "restock" } else { "quarantine" }
                    ),
                    warehouse: self.settings.returns_warehouse.clone(),
                    lines,
                    reference: case.order_id.clone(),
                    restock,
                    inspection_note: format!("after-sales {}. {note}", case.number)
                        .trim()
                        .to_owned(),
                })
                .await?;
        }
        Ok(())
    }

    /// AFS-11: goods that arrived without notice, as the warehouse's
    /// quality-inspection record: a new return case on the order, matched
    /// to its customer, for customer service to review. The goods are
    /// booked into inventory by the consumer of `received_unannounced`.
    pub async fn record_unannounced_return(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        order_id: &str,
        findings: Vec<Finding>,
    ) -> Result<Case, AfterSalesError> {
        let transaction = self.base.database.begin_write().await?;
        let now = self.now();
        if let idempotency::Claim::Replay(id) = idempotency::claim(&*transaction, key, now).await? {
            drop(transaction);
            return self.case(&CaseId::from_stored(id)).await;
        }
        let facts = records::facts(&*transaction, order_id, true)
            .await?
            .ok_or_else(|| not_known(order_id))?;
        let others = records::cases_of_order(&*transaction, order_id, true).await?;
        let number = self.next_number(&*transaction).await?;
        let case = Case::unannounced(
            (CaseId::new(), number),
            &facts,
            &crate::domain::case::Taken::of(&others),
            &findings,
            &actor.subject,
            now,
        )?;
        records::save_case(&*transaction, &case).await?;
        self.announce(
            &*transaction,
            &case,
            &[("received_unannounced", String::new())],
            &actor.subject,
        )
        .await?;
        idempotency::complete(&*transaction, key, &case.id).await?;
        transaction.commit().await?;
        self.base.outbox.notify();
        Ok(case)
    }

    /// AFS-11: books an unannounced return's goods into inventory (from
    /// its `received_unannounced` event, retried while inventory is away).
    pub async fn book_unannounced<C: ConnectionTrait>(
        &self,
        connection: &C,
        case_id: &str,
    ) -> Result<(), AfterSalesError> {
        let Some(case) = records::case(connection, case_id, false).await? else {
            return Ok(());
        };
        if !case.unannounced {
            return Ok(());
        }
        self.receive_goods(&case, &case.inspected).await
    }

    /// AFS-8: the customer's proof of receipt at the overseas warehouse:
    /// the goods' value is refunded before they are shelved.
    pub async fn record_overseas_receipt(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &CaseId,
        proof: String,
    ) -> Result<Case, AfterSalesError> {
        if self.replayed(key).await? {
            return self.case(id).await;
        }
        let case = self.case(id).await?;
        let paid_left = self
            .paid_left(self.base.database.connection(), &case, false)
            .await?;
        let who = actor.subject.clone();
        self.change(
            actor,
            key,
            id,
            Box::new(move |case, now| {
                case.overseas_received(&proof, paid_left, &who, now)?;
                Ok(vec![
                    ("overseas_received", String::new()),
                    ("refund_requested", String::new()),
                ])
            }),
        )
        .await
    }

    /// AFS-8, INV-6: the overseas warehouse shelved the goods: into its
    /// stock through inventory (request id derived from the case), then the
    /// case records it and finance turns the refund's loss into a return.
    pub async fn shelve_overseas_return(
        &self,
        actor: &Actor,
        key: Option<&RequestKey>,
        id: &CaseId,
        lines: Vec<(String, i64)>,
    ) -> Result<Case, AfterSalesError> {
        if self.replayed(key).await? {
            return self.case(id).await;
        }
        let case = self.case(id).await?;
        case.check_shelving(&lines)?;
        self.peers
            .receive_return(inventory::ReceiveReturnRequest {
                request_id: format!("shelve:{}", case.id),
                warehouse: self.settings.overseas_warehouse.clone(),
                lines: lines
                    .iter()
                    .map(|(sku, quantity)| inventory::Line {
                        sku: sku.clone(),
                        quantity: *quantity,
                    })
                    .collect(),
                reference: case.order_id.clone(),
                restock: true,
                inspection_note: format!(
                    "after-sales {}: shelved at the overseas warehouse",
                    case.number
                ),
            })
            .await?;
        let detail = lines
            .iter()
            .map(|(sku, quantity)| format!("{quantity} × {sku}"))
            .collect::<Vec<_>>()
            .join(", ");
        let who = actor.subject.clone();
        self.change(
            actor,
            key,
            id,
            Box::new(move |case, now| {
                case.check_shelving(&lines)?;
                case.shelved(detail.clone(), &who, now);
                let mut actions = vec![("shelved", detail)];
                if case.state == State::Closed {
                    actions.push(("closed", String::new()));
                }
                Ok(actions)
            }),
        )
        .await
    }

    /// What was paid for the case's order and is not claimed by its other
    /// cases; `lock_order` locks the order's facts row, so that cases of one
    /// order working it out take turns.
    async fn paid_left<C: ConnectionTrait>(
        &self,
        connection: &C,
        case: &Case,
        lock_order: bool,
    ) -> Result<i64, AfterSalesError> {
        let paid = records::facts(connection, &case.order_id, lock_order)
            .await?
            .map_or(0, |facts| facts.amount_paid);
        let others: Vec<Case> = records::cases_of_order(connection, &case.order_id, false)
            .await?
            .into_iter()
            .filter(|other| other.id != case.id)
            .collect();
        Ok(paid.saturating_sub(crate::domain::case::Taken::of(&others).money))
    }

    /// AFS-6: files the case's refund with finance (from the
    /// `refund_requested` event, so that it is filed even when finance was
    /// down at the time). Finance keeps the request id: a retry files
    /// nothing twice.
    pub async fn file_refund<C: ConnectionTrait>(
        &self,
        connection: &C,
        case_id: &str,
        requester: &str,
    ) -> Result<(), tonic::Status> {
        let Some(case) = records::case(connection, case_id, false)
            .await
            .map_err(|error| tonic::Status::internal(error.to_string()))?
        else {
            return Ok(());
        };
        if case.refund_id.is_some() || case.state != State::Refunding {
            return Ok(());
        }
        let amount = case.refund_amount.unwrap_or(0);
        let handling = match case.kind {
            Kind::Refund if !case.after_shipment => {
                format!("order {} cancelled before shipment", case.order_number)
            }
            Kind::Refund => format!("refund without goods, case {}", case.number),
            Kind::Return if case.overseas => format!(
                "goods at the overseas warehouse (proof {}); case {}",
                case.proof_of_receipt, case.number
            ),
            Kind::Return | Kind::Exchange => format!(
                "goods back ({}); case {}",
                case.inspected
                    .iter()
                    .map(|line| format!(
                        "{} × {} {}",
                        line.quantity,
                        line.sku,
                        if line.restocked {
                            "restocked"
                        } else {
                            "quarantined"
                        }
                    ))
                    .collect::<Vec<_>>()
                    .join(", "),
                case.number
            ),
        };
        let refund = self
            .peers
            .request_refund(finance::RequestRefundRequest {
                request_id: format!("refund:{}", case.id),
                order_id: case.order_id.clone(),
                amount: Some(money(Money::new(case.currency, amount))),
                reason: wire::clip(format!("{} ({})", case.reason.as_str(), case.description)),
                handling: wire::clip(handling),
                method: finance::RefundMethod::OriginalRoute.into(),
                reference: refund_reference(case.id.as_str()),
                goods_received_time: case.goods_received_at.map(timestamp),
                // AFS-8: refunded on proof of receipt overseas, not shelved yet.
                goods_pending: case.overseas && case.shelved_at.is_none(),
            })
            .await?;
        let id = refund.id;
        let who = requester.to_owned();
        self.change_in(
            connection,
            case_id,
            requester,
            Box::new(move |case, now| {
                Ok(if case.refund_filed(&id, &who, now) {
                    vec![("refund_filed", String::new())]
                } else {
                    Vec::new()
                })
            }),
        )
        .await
        .map_err(|error| tonic::Status::internal(error.to_string()))?;
        Ok(())
    }

    /// Finance's decision or execution of a case's refund (FIN-8, APR-6).
    pub async fn refund_changed<C: ConnectionTrait>(
        &self,
        connection: &C,
        case_id: &str,
        executed: bool,
        rejection: Option<&str>,
        actor: &str,
    ) -> Result<(), AfterSalesError> {
        let who = actor.to_owned();
        let rejection = rejection.map(str::to_owned);
        self.change_in(
            connection,
            case_id,
            actor,
            Box::new(move |case, now| {
                let mut actions = Vec::new();
                if executed && case.refund_executed(&who, now) {
                    actions.push(("refunded", String::new()));
                    if case.state == State::Closed {
                        actions.push(("closed", String::new()));
                    }
                }
                if let Some(reason) = rejection
                    && case.refund_rejected(&reason, &who, now)
                {
                    actions.push(("refund_rejected", reason));
                }
                Ok(actions)
            }),
        )
        .await
        .map(drop)
    }

    /// AFS-7, ORD-14, AFS-11: the replacement order, linked to the one it
    /// replaces, with the size, style and colour asked for; the customer
    /// service submits it like any order. Orders keeps the request id: a
    /// retry creates nothing twice.
    pub async fn create_replacement<C: ConnectionTrait>(
        &self,
        connection: &C,
        case_id: &str,
        actor: &str,
    ) -> Result<(), tonic::Status> {
        let Some(case) = records::case(connection, case_id, false)
            .await
            .map_err(|error| tonic::Status::internal(error.to_string()))?
        else {
            return Ok(());
        };
        if case.kind != Kind::Exchange || case.replacement_order_id.is_some() {
            return Ok(());
        }
        let original = self.peers.order(&case.order_id).await?;
        let mut lines: Vec<orders::OrderLineInput> = case
            .lines
            .iter()
            .map(|line| {
                let sku = if line.replacement_sku.is_empty() {
                    line.sku.clone()
                } else {
                    line.replacement_sku.clone()
                };
                orders::OrderLineInput {
                    sku,
                    description: format!(
                        "exchange for {} × {} ({}){}",
                        line.quantity,
                        line.sku,
                        case.number,
                        attributes(line)
                    ),
                    quantity: line.quantity,
                    unit_price: Some(money(Money::new(case.currency, line.unit_price))),
                    kit: None,
                    fit: None,
                }
            })
            .collect();
        if !case.after_shipment {
            // AFS-3: nothing was shipped, so the replacement is the whole
            // order again with the exchanged lines changed.
            // What is exchanged of each SKU, taken off its lines in turn.
            let mut exchanged: Vec<(String, i64)> = Vec::new();
            for changed in &case.lines {
                match exchanged.iter_mut().find(|(sku, _)| *sku == changed.sku) {
                    Some((_, quantity)) => *quantity += changed.quantity,
                    None => exchanged.push((changed.sku.clone(), changed.quantity)),
                }
            }
            for line in &original.lines {
                let taken = exchanged
                    .iter_mut()
                    .find(|(sku, _)| *sku == line.sku)
                    .map_or(0, |(_, left)| {
                        let taken = (*left).min(line.quantity);
                        *left -= taken;
                        taken
                    });
                let kept = line.quantity - taken;
                if kept > 0 {
                    lines.push(orders::OrderLineInput {
                        sku: line.sku.clone(),
                        description: line.description.clone(),
                        quantity: kept,
                        unit_price: line.unit_price.clone(),
                        kit: line.kit.clone(),
                        fit: line.fit.clone(),
                    });
                }
            }
        }
        let replacement = self
            .peers
            .create_order(orders::CreateOrderRequest {
                request_id: format!("replacement:{}", case.id),
                customer_id: original.customer_id.clone(),
                kind: orders::OrderKind::Standard.into(),
                currency_code: original.currency_code.clone(),
                lines,
                requested_delivery_date: self.today().to_string(),
                payment_terms: original.payment_terms,
                salesperson: original.salesperson.clone(),
                ship_to: original.ship_to.clone(),
                buyer_message: String::new(),
                seller_note: format!("exchange, after-sales case {}", case.number),
                special_requirements: String::new(),
                // The same goods again: no new feasibility review (ORD-18).
                special_custom: false,
                replaces_order_id: original.id.clone(),
                cost_bearer: 0,
                customer_po_number: String::new(),
                factory_contract_number: String::new(),
                estimated_costs: Vec::new(),
            })
            .await?;
        let total = replacement
            .total
            .as_ref()
            .map_or(0, |total| total.minor_units);
        let who = actor.to_owned();
        self.change_in(
            connection,
            case_id,
            actor,
            Box::new(move |case, now| {
                let mut actions = Vec::new();
                if case.replaced(&replacement.id, total, &who, now) {
                    let asked = case
                        .lines
                        .iter()
                        .map(|line| format!("{} × {}{}", line.quantity, line.sku, attributes(line)))
                        .collect::<Vec<_>>()
                        .join("; ");
                    actions.push((
                        "replaced",
                        format!("replacement order {}: {asked}", replacement.number),
                    ));
                    if case.state == State::Closed {
                        actions.push(("closed", String::new()));
                    }
                }
                Ok(actions)
            }),
        )
        .await
        .map_err(|error| tonic::Status::internal(error.to_string()))?;
        Ok(())
    }

    /// SLA-7: shop refunds past their 2 working days are flagged and
    /// announced once; customers asked for information and silent past
    /// its due time are reminded once (AFS-2). Returns how many refunds
    /// were flagged.
    pub async fn sweep(&self) -> Result<usize, AfterSalesError> {
        let transaction = self.base.database.begin_write().await?;
        let now = self.now();
        // AFS-2: customers who did not answer are reminded once.
        for mut case in
            records::cases_in_state(&*transaction, State::InformationRequested, 500).await?
        {
            if case.remind(now) {
                records::save_case(&*transaction, &case).await?;
                self.announce(
                    &*transaction,
                    &case,
                    &[("information_reminder", String::new())],
                    "system",
                )
                .await?;
            }
        }
        let due = records::refunds_past_due(&*transaction, now, 100).await?;
        let mut flagged = 0;
        for mut case in due {
            if case.flag_overdue(now) {
                records::save_case(&*transaction, &case).await?;
                let detail = format!(
                    "refund of {} due {}",
                    case.order_number,
                    case.refund_due_at
                        .map(|at| at.to_rfc3339())
                        .unwrap_or_default()
                );
                self.announce(
                    &*transaction,
                    &case,
                    &[("refund_overdue", detail)],
                    "system",
                )
                .await?;
                flagged += 1;
            }
        }
        transaction.commit().await?;
        if flagged > 0 {
            self.base.outbox.notify();
            for _ in 0..flagged {
                orderflow_platform::metrics::sla_breached(crate::config::SERVICE, "SLA-7");
            }
        }
        Ok(flagged)
    }
}
