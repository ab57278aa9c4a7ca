//! What each page shows, as data: the catalog views it runs, assembled once and then rendered
//! as HTML (pages.rs) or served as JSON and CSV (api.rs), so the two can never disagree.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokenboard_query::{
    AuthorShare, ContextLength, FeedbackRow, MAX_LIMIT, ModelDay, ModelProvider, ModelShare,
    Period, SpeedRow, TopApp, TopModel, View, ViewRequest, ViewResult, Window,
};

use crate::Error;
use crate::snapshot::Snapshot;

/// Rows per ranked table on the pages and in the API.
pub const TABLE_ROWS: u64 = 20;
/// Named series in a share chart; the rest are "Others".
pub const CHART_SERIES: u64 = 9;

/// Where the numbers came from: the newest complete hour and the Delta version of each table.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub data_through: Option<DateTime<Utc>>,
    pub versions: BTreeMap<&'static str, u64>,
}

impl Source {
    fn of(result: &ViewResult) -> Source {
        Source {
            data_through: result.data_through,
            versions: result.versions.clone(),
        }
    }
}

/// The share charts' buckets for a period: daily for a day or a week, weekly for a month.
pub fn share_buckets(period: Period) -> Period {
    match period {
        Period::Day | Period::Week => Period::Day,
        Period::Month => Period::Week,
    }
}

async fn run<T: serde::de::DeserializeOwned>(
    snapshot: &Snapshot,
    request: ViewRequest,
) -> Result<(Vec<T>, ViewResult), Error> {
    let result = snapshot.session.view(&request).await?;
    let rows = result.rows(request.view.name())?;
    Ok((rows, result))
}

/// `/`: the rankings of a period.
#[derive(Debug, Clone, Serialize)]
pub struct Rankings {
    pub period: Period,
    /// `day` or `week`: the buckets of `token_share` and `author_share`.
    pub share_buckets: Period,
    #[serde(flatten)]
    pub source: Source,
    pub top_models: Vec<TopModel>,
    pub token_share: Vec<ModelShare>,
    pub author_share: Vec<AuthorShare>,
    pub top_apps: Vec<TopApp>,
    pub context_lengths: Vec<ContextLength>,
    pub speed: Vec<SpeedRow>,
}

impl Rankings {
    pub const SECTIONS: [&'static str; 6] = [
        "top_models",
        "token_share",
        "author_share",
        "top_apps",
        "context_lengths",
        "speed",
    ];

    pub async fn load(snapshot: &Snapshot, period: Period) -> Result<Rankings, Error> {
        let buckets = share_buckets(period);
        let ranked = |view| ViewRequest::new(view).period(period).limit(TABLE_ROWS);
        let shares = |view| ViewRequest::new(view).period(buckets).limit(CHART_SERIES);
        // The views are independent: run them side by side.
        let (top_models, token_share, author_share, top_apps, context_lengths, speed) = tokio::try_join!(
            run::<TopModel>(snapshot, ranked(View::TopModels)),
            run::<ModelShare>(snapshot, shares(View::TokenShare)),
            run::<AuthorShare>(snapshot, shares(View::AuthorShare)),
            run::<TopApp>(snapshot, ranked(View::TopApps)),
            run::<ContextLength>(snapshot, ranked(View::ContextLengths)),
            run::<SpeedRow>(snapshot, ranked(View::Speed)),
        )?;
        Ok(Rankings {
            period,
            share_buckets: buckets,
            source: Source::of(&top_models.1),
            top_models: top_models.0,
            token_share: token_share.0,
            author_share: author_share.0,
            top_apps: top_apps.0,
            context_lengths: context_lengths.0,
            speed: speed.0,
        })
    }

    pub fn csv(&self, section: &str) -> Option<Result<Vec<u8>, csv::Error>> {
        Some(match section {
            "top_models" => to_csv(&self.top_models),
            "token_share" => to_csv(&self.token_share),
            "author_share" => to_csv(&self.author_share),
            "top_apps" => to_csv(&self.top_apps),
            "context_lengths" => to_csv(&self.context_lengths),
            "speed" => to_csv(&self.speed),
            _ => return None,
        })
    }
}

/// `/models/{author}/{slug}`: a model's daily tokens and its providers over a window.
#[derive(Debug, Clone, Serialize)]
pub struct ModelPage {
    pub model: String,
    pub author: String,
    pub window: Window,
    #[serde(flatten)]
    pub source: Source,
    /// The last 30 days, one row per day with traffic.
    pub daily: Vec<ModelDay>,
    pub providers: Vec<ModelProvider>,
    /// Generations users reported, per provider, in the window (`queries/feedback.sql`).
    pub feedback: Vec<FeedbackRow>,
}

impl ModelPage {
    pub const SECTIONS: [&'static str; 3] = ["providers", "daily", "feedback"];

    pub async fn load(snapshot: &Snapshot, model: &str, window: Window) -> Result<Self, Error> {
        let (daily, providers, feedback) = tokio::try_join!(
            run::<ModelDay>(
                snapshot,
                ViewRequest::new(View::ModelDaily)
                    .period(Period::Day)
                    .model(model)
            ),
            run::<ModelProvider>(
                snapshot,
                ViewRequest::new(View::ModelProviders)
                    .window(window)
                    .model(model)
            ),
            run::<FeedbackRow>(
                snapshot,
                ViewRequest::new(View::Feedback).window(window).model(model)
            ),
        )?;
        Ok(ModelPage {
            model: model.to_owned(),
            author: author_of(model).to_owned(),
            window,
            source: Source::of(&providers.1),
            daily: daily.0,
            providers: providers.0,
            feedback: feedback.0,
        })
    }

    pub fn csv(&self, section: &str) -> Option<Result<Vec<u8>, csv::Error>> {
        Some(match section {
            "providers" => to_csv(&self.providers),
            "daily" => to_csv(&self.daily),
            "feedback" => to_csv(&self.feedback),
            _ => return None,
        })
    }
}

/// `/providers/{name}`: one provider's endpoints, one per model it served, over a window.
#[derive(Debug, Clone, Serialize)]
pub struct ProviderPage {
    pub provider: String,
    pub window: Window,
    #[serde(flatten)]
    pub source: Source,
    pub models: Vec<ModelProvider>,
    /// Generations users reported, per model, in the window (`queries/feedback.sql`).
    pub feedback: Vec<FeedbackRow>,
}

impl ProviderPage {
    pub const SECTIONS: [&'static str; 2] = ["models", "feedback"];

    pub async fn load(snapshot: &Snapshot, provider: &str, window: Window) -> Result<Self, Error> {
        let ((models, result), (feedback, _)) = tokio::try_join!(
            run::<ModelProvider>(
                snapshot,
                ViewRequest::new(View::ModelProviders)
                    .window(window)
                    .provider(provider),
            ),
            run::<FeedbackRow>(
                snapshot,
                ViewRequest::new(View::Feedback)
                    .window(window)
                    .provider(provider),
            ),
        )?;
        Ok(ProviderPage {
            provider: provider.to_owned(),
            window,
            source: Source::of(&result),
            models,
            feedback,
        })
    }

    pub fn csv(&self, section: &str) -> Option<Result<Vec<u8>, csv::Error>> {
        match section {
            "models" => Some(to_csv(&self.models)),
            "feedback" => Some(to_csv(&self.feedback)),
            _ => None,
        }
    }
}

/// `/authors/{author}`: an author's models in a period and its share of all tokens over time.
#[derive(Debug, Clone, Serialize)]
pub struct AuthorPage {
    pub author: String,
    pub period: Period,
    pub share_buckets: Period,
    #[serde(flatten)]
    pub source: Source,
    /// The author's rows of `top-models`: ranks are market-wide.
    pub models: Vec<TopModel>,
    /// The author's rows of `author-share`.
    pub share: Vec<AuthorShare>,
}

impl AuthorPage {
    pub const SECTIONS: [&'static str; 2] = ["models", "share"];

    pub async fn load(snapshot: &Snapshot, author: &str, period: Period) -> Result<Self, Error> {
        let buckets = share_buckets(period);
        // Every model and author is ranked (the limit is the catalog's maximum), then the
        // author's rows are kept: the numbers are the market-wide views', not a second query.
        let (models, share) = tokio::try_join!(
            run::<TopModel>(
                snapshot,
                ViewRequest::new(View::TopModels)
                    .period(period)
                    .limit(MAX_LIMIT)
            ),
            run::<AuthorShare>(
                snapshot,
                ViewRequest::new(View::AuthorShare)
                    .period(buckets)
                    .limit(MAX_LIMIT)
            ),
        )?;
        Ok(AuthorPage {
            author: author.to_owned(),
            period,
            share_buckets: buckets,
            source: Source::of(&models.1),
            models: models
                .0
                .into_iter()
                .filter(|m| m.author == author)
                .collect(),
            share: share.0.into_iter().filter(|s| s.author == author).collect(),
        })
    }

    pub fn csv(&self, section: &str) -> Option<Result<Vec<u8>, csv::Error>> {
        Some(match section {
            "models" => to_csv(&self.models),
            "share" => to_csv(&self.share),
            _ => return None,
        })
    }
}

/// `author/slug[:variant]` → `author`.
pub fn author_of(model: &str) -> &str {
    model.split_once('/').map_or(model, |(author, _)| author)
}

/// Rows as CSV with a header row, columns in the rows' field order (the views' column order).
fn to_csv<T: Serialize>(rows: &[T]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.serialize(row)?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}
