//! Provider scores and routing weights, formula `tokenboard-weights/v1`.
//!
//! The SQL measures each (model, provider) endpoint over a window ([`EndpointInputs`]); this crate
//! turns those numbers into a status, a routing weight and the reasons for both, per model
//! ([`score_model`]). It is pure arithmetic so the formula can be read, tested and versioned on its
//! own; a change to anything below gets a new [`FORMULA`] name.
//!
//! # The formula
//!
//! 1. **Status.** Fewer than [`MIN_ATTEMPTS`] (100) attempts: `insufficient_data`. Otherwise by
//!    uptime: below [`DOWN_BELOW`] (0.80): `down`; below [`HEALTHY_FROM`] (0.95): `degraded`;
//!    else `healthy`. 0.80 exactly is degraded, 0.95 exactly is healthy. The uptime is the
//!    measured one; if it is missing or not finite it is recomputed as successes / attempts.
//! 2. **Raw weight** = (1 / price²) × health × (1 − negative feedback rate), with health 1 for
//!    healthy, 0.25 for degraded and 0 for down and insufficient data (those get the exploration
//!    share instead, below).
//!    - The price is `price_per_mtok` clamped below at [`PRICE_FLOOR`] (0.01 USD/Mtok): free
//!      endpoints cost 0 and the clamp keeps 1/price² finite, so all free endpoints tie. A negative
//!      price counts as free.
//!    - An unknown (or not finite) price is the median of the model's known prices (the mean of
//!      the two middle ones for an even count), or [`FALLBACK_PRICE`] (1.0) when none is known; the
//!      endpoint's reasons say so.
//!    - The negative feedback rate is negative feedback / requests; unknown (no requests) counts
//!      as 0, and the factor 1 − rate is kept within [0, 1].
//! 3. **Normalization** over the model's eligible endpoints (every status but `down`):
//!    - each `insufficient_data` endpoint gets exactly [`EXPLORATION_FLOOR`] (2%), its
//!      exploration share, so a new endpoint gets traffic until it has enough attempts;
//!    - the rest is split among the others in proportion to raw weight, with water-filling: an
//!      endpoint whose proportional share is below the floor is pinned at the floor and the
//!      remainder is re-split among the rest, until no share falls below the floor. The result is
//!      weight = max(floor, c × raw weight) for the one c that makes the weights sum to 1;
//!    - if floor × eligible count ≥ 1 (50 or more eligible endpoints) no proportional split is
//!      possible, and if the raw weights to split are all 0 there is nothing to be proportional
//!      to: in both cases every eligible endpoint gets 1 / eligible count;
//!    - down endpoints get 0 and are listed in [`ModelScores::fallbacks`], best uptime first. If
//!      every endpoint is down (or there are none), all weights are 0 and the model is not
//!      routable. The weights of a routable model sum to 1.
//! 4. **Orders** for routers that sort instead of weighting: the eligible endpoints by price
//!    (cheapest first), by p50 throughput (highest first) and by p50 TTFT (lowest first), unknown
//!    values last. Every tie, here and in the endpoint list, breaks by provider name, and inputs
//!    are processed in provider order, so the output does not depend on the input order.
//!
//! # Worked example
//!
//! Model `m` has three endpoints over the window (1,000 attempts each, so all have enough data):
//!
//! | endpoint | uptime | status   | price (USD/Mtok) | negative feedback | raw weight                | weight                 |
//! |----------|--------|----------|------------------|-------------------|---------------------------|------------------------|
//! | A        | 99%    | healthy  | 1.00             | 0%                | 1/1² × 1 × 1 = 1          | 1 / 1.475 = 0.6780     |
//! | B        | 99%    | healthy  | 2.00             | 0%                | 1/2² × 1 × 1 = 0.25       | 0.25 / 1.475 = 0.1695  |
//! | C        | 90%    | degraded | 1.00             | 10%               | 1/1² × 0.25 × 0.9 = 0.225 | 0.225 / 1.475 = 0.1525 |
//!
//! The raw weights sum to 1.475 and every share is above the 2% floor, so nothing is pinned.
//! Halving B's price would quadruple its raw weight to 1; C's raw weight would rise to
//! 1 × 0.9 = 0.9 once its uptime is back at 95% (healthy).
//!
//! The floor at work: A and B healthy at $1/Mtok (raw 1 each) and C healthy at $10/Mtok
//! (raw 1/10² = 0.01). C's proportional share would be 0.01 / 2.01 = 0.5%, below 2%, so C is
//! pinned at 0.02 and A and B split the remaining 0.98: 0.49 each. A fourth endpoint with fewer
//! than 100 attempts would get exactly 0.02 as well, leaving A and B 0.48 each.
//!
//! ```
//! use tokenboard_scores::{EndpointInputs, Status, score_model};
//!
//! let endpoint = |provider: &str, successes: u64, price: f64, feedback: u64| EndpointInputs {
//!     provider: provider.to_owned(),
//!     requests: 1000,
//!     attempts: 1000,
//!     successes,
//!     rate_limited: 0,
//!     uptime: Some(successes as f64 / 1000.0),
//!     uptime_low: None,
//!     uptime_high: None,
//!     rate_limited_share: Some(0.0),
//!     ttft_p50: None,
//!     ttft_p90: None,
//!     throughput_p50: None,
//!     throughput_p90: None,
//!     price_per_mtok: Some(price),
//!     negative_feedback: feedback,
//! };
//! let scores = score_model(
//!     "m",
//!     vec![endpoint("A", 990, 1.0, 0), endpoint("B", 990, 2.0, 0), endpoint("C", 900, 1.0, 100)],
//! );
//! let weights: Vec<_> = scores.endpoints.iter().map(|e| (e.inputs.provider.as_str(), e.weight)).collect();
//! assert_eq!(weights[0].0, "A");
//! assert!((weights[0].1 - 1.0 / 1.475).abs() < 1e-9);
//! assert!((weights[1].1 - 0.25 / 1.475).abs() < 1e-9);
//! assert!((weights[2].1 - 0.225 / 1.475).abs() < 1e-9);
//! assert_eq!(scores.endpoints[2].status, Status::Degraded);
//! ```

use std::cmp::Ordering;

use serde::Serialize;

/// The formula's name, published with every set of weights so a router knows what it pulled.
pub const FORMULA: &str = "tokenboard-weights/v1";
/// Fewer attempts than this and the uptime is too noisy to judge: `insufficient_data`.
pub const MIN_ATTEMPTS: u64 = 100;
/// Uptime below this is `down`.
pub const DOWN_BELOW: f64 = 0.80;
/// Uptime at or above this is `healthy`; between [`DOWN_BELOW`] and this is `degraded`.
pub const HEALTHY_FROM: f64 = 0.95;
/// The least weight of every eligible endpoint, and the exact weight of one with insufficient
/// data, so every endpoint keeps being measured.
pub const EXPLORATION_FLOOR: f64 = 0.02;
/// Prices are clamped below at this (USD per million tokens) so 1/price² stays finite.
pub const PRICE_FLOOR: f64 = 0.01;
/// The price of an endpoint whose model has no endpoint with a known price (USD per million
/// tokens); any value would do, since then every endpoint of the model gets it.
pub const FALLBACK_PRICE: f64 = 1.0;

/// What the SQL measured for one (model, provider) endpoint over the window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointInputs {
    pub provider: String,
    /// Generations served by this endpoint in the window.
    pub requests: u64,
    /// Successful + failed attempts (429s and caller 4xx excluded).
    pub attempts: u64,
    pub successes: u64,
    /// Attempts answered 429.
    pub rate_limited: u64,
    /// successes / attempts, `None` when attempts == 0.
    pub uptime: Option<f64>,
    /// 95% Wilson interval of the uptime.
    pub uptime_low: Option<f64>,
    pub uptime_high: Option<f64>,
    /// rate_limited / (attempts + rate_limited).
    pub rate_limited_share: Option<f64>,
    /// Milliseconds.
    pub ttft_p50: Option<f64>,
    pub ttft_p90: Option<f64>,
    /// Tokens per second.
    pub throughput_p50: Option<f64>,
    pub throughput_p90: Option<f64>,
    /// Effective price, USD per million tokens (spend / tokens × 1e6).
    pub price_per_mtok: Option<f64>,
    /// Distinct generations of this endpoint in the window with user feedback.
    pub negative_feedback: u64,
}

/// An endpoint's status over the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    InsufficientData,
    Down,
    Degraded,
    Healthy,
}

/// One endpoint's inputs with what the formula made of them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointScore {
    #[serde(flatten)]
    pub inputs: EndpointInputs,
    /// negative_feedback / requests, `None` when requests == 0.
    pub negative_feedback_rate: Option<f64>,
    pub status: Status,
    /// 1, 0.25 or 0; 0 for insufficient data, which gets the exploration share instead.
    pub health: f64,
    /// Before normalization.
    pub raw_weight: f64,
    /// After normalization and floor.
    pub weight: f64,
    /// Human-readable: why this status and this weight.
    pub reasons: Vec<String>,
}

/// The scores of every endpoint of one model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelScores {
    pub model: String,
    /// Sorted by weight desc, then provider name.
    pub endpoints: Vec<EndpointScore>,
    /// Providers of eligible (not down) endpoints, cheapest first, unknown price last.
    pub by_price: Vec<String>,
    /// Eligible, highest throughput_p50 first, unknown last.
    pub by_throughput: Vec<String>,
    /// Eligible, lowest ttft_p50 first, unknown last.
    pub by_ttft: Vec<String>,
    /// Down endpoints, best uptime first.
    pub fallbacks: Vec<String>,
    /// False when every endpoint is down (then all weights are 0) or there are none.
    pub routable: bool,
}

/// How an endpoint's weight came about, for its reasons.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Share {
    /// Down: no weight.
    Zero,
    /// Insufficient data: exactly the floor.
    Exploration,
    /// Pinned at the floor; `proportional` is the share it would have had.
    Floor { proportional: f64 },
    /// In proportion to raw weight.
    Proportional,
    /// 1 / eligible count; `many` when the floor left no room for proportions.
    Equal { eligible: usize, many: bool },
}

/// How the price that went into the raw weight was chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
enum PriceSource {
    Known,
    Median,
    Fallback,
}

/// Scores one model's endpoints with formula [`FORMULA`]; see the crate documentation.
pub fn score_model(model: &str, mut endpoints: Vec<EndpointInputs>) -> ModelScores {
    // Provider order first: floating-point sums then do not depend on the input order.
    endpoints.sort_by(|a, b| a.provider.cmp(&b.provider));

    let median = median(
        endpoints
            .iter()
            .filter_map(|e| known(e.price_per_mtok))
            .collect(),
    );
    let statuses: Vec<Status> = endpoints
        .iter()
        .map(|e| status(e.attempts, measured_uptime(e)))
        .collect();
    let feedback_rates: Vec<Option<f64>> = endpoints.iter().map(feedback_rate).collect();
    let prices: Vec<(f64, PriceSource)> = endpoints
        .iter()
        .map(|e| match (known(e.price_per_mtok), median) {
            (Some(p), _) => (p, PriceSource::Known),
            (None, Some(m)) => (m, PriceSource::Median),
            (None, None) => (FALLBACK_PRICE, PriceSource::Fallback),
        })
        .collect();
    let raw: Vec<f64> = (0..endpoints.len())
        .map(|i| {
            let price = prices[i].0.max(PRICE_FLOOR);
            let kept = (1.0 - feedback_rates[i].unwrap_or(0.0)).clamp(0.0, 1.0);
            health(statuses[i]) / (price * price) * kept
        })
        .collect();
    let (weights, shares) = normalize(&statuses, &raw);
    let routable = statuses.iter().any(|s| *s != Status::Down);

    let mut scored: Vec<EndpointScore> = endpoints
        .into_iter()
        .enumerate()
        .map(|(i, inputs)| {
            let reasons = reasons(
                &inputs,
                statuses[i],
                feedback_rates[i],
                prices[i],
                shares[i],
                routable,
            );
            EndpointScore {
                inputs,
                negative_feedback_rate: feedback_rates[i],
                status: statuses[i],
                health: health(statuses[i]),
                raw_weight: raw[i],
                weight: weights[i],
                reasons,
            }
        })
        .collect();

    let eligible: Vec<&EndpointScore> =
        scored.iter().filter(|e| e.status != Status::Down).collect();
    let by_price = ordered(&eligible, |e| known(e.inputs.price_per_mtok), false);
    let by_throughput = ordered(&eligible, |e| known(e.inputs.throughput_p50), true);
    let by_ttft = ordered(&eligible, |e| known(e.inputs.ttft_p50), false);
    let down: Vec<&EndpointScore> = scored.iter().filter(|e| e.status == Status::Down).collect();
    let fallbacks = ordered(&down, |e| measured_uptime(&e.inputs), true);

    scored.sort_by(|a, b| {
        b.weight
            .total_cmp(&a.weight)
            .then_with(|| a.inputs.provider.cmp(&b.inputs.provider))
    });

    ModelScores {
        model: model.to_owned(),
        endpoints: scored,
        by_price,
        by_throughput,
        by_ttft,
        fallbacks,
        routable,
    }
}

/// Step 1 of the formula.
fn status(attempts: u64, uptime: Option<f64>) -> Status {
    match uptime {
        _ if attempts < MIN_ATTEMPTS => Status::InsufficientData,
        // Only reachable with inconsistent inputs: 100+ attempts always give an uptime.
        None => Status::InsufficientData,
        Some(u) if u < DOWN_BELOW => Status::Down,
        Some(u) if u < HEALTHY_FROM => Status::Degraded,
        Some(_) => Status::Healthy,
    }
}

fn health(status: Status) -> f64 {
    match status {
        Status::Healthy => 1.0,
        Status::Degraded => 0.25,
        Status::Down | Status::InsufficientData => 0.0,
    }
}

/// Finite values only: NaN or infinity from upstream arithmetic means "not measured".
fn known(value: Option<f64>) -> Option<f64> {
    value.filter(|v| v.is_finite())
}

/// The input's uptime, or successes / attempts when that is missing, so a gap upstream does not
/// turn into a wrong status.
fn measured_uptime(e: &EndpointInputs) -> Option<f64> {
    known(e.uptime).or_else(|| (e.attempts > 0).then(|| e.successes as f64 / e.attempts as f64))
}

fn feedback_rate(e: &EndpointInputs) -> Option<f64> {
    (e.requests > 0).then(|| e.negative_feedback as f64 / e.requests as f64)
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

/// Step 3 of the formula: the weights, and how each came about.
fn normalize(statuses: &[Status], raw: &[f64]) -> (Vec<f64>, Vec<Share>) {
    let n = statuses.len();
    let mut weights = vec![0.0; n];
    let mut shares = vec![Share::Zero; n];
    let eligible: Vec<usize> = (0..n).filter(|&i| statuses[i] != Status::Down).collect();
    if eligible.is_empty() {
        return (weights, shares);
    }

    // Everything not exploring is split by raw weight, unless the split is impossible.
    let mut free: Vec<usize> = eligible
        .iter()
        .copied()
        .filter(|&i| statuses[i] != Status::InsufficientData)
        .collect();
    let free_raw: f64 = free.iter().map(|&i| raw[i]).sum();
    let many = EXPLORATION_FLOOR * eligible.len() as f64 >= 1.0;
    if many || free_raw <= 0.0 || !free_raw.is_finite() {
        let equal = 1.0 / eligible.len() as f64;
        for &i in &eligible {
            weights[i] = equal;
            shares[i] = Share::Equal {
                eligible: eligible.len(),
                many,
            };
        }
        return (weights, shares);
    }

    let mut pinned = eligible.len() - free.len();
    for &i in &eligible {
        if statuses[i] == Status::InsufficientData {
            weights[i] = EXPLORATION_FLOOR;
            shares[i] = Share::Exploration;
        }
    }
    // Water-filling. Pinning lowers every remaining share, so pins never need undoing and the
    // loop ends within `free.len()` rounds; the largest share stays above the floor because
    // floor × eligible < 1, so `free` never empties.
    loop {
        let remainder = 1.0 - EXPLORATION_FLOOR * pinned as f64;
        let sum: f64 = free.iter().map(|&i| raw[i]).sum();
        let before = free.len();
        free.retain(|&i| {
            let proportional = remainder * raw[i] / sum;
            if proportional < EXPLORATION_FLOOR {
                weights[i] = EXPLORATION_FLOOR;
                shares[i] = Share::Floor { proportional };
                false
            } else {
                weights[i] = proportional;
                shares[i] = Share::Proportional;
                true
            }
        });
        if free.len() == before || free.is_empty() {
            break;
        }
        pinned += before - free.len();
    }
    (weights, shares)
}

/// Providers sorted by `key`, unknown keys last, ties by provider name.
fn ordered(
    endpoints: &[&EndpointScore],
    key: impl Fn(&EndpointScore) -> Option<f64>,
    descending: bool,
) -> Vec<String> {
    let mut keyed: Vec<(Option<f64>, &str)> = endpoints
        .iter()
        .map(|e| (key(e), e.inputs.provider.as_str()))
        .collect();
    keyed.sort_by(|(ka, pa), (kb, pb)| {
        let by_key = match (ka, kb) {
            (Some(a), Some(b)) if descending => b.total_cmp(a),
            (Some(a), Some(b)) => a.total_cmp(b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        by_key.then_with(|| pa.cmp(pb))
    });
    keyed.into_iter().map(|(_, p)| p.to_owned()).collect()
}

fn percent(fraction: f64) -> String {
    format!("{:.1}%", fraction * 100.0)
}

/// The formula's round thresholds read better without a decimal: "below 80%".
fn threshold(fraction: f64) -> String {
    format!("{}%", (fraction * 100.0).round())
}

/// USD with at least two decimals and up to six, so cheap prices do not print as 0.00.
fn usd(amount: f64) -> String {
    let text = format!("{:.6}", amount);
    let trimmed = text.trim_end_matches('0');
    let decimals = trimmed.split('.').nth(1).map_or(0, str::len);
    format!(
        "${}{}",
        trimmed,
        "0".repeat(2usize.saturating_sub(decimals))
    )
}

/// Step 4: why this endpoint has this status and this weight.
fn reasons(
    e: &EndpointInputs,
    status: Status,
    feedback_rate: Option<f64>,
    (price, source): (f64, PriceSource),
    share: Share,
    routable: bool,
) -> Vec<String> {
    let mut reasons = Vec::new();

    let measured = match measured_uptime(e) {
        Some(uptime) => {
            let interval = match (known(e.uptime_low), known(e.uptime_high)) {
                (Some(low), Some(high)) => {
                    format!(" (95% CI {:.1}–{:.1}%)", low * 100.0, high * 100.0)
                }
                _ => String::new(),
            };
            format!(
                "uptime {}{} over {} attempts",
                percent(uptime),
                interval,
                e.attempts
            )
        }
        None => format!("{} attempts", e.attempts),
    };
    reasons.push(match status {
        Status::InsufficientData => {
            format!("{measured}, fewer than {MIN_ATTEMPTS}: insufficient data")
        }
        Status::Down => format!("{measured}, below {}: down", threshold(DOWN_BELOW)),
        Status::Degraded => format!(
            "{measured}, between {} and {}: degraded",
            threshold(DOWN_BELOW),
            threshold(HEALTHY_FROM)
        ),
        Status::Healthy => format!("{measured}, at least {}: healthy", threshold(HEALTHY_FROM)),
    });

    let rate_limited_share = known(e.rate_limited_share).or_else(|| {
        let total = e.attempts + e.rate_limited;
        (total > 0).then(|| e.rate_limited as f64 / total as f64)
    });
    if let Some(share) = rate_limited_share.filter(|s| *s > 0.0) {
        reasons.push(format!(
            "{} of attempts rate-limited (429): not counted against uptime",
            percent(share)
        ));
    }

    if let Some(rate) = feedback_rate.filter(|r| *r > 0.0) {
        reasons.push(format!(
            "negative feedback on {} of requests ({} of {}): raw weight × (1 − {})",
            percent(rate),
            e.negative_feedback,
            e.requests,
            percent(rate)
        ));
    }

    match source {
        PriceSource::Known if price < PRICE_FLOOR => reasons.push(format!(
            "price {}/Mtok counted as {}/Mtok so 1/price² stays finite",
            usd(price),
            usd(PRICE_FLOOR)
        )),
        PriceSource::Known => {}
        PriceSource::Median => reasons.push(format!(
            "price unknown: priced at {}/Mtok, the median of the model's known prices",
            usd(price)
        )),
        PriceSource::Fallback => reasons.push(format!(
            "price unknown and no endpoint of the model has a known price: priced at {}/Mtok",
            usd(price)
        )),
    }

    match share {
        Share::Zero if routable => reasons.push("down: weight 0, listed as a fallback".to_owned()),
        Share::Zero => reasons.push(
            "every endpoint of the model is down: weight 0, the model is not routable".to_owned(),
        ),
        Share::Exploration => reasons.push(format!(
            "exploration share: exactly the {} floor until it has {} attempts",
            threshold(EXPLORATION_FLOOR),
            MIN_ATTEMPTS
        )),
        Share::Floor { proportional } => reasons.push(format!(
            "pinned at the {} exploration floor (its proportional share was {})",
            threshold(EXPLORATION_FLOOR),
            percent(proportional)
        )),
        Share::Proportional => {}
        Share::Equal { eligible, many } if many => reasons.push(format!(
            "split equally among {eligible} eligible endpoints: the {} floor leaves no room for proportions",
            threshold(EXPLORATION_FLOOR)
        )),
        Share::Equal { eligible, .. } => reasons.push(format!(
            "split equally among {eligible} eligible endpoints: none has a raw weight above 0"
        )),
    }

    reasons
}

#[cfg(test)]
mod tests;
