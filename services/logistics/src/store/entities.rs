//! sea-orm entities of the logistics database.

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    };
}

pub mod carrier {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "carriers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub code: String,
        pub name: String,
        pub promised_days: i32,
        pub tracking_url_template: String,
        pub created_at: DateTime<Utc>,
    }

    no_relations!();
}

pub mod routing_rules {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "routing_rules")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub version: i32,
        #[sea_orm(column_type = "Text")]
        pub rules: String,
        pub default_carrier_code: String,
        pub updated_by: String,
        pub updated_at: DateTime<Utc>,
    }

    no_relations!();
}

pub mod shipment {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "shipments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub order_id: String,
        #[sea_orm(column_type = "Text")]
        pub order_snapshot: String,
        #[sea_orm(column_type = "Text")]
        pub ship_to: String,
        pub state: String,
        pub carrier_code: String,
        #[sea_orm(column_type = "Text")]
        pub carrier_reason: String,
        pub planned_ship_date: Option<String>,
        pub note_number: String,
        pub note_approved_by: String,
        pub tracking_number: String,
        pub dispatched_at: Option<DateTime<Utc>>,
        pub promised_at: Option<DateTime<Utc>>,
        pub delay_announced: bool,
        pub plan_overdue: bool,
        #[sea_orm(column_type = "Text")]
        pub tracking: String,
        pub delivered_at: Option<DateTime<Utc>>,
        pub received_at: Option<DateTime<Utc>>,
        pub receipt_confirmed_by: String,
        pub goods_out: bool,
        pub updated_at: DateTime<Utc>,
    }

    no_relations!();
}

pub mod pickup {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "pickups")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub order_id: String,
        pub reference: String,
        #[sea_orm(column_type = "Text")]
        pub address: String,
        pub pickup_date: String,
        pub carrier_code: String,
        #[sea_orm(column_type = "Text")]
        pub reason: String,
        pub created_at: DateTime<Utc>,
    }

    no_relations!();
}
