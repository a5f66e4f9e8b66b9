//! Carrier adapters (LOG-4): each carrier's tracking feed is read by an
//! adapter into tracking events; the built-in one reads the manual/CSV
//! format `tracking_number,time,status,location,description` (RFC 3339
//! time, `#` comments; the description may contain commas).

use chrono::{DateTime, Utc};

use super::shipment::Tracking;

/// What an adapter made of a feed: events per tracking number, and one
/// line per record it could not read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Feed {
    pub events: Vec<(String, Tracking)>,
    pub rejected: Vec<String>,
}

/// Reads a carrier's tracking feed.
pub trait CarrierAdapter: Send + Sync {
    /// The `format` name callers ask for.
    fn format(&self) -> &'static str;
    fn read(&self, content: &str) -> Feed;
}

/// The built-in manual/CSV adapter.
#[derive(Debug, Clone, Copy, Default)]
pub struct CsvAdapter;

impl CarrierAdapter for CsvAdapter {
    fn format(&self) -> &'static str {
        "csv"
    }

    fn read(&self, content: &str) -> Feed {
        let mut feed = Feed::default();
        for (index, line) in content.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let number = index + 1;
            let fields: Vec<&str> = line.splitn(5, ',').map(str::trim).collect();
            let [tracking_number, time, status, location, description] = fields[..] else {
                feed.rejected
                    .push(format!("line {number}: expected 5 fields"));
                continue;
            };
            let Ok(at) = DateTime::parse_from_rfc3339(time) else {
                feed.rejected
                    .push(format!("line {number}: time is not RFC 3339"));
                continue;
            };
            if tracking_number.is_empty() || status.is_empty() {
                feed.rejected.push(format!(
                    "line {number}: tracking number and status are required"
                ));
                continue;
            }
            feed.events.push((
                tracking_number.to_owned(),
                Tracking {
                    at: at.with_timezone(&Utc),
                    status: status.to_lowercase(),
                    location: location.to_owned(),
                    description: description.to_owned(),
                },
            ));
        }
        feed
    }
}

/// The adapters this build knows, by format.
pub fn adapter(format: &str) -> Option<Box<dyn CarrierAdapter>> {
    let adapters: [Box<dyn CarrierAdapter>; 1] = [Box::new(CsvAdapter)];
    let format = if format.trim().is_empty() {
        "csv"
    } else {
        format.trim()
    };
    adapters
        .into_iter()
        .find(|adapter| adapter.format().eq_ignore_ascii_case(format))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_4_the_csv_adapter_reads_good_lines_and_names_bad_ones() {
        let feed = CsvAdapter.read(
            "# header\nTT1,2027-01-06T02:00:00Z,In_Transit,Hangzhou hub,sorted, re-packed\n\
             TT1,yesterday,delivered,x,y\nshort,line\n,2027-01-06T02:00:00Z,delivered,x,y\n",
        );
        assert_eq!(feed.events.len(), 1);
        assert_eq!(feed.events[0].1.status, "in_transit");
        assert_eq!(feed.events[0].1.description, "sorted, re-packed");
        assert_eq!(
            feed.rejected,
            [
                "line 3: time is not RFC 3339",
                "line 4: expected 5 fields",
                "line 5: tracking number and status are required"
            ]
        );
        assert!(adapter("CSV").is_some());
        assert!(adapter("ups-xml").is_none());
    }
}
