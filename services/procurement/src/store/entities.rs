//! sea-orm entities of the procurement database.

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    };
}

pub mod supplier {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "suppliers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub code: String,
        pub status: String,
        pub updated_at: DateTime<Utc>,
        #[sea_orm(column_type = "Text")]
        pub body: String,
    }

    no_relations!();
}

pub mod requisition {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "requisitions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub sku: String,
        pub need_by: String,
        pub state: String,
        pub created_at: DateTime<Utc>,
        #[sea_orm(column_type = "Text")]
        pub body: String,
    }

    no_relations!();
}

/// Which requisition each source went into (PRC-2: once per source).
pub mod requisition_source {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "requisition_sources")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub source_key: String,
        pub requisition_id: String,
    }

    no_relations!();
}

pub mod purchase_order {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "purchase_orders")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub supplier_code: String,
        pub state: String,
        pub late: bool,
        pub promised_date: Option<String>,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
        #[sea_orm(column_type = "Text")]
        pub body: String,
    }

    no_relations!();
}

pub mod outsourcing_order {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "outsourcing_orders")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub production_order_id: String,
        pub seq: i32,
        pub state: String,
        pub created_at: DateTime<Utc>,
        #[sea_orm(column_type = "Text")]
        pub body: String,
    }

    no_relations!();
}

/// PRC-7: made-to-measure fabric purchases, found by either partner.
pub mod fabric_purchase {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "fabric_purchases")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub order_id: String,
        pub supplier_code: String,
        pub manufacturer_code: String,
        pub state: String,
        pub created_at: DateTime<Utc>,
        #[sea_orm(column_type = "Text")]
        pub body: String,
    }

    no_relations!();
}

/// PRC-7: what procurement knows of made-to-measure orders (from
/// `orders.order.>`): fabric is bought for an approved one only.
pub mod garment_order {
    use chrono::{DateTime, Utc};
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "garment_orders")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub order_id: String,
        pub number: String,
        pub state: String,
        pub updated_at: DateTime<Utc>,
    }

    no_relations!();
}
