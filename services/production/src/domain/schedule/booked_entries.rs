//! Serde for a [`Booked`] map as a list of `{work_centre, day, load}`
//! entries (JSON map keys must be strings, not tuples). Use with
//! `#[serde(with = "booked_entries")]`.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Booked;

#[derive(Serialize)]
struct EntryRef<'a> {
    work_centre: &'a str,
    day: NaiveDate,
    load: i64,
}

#[derive(Deserialize)]
struct Entry {
    work_centre: String,
    day: NaiveDate,
    load: i64,
}

pub fn serialize<S: Serializer>(booked: &Booked, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(booked.iter().map(|((work_centre, day), &load)| EntryRef {
        work_centre,
        day: *day,
        load,
    }))
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Booked, D::Error> {
    Ok(Vec::<Entry>::deserialize(deserializer)?
        .into_iter()
        .map(|entry| ((entry.work_centre, entry.day), entry.load))
        .collect())
}
