//! Which hours a range of commits touched, read from the Delta log of a raw table.
//!
//! Each file a commit adds carries min/max statistics of `created_at` (ingest writes them for
//! exactly this), so its hours are known without reading it. A file without statistics, and a
//! removed file, stand for their whole `date` partition.

use chrono::{DateTime, Duration, DurationRound, NaiveDate, Utc};
use deltalake::DeltaTable;
use deltalake::kernel::Action;
use deltalake::logstore::get_actions;

use crate::Error;

/// Half-open `[start, end)` time ranges on hour boundaries, sorted and disjoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HourRanges(Vec<(DateTime<Utc>, DateTime<Utc>)>);

impl HourRanges {
    pub fn ranges(&self) -> &[(DateTime<Utc>, DateTime<Utc>)] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The number of hours covered.
    pub fn hours(&self) -> i64 {
        self.0.iter().map(|(s, e)| (*e - *s).num_hours()).sum()
    }

    /// Adds the hours from the one holding `first` to the one holding `last`.
    pub fn add(&mut self, first: DateTime<Utc>, last: DateTime<Utc>) {
        let hour = Duration::hours(1);
        let (Ok(start), Ok(last_hour)) = (first.duration_trunc(hour), last.duration_trunc(hour))
        else {
            return;
        };
        self.0.push((start, last_hour.max(start) + hour));
        self.normalize();
    }

    /// Adds every hour of a UTC date.
    pub fn add_date(&mut self, date: NaiveDate) {
        let start = date.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        if let Some(start) = start {
            self.0.push((start, start + Duration::days(1)));
            self.normalize();
        }
    }

    /// The same ranges widened to UTC midnights: the days they touch.
    pub fn whole_days(&self) -> HourRanges {
        let mut days = HourRanges::default();
        for &(start, end) in &self.0 {
            let first = start.date_naive();
            let last = (end - Duration::microseconds(1)).date_naive();
            for date in first.iter_days().take_while(|d| *d <= last) {
                days.add_date(date);
            }
        }
        days
    }

    pub fn extend(&mut self, other: &HourRanges) {
        self.0.extend_from_slice(&other.0);
        self.normalize();
    }

    /// Merges overlapping and adjacent ranges.
    fn normalize(&mut self) {
        self.0 = merge(std::mem::take(&mut self.0), Duration::zero());
    }

    /// The same hours, and a few more, in at most `max` ranges: ranges less than a day apart
    /// merge when there are more than `max` (late data spread over weeks). Recomputing a few
    /// untouched hours costs less than a query per range.
    pub fn coarsened(&self, max: usize) -> HourRanges {
        if self.0.len() <= max {
            return self.clone();
        }
        let merged = merge(self.0.clone(), Duration::days(1));
        if merged.len() <= max {
            return HourRanges(merged);
        }
        match (merged.first(), merged.last()) {
            (Some(first), Some(last)) => HourRanges(vec![(first.0, last.1)]),
            _ => HourRanges::default(),
        }
    }
}

/// Sorts ranges and merges those that overlap or lie within `gap` of each other.
fn merge(
    mut ranges: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    gap: Duration,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    ranges.sort();
    let mut merged: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if start <= last.1 + gap => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// What the commits after `since` up to `until` did to a table's rows.
#[derive(Debug)]
pub enum Changes {
    Hours(HourRanges),
    /// The log no longer holds every commit (log cleanup): only a full rebuild is safe.
    Unknown,
}

/// The hours touched by the commits `since + 1 ..= until` of `table`.
pub async fn touched_hours(table: &DeltaTable, since: u64, until: u64) -> Result<Changes, Error> {
    let log = table.log_store();
    let mut hours = HourRanges::default();
    for version in since + 1..=until {
        let Some(bytes) = log.read_commit_entry(version).await? else {
            return Ok(Changes::Unknown);
        };
        for action in get_actions(version, &bytes)? {
            match action {
                Action::Add(add) => match time_range(add.stats.as_deref()) {
                    Some((first, last)) => hours.add(first, last),
                    None => add_partition_date(&mut hours, &add.partition_values),
                },
                Action::Remove(remove) => {
                    if let Some(values) = &remove.partition_values {
                        add_partition_date(&mut hours, values);
                    }
                }
                _ => {}
            }
        }
    }
    Ok(Changes::Hours(hours))
}

fn add_partition_date(
    hours: &mut HourRanges,
    values: &std::collections::HashMap<String, Option<String>>,
) {
    let date = values
        .get("date")
        .and_then(Option::as_deref)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    if let Some(date) = date {
        hours.add_date(date);
    }
}

/// `created_at`'s min and max from a file's JSON statistics.
fn time_range(stats: Option<&str>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let stats: serde_json::Value = serde_json::from_str(stats?).ok()?;
    let read = |key: &str| {
        let text = stats.get(key)?.get("created_at")?.as_str()?;
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    };
    Some((read("minValues")?, read("maxValues")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn ranges_cover_whole_hours_and_merge() {
        let mut hours = HourRanges::default();
        hours.add(at("2026-11-20T03:15:00Z"), at("2026-11-20T04:59:59Z"));
        hours.add(at("2026-11-20T05:00:00Z"), at("2026-11-20T05:00:00Z"));
        hours.add(at("2026-11-20T09:30:00Z"), at("2026-11-20T09:31:00Z"));
        assert_eq!(
            hours.ranges(),
            &[
                (at("2026-11-20T03:00:00Z"), at("2026-11-20T06:00:00Z")),
                (at("2026-11-20T09:00:00Z"), at("2026-11-20T10:00:00Z")),
            ]
        );
        assert_eq!(hours.hours(), 4);
        hours.add_date(NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or_default());
        assert_eq!(
            hours.ranges(),
            &[(at("2026-11-20T00:00:00Z"), at("2026-11-21T00:00:00Z"))]
        );
    }

    #[test]
    fn whole_days_widen_ranges_to_the_days_they_touch() {
        let mut hours = HourRanges::default();
        hours.add(at("2026-11-18T23:15:00Z"), at("2026-11-19T00:10:00Z"));
        hours.add(at("2026-11-21T05:00:00Z"), at("2026-11-21T05:00:00Z"));
        assert_eq!(
            hours.whole_days().ranges(),
            &[
                (at("2026-11-18T00:00:00Z"), at("2026-11-20T00:00:00Z")),
                (at("2026-11-21T00:00:00Z"), at("2026-11-22T00:00:00Z")),
            ]
        );
        // A range ending at midnight does not touch the next day.
        let mut day = HourRanges::default();
        day.add(at("2026-11-20T22:00:00Z"), at("2026-11-20T23:59:59Z"));
        assert_eq!(
            day.whole_days().ranges(),
            &[(at("2026-11-20T00:00:00Z"), at("2026-11-21T00:00:00Z"))]
        );
        assert_eq!(day.whole_days().hours(), 24);
    }

    #[test]
    fn many_scattered_ranges_merge_within_a_day() {
        let mut hours = HourRanges::default();
        for day in 1..=20 {
            let t = at(&format!("2026-10-{day:02}T12:00:00Z"));
            hours.add(t, t);
        }
        assert_eq!(hours.ranges().len(), 20);
        assert_eq!(hours.coarsened(20), hours);
        // 20 ranges a day apart (23 hours between them) become one.
        assert_eq!(
            hours.coarsened(16).ranges(),
            &[(at("2026-10-01T12:00:00Z"), at("2026-10-20T13:00:00Z"))]
        );
    }

    #[test]
    fn statistics_give_the_time_range() {
        let stats = r#"{"numRecords":3,"minValues":{"created_at":"2026-11-20T03:15:00.123Z"},
            "maxValues":{"created_at":"2026-11-20T07:00:00.000Z"},"nullCount":{}}"#;
        assert_eq!(
            time_range(Some(stats)),
            Some((at("2026-11-20T03:15:00.123Z"), at("2026-11-20T07:00:00Z")))
        );
        assert_eq!(time_range(Some(r#"{"numRecords":3}"#)), None);
        assert_eq!(time_range(None), None);
    }
}
