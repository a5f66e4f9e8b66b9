//! ORD-20: the warehouse a released order is handed to (成品库或海外仓).

use super::*;

/// The company's country: orders shipped elsewhere are abroad.
pub const HOME_COUNTRY: &str = "CN";
/// The finished-goods warehouse (成品库), inventory's code.
pub const FINISHED_GOODS_WAREHOUSE: &str = "FG";
/// The overseas warehouse (海外仓), inventory's code.
pub const OVERSEAS_WAREHOUSE: &str = "OVERSEAS";

impl Order {
    /// Whether the goods go to another country than [`HOME_COUNTRY`].
    pub fn ships_abroad(&self) -> bool {
        let country = self.ship_to.country_code.trim();
        !country.is_empty() && !country.eq_ignore_ascii_case(HOME_COUNTRY)
    }

    /// ORD-20: the warehouse a released order is handed to. An order for a
    /// customer abroad ships from the overseas warehouse when that holds
    /// all of it (`overseas_holds_all`); everything else from finished
    /// goods, where what is short goes to production and purchasing.
    pub fn fulfilment_warehouse(&self, overseas_holds_all: bool) -> &'static str {
        if self.ships_abroad() && overseas_holds_all {
            OVERSEAS_WAREHOUSE
        } else {
            FINISHED_GOODS_WAREHOUSE
        }
    }
}
