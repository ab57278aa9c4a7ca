//! SQL golden files: each `tests/sql/NAME.sql` (at the repository's root) is run statement by
//! statement, and the printed results (or errors) must equal `tests/sql/NAME.result`, whose
//! numbers were checked by hand.
//! `BLESS=1` rewrites the result files; a blessed file must be checked by hand before commit.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::path::Path;

use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::prelude::SessionContext;

use crate::common::repo_root;

/// Statements end with `;` at the end of a line; `--` lines are comments, kept in the output so
/// that each result sits under its question.
fn statements(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        current.push_str(line);
        current.push('\n');
        if line.trim_end().ends_with(';') {
            out.push(std::mem::take(&mut current));
        }
    }
    out
}

async fn run(sql_file: &Path) -> String {
    let ctx = SessionContext::new();
    tokenboard_sketch::udf::register(&ctx);
    let text = std::fs::read_to_string(sql_file).unwrap();
    let mut out = String::new();
    for statement in statements(&text) {
        out.push_str(statement.trim_start_matches('\n'));
        let result = match ctx.sql(&statement).await {
            Ok(frame) => frame.collect().await,
            Err(e) => Err(e),
        };
        match result {
            Ok(batches) => writeln!(out, "{}", pretty_format_batches(&batches).unwrap()).unwrap(),
            Err(e) => writeln!(out, "error: {}", e.strip_backtrace()).unwrap(),
        }
        out.push('\n');
    }
    out
}

#[tokio::test]
async fn sql_golden_files() {
    let dir = repo_root().join("tests/sql");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "sql") {
            continue;
        }
        let actual = run(&path).await;
        let result = path.with_extension("result");
        if std::env::var_os("BLESS").is_some() {
            std::fs::write(&result, &actual).unwrap();
        }
        let expected = std::fs::read_to_string(&result)
            .unwrap_or_else(|e| panic!("{}: {e}", result.display()));
        assert_eq!(
            actual,
            expected,
            "{} differs from {}",
            path.display(),
            result.display()
        );
        checked += 1;
    }
    assert!(checked > 0, "no golden files in {}", dir.display());
}
