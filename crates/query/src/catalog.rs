//! The leaderboard catalog: one SQL file in `queries/` per view, and the typed parameters each
//! one is run with. `queries/README.md` defines every number.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, DurationRound, NaiveDate, Utc};
use datafusion::arrow::datatypes::IntervalMonthDayNano;
use datafusion::common::ScalarValue;

use crate::Error;

/// Every view of the catalog, by its `tokenboard query` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    TopModels,
    TokenShare,
    AuthorShare,
    TopApps,
    ModelProviders,
    ModelDaily,
    Speed,
    ContextLengths,
    Spend,
    Feedback,
}

impl View {
    pub const ALL: [View; 10] = [
        View::TopModels,
        View::TokenShare,
        View::AuthorShare,
        View::TopApps,
        View::ModelProviders,
        View::ModelDaily,
        View::Speed,
        View::ContextLengths,
        View::Spend,
        View::Feedback,
    ];

    pub fn name(self) -> &'static str {
        match self {
            View::TopModels => "top-models",
            View::TokenShare => "token-share",
            View::AuthorShare => "author-share",
            View::TopApps => "top-apps",
            View::ModelProviders => "model-providers",
            View::ModelDaily => "model-daily",
            View::Speed => "speed",
            View::ContextLengths => "context-lengths",
            View::Spend => "spend",
            View::Feedback => "feedback",
        }
    }

    /// The view's SQL, compiled in from `queries/` so the binary needs no files beside it.
    pub fn sql(self) -> ViewSql<'static> {
        match self {
            View::TopModels => ViewSql::One(include_str!("../../../queries/top_models.sql")),
            View::TokenShare => ViewSql::One(include_str!("../../../queries/token_share.sql")),
            View::AuthorShare => ViewSql::One(include_str!("../../../queries/author_share.sql")),
            View::TopApps => ViewSql::One(include_str!("../../../queries/top_apps.sql")),
            View::ModelProviders => ViewSql::Endpoints {
                served: include_str!("../../../queries/model_providers_served.sql"),
                attempts: include_str!("../../../queries/model_providers_attempts.sql"),
            },
            View::ModelDaily => ViewSql::One(include_str!("../../../queries/model_daily.sql")),
            View::Speed => ViewSql::One(include_str!("../../../queries/speed.sql")),
            View::ContextLengths => {
                ViewSql::One(include_str!("../../../queries/context_lengths.sql"))
            }
            View::Spend => ViewSql::One(include_str!("../../../queries/spend.sql")),
            View::Feedback => ViewSql::One(include_str!("../../../queries/feedback.sql")),
        }
    }

    /// How the view reads time.
    fn time(self) -> TimeKind {
        match self {
            View::TokenShare | View::AuthorShare | View::ModelDaily => TimeKind::Buckets,
            View::ModelProviders | View::Feedback => TimeKind::Window,
            View::TopModels | View::TopApps | View::Speed | View::ContextLengths | View::Spend => {
                TimeKind::Period
            }
        }
    }
}

/// The statements that answer a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewSql<'a> {
    /// One statement, whose rows are the answer.
    One(&'a str),
    /// The model page's two halves, over the same endpoints: what each served (from
    /// `generations`) and how its attempts went (from `attempts`). They run side by side, one per
    /// core, and their rows are put together by (model, provider): each half plans in about
    /// half the time of one statement that joins them, and planning is most of a short window's
    /// cost (queries/README.md).
    Endpoints { served: &'a str, attempts: &'a str },
}

/// Periods and windows serialize as their names, as the API and the CLI spell them.
impl serde::Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl serde::Serialize for Window {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for View {
    type Err = Error;
    fn from_str(s: &str) -> Result<View, Error> {
        View::ALL
            .into_iter()
            .find(|view| view.name() == s)
            .ok_or_else(|| Error::UnknownView(s.to_owned()))
    }
}

enum TimeKind {
    Period,
    Buckets,
    Window,
}

/// A leaderboard period: the trailing window ending at `data_through`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Period {
    Day,
    #[default]
    Week,
    Month,
}

impl Period {
    pub const ALL: [Period; 3] = [Period::Day, Period::Week, Period::Month];

    pub fn name(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    pub fn length(self) -> Duration {
        match self {
            Period::Day => Duration::days(1),
            Period::Week => Duration::days(7),
            Period::Month => Duration::days(30),
        }
    }
}

impl FromStr for Period {
    type Err = Error;
    fn from_str(s: &str) -> Result<Period, Error> {
        Period::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| Error::UnknownPeriod(s.to_owned()))
    }
}

/// A provider-stats window: ends at the newest record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Window {
    FiveMinutes,
    #[default]
    ThirtyMinutes,
    Day,
    Week,
    Month,
    All,
}

impl Window {
    pub const ALL: [Window; 6] = [
        Window::FiveMinutes,
        Window::ThirtyMinutes,
        Window::Day,
        Window::Week,
        Window::Month,
        Window::All,
    ];

    /// 5m, 30m and 1d: under an hour of raw rows and at most a day of hourly rollups, little
    /// to read whatever the lake's size.
    pub fn is_short(self) -> bool {
        matches!(
            self,
            Window::FiveMinutes | Window::ThirtyMinutes | Window::Day
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            Window::FiveMinutes => "5m",
            Window::ThirtyMinutes => "30m",
            Window::Day => "1d",
            Window::Week => "7d",
            Window::Month => "30d",
            Window::All => "all",
        }
    }

    /// The window's length; `None` for `all`.
    pub fn length(self) -> Option<Duration> {
        match self {
            Window::FiveMinutes => Some(Duration::minutes(5)),
            Window::ThirtyMinutes => Some(Duration::minutes(30)),
            Window::Day => Some(Duration::days(1)),
            Window::Week => Some(Duration::days(7)),
            Window::Month => Some(Duration::days(30)),
            Window::All => None,
        }
    }
}

impl FromStr for Window {
    type Err = Error;
    fn from_str(s: &str) -> Result<Window, Error> {
        Window::ALL
            .into_iter()
            .find(|w| w.name() == s)
            .ok_or_else(|| Error::UnknownWindow(s.to_owned()))
    }
}

/// The most rows a view returns; keeps a request from asking for unbounded work.
pub const MAX_LIMIT: u64 = 1000;
pub const DEFAULT_LIMIT: u64 = 10;

/// What to run: a view and its parameters. Only the ones the view reads matter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ViewRequest {
    pub view: View,
    pub period: Period,
    pub window: Window,
    pub model: Option<String>,
    pub provider: Option<String>,
    pub limit: u64,
}

impl ViewRequest {
    pub fn new(view: View) -> ViewRequest {
        ViewRequest {
            view,
            period: Period::default(),
            window: Window::default(),
            model: None,
            provider: None,
            limit: DEFAULT_LIMIT,
        }
    }

    pub fn period(mut self, period: Period) -> Self {
        self.period = period;
        self
    }

    pub fn window(mut self, window: Window) -> Self {
        self.window = window;
        self
    }

    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    pub fn provider(mut self, provider: impl Into<String>) -> Self {
        self.provider = Some(provider.into());
        self
    }

    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = limit;
        self
    }

    /// Checks the request against what its view accepts, before any data is read.
    pub fn validate(&self) -> Result<(), Error> {
        if !(1..=MAX_LIMIT).contains(&self.limit) {
            return Err(Error::Limit(self.limit));
        }
        if matches!(self.view.time(), TimeKind::Buckets) && self.period == Period::Month {
            return Err(Error::BucketPeriod(self.view));
        }
        let has_model = self.model.is_some();
        // Every endpoint at once is the score feed's question; it is allowed over the short
        // windows a router reads, which cost little.
        match self.view {
            View::ModelProviders | View::Feedback
                if !has_model && self.provider.is_none() && !self.window.is_short() =>
            {
                return Err(Error::MissingModel(self.view));
            }
            View::ModelDaily if !has_model => return Err(Error::MissingModel(self.view)),
            _ => {}
        }
        Ok(())
    }

    /// Whether the request reads so little that planning, not reading, is most of its cost: a
    /// windowed view over a short window.
    pub(crate) fn reads_little(&self) -> bool {
        matches!(self.view.time(), TimeKind::Window) && self.window.is_short()
    }

    /// The named parameters of the view's SQL, given the lake's newest record.
    pub(crate) fn parameters(&self, newest: DateTime<Utc>) -> Vec<(&'static str, ScalarValue)> {
        let data_through = data_through(newest);
        let mut params = Vec::new();
        match self.view.time() {
            TimeKind::Period => {
                let start = data_through - self.period.length();
                params.push(("start", timestamp(start)));
                params.push(("end", timestamp(data_through)));
                let mut first = start;
                if self.view == View::TopModels {
                    first = start - self.period.length();
                    params.push(("previous_start", timestamp(first)));
                }
                // The whole UTC days the views read from `daily_endpoints`: [days_from, days_to).
                let first_whole_day = first_midnight_from(first);
                params.push(("days_from", date(first_whole_day.date_naive())));
                params.push(("days_to", date(data_through.date_naive())));
            }
            TimeKind::Buckets => {
                let (stride, count) = match self.period {
                    Period::Week => (Duration::days(7), 52),
                    Period::Day | Period::Month => (Duration::days(1), 30),
                };
                params.push(("start", timestamp(data_through - stride * count)));
                params.push(("end", timestamp(data_through)));
                let days = stride.num_days() as i32;
                let stride = IntervalMonthDayNano::new(0, days, 0);
                params.push(("stride", ScalarValue::IntervalMonthDayNano(Some(stride))));
            }
            TimeKind::Window => {
                let start = match self.window.length() {
                    Some(length) => newest - length,
                    None => DateTime::from_timestamp(946_684_800, 0).unwrap_or(newest), // 2000-01-01
                };
                // Raw rows before the first whole hour, rollups after it. A window of an hour
                // or less reads raw rows only: its rollup hour would hold the same rows, and
                // without it the plan has no rollup scans at all.
                let hours_from = match self.window.length() {
                    Some(length) if length <= Duration::hours(1) => {
                        data_through + Duration::hours(1)
                    }
                    _ => {
                        start.duration_trunc(Duration::hours(1)).unwrap_or(start)
                            + Duration::hours(1)
                    }
                };
                params.push(("start", timestamp(start)));
                params.push(("end", timestamp(newest)));
                params.push(("hours_from", timestamp(hours_from)));
                params.push((
                    "reads_hours",
                    ScalarValue::Boolean(Some(hours_from <= newest)),
                ));
                // Of those hours, the whole UTC days before the one holding `data_through` come
                // from `daily_endpoints` and `daily_attempts`: [days_from, days_to).
                let days_from = first_midnight_from(hours_from);
                let days_to = data_through
                    .duration_trunc(Duration::days(1))
                    .unwrap_or(data_through);
                params.push(("days_from", date(days_from.date_naive())));
                params.push(("days_to", date(days_to.date_naive())));
                params.push((
                    "reads_days",
                    ScalarValue::Boolean(Some(hours_from <= newest && days_from < days_to)),
                ));
                params.push(("model", ScalarValue::Utf8(self.model.clone())));
                params.push(("provider", ScalarValue::Utf8(self.provider.clone())));
            }
        }
        if self.view == View::ModelDaily {
            params.push(("model", ScalarValue::Utf8(self.model.clone())));
        }
        if !matches!(
            self.view,
            View::ContextLengths | View::ModelProviders | View::ModelDaily | View::Feedback
        ) {
            params.push(("limit", ScalarValue::Int64(Some(self.limit as i64))));
        }
        params
    }
}

/// The first UTC midnight at or after `t`: where the whole days read from a daily rollup begin.
fn first_midnight_from(t: DateTime<Utc>) -> DateTime<Utc> {
    match t.duration_trunc(Duration::days(1)) {
        Ok(midnight) if midnight == t => midnight,
        Ok(midnight) => midnight + Duration::days(1),
        Err(_) => t,
    }
}

/// The start of the hour holding `newest` (DESIGN.md §3).
pub fn data_through(newest: DateTime<Utc>) -> DateTime<Utc> {
    newest.duration_trunc(Duration::hours(1)).unwrap_or(newest)
}

fn timestamp(t: DateTime<Utc>) -> ScalarValue {
    ScalarValue::TimestampMicrosecond(Some(t.timestamp_micros()), Some("UTC".into()))
}

fn date(day: NaiveDate) -> ScalarValue {
    let days = day
        .signed_duration_since(DateTime::UNIX_EPOCH.date_naive())
        .num_days();
    ScalarValue::Date32(i32::try_from(days).ok())
}
