//! A deterministic generator of gateway usage logs (DESIGN.md §2): JSON lines shaped like
//! OpenRouter's generation records, for demos, tests and benchmarks.
//!
//! # The model of traffic
//!
//! A fixed *world* is built first, the same for every seed: ~300 models from 17 authors
//! (`openai/gpt-4o`, `anthropic/claude-sonnet-4`, `meta-llama/llama-3.1-70b-instruct`, ...), some
//! with `:free`, `:nitro` or `:online` variants that are models of their own. Each model is served
//! by 1–6 providers; each (model, provider) endpoint has its own log-normal time to first token
//! (median 200–2000 ms, slower for bigger and reasoning models), throughput (20–400 tokens/s),
//! 5xx rate (0.1–5%), 429 rate (0–5%) and price per million prompt and completion tokens (hosts of
//! open-weight models price around the reference, first parties at it, `:free` at zero). Models
//! are ranked by popularity with Zipf weights (exponent 1.1); 3,000 apps have Zipf usage
//! (exponent 1.0), favorite models, their own prompt sizes, streaming and tool-use habits and end
//! users.
//!
//! The *workload* (the seed) then draws `rows` requests over `[end − days, end)`. Each hour gets
//! its share of rows from a daily cycle (peak 15:00 UTC, trough 03:00, about 3.4×), quieter
//! weekends and slow growth; models drift up or down by a few percent a day and a few are launched
//! mid-window; providers suffer incidents (tens of minutes of heavy 5xx or 429). A request comes
//! from an app (or none, 20%), picks a model (its app's favorite or by popularity), and is routed:
//! the first endpoint is drawn by inverse-square price, failures (429, 500, 502, 503) fall back to
//! the next endpoint, and a request fails (`finish_reason` `error`) when every attempt failed, its
//! prompt exceeds the context (400) or the caller sent a bad request (400/413/422). Prompts are
//! log-normal (median ~1,500 tokens, tail past 200k), completions log-normal (median ~300) plus
//! reasoning tokens for reasoning models. Costs are exact: prompt × prompt price + completion ×
//! completion price, in USD.
//!
//! Output is byte-identical for equal configs: all randomness comes from ChaCha8 seeded by the
//! config, the world from a fixed seed, and nothing reads the clock or iterates a hash map.
//!
//! # Scripted scenarios
//!
//! [`generate_scenario`] runs the same workload with every request for one model (pick one with
//! [`models_with_providers`]), the random incidents off and a [`Scenario`]'s incidents instead:
//! per provider and time range, extra 5xx (`errors` 1 = fully down, every attempt fails and
//! requests fall back), extra 429s, and a `slowdown` that multiplies time to first token and
//! divides throughput. Router and scores tests can then check what they see against the script.

mod catalog;
mod json;
#[cfg(test)]
mod tests;

use std::f64::consts::TAU;
use std::io::Write;

use chrono::{DateTime, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use catalog::{Catalog, FinishStyle, MAX_ENDPOINTS, Model, mix64, sample_cdf};

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;
/// Output is handed to the writer in chunks of about this size.
const CHUNK_BYTES: usize = 1 << 20;
/// `progress` is called every this many rows.
const PROGRESS_EVERY: u64 = 1 << 16;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratorConfig {
    /// Number of records.
    pub rows: u64,
    /// Length of the window, in days, ending at `end`.
    pub days: u32,
    /// Seed of the workload; equal configs give byte-identical output.
    pub seed: u64,
    /// End of the window (exclusive).
    pub end: DateTime<Utc>,
}

impl GeneratorConfig {
    /// `rows` records over the 14 days before 2026-11-20T00:00:00Z, seed 1.
    pub fn new(rows: u64) -> Self {
        GeneratorConfig {
            rows,
            days: 14,
            seed: 1,
            end: Utc
                .with_ymd_and_hms(2026, 11, 20, 0, 0, 0)
                .single()
                .unwrap_or_default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("writing the workload: {0}")]
    Io(#[from] std::io::Error),
    #[error("invalid generator config: {0}")]
    Config(String),
}

/// What was written.
#[derive(Debug, Default, Clone)]
pub struct GenerateSummary {
    pub rows: u64,
    pub bytes: u64,
}

/// Writes `config.rows` JSON lines (one record each, '\n'-terminated), in ascending created_at
/// order, spanning [end - days, end).
pub fn generate(
    config: &GeneratorConfig,
    out: &mut dyn Write,
) -> Result<GenerateSummary, GenerateError> {
    generate_with_progress(config, out, &mut |_| {})
}

/// [`generate`], calling `progress` every 65,536 rows and once at the end with the number of
/// rows written so far.
pub fn generate_with_progress(
    config: &GeneratorConfig,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(u64),
) -> Result<GenerateSummary, GenerateError> {
    write_workload(config, None, out, progress)
}

/// A scripted change to one endpoint of the scenario's model over [start, end).
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptedIncident {
    /// The provider's name as in `provider_name`, e.g. `"DeepInfra"`.
    pub provider: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Extra probability that an attempt fails with 5xx (1.0 = fully down).
    pub errors: f64,
    /// Extra probability of a 429.
    pub rate_limited: f64,
    /// Multiplies time to first token and divides throughput (1.0 = unchanged; 4.0 = four times
    /// slower).
    pub slowdown: f64,
}

/// A scripted workload for [`generate_scenario`]: one model, and incidents on its providers.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The one model every request asks for (`author/slug`), e.g. from
    /// [`models_with_providers`]`(3)`.
    pub model: String,
    pub incidents: Vec<ScriptedIncident>,
}

/// Models of the (fixed) world served by exactly `n` providers, with their provider names in
/// fallback order.
///
/// The first attempt of a request goes to an endpoint drawn by inverse-square price, so on some
/// models one cheap endpoint takes nearly all first attempts and the others see only fallbacks.
/// The list is therefore sorted by how evenly first attempts spread: by the smallest
/// first-attempt share of any of the model's endpoints, largest first (then by name). A scenario
/// that needs traffic on every provider should pick the first entry, or check
/// [`first_attempt_shares`]. For three providers the first is `qwen/qwen3-4b`: Alibaba 39%,
/// Fireworks 31%, DeepInfra 31% of first attempts.
pub fn models_with_providers(n: usize) -> Vec<(String, Vec<String>)> {
    let catalog = Catalog::build();
    let mut found: Vec<(f64, &Model)> = catalog
        .models
        .iter()
        .filter(|m| m.endpoints.len() == n)
        .map(|m| {
            let least = route_shares(m).into_iter().fold(f64::INFINITY, f64::min);
            (least, m)
        })
        .collect();
    found.sort_by(|(a, m), (b, n)| b.total_cmp(a).then_with(|| m.name.cmp(&n.name)));
    found
        .into_iter()
        .map(|(_, m)| (m.name.clone(), provider_names(&catalog, m)))
        .collect()
}

/// The share of first attempts each provider of `model` receives (before any incident), in
/// fallback order; `None` for a model the world does not have. Shares sum to 1.
pub fn first_attempt_shares(model: &str) -> Option<Vec<(String, f64)>> {
    let catalog = Catalog::build();
    let m = catalog.models.iter().find(|m| m.name == model)?;
    Some(
        provider_names(&catalog, m)
            .into_iter()
            .zip(route_shares(m))
            .collect(),
    )
}

/// Provider names of a model's endpoints, in fallback order.
fn provider_names(catalog: &Catalog, model: &Model) -> Vec<String> {
    model
        .endpoints
        .iter()
        .map(|&e| {
            let provider = catalog.endpoints[e as usize].provider;
            catalog.providers[provider as usize].name.to_owned()
        })
        .collect()
}

/// First-attempt probabilities of a model's endpoints, from its cumulative routing weights.
fn route_shares(model: &Model) -> Vec<f64> {
    let total = model.route_cdf.last().copied().unwrap_or(0.0);
    let mut previous = 0.0;
    model
        .route_cdf
        .iter()
        .map(|&c| {
            let share = if total > 0.0 {
                (c - previous) / total
            } else {
                0.0
            };
            previous = c;
            share
        })
        .collect()
}

/// Like [`generate`], but every request is for `scenario.model`, the world's random incidents
/// are off and the scripted incidents apply. Requests still start at an endpoint drawn by
/// price and fall back to the others. The app, prompt, routing and timing draws follow the
/// config's seed as in `generate`, so equal inputs give byte-identical output.
///
/// During a scripted incident an attempt at its endpoint first fails with a 5xx with probability
/// `errors`, before anything else (so with 1 every attempt is a 5xx, even for requests the
/// endpoint would have refused with a 400); otherwise it meets the endpoint's own rates plus
/// `rate_limited` for 429s. The endpoint's time to first token is multiplied by `slowdown`, and a
/// request it serves takes `slowdown` times the generation time, so its
/// `tokens_completion / (generation_time / 1000)` is divided by `slowdown`. Overlapping
/// incidents add their rates and multiply their slowdowns.
///
/// Errors with [`GenerateError::Config`], before writing anything, for an unknown model, a
/// provider that does not serve it, an incident that does not end after it starts, rates outside
/// [0, 1] or a slowdown that is not a positive number.
pub fn generate_scenario(
    config: &GeneratorConfig,
    scenario: &Scenario,
    out: &mut dyn Write,
) -> Result<GenerateSummary, GenerateError> {
    write_workload(config, Some(scenario), out, &mut |_| {})
}

/// Milliseconds since the epoch, rounded up: `t >= at` for whole milliseconds `t` exactly when
/// `t >= ceil_millis(at)`.
fn ceil_millis(at: DateTime<Utc>) -> i64 {
    let sub_ms = !at.timestamp_subsec_nanos().is_multiple_of(1_000_000);
    at.timestamp_millis() + i64::from(sub_ms)
}

/// The scenario's model index and its incidents per provider (each list sorted by start).
fn scripted(
    catalog: &Catalog,
    scenario: &Scenario,
) -> Result<(usize, Vec<Vec<Incident>>), GenerateError> {
    let model_index = catalog
        .models
        .iter()
        .position(|m| m.name == scenario.model)
        .ok_or_else(|| {
            GenerateError::Config(format!(
                "unknown model {:?} in the scenario",
                scenario.model
            ))
        })?;
    let model = &catalog.models[model_index];
    let mut incidents = vec![Vec::new(); catalog.providers.len()];
    for i in &scenario.incidents {
        let provider = model
            .endpoints
            .iter()
            .map(|&e| catalog.endpoints[e as usize].provider)
            .find(|&p| catalog.providers[p as usize].name == i.provider)
            .ok_or_else(|| {
                GenerateError::Config(format!(
                    "provider {:?} does not serve {} (its providers: {})",
                    i.provider,
                    model.name,
                    provider_names(catalog, model).join(", ")
                ))
            })?;
        let what = format!("incident of {} from {} to {}", i.provider, i.start, i.end);
        if i.end <= i.start {
            return Err(GenerateError::Config(format!(
                "{what}: it must end after it starts"
            )));
        }
        if !(0.0..=1.0).contains(&i.errors) || !(0.0..=1.0).contains(&i.rate_limited) {
            return Err(GenerateError::Config(format!(
                "{what}: errors ({}) and rate_limited ({}) must lie in [0, 1]",
                i.errors, i.rate_limited
            )));
        }
        if !(i.slowdown.is_finite() && i.slowdown > 0.0) {
            return Err(GenerateError::Config(format!(
                "{what}: slowdown ({}) must be a positive number",
                i.slowdown
            )));
        }
        incidents[provider as usize].push(Incident {
            start_ms: ceil_millis(i.start),
            end_ms: ceil_millis(i.end),
            errors: i.errors,
            rate_limited: i.rate_limited,
            slowdown: i.slowdown,
        });
    }
    for list in &mut incidents {
        list.sort_by_key(|i| i.start_ms);
    }
    Ok((model_index, incidents))
}

/// [`generate_with_progress`], or with `scenario` [`generate_scenario`]: the same run, with the
/// model choice and the incidents overridden.
fn write_workload(
    config: &GeneratorConfig,
    scenario: Option<&Scenario>,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(u64),
) -> Result<GenerateSummary, GenerateError> {
    let (start_ms, end_ms) = window(config)?;
    let mut summary = GenerateSummary::default();
    let catalog = Catalog::build();
    let scripted = scenario.map(|s| scripted(&catalog, s)).transpose()?;
    if config.rows == 0 {
        return Ok(summary);
    }
    let mut run = Run::new(&catalog, config.seed, start_ms, end_ms);
    if let Some((model_index, incidents)) = scripted {
        run.scenario_model = Some(model_index);
        run.incidents = incidents;
    }
    let counts = run.hourly_counts(config.rows);

    let mut buf = Vec::with_capacity(CHUNK_BYTES + 64 * 1024);
    let mut offsets: Vec<u32> = Vec::new();
    let mut row = 0u64;
    for (slot, &count) in counts.iter().enumerate() {
        if count == 0 {
            continue;
        }
        let slot_start = start_ms + slot as i64 * HOUR_MS;
        run.begin_hour(slot_start);
        offsets.clear();
        offsets.extend((0..count).map(|_| run.rng.random_range(0..HOUR_MS as u32)));
        offsets.sort_unstable();
        for &offset in &offsets {
            run.record(row, slot_start + i64::from(offset), &mut buf);
            row += 1;
            if buf.len() >= CHUNK_BYTES {
                out.write_all(&buf)?;
                summary.bytes += buf.len() as u64;
                buf.clear();
            }
            if row.is_multiple_of(PROGRESS_EVERY) {
                progress(row);
            }
        }
    }
    out.write_all(&buf)?;
    summary.bytes += buf.len() as u64;
    out.flush()?;
    summary.rows = row;
    if !row.is_multiple_of(PROGRESS_EVERY) {
        progress(row);
    }
    Ok(summary)
}

/// The window in milliseconds since the epoch, `[start, end)`, on whole milliseconds inside
/// `[config.end - days, config.end)`.
fn window(config: &GeneratorConfig) -> Result<(i64, i64), GenerateError> {
    if config.days == 0 {
        return Err(GenerateError::Config("days must be at least 1".into()));
    }
    let sub_ms = !config
        .end
        .timestamp_subsec_nanos()
        .is_multiple_of(1_000_000);
    let end_ms = config.end.timestamp_millis() + i64::from(sub_ms);
    let start_ms = end_ms - i64::from(config.days) * DAY_MS;
    // Four-digit years only: RFC 3339 has no room for others.
    const YEAR_10000_MS: i64 = 253_402_300_800_000;
    if start_ms < 0 || end_ms > YEAR_10000_MS {
        return Err(GenerateError::Config(format!(
            "the window [{} - {} days, {}) must lie between 1970 and 9999",
            config.end, config.days, config.end
        )));
    }
    Ok((start_ms, end_ms))
}

/// A provider outage: extra failure rates and a slowdown over a stretch of time.
#[derive(Debug, Clone, Copy)]
struct Incident {
    start_ms: i64,
    end_ms: i64,
    errors: f64,
    rate_limited: f64,
    /// Factor on time to first token and generation time; 1 for the world's random incidents.
    slowdown: f64,
}

/// Extra (5xx, 429) rates and the slowdown at `t` from a provider's incidents (sorted by
/// start). Overlapping incidents add their rates and multiply their slowdowns.
fn incident_extra(incidents: &[Incident], t: i64) -> (f64, f64, f64) {
    let mut extra = (0.0, 0.0, 1.0);
    for i in incidents {
        if i.start_ms > t {
            break;
        }
        if t < i.end_ms {
            extra.0 += i.errors;
            extra.1 += i.rate_limited;
            extra.2 *= i.slowdown;
        }
    }
    extra
}

/// `finish_reason` in the words of the provider's API; none for errors.
fn native_finish_reason(style: FinishStyle, reason: &'static str) -> Option<&'static str> {
    Some(match (style, reason) {
        (_, "error") => return None,
        (FinishStyle::OpenAi, _) => reason,
        (FinishStyle::Anthropic, "stop") => "end_turn",
        (FinishStyle::Anthropic, "length") => "max_tokens",
        (FinishStyle::Anthropic, "tool_calls") => "tool_use",
        (FinishStyle::Anthropic, _) => "refusal",
        (FinishStyle::Google, "length") => "MAX_TOKENS",
        (FinishStyle::Google, "content_filter") => "SAFETY",
        (FinishStyle::Google, _) => "STOP",
        (FinishStyle::Cohere, "stop") => "COMPLETE",
        (FinishStyle::Cohere, "length") => "MAX_TOKENS",
        (FinishStyle::Cohere, "tool_calls") => "TOOL_CALL",
        (FinishStyle::Cohere, _) => "ERROR_TOXIC",
    })
}

/// One attempt at an endpoint.
#[derive(Debug, Clone, Copy, Default)]
struct Attempt {
    endpoint: u32,
    status: u16,
    latency_ms: u64,
}

/// The state of one workload.
struct Run<'c> {
    catalog: &'c Catalog,
    rng: ChaCha8Rng,
    seed: u64,
    start_ms: i64,
    end_ms: i64,
    /// Per model: change of popularity, per day (log scale).
    drift: Vec<f64>,
    /// Per model: when it was launched, for the few launched inside the window.
    launch_ms: Vec<Option<i64>>,
    /// Per provider, by start.
    incidents: Vec<Vec<Incident>>,
    /// A scenario's model: every request asks for it, and the incidents are scripted.
    scenario_model: Option<usize>,
    /// Per hour: relative traffic (mean 1 over the window).
    load: Vec<f64>,
    /// This hour's model weights and their cumulative sums.
    model_weight: Vec<f64>,
    model_cdf: Vec<f64>,
    hour_load: f64,
    /// The UTC day whose `YYYY-MM-DDT` is in `day_prefix`.
    day: i64,
    day_prefix: Vec<u8>,
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    rng.sample(StandardNormal)
}

/// A failed attempt: 500, 502 or 503 with its latency, not the last attempt.
fn server_error(rng: &mut ChaCha8Rng) -> (u16, f64, bool) {
    let (status, median_ms) = match rng.random_range(0..20) {
        0..6 => (500, 300.0f64),
        6..13 => (502, 2000.0),
        _ => (503, 150.0),
    };
    (status, log_normal(rng, median_ms.ln(), 0.8), false)
}

/// A log-normal draw with the given median and log-scale spread.
fn log_normal(rng: &mut ChaCha8Rng, median_ln: f64, sigma: f64) -> f64 {
    (median_ln + sigma * normal(rng)).exp()
}

impl<'c> Run<'c> {
    fn new(catalog: &'c Catalog, seed: u64, start_ms: i64, end_ms: i64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let models = catalog.models.len();
        let span = (end_ms - start_ms) as f64;

        let drift = (0..models).map(|_| 0.03 * normal(&mut rng)).collect();

        // Three models among the popular ones are launched during the window.
        let mut ranked: Vec<usize> = (0..models).collect();
        ranked.sort_by(|&a, &b| {
            catalog.models[b]
                .popularity
                .total_cmp(&catalog.models[a].popularity)
        });
        let mut launch_ms = vec![None; models];
        for _ in 0..3 {
            let m = ranked[rng.random_range(2..40.min(models))];
            let at = start_ms + (span * (0.3 + 0.6 * rng.random::<f64>())) as i64;
            launch_ms[m] = Some(at);
        }

        // About one incident per provider per eight days, lasting minutes to hours.
        let rate_per_ms = 0.12 / DAY_MS as f64;
        let incidents = (0..catalog.providers.len())
            .map(|_| {
                let mut list = Vec::new();
                let mut t = start_ms as f64;
                loop {
                    t += -(1.0 - rng.random::<f64>()).ln() / rate_per_ms;
                    if t >= end_ms as f64 {
                        break;
                    }
                    let minutes = log_normal(&mut rng, 40f64.ln(), 0.8).clamp(5.0, 360.0);
                    let severe = 0.15 + 0.75 * rng.random::<f64>();
                    let throttling = rng.random::<f64>() < 0.3;
                    list.push(Incident {
                        start_ms: t as i64,
                        end_ms: t as i64 + (minutes * 60_000.0) as i64,
                        errors: if throttling { 0.0 } else { severe },
                        rate_limited: if throttling { severe } else { 0.0 },
                        slowdown: 1.0,
                    });
                }
                list
            })
            .collect();

        let hours = ((end_ms - start_ms) / HOUR_MS) as usize;
        let mut load: Vec<f64> = (0..hours)
            .map(|h| {
                let mid = start_ms + h as i64 * HOUR_MS + HOUR_MS / 2;
                let hour_of_day = mid.rem_euclid(DAY_MS) as f64 / HOUR_MS as f64;
                let daily = 1.0 + 0.55 * (TAU * (hour_of_day - 15.0) / 24.0).cos();
                // 1970-01-01 was a Thursday: day + 3 is 0 on Mondays.
                let weekday = (mid.div_euclid(DAY_MS) + 3).rem_euclid(7);
                let weekly = if weekday >= 5 { 0.8 } else { 1.0 };
                let growth = 1.0 + 0.01 * (mid - start_ms) as f64 / DAY_MS as f64;
                daily * weekly * growth * log_normal(&mut rng, 0.0, 0.05)
            })
            .collect();
        let mean = load.iter().sum::<f64>() / hours.max(1) as f64;
        for l in &mut load {
            *l /= mean;
        }

        Run {
            catalog,
            rng,
            seed,
            start_ms,
            end_ms,
            drift,
            launch_ms,
            incidents,
            scenario_model: None,
            load,
            model_weight: vec![0.0; models],
            model_cdf: vec![0.0; models],
            hour_load: 1.0,
            day: i64::MIN,
            day_prefix: Vec::new(),
        }
    }

    /// Rows per hour of the window, in proportion to its traffic, summing to `rows`.
    fn hourly_counts(&self, rows: u64) -> Vec<u64> {
        let total: f64 = self.load.iter().sum();
        let mut cumulative = 0.0;
        let mut assigned = 0u64;
        self.load
            .iter()
            .enumerate()
            .map(|(i, l)| {
                cumulative += l;
                let upto = if i + 1 == self.load.len() {
                    rows
                } else {
                    ((cumulative / total * rows as f64).round() as u64).min(rows)
                };
                let count = upto.saturating_sub(assigned);
                assigned = assigned.max(upto);
                count
            })
            .collect()
    }

    /// Sets the model weights and load of the hour starting at `hour_start`.
    fn begin_hour(&mut self, hour_start: i64) {
        let slot = ((hour_start - self.start_ms) / HOUR_MS) as usize;
        self.hour_load = self.load.get(slot).copied().unwrap_or(1.0);
        let t = hour_start + HOUR_MS / 2;
        let days_from_middle = (t - (self.start_ms + self.end_ms) / 2) as f64 / DAY_MS as f64;
        let mut acc = 0.0;
        for (m, model) in self.catalog.models.iter().enumerate() {
            let mut w = model.popularity * (self.drift[m] * days_from_middle).exp();
            if let Some(launch) = self.launch_ms[m] {
                let since = (t - launch) as f64 / (12 * HOUR_MS) as f64;
                w *= if since < 0.0 {
                    0.0
                } else {
                    (0.2 + 0.8 * since).min(1.0)
                };
            }
            self.model_weight[m] = w;
            acc += w;
            self.model_cdf[m] = acc;
        }
    }

    /// Simulates one request at `t` and appends its record.
    fn record(&mut self, row: u64, t: i64, buf: &mut Vec<u8>) {
        let catalog = self.catalog;
        let rng = &mut self.rng;

        // Who calls, and which model.
        let app = if rng.random::<f64>() < 0.2 {
            None
        } else {
            Some(&catalog.apps[sample_cdf(&catalog.app_cdf, rng.random())])
        };
        let model_index = match self.scenario_model {
            Some(m) => m,
            None => {
                let mut model_index = None;
                if let Some(app) = app
                    && rng.random::<f64>() < app.loyalty
                {
                    let favorite = app.favorites[rng.random_range(0..app.favorites.len())] as usize;
                    if self.model_weight[favorite] > 0.0 {
                        model_index = Some(favorite);
                    }
                }
                model_index.unwrap_or_else(|| sample_cdf(&self.model_cdf, rng.random()))
            }
        };
        let model: &Model = &catalog.models[model_index];

        // The request.
        let prompt_shift = app.map_or(0.0, |a| a.prompt_shift);
        let prompt = log_normal(rng, 1500f64.ln() + prompt_shift, 1.4).clamp(1.0, 2e6) as u64;
        let mut visible = log_normal(rng, 260f64.ln(), 1.0).clamp(1.0, 32_000.0) as u64;
        // Reasoning models think on most requests (effort is the caller's choice).
        let mut reasoning = if model.reasoning && rng.random::<f64>() < 0.6 {
            log_normal(rng, 300f64.ln(), 1.1).clamp(1.0, 32_000.0) as u64
        } else {
            0
        };
        let streamed = rng.random::<f64>() < app.map_or(0.6, |a| a.stream_share);
        let byok_share = if app.is_some_and(|a| a.byok) {
            0.8
        } else {
            0.005
        };
        let is_byok = rng.random::<f64>() < byok_share;
        let router = app
            .is_some_and(|a| a.auto_router && rng.random::<f64>() < 0.5)
            .then_some("openrouter/auto");
        let fallbacks = rng.random::<f64>() < 0.9;
        let caller_error = rng.random::<f64>() < 0.002;

        // Routing: the first endpoint by price, then the others in fallback order.
        let first = sample_cdf(&model.route_cdf, rng.random());
        let order =
            std::iter::once(first).chain((0..model.endpoints.len()).filter(|&i| i != first));
        let mut attempts = [Attempt::default(); MAX_ENDPOINTS];
        let mut tried = 0;
        let mut failed_ms = 0;
        let mut served = false;
        // The slowdown of the endpoint that served, if one did.
        let mut served_slowdown = 1.0;
        for (n, i) in order.enumerate() {
            if n > 0 && !fallbacks {
                break;
            }
            let endpoint_index = model.endpoints[i];
            let endpoint = &catalog.endpoints[endpoint_index as usize];
            let (errors, throttled, slowdown) =
                incident_extra(&self.incidents[endpoint.provider as usize], t);
            // A scripted outage strikes first, before the request is even looked at: with
            // `errors` 1 the endpoint answers nothing but 5xx. The world's incidents add to the
            // endpoint's own 5xx rate instead.
            let (scripted_outage, errors) = if self.scenario_model.is_some() {
                (errors > 0.0 && rng.random::<f64>() < errors, 0.0)
            } else {
                (false, errors)
            };
            let (status, latency_ms, last) = if scripted_outage {
                server_error(rng)
            } else if prompt > model.context {
                (400, log_normal(rng, 60f64.ln(), 0.5), true)
            } else if caller_error {
                let status = [400, 413, 422][rng.random_range(0..3)];
                (status, log_normal(rng, 50f64.ln(), 0.5), true)
            } else {
                let u = rng.random::<f64>();
                let rate_limited = endpoint.rate_limited + throttled;
                if u < rate_limited {
                    (429, log_normal(rng, 80f64.ln(), 0.6), false)
                } else if u < rate_limited + endpoint.error_rate + errors {
                    server_error(rng)
                } else {
                    let ttft = (log_normal(rng, endpoint.ttft_ln, endpoint.ttft_sigma)
                        * (0.85 + 0.15 * self.hour_load)
                        + prompt as f64 / endpoint.prefill_tps * 1000.0)
                        * slowdown;
                    served = true;
                    served_slowdown = slowdown;
                    (200, ttft, true)
                }
            };
            let latency_ms = latency_ms.round().max(1.0) as u64;
            attempts[tried] = Attempt {
                endpoint: endpoint_index,
                status,
                latency_ms,
            };
            tried += 1;
            if last {
                break;
            }
            failed_ms += latency_ms;
        }
        let attempts = &attempts[..tried];
        let final_attempt = attempts[tried - 1];
        let endpoint = &catalog.endpoints[final_attempt.endpoint as usize];
        let provider = catalog.providers[endpoint.provider as usize];

        // The outcome.
        let mut cancelled = false;
        let finish_reason: Option<&'static str>;
        let mut completion = 0;
        let (mut latency, mut generation_time) = (None, None);
        let mut native = None;
        let mut cached_tokens = None;
        let mut cost = 0i64;
        let mut cache_discount = None;
        if served {
            let u = rng.random::<f64>();
            let tool_share = app.map_or(0.06, |a| a.tool_share);
            if rng.random::<f64>() < 0.01 {
                cancelled = true;
                finish_reason = None;
                let kept = rng.random::<f64>();
                visible = (visible as f64 * kept) as u64;
                reasoning = (reasoning as f64 * kept) as u64;
            } else if u < tool_share {
                finish_reason = Some("tool_calls");
                visible = log_normal(rng, 120f64.ln(), 0.8).clamp(10.0, 4000.0) as u64;
            } else if u < tool_share + 0.07 {
                finish_reason = Some("length");
                let cap: u64 =
                    [256, 512, 1024, 1024, 2048, 4096, 4096, 8192][rng.random_range(0..8)];
                reasoning = reasoning.min(cap / 2);
                visible = cap - reasoning;
            } else if u < tool_share + 0.075 {
                finish_reason = Some("content_filter");
                visible = rng.random_range(0..40);
            } else {
                finish_reason = Some("stop");
            }
            completion = visible + reasoning;

            let overhead = rng.random_range(10..50);
            let ttft = overhead + failed_ms + final_attempt.latency_ms;
            let throughput = log_normal(rng, endpoint.tps_ln, 0.25);
            latency = Some(ttft);
            // A slowed endpoint (its first token already came `s` times later) takes `s` times
            // the whole generation time it would have taken, so completion tokens per second of
            // generation time drop by `s`. With `s` = 1 this is the plain decode time.
            let s = served_slowdown;
            let decode_ms = (s - 1.0) * (overhead + failed_ms) as f64
                + s * completion as f64 / throughput * 1000.0;
            generation_time = Some(ttft + decode_ms.round().max(0.0) as u64);

            let tokenizer = model.tokenizer;
            let native_prompt =
                ((prompt as f64 * tokenizer * (1.0 + 0.015 * normal(rng))).round() as u64).max(1);
            let native_completion =
                (completion as f64 * tokenizer * (1.0 + 0.015 * normal(rng))).round() as u64;
            let native_reasoning =
                ((reasoning as f64 * tokenizer).round() as u64).min(native_completion);
            native = Some((native_prompt, native_completion, native_reasoning));

            cost = (prompt * endpoint.price_prompt + completion * endpoint.price_completion) as i64;
            let mut cached = 0;
            if prompt >= 1024 && rng.random::<f64>() < 0.5 {
                cached = (native_prompt as f64 * (0.2 + 0.75 * rng.random::<f64>())) as u64;
                cache_discount =
                    Some((cached * endpoint.price_prompt * model.cache_discount_pct / 100) as i64);
            } else if model.cache_writes && prompt >= 1024 && rng.random::<f64>() < 0.3 {
                // Writing the cache costs a quarter more than reading the prompt.
                let written = (native_prompt as f64 * (0.5 + 0.5 * rng.random::<f64>())) as u64;
                cache_discount = Some(-((written * endpoint.price_prompt / 4) as i64));
            }
            cached_tokens = Some(cached);
        } else {
            finish_reason = Some("error");
        }

        let native_finish_reason =
            finish_reason.and_then(|reason| native_finish_reason(provider.finish_style, reason));
        let moderation_latency =
            (model.moderated && !is_byok).then(|| log_normal(rng, 25f64.ln(), 0.5).round() as u64);
        let media_prompt = if model.vision && rng.random::<f64>() < 0.06 {
            rng.random_range(1..5)
        } else {
            0
        };
        let media_completion = u64::from(model.image_output && served);
        let search_results = (model.searches && served).then(|| rng.random_range(3..=10));
        let user = app.and_then(|a| {
            (a.users > 0).then(|| {
                // Few heavy users, many light ones.
                let index = (a.users as f64 * rng.random::<f64>().powi(3)) as u64;
                mix64(u64::from(a.id) << 32 ^ index ^ 0x7573_6572)
            })
        });
        let session = user
            .filter(|_| app.is_some_and(|a| a.sessions))
            .map(|u| mix64(u ^ (t / (30 * 60_000)) as u64));
        let request_hash = mix64(self.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ row);

        // The record. Fields without a value are left out (DESIGN.md §2: null or absent),
        // except `app_id`, which is written null for requests from no app.
        buf.extend_from_slice(b"{\"id\":\"gen-");
        json::u64(buf, (t / 1000) as u64);
        buf.push(b'-');
        json::u64(buf, self.seed);
        buf.push(b'-');
        json::u64(buf, row);
        buf.extend_from_slice(b"\",\"created_at\":\"");
        self.timestamp(t, buf);
        buf.extend_from_slice(b"\",\"model\":");
        json::str(buf, &model.name);
        buf.extend_from_slice(b",\"provider_name\":");
        json::str(buf, provider.name);
        if let Some(router) = router {
            buf.extend_from_slice(b",\"router\":");
            json::str(buf, router);
        }
        buf.extend_from_slice(b",\"api_type\":\"completions\",\"request_id\":\"req-");
        json::hex16(buf, request_hash);
        buf.push(b'"');
        if let Some(session) = session {
            buf.extend_from_slice(b",\"session_id\":\"sess-");
            json::hex16(buf, session);
            buf.push(b'"');
        }
        if let Some(reason) = finish_reason {
            buf.extend_from_slice(b",\"finish_reason\":");
            json::str(buf, reason);
        }
        if let Some(reason) = native_finish_reason {
            buf.extend_from_slice(b",\"native_finish_reason\":");
            json::str(buf, reason);
        }
        buf.extend_from_slice(b",\"streamed\":");
        json::bool(buf, streamed);
        buf.extend_from_slice(b",\"cancelled\":");
        json::bool(buf, cancelled);
        buf.extend_from_slice(b",\"is_byok\":");
        json::bool(buf, is_byok);
        json::opt_u64_field(buf, b",\"latency\":", latency);
        json::opt_u64_field(buf, b",\"generation_time\":", generation_time);
        json::opt_u64_field(buf, b",\"moderation_latency\":", moderation_latency);
        buf.extend_from_slice(b",\"tokens_prompt\":");
        json::u64(buf, prompt);
        buf.extend_from_slice(b",\"tokens_completion\":");
        json::u64(buf, completion);
        if let Some((prompt, completion, reasoning)) = native {
            buf.extend_from_slice(b",\"native_tokens_prompt\":");
            json::u64(buf, prompt);
            buf.extend_from_slice(b",\"native_tokens_completion\":");
            json::u64(buf, completion);
            if model.reasoning {
                buf.extend_from_slice(b",\"native_tokens_reasoning\":");
                json::u64(buf, reasoning);
            }
        }
        json::opt_u64_field(
            buf,
            b",\"native_tokens_cached\":",
            cached_tokens.filter(|&c| c > 0),
        );
        json::opt_u64_field(
            buf,
            b",\"num_media_prompt\":",
            Some(media_prompt).filter(|&n| n > 0),
        );
        json::opt_u64_field(
            buf,
            b",\"num_media_completion\":",
            Some(media_completion).filter(|&n| n > 0),
        );
        json::opt_u64_field(buf, b",\"num_search_results\":", search_results);
        buf.extend_from_slice(b",\"total_cost\":");
        json::usd(buf, cost);
        buf.extend_from_slice(b",\"usage\":");
        json::usd(buf, cost);
        if is_byok {
            buf.extend_from_slice(b",\"upstream_inference_cost\":");
            json::usd(buf, cost);
        }
        if let Some(discount) = cache_discount {
            buf.extend_from_slice(b",\"cache_discount\":");
            json::usd(buf, discount);
        }
        buf.extend_from_slice(b",\"app_id\":");
        match app {
            Some(a) => {
                json::u64(buf, u64::from(a.id));
                buf.extend_from_slice(b",\"origin\":");
                json::str(buf, &a.origin);
                buf.extend_from_slice(b",\"http_referer\":");
                json::str(buf, &a.referer);
            }
            None => json::null(buf),
        }
        if let Some(user) = user {
            buf.extend_from_slice(b",\"external_user\":\"user-");
            json::hex16(buf, user);
            buf.push(b'"');
        }
        buf.extend_from_slice(b",\"provider_responses\":[");
        for (i, a) in attempts.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            let ep = &catalog.endpoints[a.endpoint as usize];
            buf.extend_from_slice(b"{\"provider_name\":");
            json::str(buf, catalog.providers[ep.provider as usize].name);
            buf.extend_from_slice(b",\"status\":");
            json::u64(buf, u64::from(a.status));
            buf.extend_from_slice(b",\"latency\":");
            json::u64(buf, a.latency_ms);
            buf.extend_from_slice(b",\"endpoint_id\":");
            json::str(buf, &ep.id);
            buf.push(b'}');
        }
        buf.extend_from_slice(b"]}\n");
    }

    /// Appends `t` as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    fn timestamp(&mut self, t: i64, buf: &mut Vec<u8>) {
        let day = t.div_euclid(DAY_MS);
        if day != self.day {
            self.day = day;
            self.day_prefix.clear();
            if let Some(midnight) = DateTime::from_timestamp_millis(day * DAY_MS) {
                self.day_prefix
                    .extend_from_slice(midnight.format("%Y-%m-%dT").to_string().as_bytes());
            }
        }
        buf.extend_from_slice(&self.day_prefix);
        let ms = t.rem_euclid(DAY_MS) as u64;
        json::padded(buf, ms / 3_600_000, 2);
        buf.push(b':');
        json::padded(buf, ms / 60_000 % 60, 2);
        buf.push(b':');
        json::padded(buf, ms / 1000 % 60, 2);
        buf.push(b'.');
        json::padded(buf, ms % 1000, 3);
        buf.push(b'Z');
    }
}
