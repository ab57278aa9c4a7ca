//! What several test modules need: the repository's fixtures, the built binary, and a lake
//! ingested through the library as `tokenboard ingest` fills it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};

use tokenboard_ingest::{IngestOptions, Lake};

/// The repository's root: `tests/`, `queries/` and the fixtures are found from here.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A file under `tests/fixtures/` (described in its README).
pub fn fixture(name: &str) -> PathBuf {
    repo_root().join("tests/fixtures").join(name)
}

/// The built binary on the lake in `data`, quiet, with none of the environment a developer's
/// shell may set for it.
pub fn tokenboard(data: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tokenboard"));
    command
        .arg("--data")
        .arg(data)
        .arg("--quiet")
        .env_remove("TOKENBOARD_DATA")
        .env_remove("TOKENBOARD_FAULT")
        .env_remove("TOKENBOARD_PG_PASSWORD")
        .env_remove("RUST_LOG");
    command
}

/// A command as a shell would show it, for failure messages.
pub fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        let arg = arg.to_string_lossy();
        if arg.contains([' ', ':', '*', '>', '<']) {
            let _ = write!(text, " '{arg}'");
        } else {
            let _ = write!(text, " {arg}");
        }
    }
    text
}

/// Runs `command` to its end; a failure shows the command and everything it printed.
pub fn run(command: &mut Command) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("running `{}`: {e}", describe(command)));
    assert!(
        output.status.success(),
        "`{}` failed ({}):\n{}\n{}",
        describe(command),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Kills the child process when the test ends, whether it passed or panicked.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Ingests `files` into `lake` and refreshes the rollups, as `tokenboard ingest` does; every
/// line must be good.
pub async fn ingest_with_rollups(lake: &Lake, files: &[PathBuf]) {
    let summary = tokenboard_ingest::ingest(lake, files, &IngestOptions::default(), &|_| {})
        .await
        .unwrap_or_else(|e| panic!("ingesting {files:?}: {e}"));
    assert_eq!(summary.quarantined_total(), 0, "{summary:?}");
    tokenboard_rollup::refresh(lake)
        .await
        .unwrap_or_else(|e| panic!("refreshing the rollups: {e}"));
}

/// A lake in `dir`, the empty directory of a test.
pub fn lake_in(dir: &Path) -> Lake {
    let path = dir
        .to_str()
        .unwrap_or_else(|| panic!("{dir:?} is not UTF-8"));
    Lake::new(path).unwrap_or_else(|e| panic!("opening a lake in {dir:?}: {e}"))
}
