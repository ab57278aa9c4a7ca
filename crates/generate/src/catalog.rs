//! The simulated world: authors, models, providers, endpoints and apps.
//!
//! The world is built from a fixed seed, so every workload sees the same model names, endpoint
//! ids, prices and app ids whatever its `seed`; the seed only changes the traffic drawn from it.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

/// Seed of the world (catalog and apps). Not the workload's seed.
const WORLD_SEED: u64 = 0x746f_6b65_6e62_6f61;

/// Zipf exponent of model popularity.
pub const MODEL_ZIPF: f64 = 1.1;
/// Zipf exponent of app usage.
pub const APP_ZIPF: f64 = 1.0;
/// Number of apps.
pub const APP_COUNT: usize = 3000;
/// At most this many providers serve one model.
pub const MAX_ENDPOINTS: usize = 6;

/// How a provider words `native_finish_reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinishStyle {
    OpenAi,
    Anthropic,
    Google,
    Cohere,
}

/// One author (the part of a model name before `/`).
#[derive(Debug)]
struct Author {
    name: &'static str,
    /// native tokens / normalized tokens for this author's tokenizer.
    tokenizer: f64,
    /// Share of the prompt price refunded for cached prompt tokens, percent.
    cache_discount_pct: u64,
    /// Providers run by the author (or reselling its closed models), first is the primary.
    first_party: &'static [&'static str],
    /// Whether the gateway moderates this author's models (sets `moderation_latency`).
    moderated: bool,
    /// Whether prompt caching is written explicitly (and billed: negative discounts).
    cache_writes: bool,
    /// Whether the author's own platform also serves its open-weight models.
    serves_open: bool,
}

const AUTHORS: &[Author] = &[
    author("openai", 0.98, 50, &["OpenAI", "Azure"], true, false),
    author(
        "anthropic",
        1.13,
        90,
        &["Anthropic", "Amazon Bedrock", "Google Vertex"],
        true,
        true,
    ),
    author(
        "google",
        0.94,
        75,
        &["Google Vertex", "Google AI Studio"],
        false,
        false,
    ),
    author("meta-llama", 1.04, 50, &[], false, false),
    author("mistralai", 1.09, 50, &["Mistral"], false, false),
    author("deepseek", 1.06, 90, &["DeepSeek"], false, false),
    author("qwen", 1.07, 60, &["Alibaba"], false, false),
    author("x-ai", 1.03, 75, &["xAI"], false, false),
    author("cohere", 1.05, 50, &["Cohere"], false, false),
    author("microsoft", 1.01, 50, &["Azure"], false, false),
    author("nvidia", 1.04, 50, &[], false, false),
    author("moonshotai", 0.96, 75, &["Moonshot AI"], false, false),
    author("z-ai", 0.97, 80, &["Z.AI"], false, false),
    author("nousresearch", 1.04, 50, &[], false, false),
    author("perplexity", 1.02, 50, &["Perplexity"], false, false),
    author("amazon", 1.08, 75, &["Amazon Bedrock"], false, false),
    author("minimax", 0.95, 80, &["MiniMax"], false, false),
];

const fn author(
    name: &'static str,
    tokenizer: f64,
    cache_discount_pct: u64,
    first_party: &'static [&'static str],
    moderated: bool,
    cache_writes: bool,
) -> Author {
    Author {
        name,
        tokenizer,
        cache_discount_pct,
        first_party,
        moderated,
        cache_writes,
        // OpenAI and Google leave their open-weight models (gpt-oss, Gemma) to hosts.
        serves_open: !matches!(name.as_bytes(), b"openai" | b"google"),
    }
}

/// (author, slug, $ per M prompt tokens, $ per M completion tokens, context in k tokens, flags,
/// popularity hint). Flags: `o` open weights (served by hosting providers), `r` reasoning, `v`
/// vision input, `i` image output, `f` has a `:free` variant, `n` has a `:nitro` variant, `w` has
/// an `:online` (web search) variant, `s` searches the web itself.
type BaseModel = (&'static str, &'static str, f64, f64, u32, &'static str, f64);

#[rustfmt::skip]
const BASE_MODELS: &[BaseModel] = &[
    ("openai", "gpt-4o", 2.5, 10.0, 128, "vw", 8.0),
    ("openai", "gpt-4o-mini", 0.15, 0.6, 128, "vw", 9.0),
    ("openai", "gpt-4o-2024-11-20", 2.5, 10.0, 128, "v", 1.0),
    ("openai", "gpt-4o-2024-08-06", 2.5, 10.0, 128, "v", 1.0),
    ("openai", "chatgpt-4o-latest", 5.0, 15.0, 128, "v", 1.5),
    ("openai", "gpt-4-turbo", 10.0, 30.0, 128, "v", 0.5),
    ("openai", "gpt-4", 30.0, 60.0, 8, "", 0.3),
    ("openai", "gpt-3.5-turbo", 0.5, 1.5, 16, "", 1.0),
    ("openai", "gpt-3.5-turbo-instruct", 1.5, 2.0, 4, "", 0.2),
    ("openai", "gpt-4.1", 2.0, 8.0, 1047, "vw", 7.0),
    ("openai", "gpt-4.1-mini", 0.4, 1.6, 1047, "v", 7.0),
    ("openai", "gpt-4.1-nano", 0.1, 0.4, 1047, "v", 4.0),
    ("openai", "gpt-5", 1.25, 10.0, 400, "rvw", 9.0),
    ("openai", "gpt-5-mini", 0.25, 2.0, 400, "rv", 7.0),
    ("openai", "gpt-5-nano", 0.05, 0.4, 400, "rv", 4.0),
    ("openai", "gpt-5-chat", 1.25, 10.0, 128, "v", 3.0),
    ("openai", "gpt-5-codex", 1.25, 10.0, 400, "r", 4.0),
    ("openai", "o1", 15.0, 60.0, 200, "rv", 1.0),
    ("openai", "o1-mini", 1.1, 4.4, 128, "r", 0.5),
    ("openai", "o3", 2.0, 8.0, 200, "rv", 3.0),
    ("openai", "o3-mini", 1.1, 4.4, 200, "r", 2.0),
    ("openai", "o3-mini-high", 1.1, 4.4, 200, "r", 1.0),
    ("openai", "o3-pro", 20.0, 80.0, 200, "rv", 0.3),
    ("openai", "o4-mini", 1.1, 4.4, 200, "rv", 4.0),
    ("openai", "o4-mini-high", 1.1, 4.4, 200, "rv", 1.5),
    ("openai", "gpt-oss-120b", 0.05, 0.25, 131, "orfn", 6.0),
    ("openai", "gpt-oss-20b", 0.03, 0.15, 131, "orfn", 3.0),
    ("openai", "codex-mini", 1.5, 6.0, 200, "r", 0.5),
    ("anthropic", "claude-sonnet-4.5", 3.0, 15.0, 1000, "rvw", 10.0),
    ("anthropic", "claude-sonnet-4", 3.0, 15.0, 1000, "vw", 9.0),
    ("anthropic", "claude-opus-4.1", 15.0, 75.0, 200, "rv", 3.0),
    ("anthropic", "claude-opus-4", 15.0, 75.0, 200, "rv", 2.0),
    ("anthropic", "claude-haiku-4.5", 1.0, 5.0, 200, "v", 5.0),
    ("anthropic", "claude-3.7-sonnet", 3.0, 15.0, 200, "v", 6.0),
    ("anthropic", "claude-3.7-sonnet:thinking", 3.0, 15.0, 200, "rv", 2.0),
    ("anthropic", "claude-3.5-sonnet", 3.0, 15.0, 200, "v", 4.0),
    ("anthropic", "claude-3.5-sonnet-20240620", 3.0, 15.0, 200, "v", 0.5),
    ("anthropic", "claude-3.5-haiku", 0.8, 4.0, 200, "", 2.5),
    ("anthropic", "claude-3.5-haiku-20241022", 0.8, 4.0, 200, "", 0.4),
    ("anthropic", "claude-3-opus", 15.0, 75.0, 200, "v", 0.5),
    ("anthropic", "claude-3-haiku", 0.25, 1.25, 200, "v", 1.5),
    ("google", "gemini-2.5-pro", 1.25, 10.0, 1048, "rvw", 8.0),
    ("google", "gemini-2.5-flash", 0.3, 2.5, 1048, "rvw", 9.0),
    ("google", "gemini-2.5-flash-lite", 0.1, 0.4, 1048, "v", 5.0),
    ("google", "gemini-2.5-flash-preview-09-2025", 0.3, 2.5, 1048, "rv", 2.0),
    ("google", "gemini-2.5-flash-image", 0.3, 2.5, 32, "vi", 2.0),
    ("google", "gemini-2.5-pro-preview", 1.25, 10.0, 1048, "rv", 1.5),
    ("google", "gemini-2.0-flash-001", 0.1, 0.4, 1048, "v", 6.0),
    ("google", "gemini-2.0-flash-lite-001", 0.075, 0.3, 1048, "v", 2.5),
    ("google", "gemini-2.0-flash-exp", 0.1, 0.4, 1048, "vf", 1.0),
    ("google", "gemini-flash-1.5", 0.075, 0.3, 1000, "v", 1.0),
    ("google", "gemini-flash-1.5-8b", 0.0375, 0.15, 1000, "v", 0.8),
    ("google", "gemini-pro-1.5", 1.25, 5.0, 2000, "v", 0.5),
    ("google", "gemma-3-27b-it", 0.09, 0.17, 131, "ovf", 3.0),
    ("google", "gemma-3-12b-it", 0.05, 0.1, 131, "ovf", 1.5),
    ("google", "gemma-3-4b-it", 0.02, 0.04, 131, "ovf", 1.0),
    ("google", "gemma-3n-e4b-it", 0.02, 0.04, 32, "of", 0.7),
    ("google", "gemma-2-27b-it", 0.65, 0.65, 8, "o", 0.5),
    ("google", "gemma-2-9b-it", 0.03, 0.06, 8, "ofn", 0.8),
    ("meta-llama", "llama-3.1-8b-instruct", 0.02, 0.03, 131, "ofn", 5.0),
    ("meta-llama", "llama-3.1-70b-instruct", 0.4, 0.4, 131, "ofn", 4.0),
    ("meta-llama", "llama-3.1-405b-instruct", 0.8, 0.8, 131, "ofn", 1.5),
    ("meta-llama", "llama-3.1-405b", 2.0, 2.0, 32, "o", 0.3),
    ("meta-llama", "llama-3.3-70b-instruct", 0.13, 0.39, 131, "ofnw", 7.0),
    ("meta-llama", "llama-3.3-8b-instruct", 0.02, 0.03, 128, "of", 1.0),
    ("meta-llama", "llama-3.2-1b-instruct", 0.005, 0.01, 131, "of", 1.0),
    ("meta-llama", "llama-3.2-3b-instruct", 0.015, 0.025, 131, "ofn", 2.0),
    ("meta-llama", "llama-3.2-11b-vision-instruct", 0.05, 0.05, 131, "ovf", 1.0),
    ("meta-llama", "llama-3.2-90b-vision-instruct", 0.35, 0.4, 131, "ov", 0.5),
    ("meta-llama", "llama-4-maverick", 0.15, 0.6, 1048, "ovfn", 5.0),
    ("meta-llama", "llama-4-scout", 0.08, 0.3, 327, "ovfn", 4.0),
    ("meta-llama", "llama-3-8b-instruct", 0.03, 0.06, 8, "on", 0.8),
    ("meta-llama", "llama-3-70b-instruct", 0.3, 0.4, 8, "on", 0.6),
    ("meta-llama", "llama-guard-3-8b", 0.02, 0.06, 131, "o", 0.8),
    ("meta-llama", "llama-guard-4-12b", 0.05, 0.05, 163, "o", 0.5),
    ("mistralai", "mistral-large", 2.0, 6.0, 128, "", 1.5),
    ("mistralai", "mistral-large-2411", 2.0, 6.0, 128, "", 0.5),
    ("mistralai", "mistral-medium-3", 0.4, 2.0, 131, "v", 2.0),
    ("mistralai", "mistral-medium-3.1", 0.4, 2.0, 131, "v", 2.0),
    ("mistralai", "mistral-small-3.1-24b-instruct", 0.05, 0.1, 131, "ovf", 2.0),
    ("mistralai", "mistral-small-3.2-24b-instruct", 0.05, 0.1, 131, "ovf", 2.5),
    ("mistralai", "mistral-small-24b-instruct-2501", 0.05, 0.08, 32, "of", 1.0),
    ("mistralai", "mistral-nemo", 0.02, 0.04, 131, "ofn", 3.5),
    ("mistralai", "mistral-7b-instruct", 0.03, 0.05, 32, "ofn", 2.0),
    ("mistralai", "mistral-7b-instruct-v0.3", 0.03, 0.05, 32, "o", 0.5),
    ("mistralai", "mixtral-8x7b-instruct", 0.08, 0.24, 32, "on", 1.5),
    ("mistralai", "mixtral-8x22b-instruct", 0.9, 0.9, 65, "o", 0.5),
    ("mistralai", "codestral-2508", 0.3, 0.9, 256, "", 2.0),
    ("mistralai", "devstral-small", 0.07, 0.28, 128, "of", 1.5),
    ("mistralai", "devstral-medium", 0.4, 2.0, 131, "", 1.0),
    ("mistralai", "ministral-8b", 0.1, 0.1, 128, "", 1.0),
    ("mistralai", "ministral-3b", 0.04, 0.04, 128, "", 0.7),
    ("mistralai", "pixtral-large-2411", 2.0, 6.0, 131, "v", 0.4),
    ("mistralai", "pixtral-12b", 0.1, 0.1, 32, "ov", 0.4),
    ("mistralai", "magistral-medium-2506", 2.0, 5.0, 40, "r", 0.5),
    ("mistralai", "magistral-small-2506", 0.5, 1.5, 40, "or", 0.4),
    ("deepseek", "deepseek-chat", 0.3, 0.85, 163, "ofnw", 7.0),
    ("deepseek", "deepseek-chat-v3-0324", 0.25, 0.88, 163, "ofn", 6.0),
    ("deepseek", "deepseek-chat-v3.1", 0.25, 1.0, 163, "orfn", 6.0),
    ("deepseek", "deepseek-v3.1-terminus", 0.23, 0.9, 163, "or", 3.0),
    ("deepseek", "deepseek-v3.2-exp", 0.27, 0.4, 163, "or", 4.0),
    ("deepseek", "deepseek-r1", 0.4, 2.0, 163, "orfn", 5.0),
    ("deepseek", "deepseek-r1-0528", 0.5, 2.15, 163, "orfn", 5.0),
    ("deepseek", "deepseek-r1-distill-llama-70b", 0.03, 0.13, 131, "orfn", 2.0),
    ("deepseek", "deepseek-r1-distill-qwen-32b", 0.08, 0.16, 131, "orf", 1.0),
    ("deepseek", "deepseek-r1-distill-qwen-14b", 0.15, 0.15, 64, "orf", 0.5),
    ("deepseek", "deepseek-r1-distill-llama-8b", 0.04, 0.04, 32, "or", 0.4),
    ("deepseek", "deepseek-prover-v2", 0.5, 2.18, 163, "o", 0.3),
    ("deepseek", "deepseek-coder", 0.04, 0.12, 128, "o", 0.4),
    ("qwen", "qwen-2.5-72b-instruct", 0.07, 0.26, 32, "ofn", 3.0),
    ("qwen", "qwen-2.5-7b-instruct", 0.04, 0.1, 32, "of", 1.5),
    ("qwen", "qwen-2.5-coder-32b-instruct", 0.04, 0.16, 32, "ofn", 2.0),
    ("qwen", "qwen-2.5-vl-72b-instruct", 0.08, 0.33, 32, "ovf", 1.0),
    ("qwen", "qwen-2.5-vl-7b-instruct", 0.2, 0.2, 32, "ov", 0.5),
    ("qwen", "qwen3-235b-a22b", 0.13, 0.6, 131, "orfn", 4.0),
    ("qwen", "qwen3-235b-a22b-2507", 0.08, 0.55, 262, "ofn", 4.0),
    ("qwen", "qwen3-235b-a22b-thinking-2507", 0.1, 0.39, 262, "or", 2.0),
    ("qwen", "qwen3-32b", 0.03, 0.13, 40, "orfn", 3.0),
    ("qwen", "qwen3-30b-a3b", 0.02, 0.08, 40, "orf", 3.0),
    ("qwen", "qwen3-14b", 0.06, 0.24, 40, "orf", 1.5),
    ("qwen", "qwen3-8b", 0.035, 0.14, 128, "orf", 1.5),
    ("qwen", "qwen3-4b", 0.02, 0.06, 40, "orf", 0.7),
    ("qwen", "qwen3-coder", 0.22, 0.95, 262, "ofn", 6.0),
    ("qwen", "qwen3-coder-30b-a3b-instruct", 0.06, 0.25, 262, "o", 2.0),
    ("qwen", "qwen3-next-80b-a3b-instruct", 0.1, 0.8, 262, "o", 2.0),
    ("qwen", "qwen3-next-80b-a3b-thinking", 0.1, 0.8, 262, "or", 1.0),
    ("qwen", "qwen3-max", 1.2, 6.0, 256, "", 2.0),
    ("qwen", "qwen-max", 1.6, 6.4, 32, "", 0.6),
    ("qwen", "qwen-plus", 0.4, 1.2, 131, "", 0.8),
    ("qwen", "qwen-turbo", 0.05, 0.2, 1000, "", 0.8),
    ("qwen", "qwq-32b", 0.15, 0.4, 131, "orfn", 1.5),
    ("qwen", "qwen3-vl-235b-a22b-instruct", 0.3, 1.2, 131, "ov", 1.0),
    ("x-ai", "grok-4", 3.0, 15.0, 256, "rv", 4.0),
    ("x-ai", "grok-4-fast", 0.2, 0.5, 2000, "rvf", 6.0),
    ("x-ai", "grok-code-fast-1", 0.2, 1.5, 256, "r", 8.0),
    ("x-ai", "grok-3", 3.0, 15.0, 131, "", 2.0),
    ("x-ai", "grok-3-mini", 0.3, 0.5, 131, "r", 2.0),
    ("x-ai", "grok-3-beta", 3.0, 15.0, 131, "", 0.3),
    ("x-ai", "grok-2-1212", 2.0, 10.0, 131, "", 0.3),
    ("x-ai", "grok-2-vision-1212", 2.0, 10.0, 32, "v", 0.2),
    ("cohere", "command-a", 2.5, 10.0, 256, "", 0.8),
    ("cohere", "command-r-plus-08-2024", 2.5, 10.0, 128, "", 0.6),
    ("cohere", "command-r-08-2024", 0.15, 0.6, 128, "", 0.8),
    ("cohere", "command-r7b-12-2024", 0.0375, 0.15, 128, "", 0.4),
    ("cohere", "command-r-plus", 3.0, 15.0, 128, "", 0.3),
    ("microsoft", "phi-4", 0.06, 0.14, 16, "o", 1.5),
    ("microsoft", "phi-4-multimodal-instruct", 0.05, 0.1, 131, "ov", 0.4),
    ("microsoft", "phi-4-reasoning-plus", 0.07, 0.35, 32, "or", 0.5),
    ("microsoft", "phi-3.5-mini-128k-instruct", 0.1, 0.1, 128, "o", 0.3),
    ("microsoft", "phi-3-medium-128k-instruct", 1.0, 1.0, 128, "o", 0.2),
    ("microsoft", "wizardlm-2-8x22b", 0.48, 0.48, 65, "o", 0.8),
    ("microsoft", "mai-ds-r1", 0.3, 1.2, 163, "orf", 1.0),
    ("nvidia", "llama-3.1-nemotron-70b-instruct", 0.12, 0.3, 131, "o", 1.0),
    ("nvidia", "llama-3.3-nemotron-super-49b-v1.5", 0.1, 0.4, 131, "or", 0.8),
    ("nvidia", "llama-3.1-nemotron-ultra-253b-v1", 0.6, 1.8, 131, "orf", 0.5),
    ("nvidia", "nemotron-nano-9b-v2", 0.04, 0.16, 128, "orf", 0.7),
    ("moonshotai", "kimi-k2", 0.38, 1.52, 131, "ofn", 6.0),
    ("moonshotai", "kimi-k2-0905", 0.39, 1.9, 262, "ofn", 5.0),
    ("moonshotai", "kimi-k2-thinking", 0.45, 2.35, 262, "or", 3.0),
    ("moonshotai", "kimi-dev-72b", 0.29, 1.15, 131, "of", 0.5),
    ("moonshotai", "kimi-vl-a3b-thinking", 0.02, 0.08, 131, "ovrf", 0.3),
    ("z-ai", "glm-4.6", 0.5, 1.75, 202, "orn", 5.0),
    ("z-ai", "glm-4.5", 0.35, 1.55, 131, "orn", 4.0),
    ("z-ai", "glm-4.5-air", 0.14, 0.86, 131, "orf", 4.0),
    ("z-ai", "glm-4.5v", 0.5, 1.8, 65, "orv", 1.0),
    ("z-ai", "glm-4-32b", 0.1, 0.1, 128, "o", 0.5),
    ("nousresearch", "hermes-3-llama-3.1-405b", 0.8, 0.8, 131, "of", 1.0),
    ("nousresearch", "hermes-3-llama-3.1-70b", 0.12, 0.3, 131, "o", 0.8),
    ("nousresearch", "hermes-4-405b", 0.3, 1.2, 131, "or", 0.6),
    ("nousresearch", "hermes-4-70b", 0.11, 0.38, 131, "or", 0.7),
    ("nousresearch", "hermes-2-pro-llama-3-8b", 0.025, 0.04, 131, "o", 0.3),
    ("nousresearch", "deephermes-3-mistral-24b-preview", 0.05, 0.1, 32, "orf", 0.3),
    ("perplexity", "sonar", 1.0, 1.0, 127, "s", 1.5),
    ("perplexity", "sonar-pro", 3.0, 15.0, 200, "s", 1.0),
    ("perplexity", "sonar-reasoning", 1.0, 5.0, 127, "rs", 0.6),
    ("perplexity", "sonar-reasoning-pro", 2.0, 8.0, 128, "rs", 0.6),
    ("perplexity", "sonar-deep-research", 2.0, 8.0, 128, "rs", 0.4),
    ("amazon", "nova-pro-v1", 0.8, 3.2, 300, "v", 0.8),
    ("amazon", "nova-lite-v1", 0.06, 0.24, 300, "v", 1.0),
    ("amazon", "nova-micro-v1", 0.035, 0.14, 128, "", 0.6),
    ("amazon", "nova-premier-v1", 2.5, 12.5, 1000, "v", 0.3),
    ("minimax", "minimax-m2", 0.3, 1.2, 204, "orf", 5.0),
    ("minimax", "minimax-m1", 0.4, 2.2, 1000, "or", 1.0),
    ("minimax", "minimax-01", 0.2, 1.1, 1000, "ov", 0.5),
];

/// A provider's house profile; each endpoint varies around it.
#[derive(Debug)]
pub struct Provider {
    pub name: &'static str,
    /// Median time to first token, ms, for a mid-sized model.
    ttft_ms: f64,
    /// Median throughput, tokens/s, for a mid-sized model.
    tps: f64,
    /// Typical share of attempts failing with a 5xx.
    error_rate: f64,
    /// Typical share of attempts answered with 429.
    rate_limited: f64,
    pub finish_style: FinishStyle,
}

const fn provider(
    name: &'static str,
    ttft_ms: f64,
    tps: f64,
    error_rate: f64,
    rate_limited: f64,
    finish_style: FinishStyle,
) -> Provider {
    Provider {
        name,
        ttft_ms,
        tps,
        error_rate,
        rate_limited,
        finish_style,
    }
}

use FinishStyle::{Anthropic as An, Cohere as Co, Google as Go, OpenAi as Oa};

#[rustfmt::skip]
const PROVIDERS: &[Provider] = &[
    provider("OpenAI", 450.0, 90.0, 0.004, 0.005, Oa),
    provider("Azure", 550.0, 80.0, 0.006, 0.010, Oa),
    provider("Anthropic", 900.0, 60.0, 0.012, 0.015, An),
    provider("Amazon Bedrock", 1000.0, 55.0, 0.006, 0.020, An),
    provider("Google Vertex", 700.0, 110.0, 0.006, 0.010, Go),
    provider("Google AI Studio", 650.0, 130.0, 0.015, 0.030, Go),
    provider("xAI", 600.0, 80.0, 0.008, 0.005, Oa),
    provider("Cohere", 350.0, 70.0, 0.006, 0.005, Co),
    provider("Perplexity", 1500.0, 60.0, 0.010, 0.005, Oa),
    provider("Mistral", 350.0, 100.0, 0.010, 0.020, Oa),
    provider("DeepSeek", 1500.0, 25.0, 0.030, 0.030, Oa),
    provider("Moonshot AI", 1200.0, 30.0, 0.020, 0.020, Oa),
    provider("Z.AI", 1200.0, 45.0, 0.020, 0.010, Oa),
    provider("Alibaba", 900.0, 50.0, 0.010, 0.010, Oa),
    provider("MiniMax", 1200.0, 45.0, 0.020, 0.010, Oa),
    provider("Together", 450.0, 110.0, 0.008, 0.010, Oa),
    provider("Fireworks", 350.0, 140.0, 0.006, 0.010, Oa),
    provider("DeepInfra", 600.0, 60.0, 0.008, 0.005, Oa),
    provider("Groq", 200.0, 350.0, 0.012, 0.040, Oa),
    provider("Cerebras", 250.0, 400.0, 0.015, 0.045, Oa),
    provider("SambaNova", 350.0, 300.0, 0.020, 0.040, Oa),
    provider("Lambda", 500.0, 80.0, 0.010, 0.005, Oa),
    provider("Novita", 800.0, 50.0, 0.015, 0.010, Oa),
    provider("Parasail", 600.0, 70.0, 0.008, 0.005, Oa),
    provider("Hyperbolic", 900.0, 45.0, 0.020, 0.015, Oa),
    provider("Nebius", 700.0, 50.0, 0.006, 0.005, Oa),
    provider("Chutes", 1500.0, 40.0, 0.040, 0.050, Oa),
    provider("Baseten", 400.0, 150.0, 0.005, 0.005, Oa),
    provider("Friendli", 400.0, 120.0, 0.006, 0.005, Oa),
    provider("Crusoe", 550.0, 70.0, 0.008, 0.005, Oa),
    provider("Cloudflare", 700.0, 35.0, 0.020, 0.020, Oa),
    provider("SiliconFlow", 1100.0, 40.0, 0.020, 0.010, Oa),
    provider("AtlasCloud", 900.0, 55.0, 0.020, 0.010, Oa),
    provider("Inference.net", 1300.0, 40.0, 0.030, 0.020, Oa),
    provider("Targon", 1800.0, 30.0, 0.040, 0.050, Oa),
    provider("Featherless", 1400.0, 25.0, 0.020, 0.030, Oa),
    provider("NCompass", 800.0, 60.0, 0.015, 0.010, Oa),
    provider("Venice", 1200.0, 45.0, 0.030, 0.040, Oa),
];

/// Providers that host open-weight models, with a relative share of the models they carry.
const HOSTS: &[(&str, f64)] = &[
    ("Together", 6.0),
    ("Fireworks", 5.0),
    ("DeepInfra", 7.0),
    ("Groq", 2.0),
    ("Cerebras", 1.0),
    ("SambaNova", 1.5),
    ("Lambda", 2.5),
    ("Novita", 5.0),
    ("Parasail", 3.0),
    ("Hyperbolic", 2.0),
    ("Nebius", 3.0),
    ("Chutes", 3.0),
    ("Baseten", 1.5),
    ("Friendli", 1.0),
    ("Crusoe", 1.0),
    ("Cloudflare", 1.5),
    ("SiliconFlow", 2.0),
    ("AtlasCloud", 1.5),
    ("Inference.net", 1.5),
    ("NCompass", 1.0),
    ("Featherless", 1.5),
];
/// Providers that serve `:free` variants (rate-limited, price 0).
const FREE_HOSTS: &[&str] = &["Chutes", "Targon", "Venice", "Inference.net", "Featherless"];
/// Providers that serve `:nitro` variants (the fastest hosts).
const NITRO_HOSTS: &[&str] = &[
    "Groq",
    "Cerebras",
    "SambaNova",
    "Fireworks",
    "Together",
    "Baseten",
];

/// One model as users name it: a base model or one of its variants.
#[derive(Debug)]
pub struct Model {
    /// `author/slug` or `author/slug:variant`.
    pub name: String,
    pub reasoning: bool,
    pub vision: bool,
    pub image_output: bool,
    /// `:online` variants and search models report `num_search_results`.
    pub searches: bool,
    /// Context window in tokens: longer prompts are refused with a 400.
    pub context: u64,
    pub tokenizer: f64,
    pub cache_discount_pct: u64,
    pub cache_writes: bool,
    pub moderated: bool,
    /// Relative popularity; the Zipf weight of its rank.
    pub popularity: f64,
    /// Indices into [`Catalog::endpoints`], in fallback order (best first).
    pub endpoints: Vec<u32>,
    /// Cumulative routing weights over `endpoints`, for picking the first attempt.
    pub route_cdf: Vec<f64>,
}

/// A model served by one provider: the unit of uptime, latency and price.
#[derive(Debug)]
pub struct Endpoint {
    pub provider: u32,
    pub id: String,
    /// Micro-dollars per million tokens = pico-dollars per token.
    pub price_prompt: u64,
    pub price_completion: u64,
    /// Natural log of the median time to first token, ms.
    pub ttft_ln: f64,
    pub ttft_sigma: f64,
    /// Natural log of the median throughput, tokens/s.
    pub tps_ln: f64,
    /// Prompt tokens processed per second before the first token.
    pub prefill_tps: f64,
    pub error_rate: f64,
    pub rate_limited: f64,
}

/// An application calling the gateway.
#[derive(Debug)]
pub struct App {
    pub id: u32,
    pub origin: String,
    pub referer: String,
    /// Share of its requests that go to one of its favorite models.
    pub loyalty: f64,
    pub favorites: Vec<u32>,
    /// Added to the log of the prompt size: agents send long prompts, chat apps short ones.
    pub prompt_shift: f64,
    pub stream_share: f64,
    pub tool_share: f64,
    /// Number of distinct end users it reports; 0 = it sends no `external_user`.
    pub users: u64,
    pub sessions: bool,
    pub byok: bool,
    pub auto_router: bool,
}

/// The whole world.
#[derive(Debug)]
pub struct Catalog {
    pub providers: Vec<&'static Provider>,
    pub models: Vec<Model>,
    pub endpoints: Vec<Endpoint>,
    pub apps: Vec<App>,
    /// Cumulative Zipf weights over `apps`.
    pub app_cdf: Vec<f64>,
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    rng.sample(StandardNormal)
}

fn provider_index(name: &str) -> u32 {
    PROVIDERS
        .iter()
        .position(|p| p.name == name)
        .unwrap_or_default() as u32
}

/// Dollars per million tokens to micro-dollars per million, rounded to $0.001.
fn price_units(dollars_per_million: f64) -> u64 {
    ((dollars_per_million * 1000.0).round() as u64) * 1000
}

/// A 64-bit mix (SplitMix64's finalizer), for ids derived from numbers.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Draws `k` distinct items from `pool` with probability proportional to their weight.
fn weighted_distinct(
    rng: &mut ChaCha8Rng,
    pool: &[(&'static str, f64)],
    k: usize,
) -> Vec<&'static str> {
    let mut left: Vec<(&'static str, f64)> = pool.to_vec();
    let mut out = Vec::with_capacity(k);
    while out.len() < k && !left.is_empty() {
        let total: f64 = left.iter().map(|(_, w)| w).sum();
        let mut x = rng.random::<f64>() * total;
        let mut pick = left.len() - 1;
        for (i, (_, w)) in left.iter().enumerate() {
            if x < *w {
                pick = i;
                break;
            }
            x -= w;
        }
        out.push(left.remove(pick).0);
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    Base,
    Free,
    Nitro,
    Online,
}

impl Catalog {
    /// Builds the world. Deterministic: it depends on nothing but the tables above.
    pub fn build() -> Catalog {
        let mut rng = ChaCha8Rng::seed_from_u64(WORLD_SEED);
        let mut models = Vec::new();
        let mut endpoints = Vec::new();

        for &(author_name, slug, price_in, price_out, context_k, flags, hint) in BASE_MODELS {
            let author = AUTHORS
                .iter()
                .find(|a| a.name == author_name)
                .unwrap_or(&AUTHORS[0]);
            let has = |c: char| flags.contains(c);
            let mut variants = vec![Variant::Base];
            if has('f') {
                variants.push(Variant::Free);
            }
            if has('n') {
                variants.push(Variant::Nitro);
            }
            if has('w') {
                variants.push(Variant::Online);
            }
            for variant in variants {
                let suffix = match variant {
                    Variant::Base => "",
                    Variant::Free => ":free",
                    Variant::Nitro => ":nitro",
                    Variant::Online => ":online",
                };
                let popularity_scale = match variant {
                    Variant::Base => 1.0,
                    Variant::Free => 0.15 + 0.35 * rng.random::<f64>(),
                    Variant::Nitro => 0.04 + 0.08 * rng.random::<f64>(),
                    Variant::Online => 0.03 + 0.07 * rng.random::<f64>(),
                };
                let model_index = models.len() as u32;
                let providers = choose_providers(&mut rng, author, has('o'), variant, hint);
                let mut eps = Vec::with_capacity(providers.len());
                for (rank, provider_name) in providers.iter().enumerate() {
                    let provider = provider_index(provider_name);
                    let profile = &PROVIDERS[provider as usize];
                    let first_party = author.first_party.contains(provider_name);
                    // Open-weight hosts set their own prices around the reference price.
                    let price_scale = match variant {
                        Variant::Free => 0.0,
                        _ if first_party => 1.0,
                        Variant::Nitro => (1.5 * (0.25 * normal(&mut rng)).exp()).clamp(1.1, 3.0),
                        _ => (0.3 * normal(&mut rng)).exp().clamp(0.5, 2.0),
                    };
                    let (price_prompt, price_completion) = if price_scale == 0.0 {
                        (0, 0)
                    } else {
                        (
                            price_units(price_in * price_scale).max(1000),
                            price_units(price_out * price_scale).max(1000),
                        )
                    };
                    // Bigger (pricier) models answer later and stream slower.
                    let size = (1.0 + 2.0 * (price_in + 3.0 * price_out) / 4.0).ln();
                    let mut ttft =
                        profile.ttft_ms * (0.75 + 0.2 * size) * (0.3 * normal(&mut rng)).exp();
                    if has('r') {
                        ttft *= 1.5;
                    }
                    let mut tps =
                        profile.tps * 1.6 / (1.0 + 0.35 * size) * (0.25 * normal(&mut rng)).exp();
                    if variant == Variant::Nitro {
                        tps *= 1.3;
                    }
                    let mut error_rate = profile.error_rate * (0.5 * normal(&mut rng)).exp();
                    let mut rate_limited = profile.rate_limited * (0.6 * normal(&mut rng)).exp();
                    if variant == Variant::Free {
                        rate_limited = rate_limited.max(0.03);
                        error_rate *= 1.5;
                    }
                    let id = format!(
                        "ep-{:012x}",
                        mix64(WORLD_SEED ^ (u64::from(model_index) << 8) ^ rank as u64) >> 16
                    );
                    eps.push(endpoints.len() as u32);
                    endpoints.push(Endpoint {
                        provider,
                        id,
                        price_prompt,
                        price_completion,
                        ttft_ln: ttft.clamp(200.0, 2000.0).ln(),
                        ttft_sigma: 0.35 + 0.25 * rng.random::<f64>(),
                        tps_ln: tps.clamp(20.0, 400.0).ln(),
                        prefill_tps: 4000.0
                            * (profile.tps / 60.0).sqrt()
                            * (0.3 * normal(&mut rng)).exp(),
                        error_rate: error_rate.clamp(0.001, 0.05),
                        rate_limited: rate_limited.clamp(0.0, 0.05),
                    });
                }
                let (order, cdf) = routing(&endpoints, &eps, author, variant);
                models.push(Model {
                    name: format!("{author_name}/{slug}{suffix}"),
                    reasoning: has('r'),
                    vision: has('v'),
                    image_output: has('i'),
                    searches: has('s') || variant == Variant::Online,
                    context: u64::from(context_k) * 1000,
                    tokenizer: author.tokenizer,
                    cache_discount_pct: author.cache_discount_pct,
                    cache_writes: author.cache_writes,
                    moderated: author.moderated && variant != Variant::Free,
                    popularity: hint * popularity_scale * (0.6 * normal(&mut rng)).exp(),
                    endpoints: order,
                    route_cdf: cdf,
                });
            }
        }

        // Popularity by rank: the hint orders the models, Zipf sets the weights.
        let mut ranked: Vec<usize> = (0..models.len()).collect();
        ranked.sort_by(|&a, &b| models[b].popularity.total_cmp(&models[a].popularity));
        for (rank, &m) in ranked.iter().enumerate() {
            models[m].popularity = 1.0 / ((rank + 1) as f64).powf(MODEL_ZIPF);
        }

        let (apps, app_cdf) = build_apps(&mut rng, &models);
        Catalog {
            providers: PROVIDERS.iter().collect(),
            models,
            endpoints,
            apps,
            app_cdf,
        }
    }
}

fn choose_providers(
    rng: &mut ChaCha8Rng,
    author: &Author,
    open: bool,
    variant: Variant,
    hint: f64,
) -> Vec<&'static str> {
    match variant {
        Variant::Free if !open => author.first_party.iter().take(1).copied().collect(),
        Variant::Free => {
            let pool: Vec<(&str, f64)> = FREE_HOSTS.iter().map(|&h| (h, 1.0)).collect();
            let k = 1 + usize::from(rng.random::<f64>() < 0.4);
            weighted_distinct(rng, &pool, k)
        }
        Variant::Nitro => {
            let pool: Vec<(&str, f64)> = NITRO_HOSTS.iter().map(|&h| (h, 1.0)).collect();
            let k = 1 + rng.random_range(0..3usize);
            weighted_distinct(rng, &pool, k)
        }
        Variant::Base | Variant::Online if !open => author.first_party.to_vec(),
        Variant::Base | Variant::Online => {
            // Popular open models are carried by more hosts.
            let wanted = (1.0 + hint.ln_1p() * 1.6 + rng.random::<f64>() * 2.0).floor() as usize;
            let mut out: Vec<&'static str> = if author.serves_open {
                author.first_party.iter().take(1).copied().collect()
            } else {
                Vec::new()
            };
            let k = wanted.clamp(1, MAX_ENDPOINTS).saturating_sub(out.len());
            out.extend(weighted_distinct(rng, HOSTS, k));
            out
        }
    }
}

/// Fallback order and first-attempt weights: cheap endpoints first, inverse-square of price
/// (the default of OpenRouter-style routers); `:nitro` by throughput; the author's own platform
/// weighs double.
fn routing(
    all: &[Endpoint],
    eps: &[u32],
    author: &Author,
    variant: Variant,
) -> (Vec<u32>, Vec<f64>) {
    let weight = |e: u32| {
        let ep = &all[e as usize];
        if variant == Variant::Nitro {
            return ep.tps_ln.exp().powi(2);
        }
        let price = (ep.price_prompt as f64 + 3.0 * ep.price_completion as f64) / 4.0 / 1e6;
        let mut w = 1.0 / (price + 0.05).powi(2);
        if author.first_party.first() == Some(&PROVIDERS[ep.provider as usize].name) {
            w *= 2.0;
        }
        w
    };
    let mut order = eps.to_vec();
    order.sort_by(|&a, &b| weight(b).total_cmp(&weight(a)));
    let mut cdf = Vec::with_capacity(order.len());
    let mut acc = 0.0;
    for &e in &order {
        acc += weight(e);
        cdf.push(acc);
    }
    (order, cdf)
}

fn build_apps(rng: &mut ChaCha8Rng, models: &[Model]) -> (Vec<App>, Vec<f64>) {
    let mut model_cdf = Vec::with_capacity(models.len());
    let mut acc = 0.0;
    for m in models {
        acc += m.popularity;
        model_cdf.push(acc);
    }
    let mut ids = std::collections::BTreeSet::new();
    let mut apps = Vec::with_capacity(APP_COUNT);
    let mut app_cdf = Vec::with_capacity(APP_COUNT);
    let mut acc = 0.0;
    for rank in 0..APP_COUNT {
        // Distinct ids; older (smaller) ids tend to be the bigger apps.
        let id = loop {
            let span = 2000 + 60 * rank as u32;
            let id = 1 + rng.random_range(0..span);
            if ids.insert(id) {
                break id;
            }
        };
        let favorites = (0..1 + rng.random_range(0..3usize))
            .map(|_| sample_cdf(&model_cdf, rng.random()) as u32)
            .collect();
        let origin = format!("https://app{id}.example");
        let users = if rng.random::<f64>() < 0.6 {
            (1.0 + (50f64.ln() + 1.5 * normal(rng)).exp()).min(100_000.0) as u64
        } else {
            0
        };
        apps.push(App {
            id,
            referer: format!("{origin}/"),
            origin,
            loyalty: 0.6 * rng.random::<f64>(),
            favorites,
            prompt_shift: 0.6 * normal(rng),
            stream_share: 0.4 + 0.55 * rng.random::<f64>(),
            tool_share: (0.055 * (0.9 * normal(rng)).exp()).min(0.5),
            users,
            sessions: users > 0 && rng.random::<f64>() < 0.4,
            byok: rng.random::<f64>() < 0.03,
            auto_router: rng.random::<f64>() < 0.02,
        });
        acc += 1.0 / ((rank + 1) as f64).powf(APP_ZIPF);
        app_cdf.push(acc);
    }
    (apps, app_cdf)
}

fn acc_last(cdf: &[f64]) -> f64 {
    cdf.last().copied().unwrap_or(0.0)
}

/// Samples an index from cumulative weights.
pub fn sample_cdf(cdf: &[f64], u: f64) -> usize {
    let x = u * acc_last(cdf);
    cdf.partition_point(|&c| c <= x)
        .min(cdf.len().saturating_sub(1))
}
