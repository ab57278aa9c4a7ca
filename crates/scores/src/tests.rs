//! Expected numbers are worked out by hand in the comments, never by calling the code under test.

use super::*;

/// An endpoint with `successes` of `attempts` and one request per attempt.
fn endpoint(provider: &str, attempts: u64, successes: u64, price: Option<f64>) -> EndpointInputs {
    EndpointInputs {
        provider: provider.to_owned(),
        requests: attempts,
        attempts,
        successes,
        rate_limited: 0,
        uptime: (attempts > 0).then(|| successes as f64 / attempts as f64),
        uptime_low: None,
        uptime_high: None,
        rate_limited_share: (attempts > 0).then_some(0.0),
        ttft_p50: None,
        ttft_p90: None,
        throughput_p50: None,
        throughput_p90: None,
        price_per_mtok: price,
        negative_feedback: 0,
    }
}

/// 99% uptime over 1,000 attempts.
fn healthy(provider: &str, price: f64) -> EndpointInputs {
    endpoint(provider, 1000, 990, Some(price))
}

/// 90% uptime over 1,000 attempts.
fn degraded(provider: &str, price: f64) -> EndpointInputs {
    endpoint(provider, 1000, 900, Some(price))
}

/// 50% uptime over 1,000 attempts.
fn down(provider: &str, price: f64) -> EndpointInputs {
    endpoint(provider, 1000, 500, Some(price))
}

/// 50 attempts, all successful: too few to judge.
fn fresh(provider: &str, price: f64) -> EndpointInputs {
    endpoint(provider, 50, 50, Some(price))
}

fn find<'a>(scores: &'a ModelScores, provider: &str) -> &'a EndpointScore {
    scores
        .endpoints
        .iter()
        .find(|e| e.inputs.provider == provider)
        .unwrap_or_else(|| panic!("no endpoint {provider}"))
}

fn weight(scores: &ModelScores, provider: &str) -> f64 {
    find(scores, provider).weight
}

fn assert_close(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} is not within {tolerance} of {expected}"
    );
}

fn has_reason(score: &EndpointScore, needle: &str) -> bool {
    score.reasons.iter().any(|r| r.contains(needle))
}

fn providers(scores: &ModelScores) -> Vec<&str> {
    scores
        .endpoints
        .iter()
        .map(|e| e.inputs.provider.as_str())
        .collect()
}

#[test]
fn status_boundaries_on_attempts() {
    assert_eq!(status(99, Some(1.0)), Status::InsufficientData);
    assert_eq!(status(100, Some(1.0)), Status::Healthy);
    assert_eq!(status(0, None), Status::InsufficientData);

    let scores = score_model(
        "m",
        vec![
            endpoint("a", 99, 99, Some(1.0)),
            endpoint("b", 100, 100, Some(1.0)),
        ],
    );
    assert_eq!(find(&scores, "a").status, Status::InsufficientData);
    assert_eq!(find(&scores, "b").status, Status::Healthy);
}

#[test]
fn status_boundaries_on_uptime() {
    assert_eq!(status(100, Some(0.7999)), Status::Down);
    assert_eq!(status(100, Some(0.80)), Status::Degraded);
    assert_eq!(status(100, Some(0.9499)), Status::Degraded);
    assert_eq!(status(100, Some(0.95)), Status::Healthy);

    // The same boundaries reached from counts: 80/100 and 95/100 divide to exactly 0.80 and
    // 0.95 (correctly rounded), 79/100 and 94/100 fall below.
    let scores = score_model(
        "m",
        vec![
            endpoint("a", 100, 79, Some(1.0)),
            endpoint("b", 100, 80, Some(1.0)),
            endpoint("c", 100, 94, Some(1.0)),
            endpoint("d", 100, 95, Some(1.0)),
        ],
    );
    assert_eq!(find(&scores, "a").status, Status::Down);
    assert_eq!(find(&scores, "b").status, Status::Degraded);
    assert_eq!(find(&scores, "c").status, Status::Degraded);
    assert_eq!(find(&scores, "d").status, Status::Healthy);
    assert_eq!(find(&scores, "a").health, 0.0);
    assert_eq!(find(&scores, "b").health, 0.25);
    assert_eq!(find(&scores, "d").health, 1.0);
}

#[test]
fn missing_uptime_is_recomputed_from_counts() {
    // 150 of 200 = 0.75: down, although the input left the uptime out.
    let mut e = endpoint("a", 200, 150, Some(1.0));
    e.uptime = None;
    let scores = score_model("m", vec![e]);
    assert_eq!(find(&scores, "a").status, Status::Down);
    assert!(has_reason(
        find(&scores, "a"),
        "uptime 75.0% over 200 attempts"
    ));
}

#[test]
fn worked_example_three_endpoints() {
    // A healthy at $1/Mtok:                      raw = 1/1² × 1    × (1 − 0)   = 1
    // B healthy at $2/Mtok:                      raw = 1/2² × 1    × (1 − 0)   = 0.25
    // C degraded at $1/Mtok, 100 of 1,000 negative: raw = 1/1² × 0.25 × (1 − 0.1) = 0.225
    // Sum 1.475 = 59/40. Weights: A = 1/1.475 = 40/59 = 0.677966101694915…,
    // B = 0.25/1.475 = 10/59 = 0.169491525423728…, C = 0.225/1.475 = 9/59 = 0.152542372881355….
    // All above 0.02: nothing pinned.
    let mut c = degraded("C", 1.0);
    c.negative_feedback = 100;
    let scores = score_model("m", vec![c, healthy("B", 2.0), healthy("A", 1.0)]);

    assert!(scores.routable);
    assert_eq!(providers(&scores), ["A", "B", "C"]);
    assert_close(find(&scores, "A").raw_weight, 1.0, 1e-12);
    assert_close(find(&scores, "B").raw_weight, 0.25, 1e-12);
    assert_close(find(&scores, "C").raw_weight, 0.225, 1e-12);
    assert_close(weight(&scores, "A"), 0.677_966_101_694_915, 1e-9);
    assert_close(weight(&scores, "B"), 0.169_491_525_423_728, 1e-9);
    assert_close(weight(&scores, "C"), 0.152_542_372_881_355, 1e-9);

    let c = find(&scores, "C");
    assert_eq!(c.status, Status::Degraded);
    assert_eq!(c.health, 0.25);
    assert_eq!(c.negative_feedback_rate, Some(0.1));
    assert_eq!(
        c.reasons[0],
        "uptime 90.0% over 1000 attempts, between 80% and 95%: degraded"
    );
    assert!(has_reason(
        c,
        "negative feedback on 10.0% of requests (100 of 1000)"
    ));
    assert_eq!(
        find(&scores, "A").reasons,
        ["uptime 99.0% over 1000 attempts, at least 95%: healthy"]
    );
}

#[test]
fn floor_pins_an_expensive_endpoint() {
    // Raw: A = B = 1/1² = 1, C = 1/10² = 0.01; sum 2.01. C's share 0.01/2.01 = 0.4975% < 2%:
    // pinned at 0.02. The remaining 0.98 goes to A and B in proportion 1:1 → 0.49 each.
    let scores = score_model(
        "m",
        vec![healthy("A", 1.0), healthy("B", 1.0), healthy("C", 10.0)],
    );
    assert_eq!(weight(&scores, "C"), EXPLORATION_FLOOR);
    assert_close(weight(&scores, "A"), 0.49, 1e-12);
    assert_close(weight(&scores, "B"), 0.49, 1e-12);
    assert!(has_reason(
        find(&scores, "C"),
        "pinned at the 2% exploration floor (its proportional share was 0.5%)"
    ));
    assert_eq!(providers(&scores), ["A", "B", "C"]);
}

#[test]
fn floor_pinning_cascades() {
    // Raw: A = 1/1² = 1; B = 1/5² × (1 − 48/100) = 0.04 × 0.52 = 0.0208;
    // C = D = 1/100² = 0.0001.
    // Round 1: sum 1.021; B's share 0.0208/1.021 = 0.02037 ≥ 0.02 stays; C and D
    //   (0.0001/1.021 = 0.0098%) are pinned.
    // Round 2: remainder 1 − 2 × 0.02 = 0.96 over sum 1.0208; B's share
    //   0.96 × 0.0208/1.0208 = 0.01956 < 0.02: pinned.
    // Round 3: remainder 1 − 3 × 0.02 = 0.94, all to A.
    let mut b = healthy("B", 5.0);
    b.requests = 100;
    b.negative_feedback = 48;
    let scores = score_model(
        "m",
        vec![
            healthy("A", 1.0),
            b,
            healthy("C", 100.0),
            healthy("D", 100.0),
        ],
    );
    assert_close(find(&scores, "B").raw_weight, 0.0208, 1e-15);
    assert_close(weight(&scores, "A"), 0.94, 1e-12);
    for p in ["B", "C", "D"] {
        assert_eq!(weight(&scores, p), EXPLORATION_FLOOR, "{p}");
        assert!(has_reason(
            find(&scores, p),
            "pinned at the 2% exploration floor"
        ));
    }
}

#[test]
fn insufficient_data_gets_exactly_the_floor() {
    // N has 50 attempts: exactly 0.02. A and B (raw 1 each) share 0.98 → 0.49 each.
    let scores = score_model(
        "m",
        vec![fresh("N", 0.5), healthy("A", 1.0), healthy("B", 1.0)],
    );
    let n = find(&scores, "N");
    assert_eq!(n.status, Status::InsufficientData);
    assert_eq!(n.weight, EXPLORATION_FLOOR);
    assert_eq!(n.health, 0.0);
    assert_eq!(n.raw_weight, 0.0);
    assert_eq!(
        n.reasons[0],
        "uptime 100.0% over 50 attempts, fewer than 100: insufficient data"
    );
    assert!(has_reason(n, "exploration share"));
    assert_close(weight(&scores, "A"), 0.49, 1e-12);
    assert_close(weight(&scores, "B"), 0.49, 1e-12);
    assert!(scores.by_price.contains(&"N".to_owned()));

    // Two fresh endpoints and no attempts at all for one: 0.02 each, A keeps 1 − 0.04 = 0.96.
    let scores = score_model(
        "m",
        vec![
            fresh("N", 1.0),
            endpoint("Z", 0, 0, None),
            healthy("A", 1.0),
        ],
    );
    assert_eq!(weight(&scores, "N"), EXPLORATION_FLOOR);
    assert_eq!(weight(&scores, "Z"), EXPLORATION_FLOOR);
    assert_close(weight(&scores, "A"), 0.96, 1e-12);
    assert_eq!(
        find(&scores, "Z").reasons[0],
        "0 attempts, fewer than 100: insufficient data"
    );
}

#[test]
fn down_gets_zero_and_is_a_fallback() {
    // D and E are down (uptime 0.62 and 0.70): weight 0 although D is the cheapest.
    // A is the only eligible endpoint: weight 1. Fallbacks by uptime: E (0.70), D (0.62).
    let mut d = endpoint("D", 134, 83, Some(0.5));
    d.uptime = Some(0.62);
    d.uptime_low = Some(0.551);
    d.uptime_high = Some(0.685);
    let scores = score_model(
        "m",
        vec![d, endpoint("E", 1000, 700, Some(1.0)), healthy("A", 1.0)],
    );
    assert!(scores.routable);
    assert_eq!(weight(&scores, "D"), 0.0);
    assert_eq!(weight(&scores, "E"), 0.0);
    assert_close(weight(&scores, "A"), 1.0, 1e-12);
    assert_eq!(scores.fallbacks, ["E", "D"]);
    assert_eq!(scores.by_price, ["A"]);
    assert_eq!(providers(&scores), ["A", "D", "E"]);
    let d = find(&scores, "D");
    assert_eq!(d.status, Status::Down);
    assert_eq!(
        d.reasons[0],
        "uptime 62.0% (95% CI 55.1–68.5%) over 134 attempts, below 80%: down"
    );
    assert!(has_reason(d, "listed as a fallback"));
}

#[test]
fn all_down_is_not_routable() {
    let scores = score_model("m", vec![down("A", 1.0), down("B", 2.0)]);
    assert!(!scores.routable);
    assert!(scores.endpoints.iter().all(|e| e.weight == 0.0));
    assert_eq!(scores.fallbacks, ["A", "B"]);
    assert!(scores.by_price.is_empty());
    assert!(scores.by_throughput.is_empty());
    assert!(scores.by_ttft.is_empty());
    assert!(has_reason(find(&scores, "A"), "not routable"));
}

#[test]
fn no_endpoints() {
    let scores = score_model("m", Vec::new());
    assert_eq!(scores.model, "m");
    assert!(!scores.routable);
    assert!(scores.endpoints.is_empty());
    assert!(scores.by_price.is_empty());
    assert!(scores.fallbacks.is_empty());
}

#[test]
fn free_endpoints_tie() {
    // A costs 0 and B 0.005: both clamp to 0.01 → raw 1/0.01² = 10,000 each. C at $1: raw 1,
    // share 1/20,001 = 0.005% → pinned at 0.02. A and B split 0.98 → 0.49 each.
    let scores = score_model(
        "m",
        vec![healthy("B", 0.005), healthy("A", 0.0), healthy("C", 1.0)],
    );
    assert_close(find(&scores, "A").raw_weight, 10_000.0, 1e-6);
    assert_eq!(find(&scores, "A").raw_weight, find(&scores, "B").raw_weight);
    assert_close(weight(&scores, "A"), 0.49, 1e-12);
    assert_close(weight(&scores, "B"), 0.49, 1e-12);
    assert_eq!(weight(&scores, "C"), EXPLORATION_FLOOR);
    assert!(has_reason(
        find(&scores, "A"),
        "price $0.00/Mtok counted as $0.01/Mtok"
    ));
    assert!(has_reason(
        find(&scores, "B"),
        "price $0.005/Mtok counted as $0.01/Mtok"
    ));
    // The order by price keeps the real prices: A (0) before B (0.005).
    assert_eq!(scores.by_price, ["A", "B", "C"]);
    assert_eq!(providers(&scores), ["A", "B", "C"]);
}

#[test]
fn unknown_price_is_the_median() {
    // Known prices 1 and 3: median (1 + 3)/2 = 2, so U is priced at $2 → raw 1/4 = 0.25.
    // A raw 1, B raw 1/9. Sum 1 + 1/9 + 1/4 = 49/36.
    // A = 36/49 = 0.734693877551020…, B = (1/9)(36/49) = 4/49 = 0.081632653061224…,
    // U = (1/4)(36/49) = 9/49 = 0.183673469387755….
    let scores = score_model(
        "m",
        vec![
            healthy("A", 1.0),
            healthy("B", 3.0),
            endpoint("U", 1000, 990, None),
        ],
    );
    assert_close(find(&scores, "U").raw_weight, 0.25, 1e-12);
    assert_close(weight(&scores, "A"), 0.734_693_877_551_020, 1e-9);
    assert_close(weight(&scores, "B"), 0.081_632_653_061_224, 1e-9);
    assert_close(weight(&scores, "U"), 0.183_673_469_387_755, 1e-9);
    assert!(has_reason(
        find(&scores, "U"),
        "price unknown: priced at $2.00/Mtok, the median of the model's known prices"
    ));
    // Unknown price sorts last, although U's imputed price is below B's.
    assert_eq!(scores.by_price, ["A", "B", "U"]);

    // A down endpoint's price counts too, and NaN is unknown: median of {1, 9} = 5, so U has
    // raw 1/25 = 0.04. Sum 1.04: A = 1/1.04 = 25/26 = 0.961538461538…, U = 1/26 = 0.038461538….
    let scores = score_model(
        "m",
        vec![
            healthy("A", 1.0),
            down("B", 9.0),
            endpoint("U", 1000, 990, Some(f64::NAN)),
        ],
    );
    assert_close(weight(&scores, "A"), 0.961_538_461_538, 1e-9);
    assert_close(weight(&scores, "U"), 0.038_461_538_461, 1e-9);

    // Odd count: median of {4, 1, 2} is 2.
    let scores = score_model(
        "m",
        vec![
            healthy("A", 4.0),
            healthy("B", 1.0),
            healthy("C", 2.0),
            endpoint("U", 1000, 990, None),
        ],
    );
    assert_close(find(&scores, "U").raw_weight, 0.25, 1e-12);

    // Nothing known: both at $1 → raw 1 each → 0.5 each.
    let scores = score_model(
        "m",
        vec![
            endpoint("U", 1000, 990, None),
            endpoint("V", 1000, 990, None),
        ],
    );
    assert_close(weight(&scores, "U"), 0.5, 1e-12);
    assert_close(weight(&scores, "V"), 0.5, 1e-12);
    assert!(has_reason(
        find(&scores, "U"),
        "no endpoint of the model has a known price: priced at $1.00/Mtok"
    ));
}

#[test]
fn orders_break_ties_by_provider_and_put_unknowns_last() {
    fn with(mut e: EndpointInputs, throughput: Option<f64>, ttft: Option<f64>) -> EndpointInputs {
        e.throughput_p50 = throughput;
        e.ttft_p50 = ttft;
        e
    }
    let endpoints = vec![
        with(endpoint("G", 1000, 500, Some(0.1)), Some(500.0), Some(5.0)),
        with(endpoint("D", 1000, 990, None), Some(80.0), Some(200.0)),
        with(
            endpoint("N", 10, 10, Some(3.0)),
            Some(f64::NAN),
            Some(100.0),
        ),
        with(healthy("C", 1.0), Some(80.0), None),
        with(endpoint("F", 1000, 700, Some(0.2)), None, None),
        with(healthy("A", 2.0), Some(50.0), Some(300.0)),
        with(
            endpoint("E", 1000, 500, Some(0.5)),
            Some(1000.0),
            Some(10.0),
        ),
        with(healthy("B", 1.0), None, Some(200.0)),
    ];
    // E, F and G are down: in no order, only in the fallbacks.
    let scores = score_model("m", endpoints);

    // Prices: B 1, C 1 (tie → name), A 2, N 3, D unknown.
    assert_eq!(scores.by_price, ["B", "C", "A", "N", "D"]);
    // Throughput: C 80, D 80 (tie), A 50, then unknown B and N (NaN) by name.
    assert_eq!(scores.by_throughput, ["C", "D", "A", "B", "N"]);
    // TTFT: N 100, B 200, D 200 (tie), A 300, C unknown.
    assert_eq!(scores.by_ttft, ["N", "B", "D", "A", "C"]);
    // Down by uptime: F 0.70, then E and G tie at 0.50.
    assert_eq!(scores.fallbacks, ["F", "E", "G"]);
}

#[test]
fn endpoints_with_equal_weights_sort_by_provider() {
    // b and a are identical (raw 1); c is cheaper (raw 4): c first, then a, b.
    let scores = score_model(
        "m",
        vec![healthy("b", 1.0), healthy("c", 0.5), healthy("a", 1.0)],
    );
    assert_eq!(providers(&scores), ["c", "a", "b"]);
    assert_eq!(weight(&scores, "a"), weight(&scores, "b"));
}

#[test]
fn equal_split_when_the_floor_leaves_no_room() {
    // 50 eligible endpoints: 50 × 0.02 = 1, so each gets 1/50 = 0.02 whatever its price.
    let endpoints = (0..50)
        .map(|i| healthy(&format!("p{i:02}"), 1.0 + i as f64))
        .collect();
    let scores = score_model("m", endpoints);
    for e in &scores.endpoints {
        assert_close(e.weight, 0.02, 1e-15);
        assert!(has_reason(e, "split equally among 50 eligible endpoints"));
    }

    // 49 endpoints: 49 × 0.02 = 0.98 < 1, so the cheapest gets more than the floor.
    let endpoints = (0..49)
        .map(|i| healthy(&format!("p{i:02}"), 1.0 + i as f64))
        .collect();
    let scores = score_model("m", endpoints);
    assert_eq!(scores.endpoints[0].inputs.provider, "p00");
    assert!(scores.endpoints[0].weight > 0.02);
}

#[test]
fn equal_split_when_no_raw_weight() {
    // Only fresh endpoints: no raw weight to be proportional to, so 1/2 each.
    let scores = score_model("m", vec![fresh("A", 1.0), fresh("B", 2.0)]);
    assert_close(weight(&scores, "A"), 0.5, 1e-15);
    assert_close(weight(&scores, "B"), 0.5, 1e-15);

    // B is healthy but every request drew negative feedback: raw 1 × (1 − 1) = 0. The only raw
    // weight to split is 0, so A (fresh) and B get 1/2 each.
    let mut b = healthy("B", 1.0);
    b.negative_feedback = b.requests;
    let scores = score_model("m", vec![fresh("A", 1.0), b]);
    assert_eq!(find(&scores, "B").raw_weight, 0.0);
    assert_close(weight(&scores, "A"), 0.5, 1e-15);
    assert_close(weight(&scores, "B"), 0.5, 1e-15);
    assert!(has_reason(
        find(&scores, "B"),
        "none has a raw weight above 0"
    ));
}

#[test]
fn rate_limited_share_is_reported_not_counted() {
    // 880 attempts, all successful, plus 120 answered 429: share 120/1000 = 12%, uptime 100%.
    let mut a = endpoint("A", 880, 880, Some(1.0));
    a.rate_limited = 120;
    a.rate_limited_share = Some(0.12);
    let mut b = a.clone();
    b.provider = "B".to_owned();
    b.rate_limited_share = None; // recomputed from the counts: the same 12%
    let scores = score_model("m", vec![a, b]);
    for p in ["A", "B"] {
        let e = find(&scores, p);
        assert_eq!(e.status, Status::Healthy);
        assert_eq!(
            e.reasons[1],
            "12.0% of attempts rate-limited (429): not counted against uptime"
        );
    }
}

#[test]
fn serializes_flat_with_snake_case_status() {
    let scores = score_model("m", vec![fresh("A", 1.0), down("B", 1.0)]);
    let json = serde_json::to_value(&scores).unwrap();
    let first = &json["endpoints"][0];
    assert_eq!(first["provider"], "A");
    assert_eq!(first["status"], "insufficient_data");
    assert_eq!(first["weight"], 1.0);
    assert_eq!(first["attempts"], 50);
    assert!(first.get("inputs").is_none());
    assert_eq!(json["endpoints"][1]["status"], "down");
    assert_eq!(json["fallbacks"][0], "B");
    assert_eq!(json["routable"], true);
}

/// A 64-bit linear congruential generator (Knuth's MMIX constants): enough spread for
/// property checks without a `rand` dependency.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// In [0, 1).
    fn unit(&mut self) -> f64 {
        self.next() as f64 / (1u64 << 31) as f64
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn random_endpoint(rng: &mut Lcg, index: usize) -> EndpointInputs {
    let attempts = match rng.below(6) {
        0 => 0,
        1 => rng.below(100),
        2 => 100,
        _ => 100 + rng.below(5000),
    };
    let target = match rng.below(4) {
        0 => rng.unit() * 0.8,
        1 => 0.8 + rng.unit() * 0.15,
        _ => 0.95 + rng.unit() * 0.05,
    };
    let successes = ((attempts as f64 * target).round() as u64).min(attempts);
    let requests = rng.below(3000);
    let negative_feedback = if rng.chance(60) {
        0
    } else if rng.chance(10) {
        requests
    } else {
        rng.below(requests + 1)
    };
    let price = match rng.below(10) {
        0 => None,
        1 => Some(0.0),
        2 => Some(f64::NAN),
        _ => Some(10f64.powf(rng.unit() * 6.0 - 3.0)),
    };
    let rate_limited = if rng.chance(70) { 0 } else { rng.below(500) };
    let mut e = endpoint(&format!("p{index:02}"), attempts, successes, price);
    e.requests = requests;
    e.negative_feedback = negative_feedback;
    e.rate_limited = rate_limited;
    e.rate_limited_share = None;
    e.throughput_p50 = rng.chance(80).then(|| rng.unit() * 200.0);
    e.ttft_p50 = rng.chance(80).then(|| rng.unit() * 2000.0);
    e
}

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}

#[test]
fn properties_hold_for_random_inputs() {
    let mut rng = Lcg(0x7eb0_a2d5);
    let (mut equal_splits, mut pinned_cases, mut unroutable) = (0, 0, 0);
    for case in 0..600 {
        let n = if case % 20 == 0 {
            45 + rng.below(16)
        } else {
            rng.below(9)
        } as usize;
        let inputs: Vec<EndpointInputs> = (0..n).map(|i| random_endpoint(&mut rng, i)).collect();
        let scores = score_model("m", inputs.clone());
        let context = format!("case {case}: {scores:#?}");

        // Input order does not matter.
        let reversed = score_model("m", inputs.into_iter().rev().collect());
        assert_eq!(
            serde_json::to_string(&scores).unwrap(),
            serde_json::to_string(&reversed).unwrap(),
            "{context}"
        );

        let eligible: Vec<&EndpointScore> = scores
            .endpoints
            .iter()
            .filter(|e| e.status != Status::Down)
            .collect();
        let names = |es: &[&EndpointScore]| -> Vec<String> {
            sorted(es.iter().map(|e| e.inputs.provider.clone()).collect())
        };
        let down: Vec<&EndpointScore> = scores
            .endpoints
            .iter()
            .filter(|e| e.status == Status::Down)
            .collect();

        assert_eq!(scores.endpoints.len(), n, "{context}");
        assert_eq!(scores.routable, !eligible.is_empty(), "{context}");
        assert!(down.iter().all(|e| e.weight == 0.0), "{context}");
        assert_eq!(sorted(scores.fallbacks.clone()), names(&down), "{context}");
        assert_eq!(
            sorted(scores.by_price.clone()),
            names(&eligible),
            "{context}"
        );
        assert_eq!(
            sorted(scores.by_throughput.clone()),
            names(&eligible),
            "{context}"
        );
        assert_eq!(
            sorted(scores.by_ttft.clone()),
            names(&eligible),
            "{context}"
        );
        assert!(
            scores
                .endpoints
                .windows(2)
                .all(|w| w[0].weight > w[1].weight
                    || (w[0].weight == w[1].weight && w[0].inputs.provider < w[1].inputs.provider)),
            "{context}"
        );
        assert!(
            scores.endpoints.iter().all(|e| !e.reasons.is_empty()),
            "{context}"
        );

        if !scores.routable {
            unroutable += 1;
            assert!(
                scores.endpoints.iter().all(|e| e.weight == 0.0),
                "{context}"
            );
            continue;
        }
        let sum: f64 = scores.endpoints.iter().map(|e| e.weight).sum();
        assert_close(sum, 1.0, 1e-12);

        let weighted: Vec<&&EndpointScore> = eligible
            .iter()
            .filter(|e| e.status != Status::InsufficientData)
            .collect();
        let raw_sum: f64 = weighted.iter().map(|e| e.raw_weight).sum();
        if EXPLORATION_FLOOR * eligible.len() as f64 >= 1.0 || raw_sum == 0.0 {
            equal_splits += 1;
            let equal = 1.0 / eligible.len() as f64;
            for e in &eligible {
                assert_close(e.weight, equal, 1e-15);
            }
            continue;
        }
        for e in &eligible {
            assert!(e.weight >= EXPLORATION_FLOOR - 1e-12, "{context}");
            if e.status == Status::InsufficientData {
                assert_eq!(e.weight, EXPLORATION_FLOOR, "{context}");
            }
        }
        // Water-filling: weight = max(floor, c × raw) for one c. Unpinned endpoints share c;
        // pinned ones would have had at most the floor.
        let unpinned: Vec<&&&EndpointScore> = weighted
            .iter()
            .filter(|e| e.weight > EXPLORATION_FLOOR + 1e-12)
            .collect();
        assert!(!unpinned.is_empty(), "{context}");
        let c = unpinned[0].weight / unpinned[0].raw_weight;
        for e in &unpinned {
            assert_close(e.weight / e.raw_weight / c, 1.0, 1e-9);
        }
        for e in &weighted {
            if e.weight <= EXPLORATION_FLOOR + 1e-12 {
                assert!(
                    c * e.raw_weight <= EXPLORATION_FLOOR * (1.0 + 1e-9),
                    "{context}"
                );
            }
        }
        if unpinned.len() < weighted.len() {
            pinned_cases += 1;
        }
    }
    // The generator reaches every branch.
    assert!(equal_splits > 0 && pinned_cases > 0 && unroutable > 0);
}
