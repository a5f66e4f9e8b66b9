//! sea-orm entities of the production database.

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    };
}

pub mod production_order {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "production_orders")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub order_id: String,
        pub sku: String,
        pub state: String,
        pub schedule_due_at: DateTime<Utc>,
        pub schedule_overdue: bool,
        /// PRD-6: the earliest day an unbooked inspection is due.
        pub inspection_due: Option<String>,
        pub inspection_overdue: bool,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
        #[sea_orm(column_type = "Text")]
        pub body: String,
    }

    no_relations!();
}

/// What production knows of a released order (PRD-1): its number, kind,
/// delivery date and warehouse, from the orders service's events.
pub mod order_fact {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "order_facts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub order_id: String,
        pub order_number: String,
        pub order_kind: String,
        pub due_date: Option<String>,
        pub warehouse: String,
        pub cancelled: bool,
        pub updated_at: DateTime<Utc>,
    }

    no_relations!();
}

pub mod bom {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "boms")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub sku: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub version: i32,
        pub created_at: DateTime<Utc>,
        #[sea_orm(column_type = "Text")]
        pub body: String,
    }

    no_relations!();
}

pub mod work_centre {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "work_centres")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub code: String,
        pub updated_at: DateTime<Utc>,
        #[sea_orm(column_type = "Text")]
        pub body: String,
    }

    no_relations!();
}

pub mod schedule {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "schedules")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub state: String,
        pub created_at: DateTime<Utc>,
        #[sea_orm(column_type = "Text")]
        pub body: String,
    }

    no_relations!();
}
