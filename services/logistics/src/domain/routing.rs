//! Carriers and routing rules (LOG-1): data, not code. The defaults
//! reproduce the original: Jiangsu, Zhejiang, Shanghai and Anhui → 天天快递
//! (TTKD), everywhere else → EMS.

use chrono::{DateTime, Utc};
use orderflow_platform::validation::Violations;
use serde::{Deserialize, Serialize};

use super::LogisticsError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Carrier {
    pub code: String,
    pub name: String,
    /// LOG-4: delivered within this many days of dispatch, or late.
    pub promised_days: i32,
    pub tracking_url_template: String,
    pub created_at: DateTime<Utc>,
}

impl Carrier {
    pub fn parse(
        code: &str,
        name: &str,
        promised_days: i32,
        tracking_url_template: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, LogisticsError> {
        let mut violations = Violations::new();
        let code = violations.required("carrier.code", code, 20).to_uppercase();
        if !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            violations.add("carrier.code", "letters, digits, '-' and '_' only");
        }
        let name = violations.required("carrier.name", name, 100);
        if !(1..=90).contains(&promised_days) {
            violations.add("carrier.promised_days", "must be 1 to 90");
        }
        let tracking_url_template =
            violations.optional("carrier.tracking_url_template", tracking_url_template, 300);
        violations.finish(())?;
        Ok(Self {
            code,
            name,
            promised_days,
            tracking_url_template,
            created_at: now,
        })
    }
}

/// The carriers `orderflow` starts with.
pub fn default_carriers(now: DateTime<Utc>) -> Vec<Carrier> {
    vec![
        Carrier {
            code: "TTKD".to_owned(),
            name: "天天快递 (TTK Express)".to_owned(),
            promised_days: 3,
            tracking_url_template: String::new(),
            created_at: now,
        },
        Carrier {
            code: "EMS".to_owned(),
            name: "EMS 经济快递".to_owned(),
            promised_days: 6,
            tracking_url_template: String::new(),
            created_at: now,
        },
    ]
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    pub regions: Vec<String>,
    pub country_codes: Vec<String>,
    pub carrier_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub rules: Vec<Rule>,
    pub default_carrier_code: String,
    pub version: i32,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// A region as people write it: "Zhejiang", "zhejiang province", "浙江省",
/// "上海市" all name the same province.
pub fn normalize_region(region: &str) -> String {
    let lower = region.trim().to_lowercase();
    let stripped = lower
        .trim_end_matches(" province")
        .trim_end_matches(" municipality")
        .trim_end_matches('省')
        .trim_end_matches('市');
    match stripped {
        "江苏" => "jiangsu",
        "浙江" => "zhejiang",
        "上海" => "shanghai",
        "安徽" => "anhui",
        "四川" => "sichuan",
        "北京" => "beijing",
        "广东" => "guangdong",
        other => other,
    }
    .to_owned()
}

impl Rules {
    /// LOG-1 as the company wrote it.
    pub fn defaults(now: DateTime<Utc>) -> Self {
        Self {
            rules: vec![Rule {
                name: "江浙沪皖 → 天天快递".to_owned(),
                regions: ["Jiangsu", "Zhejiang", "Shanghai", "Anhui"]
                    .map(str::to_owned)
                    .to_vec(),
                country_codes: vec!["CN".to_owned()],
                carrier_code: "TTKD".to_owned(),
            }],
            default_carrier_code: "EMS".to_owned(),
            version: 1,
            updated_by: "orderflow".to_owned(),
            updated_at: now,
        }
    }

    /// The carrier for an address: the first rule whose regions (and
    /// countries, when it names any) contain it, else the default.
    pub fn choose(&self, country_code: &str, region: &str) -> (String, String) {
        let region = normalize_region(region);
        let country = country_code.trim().to_uppercase();
        for rule in &self.rules {
            let country_ok = rule.country_codes.is_empty()
                || rule
                    .country_codes
                    .iter()
                    .any(|code| code.eq_ignore_ascii_case(&country));
            let region_ok = rule
                .regions
                .iter()
                .any(|candidate| normalize_region(candidate) == region);
            if country_ok && region_ok {
                return (rule.carrier_code.clone(), rule.name.clone());
            }
        }
        (self.default_carrier_code.clone(), "default".to_owned())
    }

    /// Validates a replacement against the known carriers.
    pub fn replace(
        &self,
        rules: Vec<Rule>,
        default_carrier_code: &str,
        base_version: i32,
        known: &[String],
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, LogisticsError> {
        let mut violations = Violations::new();
        if base_version != self.version {
            return Err(LogisticsError::precondition(
                "STALE_RULES",
                "routing_rules",
                format!(
                    "the rules are at version {}, not {base_version}; read them again",
                    self.version
                ),
            ));
        }
        let default_carrier_code = default_carrier_code.trim().to_uppercase();
        if !known.contains(&default_carrier_code) {
            violations.add("default_carrier_code", "is not a known carrier");
        }
        let mut cleaned = Vec::new();
        for (index, rule) in rules.into_iter().enumerate() {
            let field = |name: &str| format!("rules[{index}].{name}");
            let carrier_code = rule.carrier_code.trim().to_uppercase();
            if !known.contains(&carrier_code) {
                violations.add(field("carrier_code"), "is not a known carrier");
            }
            if rule.regions.iter().all(|region| region.trim().is_empty()) {
                violations.add(field("regions"), "name at least one region");
            }
            let name = if rule.name.trim().is_empty() {
                format!("{} → {carrier_code}", rule.regions.join(", "))
            } else {
                rule.name.trim().to_owned()
            };
            cleaned.push(Rule {
                name,
                regions: rule
                    .regions
                    .iter()
                    .map(|region| region.trim().to_owned())
                    .filter(|region| !region.is_empty())
                    .collect(),
                country_codes: rule
                    .country_codes
                    .iter()
                    .map(|code| code.trim().to_uppercase())
                    .filter(|code| !code.is_empty())
                    .collect(),
                carrier_code,
            });
        }
        violations.finish(())?;
        Ok(Self {
            rules: cleaned,
            default_carrier_code,
            version: self.version.saturating_add(1),
            updated_by: by.to_owned(),
            updated_at: now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_1_the_defaults_send_jiangsu_zhejiang_shanghai_anhui_by_ttkd_and_the_rest_by_ems() {
        let rules = Rules::defaults(DateTime::<Utc>::UNIX_EPOCH);
        for region in ["Zhejiang", "浙江省", "上海市", "Anhui", "jiangsu province"] {
            assert_eq!(rules.choose("CN", region).0, "TTKD", "{region}");
        }
        for region in ["Sichuan", "四川省", "Beijing"] {
            assert_eq!(rules.choose("CN", region).0, "EMS", "{region}");
        }
        assert_eq!(
            rules.choose("US", "Zhejiang").0,
            "EMS",
            "the rule is for China"
        );
    }
}
