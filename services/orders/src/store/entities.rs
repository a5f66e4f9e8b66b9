//! sea-orm entities of the orders database.

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    };
}

pub mod customer {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "customers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub name: String,
        pub phone: String,
        pub email: String,
        #[sea_orm(column_type = "Text")]
        pub address: String,
        pub created_at: DateTime<Utc>,
        pub created_by: String,
        pub store_code: String,
    }

    no_relations!();
}

pub mod order {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "orders")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        #[sea_orm(unique)]
        pub number: String,
        pub kind: String,
        pub state: String,
        pub customer_id: String,
        pub salesperson: String,
        pub currency: String,
        #[sea_orm(column_type = "Text")]
        pub lines: String,
        pub total: i64,
        pub requested_delivery_date: String,
        #[sea_orm(column_type = "Text")]
        pub payment_terms: String,
        #[sea_orm(column_type = "Text")]
        pub ship_to: String,
        #[sea_orm(column_type = "Text")]
        pub buyer_message: String,
        #[sea_orm(column_type = "Text")]
        pub seller_note: String,
        #[sea_orm(column_type = "Text")]
        pub special_requirements: String,
        pub special_custom: bool,
        pub custom_review_due_at: Option<DateTime<Utc>>,
        pub replaces_order_id: Option<String>,
        pub copied_from_order_id: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub merged_from_order_ids: String,
        pub merged_into_order_id: Option<String>,
        pub quotation_id: Option<String>,
        pub customer_po_number: String,
        pub cost_bearer: Option<String>,
        /// APR-2's form of an export order (JSON).
        #[sea_orm(column_type = "Text")]
        pub export_contract: String,
        pub revision: i32,
        #[sea_orm(column_type = "Text")]
        pub flags: String,
        pub submitted_at: Option<DateTime<Utc>>,
        pub confirmation_due_at: Option<DateTime<Utc>>,
        pub confirmation_overdue: bool,
        pub amount_paid: i64,
        pub approval_request_id: Option<String>,
        pub carrier_code: String,
        pub tracking_number: String,
        pub channel: String,
        /// S10: the store that took the order.
        pub store_code: String,
        /// S10: the manufacturer making the garment.
        pub manufacturer_code: String,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
        pub created_by: String,
    }

    no_relations!();
}

pub mod timeline_entry {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "order_timeline")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub order_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub at: DateTime<Utc>,
        pub actor: String,
        pub action: String,
        pub from_state: Option<String>,
        pub to_state: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub reason: String,
        #[sea_orm(column_type = "Text")]
        pub detail: String,
        pub source: String,
        pub trace_id: String,
    }

    no_relations!();
}

pub mod order_revision {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "order_revisions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub order_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub revision: i32,
        /// The editable fields before the edit, as JSON.
        #[sea_orm(column_type = "Text")]
        pub previous: String,
        #[sea_orm(column_type = "Text")]
        pub changed_fields: String,
        #[sea_orm(column_type = "Text")]
        pub reason: String,
        pub actor: String,
        pub at: DateTime<Utc>,
    }

    no_relations!();
}

pub mod list_price {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "list_prices")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub sku: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub currency: String,
        pub unit_price: i64,
        pub updated_at: DateTime<Utc>,
        pub updated_by: String,
        pub special_custom: bool,
    }

    no_relations!();
}

pub mod quotation {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "quotations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        #[sea_orm(unique)]
        pub number: String,
        pub customer_id: String,
        pub salesperson: String,
        pub state: String,
        #[sea_orm(column_type = "Text")]
        pub inquiry: String,
        pub order_id: Option<String>,
        pub customer_po_number: String,
        pub created_at: DateTime<Utc>,
    }

    no_relations!();
}

pub mod quotation_version {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "quotation_versions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub quotation_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub version: i32,
        #[sea_orm(column_type = "Text")]
        pub terms: String,
        #[sea_orm(column_type = "Text")]
        pub change_note: String,
        pub created_at: DateTime<Utc>,
        pub created_by: String,
    }

    no_relations!();
}

pub mod fulfilment_saga {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "fulfilment_sagas")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub order_id: String,
        pub step: String,
        pub approval_chain: Option<String>,
        pub approval_round: i32,
        pub started_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
    }

    no_relations!();
}

pub mod order_claim {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    /// ORD-10: a reviewer's claim on a submitted order, until it expires.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "order_claims")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub order_id: String,
        pub claimed_by: String,
        pub claimed_at: DateTime<Utc>,
        pub expires_at: DateTime<Utc>,
    }

    no_relations!();
}

pub mod confirmation_sheet {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    /// ORD-16: an order's confirmation sheet, its snapshot as a JSON
    /// document.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "confirmation_sheets")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub order_id: String,
        pub number: String,
        pub body: String,
        pub issued_at: DateTime<Utc>,
        pub acknowledged_at: Option<DateTime<Utc>>,
    }

    no_relations!();
}

pub mod customer_notification {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    /// ORD-17: a notification for a customer; once sent, part of the
    /// customer's message log.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "customer_notifications")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub customer_id: String,
        pub order_id: String,
        pub order_number: String,
        pub kind: String,
        pub recipient: String,
        pub text: String,
        pub created_at: DateTime<Utc>,
        pub due_at: Option<DateTime<Utc>>,
        pub sent_at: Option<DateTime<Utc>>,
        pub attempts: i32,
        pub last_error: String,
        /// A sender holds it until then (so that two replicas never send
        /// it both).
        pub claimed_until: Option<DateTime<Utc>>,
    }

    no_relations!();
}
