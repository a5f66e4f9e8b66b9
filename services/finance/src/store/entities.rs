//! sea-orm entities of the finance database.

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    };
}

pub mod order_account {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "order_accounts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub order_id: String,
        pub order_number: String,
        pub kind: String,
        pub customer_id: String,
        pub salesperson: String,
        /// S10: the store that took a made-to-measure order.
        pub store_code: String,
        pub currency: String,
        pub total: i64,
        #[sea_orm(column_type = "Text", nullable)]
        pub terms: Option<String>,
        pub delivery_date: String,
        #[sea_orm(column_type = "Text")]
        pub lines: String,
        pub stage: String,
        pub order_updated_at: DateTime<Utc>,
        #[sea_orm(column_type = "Text", nullable)]
        pub manager_confirmation: Option<String>,
        pub gate_opened_at: Option<DateTime<Utc>>,
        pub updated_at: DateTime<Utc>,
        pub balance_reminded_at: Option<DateTime<Utc>>,
        #[sea_orm(column_type = "Text", nullable)]
        pub announced_blockers: Option<String>,
        pub receipt_confirmed_at: Option<DateTime<Utc>>,
        pub warehousing_date: Option<String>,
        /// FIN-12: `us`, `carrier` or `customer`.
        pub cost_bearer: Option<String>,
        pub replaces_order_id: String,
    }

    no_relations!();
}

pub mod payment {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "payments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub order_id: String,
        pub order_number: String,
        pub kind: String,
        pub currency: String,
        pub amount: i64,
        pub method: String,
        pub reference: String,
        pub recorded_by: String,
        pub recorded_at: DateTime<Utc>,
        pub confirmed_by: Option<String>,
        pub confirmed_at: Option<DateTime<Utc>>,
    }

    no_relations!();
}

pub mod letter_of_credit {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "letters_of_credit")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        #[sea_orm(unique)]
        pub order_id: String,
        pub order_number: String,
        #[sea_orm(column_type = "Text")]
        pub terms: String,
        pub received_date: String,
        pub state: String,
        pub version: i32,
        #[sea_orm(column_type = "Text")]
        pub reviews: String,
        #[sea_orm(column_type = "Text")]
        pub amendment_reasons: String,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
    }

    no_relations!();
}

pub mod ledger_entry {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "ledger_entries")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        #[sea_orm(unique)]
        pub dedupe_key: String,
        pub order_id: String,
        pub order_number: String,
        pub salesperson: String,
        pub customer_id: String,
        pub kind: String,
        pub currency: String,
        pub amount: i64,
        pub entry_date: String,
        pub offsets_entry_id: Option<String>,
        pub reference: String,
        #[sea_orm(column_type = "Text")]
        pub note: String,
        pub created_at: DateTime<Utc>,
    }

    no_relations!();
}

pub mod sales_detail {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sales_details")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub salesperson: String,
        pub entry_date: String,
        pub state: String,
        #[sea_orm(column_type = "Text")]
        pub entry_ids: String,
        #[sea_orm(column_type = "Text")]
        pub totals: String,
        pub signed_by: String,
        pub signed_at: DateTime<Utc>,
        pub confirmed_by: Option<String>,
        pub confirmed_at: Option<DateTime<Utc>>,
        /// ORD-20: JSON, the profit confirmed per standard order.
        #[sea_orm(column_type = "Text")]
        pub profits: String,
    }

    no_relations!();
}

pub mod standard_cost {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "standard_costs")]
    pub struct Model {
        /// `<sku>@<effective_from>`.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub sku: String,
        pub currency: String,
        pub unit_cost: i64,
        pub effective_from: String,
        #[sea_orm(column_type = "Text")]
        pub note: String,
        pub set_by: String,
        pub set_at: DateTime<Utc>,
    }

    no_relations!();
}

pub mod sales_detail_entry {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sales_detail_entries")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub entry_id: String,
        pub sales_detail_id: String,
    }

    no_relations!();
}

pub mod credit_rating {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "credit_ratings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub customer_id: String,
        pub rating: String,
        pub currency: String,
        pub credit_limit: i64,
        #[sea_orm(column_type = "Text")]
        pub note: String,
        pub rated_by: String,
        pub rated_at: DateTime<Utc>,
    }

    no_relations!();
}

pub mod refund {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "refunds")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub order_id: String,
        pub order_number: String,
        pub currency: String,
        pub amount: i64,
        #[sea_orm(column_type = "Text")]
        pub reason: String,
        #[sea_orm(column_type = "Text")]
        pub handling: String,
        pub method: String,
        pub state: String,
        pub requested_by: String,
        pub requested_at: DateTime<Utc>,
        pub approval_request_id: Option<String>,
        pub decided_by: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub rejection_reason: String,
        pub executed_by: Option<String>,
        pub executed_at: Option<DateTime<Utc>>,
        pub execution_reference: String,
        pub reference: Option<String>,
        pub goods_received_at: Option<DateTime<Utc>>,
        pub goods_pending: bool,
    }

    no_relations!();
}

pub mod document {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "documents")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub kind: String,
        pub number: String,
        pub order_id: String,
        pub order_number: String,
        pub customer_id: String,
        pub currency: String,
        #[sea_orm(column_type = "Text")]
        pub lines: String,
        pub total: i64,
        pub issue_date: String,
        pub due_date: Option<String>,
        pub issued_by: String,
        pub issued_at: DateTime<Utc>,
        #[sea_orm(column_type = "Text")]
        pub note: String,
        #[sea_orm(column_type = "Text", nullable)]
        pub settlement: Option<String>,
        pub settled_at: Option<DateTime<Utc>>,
        pub overdue_announced_at: Option<DateTime<Utc>>,
    }

    no_relations!();
}
