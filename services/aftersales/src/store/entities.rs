//! sea-orm entities of the after-sales database.

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    };
}

pub mod case {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "cases")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        #[sea_orm(unique)]
        pub number: String,
        pub order_id: String,
        pub state: String,
        pub refund_due_at: Option<DateTime<Utc>>,
        pub refund_overdue: bool,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
        #[sea_orm(column_type = "Text")]
        pub body: String,
    }

    no_relations!();
}

pub mod order_facts {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "order_facts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub order_id: String,
        pub customer_id: String,
        pub as_of: DateTime<Utc>,
        pub shipped_at: Option<DateTime<Utc>>,
        #[sea_orm(column_type = "Text")]
        pub body: String,
    }

    no_relations!();
}

pub mod complaint {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "complaints")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub state: String,
        pub overdue: bool,
        pub due_at: DateTime<Utc>,
        pub created_at: DateTime<Utc>,
        #[sea_orm(column_type = "Text")]
        pub body: String,
    }

    no_relations!();
}
