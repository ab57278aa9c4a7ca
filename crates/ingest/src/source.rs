//! Where log lines come from: files, directories walked recursively, and standard input, each
//! possibly gzip- or zstd-compressed (recognised by content, not by name).

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::Error;

/// Names a directory walk picks up; compressed variants add `.gz` or `.zst`.
const LOG_EXTENSIONS: [&str; 3] = ["jsonl", "ndjson", "json"];

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Source {
    File(PathBuf),
    Stdin,
}

impl Source {
    /// How the source is named in messages and in the quarantine's `source` column.
    pub fn display_name(&self) -> String {
        match self {
            Source::File(path) => path.display().to_string(),
            Source::Stdin => "-".to_owned(),
        }
    }

    /// Size on disk, for the progress bar.
    pub fn len_hint(&self) -> Option<u64> {
        match self {
            Source::File(path) => std::fs::metadata(path).ok().map(|m| m.len()),
            Source::Stdin => None,
        }
    }

    /// Opens the source for reading lines, decompressing if its first bytes say so. Bytes read
    /// from the underlying file (compressed) are added to `consumed`.
    pub fn open(&self, consumed: Arc<AtomicU64>) -> io::Result<Box<dyn BufRead + Send>> {
        let raw: Box<dyn Read + Send> = match self {
            Source::File(path) => Box::new(File::open(path)?),
            Source::Stdin => Box::new(io::stdin()),
        };
        let mut input = BufReader::with_capacity(
            1 << 20,
            Counting {
                inner: raw,
                consumed,
            },
        );
        let head = input.fill_buf()?;
        let reader: Box<dyn BufRead + Send> = if head.starts_with(&[0x1f, 0x8b]) {
            Box::new(BufReader::with_capacity(
                1 << 20,
                flate2::bufread::MultiGzDecoder::new(input),
            ))
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Box::new(BufReader::with_capacity(
                1 << 20,
                zstd::stream::read::Decoder::with_buffer(input)?,
            ))
        } else {
            Box::new(input)
        };
        Ok(reader)
    }
}

struct Counting<R> {
    inner: R,
    consumed: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.consumed.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The command line's paths as sources, with what stood in the way.
#[derive(Debug, Default)]
pub struct Expanded {
    pub sources: Vec<Source>,
    /// Paths that cannot be read.
    pub errors: Vec<Error>,
    /// Directories that hold no log file: nothing is wrong to read, but a wrong path or a
    /// gateway that names its logs `.log` would otherwise pass as "0 lines" unremarked.
    pub warnings: Vec<String>,
}

/// Turns the command line's paths into sources: `-` is standard input, a directory contributes
/// its log files (sorted, so runs are repeatable). Paths that cannot be read are returned as
/// errors beside the sources that can, so one bad file does not stop the others.
pub fn expand(paths: &[PathBuf]) -> Expanded {
    let mut sources = Sources::default();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            sources.push(Source::Stdin);
            continue;
        }
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let walked = walk(path, &mut sources, &mut errors);
                if walked.log_files == 0 {
                    warnings.push(format!(
                        "{}: no log files among its {} files (a directory's files are read when \
                         named *.jsonl, *.ndjson or *.json, optionally with .gz or .zst; name a \
                         file itself to read it whatever its name)",
                        path.display(),
                        walked.files
                    ));
                }
            }
            Ok(_) => sources.push(Source::File(path.to_path_buf())),
            Err(e) => errors.push(Error::Source {
                source_name: path.display().to_string(),
                line: None,
                error: e,
            }),
        }
    }
    Expanded {
        sources: sources.list,
        errors,
        warnings,
    }
}

/// Sources in the order first named, each once: a directory of many thousands of files is
/// checked against a set, not the list.
#[derive(Default)]
struct Sources {
    list: Vec<Source>,
    seen: HashSet<Source>,
}

impl Sources {
    fn push(&mut self, source: Source) {
        if self.seen.insert(source.clone()) {
            self.list.push(source);
        }
    }
}

/// What a directory walk found.
struct Walked {
    files: u64,
    log_files: u64,
}

fn walk(dir: &Path, sources: &mut Sources, errors: &mut Vec<Error>) -> Walked {
    let mut walked = Walked {
        files: 0,
        log_files: 0,
    };
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
    {
        match entry {
            Ok(entry) if entry.file_type().is_file() => {
                walked.files += 1;
                if is_log_file(entry.path()) {
                    walked.log_files += 1;
                    sources.push(Source::File(entry.path().to_path_buf()));
                }
            }
            Ok(_) => {}
            Err(e) => errors.push(Error::Source {
                source_name: e.path().unwrap_or(dir).display().to_string(),
                line: None,
                error: e.into(),
            }),
        }
    }
    walked
}

/// Whether a directory walk reads the file: by its extension, in any case (`LOGS.JSONL` is a log
/// file too; some tools and file systems upper-case names).
fn is_log_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let name = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(&name);
    LOG_EXTENSIONS.iter().any(|ext| {
        name.len() > ext.len() + 1
            && name.ends_with(ext)
            && name[..name.len() - ext.len()].ends_with('.')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_file_names() {
        for yes in [
            "a.jsonl",
            "b.ndjson",
            "c.json",
            "d.jsonl.gz",
            "e.json.zst",
            "F.JSONL",
            "g.NDJson.GZ",
        ] {
            assert!(is_log_file(Path::new(yes)), "{yes}");
        }
        for no in ["a.txt", "jsonl", ".jsonl", "a.jsonl.bz2", "a.gz", "ajsonl"] {
            assert!(!is_log_file(Path::new(no)), "{no}");
        }
    }

    /// Each file once, in the order first named, however it is named again: the same file
    /// directly, inside a directory, or in a directory named twice.
    #[test]
    fn each_source_once() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        for name in ["b.jsonl", "a.jsonl", "notes.txt", "sub/c.ndjson"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let b = dir.path().join("b.jsonl");
        let expanded = expand(&[
            b.clone(),
            dir.path().to_path_buf(),
            PathBuf::from("-"),
            sub.clone(),
            dir.path().to_path_buf(),
            PathBuf::from("-"),
            b.clone(),
        ]);
        assert!(expanded.errors.is_empty());
        assert!(expanded.warnings.is_empty());
        let file = |name: &str| Source::File(dir.path().join(name));
        assert_eq!(
            expanded.sources,
            vec![
                file("b.jsonl"),
                file("a.jsonl"),
                file("sub/c.ndjson"),
                Source::Stdin
            ]
        );
    }

    /// A directory with no log file in it is named in a warning that counts what it skipped; one
    /// with a log file, or a file named directly whatever its extension, is not.
    #[test]
    fn directory_without_log_files_is_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["empty", "logs", "mixed"] {
            std::fs::create_dir(dir.path().join(name)).unwrap();
        }
        for name in ["logs/a.log", "logs/b.log", "mixed/c.log", "mixed/d.jsonl"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let named = |name: &str| dir.path().join(name);
        let expanded = expand(&[
            named("empty"),
            named("logs"),
            named("mixed"),
            named("logs/a.log"),
        ]);
        assert!(expanded.errors.is_empty());
        assert_eq!(
            expanded.sources,
            vec![
                Source::File(named("mixed/d.jsonl")),
                Source::File(named("logs/a.log"))
            ]
        );
        assert_eq!(expanded.warnings.len(), 2, "{:?}", expanded.warnings);
        let empty = named("empty").display().to_string();
        assert!(
            expanded.warnings[0].starts_with(&format!("{empty}: no log files among its 0 files"))
        );
        let logs = named("logs").display().to_string();
        assert!(
            expanded.warnings[1].starts_with(&format!("{logs}: no log files among its 2 files"))
        );
    }
}
