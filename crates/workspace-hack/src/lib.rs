//! No code: this crate only turns on features of shared dependencies, so that `cargo run` and the
//! test command compile them once (see its `Cargo.toml`).
