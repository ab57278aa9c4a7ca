//! Charts as SVG geometry, computed here and drawn by `templates/chart.html`, so the page needs no
//! JavaScript and every name in a chart goes through the template's HTML escaping.

use chrono::{DateTime, Utc};

use crate::format;

/// Ten colours that stay apart for common colour blindness, then grey for "Others".
const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];
const OTHERS: &str = "#8a8f98";

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 240.0;
/// Room on the left for the axis labels.
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 22.0;
/// Room above the plot for the top tick's label.
const TOP: f64 = 10.0;

#[derive(Debug, Clone)]
pub struct Chart {
    /// The SVG's accessible title.
    pub title: String,
    pub width: f64,
    pub height: f64,
    pub segments: Vec<Segment>,
    pub ticks: Vec<Tick>,
    pub labels: Vec<Label>,
    pub legend: Vec<Legend>,
}

/// One rectangle: a series' part of one bucket.
#[derive(Debug, Clone)]
pub struct Segment {
    pub x: String,
    pub y: String,
    pub width: String,
    pub height: String,
    pub fill: &'static str,
    /// Shown on hover.
    pub title: String,
}

/// A horizontal grid line with its value.
#[derive(Debug, Clone)]
pub struct Tick {
    pub y: String,
    pub text: String,
}

/// A bucket's date under the x axis.
#[derive(Debug, Clone)]
pub struct Label {
    pub x: String,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Legend {
    pub name: String,
    pub fill: &'static str,
}

impl Chart {
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }
}

fn coordinate(v: f64) -> String {
    format!("{v:.1}")
}

/// A point of a share series: its bucket, its series name, its share of the bucket.
#[derive(Debug, Clone)]
pub struct SharePoint<'a> {
    pub bucket: DateTime<Utc>,
    pub series: &'a str,
    pub share: f64,
    pub tokens: i64,
}

/// Stacked bars of shares (each bucket sums to 100%). Series keep the order of their first
/// appearance, which the share views give as largest first, "Others" last.
pub fn stacked_shares(title: &str, points: &[SharePoint<'_>]) -> Chart {
    let mut series: Vec<&str> = Vec::new();
    let mut buckets: Vec<DateTime<Utc>> = Vec::new();
    for p in points {
        if !series.contains(&p.series) {
            series.push(p.series);
        }
        if !buckets.contains(&p.bucket) {
            buckets.push(p.bucket);
        }
    }
    buckets.sort();
    // "Others" is drawn last whatever its size, in grey.
    if let Some(i) = series.iter().position(|s| *s == "Others") {
        let others = series.remove(i);
        series.push(others);
    }
    let fill = |name: &str| -> &'static str {
        if name == "Others" {
            return OTHERS;
        }
        let i = series.iter().position(|s| *s == name).unwrap_or(0);
        PALETTE[i % PALETTE.len()]
    };
    let plot_height = HEIGHT - BOTTOM - TOP;
    let slot = (WIDTH - LEFT) / buckets.len().max(1) as f64;
    let bar = (slot * 0.8).max(1.0);
    let mut segments = Vec::new();
    for (i, bucket) in buckets.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
        let mut top = TOP + plot_height;
        for name in &series {
            let Some(p) = points
                .iter()
                .find(|p| p.bucket == *bucket && p.series == *name)
            else {
                continue;
            };
            let h = (p.share.clamp(0.0, 1.0) * plot_height).max(0.0);
            top -= h;
            segments.push(Segment {
                x: coordinate(x),
                y: coordinate(top),
                width: coordinate(bar),
                height: coordinate(h),
                fill: fill(name),
                title: format!(
                    "{name} · {} · {} tokens · {}",
                    format::date(bucket),
                    format::tokens(p.tokens),
                    format::percent(Some(p.share))
                ),
            });
        }
    }
    let ticks = [0.0, 0.25, 0.5, 0.75, 1.0]
        .into_iter()
        .map(|v| Tick {
            y: coordinate(TOP + plot_height - v * plot_height),
            text: format!("{:.0}%", v * 100.0),
        })
        .collect();
    Chart {
        title: title.to_owned(),
        width: WIDTH,
        height: HEIGHT,
        segments,
        ticks,
        labels: labels(&buckets, slot),
        legend: series
            .iter()
            .map(|name| Legend {
                name: (*name).to_owned(),
                fill: fill(name),
            })
            .collect(),
    }
}

/// Plain bars of one series (a model's tokens per day), scaled to the largest.
pub fn bars(title: &str, series: &str, points: &[(DateTime<Utc>, i64)]) -> Chart {
    let plot_height = HEIGHT - BOTTOM - TOP;
    let max = points.iter().map(|p| p.1).max().unwrap_or(0).max(1) as f64;
    let slot = (WIDTH - LEFT) / points.len().max(1) as f64;
    let bar = (slot * 0.8).max(1.0);
    let segments = points
        .iter()
        .enumerate()
        .map(|(i, (bucket, value))| {
            let h = *value as f64 / max * plot_height;
            Segment {
                x: coordinate(LEFT + slot * i as f64 + (slot - bar) / 2.0),
                y: coordinate(TOP + plot_height - h),
                width: coordinate(bar),
                height: coordinate(h),
                fill: PALETTE[0],
                title: format!(
                    "{} · {} tokens",
                    format::date(bucket),
                    format::tokens(*value)
                ),
            }
        })
        .collect();
    let ticks = [0.0, 0.5, 1.0]
        .into_iter()
        .map(|v| Tick {
            y: coordinate(TOP + plot_height - v * plot_height),
            text: format::tokens((v * max).round() as i64),
        })
        .collect();
    let buckets: Vec<DateTime<Utc>> = points.iter().map(|p| p.0).collect();
    Chart {
        title: title.to_owned(),
        width: WIDTH,
        height: HEIGHT,
        segments,
        ticks,
        labels: labels(&buckets, slot),
        legend: vec![Legend {
            name: series.to_owned(),
            fill: PALETTE[0],
        }],
    }
}

/// About six dates under the bars, so that they never overlap.
fn labels(buckets: &[DateTime<Utc>], slot: f64) -> Vec<Label> {
    let every = buckets.len().div_ceil(6).max(1);
    buckets
        .iter()
        .enumerate()
        .filter(|(i, _)| i % every == 0)
        .map(|(i, bucket)| Label {
            x: coordinate(LEFT + slot * i as f64 + slot / 2.0),
            text: bucket.format("%b %d").to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("2026-11-{d:02}T12:00:00Z"))
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn stacked_bars_fill_the_plot_and_put_others_last() {
        let points = [
            SharePoint {
                bucket: day(1),
                series: "Others",
                share: 0.25,
                tokens: 25,
            },
            SharePoint {
                bucket: day(1),
                series: "a/x",
                share: 0.75,
                tokens: 75,
            },
            SharePoint {
                bucket: day(2),
                series: "a/x",
                share: 1.0,
                tokens: 10,
            },
        ];
        let chart = stacked_shares("t", &points);
        let names: Vec<&str> = chart.legend.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["a/x", "Others"]);
        assert_eq!(chart.legend[1].fill, OTHERS);
        // The plot is 240 - 22 - 10 = 208 high, from y = 10 to 218. Day 1: a/x from the bottom
        // up 75% of 208 = 156, Others above it: 52 high, reaching the top.
        assert_eq!(chart.segments.len(), 3);
        assert_eq!(chart.segments[0].height, "156.0");
        assert_eq!(chart.segments[0].y, "62.0");
        assert_eq!(chart.segments[1].y, "10.0");
        assert_eq!(chart.segments[1].height, "52.0");
        assert_eq!(chart.segments[2].height, "208.0");
        assert!(chart.segments[1].title.starts_with("Others · 2026-11-01"));
    }
}
