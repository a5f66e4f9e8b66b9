//! sea-orm entities of the approvals database.

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    };
}

pub mod policy {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "policies")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub subject_kind: String,
        pub version: i32,
        pub name: String,
        #[sea_orm(column_type = "Text")]
        pub steps: String,
        pub created_at: DateTime<Utc>,
        pub created_by: String,
    }

    no_relations!();
}

pub mod request {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "approval_requests")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub subject_kind: String,
        pub subject_id: String,
        pub subject_ref: String,
        pub currency: String,
        pub amount: i64,
        #[sea_orm(column_type = "Text")]
        pub flags: String,
        #[sea_orm(column_type = "Text")]
        pub attachments: String,
        #[sea_orm(column_type = "Text")]
        pub estimated_costs: String,
        pub requester: String,
        pub policy_id: String,
        pub policy_version: i32,
        #[sea_orm(column_type = "Text")]
        pub rules: String,
        pub state: String,
        pub round: i32,
        #[sea_orm(column_type = "Text")]
        pub rounds: String,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
    }

    no_relations!();
}

pub mod step {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "approval_steps")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub request_id: String,
        pub round: i32,
        pub position: i32,
        pub name: String,
        pub role: String,
        pub signed_by_requester: bool,
        pub sla_minutes: i32,
        pub state: String,
        pub activated_at: Option<DateTime<Utc>>,
        pub due_at: Option<DateTime<Utc>>,
        pub overdue_reported: bool,
        pub decided_by: Option<String>,
        pub decided_at: Option<DateTime<Utc>>,
        #[sea_orm(column_type = "Text")]
        pub reason: String,
        pub requester: String,
        pub subject_kind: String,
        pub subject_id: String,
        pub subject_ref: String,
        pub currency: String,
        pub amount: i64,
    }

    no_relations!();
}

pub mod exchange_rate {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "exchange_rates")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub currency: String,
        pub mantissa: i64,
        pub scale: i32,
        pub updated_at: DateTime<Utc>,
        pub updated_by: String,
    }

    no_relations!();
}
