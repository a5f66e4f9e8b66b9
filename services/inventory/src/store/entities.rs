//! sea-orm entities of the inventory database.

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    };
}

pub mod item {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "items")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub sku: String,
        pub name: String,
        pub unit: String,
        pub weight_grams: i64,
        pub created_at: DateTime<Utc>,
        pub bought: bool,
    }

    no_relations!();
}

pub mod kit {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "kits")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub sku: String,
        pub name: String,
        #[sea_orm(column_type = "Text")]
        pub components: String,
        pub total_weight_grams: i64,
    }

    no_relations!();
}

pub mod stock {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "stock")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub sku: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub warehouse: String,
        pub on_hand: i64,
        pub reserved: i64,
    }

    no_relations!();
}

pub mod movement {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "movements")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub batch: String,
        pub sku: String,
        pub warehouse: String,
        pub quantity: i64,
        pub reason: String,
        pub reference: String,
        #[sea_orm(column_type = "Text")]
        pub note: String,
        pub actor: String,
        pub at: DateTime<Utc>,
    }

    no_relations!();
}

pub mod reservation {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "reservations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub order_id: String,
        pub order_number: String,
        pub warehouse: String,
        pub state: String,
        #[sea_orm(column_type = "Text")]
        pub lines: String,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
    }

    no_relations!();
}

pub mod pick_list {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "pick_lists")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub order_id: String,
        pub order_number: String,
        pub warehouse: String,
        #[sea_orm(column_type = "Text")]
        pub lines: String,
        #[sea_orm(column_type = "Text")]
        pub notes: String,
        pub state: String,
        pub inspected_by: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub inspection_note: String,
        pub created_at: DateTime<Utc>,
    }

    no_relations!();
}

pub mod order_note {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "order_notes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub order_id: String,
        pub order_number: String,
        #[sea_orm(column_type = "Text")]
        pub notes: String,
        pub updated_at: DateTime<Utc>,
        /// The order's own update time of these notes.
        pub order_updated_at: Option<DateTime<Utc>>,
    }

    no_relations!();
}

pub mod work_contact_sheet {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "work_contact_sheets")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub reference: String,
        pub subject: String,
        #[sea_orm(column_type = "Text")]
        pub body: String,
        #[sea_orm(column_type = "Text")]
        pub lines: String,
        pub created_by: String,
        pub created_at: DateTime<Utc>,
    }

    no_relations!();
}

/// PRC-5: what procurement's IQC accepted of one arrival, and how much of
/// it the warehouse booked in since.
pub mod purchase_receipt {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "purchase_receipts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub receipt_id: String,
        pub purchase_order: String,
        pub sku: String,
        pub accepted: i64,
        pub booked: i64,
        pub updated_at: DateTime<Utc>,
    }

    no_relations!();
}
