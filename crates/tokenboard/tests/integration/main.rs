//! The workspace's integration tests, as modules of one test binary.
//!
//! Cargo links each file under a package's `tests/` into a binary of its own, and a release
//! build shares no generic code between crates: every such binary compiled its own copy of the
//! data stack's generics (DataFusion, arrow, tokio, serde), about a minute of both cores apiece.
//! The nine there were took about a sixth of the cold test build. So the tests of every crate live here, in
//! the binary's package, which is also the only one whose tests can run the built `tokenboard`.
//! Each module says which crate it tests; `common` holds what several of them need.
//!
//! One module's tests (the test command's flags, so that nothing else recompiles):
//! `cargo test --release --workspace --features tokenboard/pg --test integration rollups::`.

mod common;

// The libraries, through their Rust interfaces.
/// `tokenboard-rollup`: incremental rollups against a rebuild, crashes, compaction, percentiles.
mod rollups;
/// `tokenboard-site`: pages, the JSON API, the write API and the score feed, in process.
mod site;
/// `tokenboard-sketch`: the sketch functions from SQL, as golden files.
mod sketch_sql;
/// `tokenboard-query`: every catalog view's answer, worked out by hand.
mod views;

// The binary, run as a user runs it.
/// The site in a real Chromium.
mod browser;
/// Every view against DuckDB over the raw rows, and the lake read by Python's deltalake.
mod crosscheck;
/// `tokenboard ingest` and `tokenboard sql`: quarantine, exactly-once, crash safety.
mod ingest;
/// `tokenboard pg` with the real psql.
#[cfg(feature = "pg")]
mod pg;
