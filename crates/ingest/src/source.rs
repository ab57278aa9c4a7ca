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

/// Turns the command line's paths into sources: `-` is standard input, a directory contributes
/// its log files (sorted, so runs are repeatable). Paths that cannot be read are returned as
/// errors beside the sources that can, so one bad file does not stop the others.
pub fn expand(paths: &[PathBuf]) -> (Vec<Source>, Vec<Error>) {
    let mut sources = Sources::default();
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            sources.push(Source::Stdin);
            continue;
        }
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, &mut sources, &mut errors),
            Ok(_) => sources.push(Source::File(path.to_path_buf())),
            Err(e) => errors.push(Error::Source {
                source_name: path.display().to_string(),
                line: None,
                error: e,
            }),
        }
    }
    (sources.list, errors)
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

fn walk(dir: &Path, sources: &mut Sources, errors: &mut Vec<Error>) {
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
    {
        match entry {
            Ok(entry) if entry.file_type().is_file() && is_log_file(entry.path()) => {
                sources.push(Source::File(entry.path().to_path_buf()))
            }
            Ok(_) => {}
            Err(e) => errors.push(Error::Source {
                source_name: e.path().unwrap_or(dir).display().to_string(),
                line: None,
                error: e.into(),
            }),
        }
    }
}

fn is_log_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let name = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(name);
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
        for yes in ["a.jsonl", "b.ndjson", "c.json", "d.jsonl.gz", "e.json.zst"] {
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
        let (sources, errors) = expand(&[
            b.clone(),
            dir.path().to_path_buf(),
            PathBuf::from("-"),
            sub.clone(),
            dir.path().to_path_buf(),
            PathBuf::from("-"),
            b.clone(),
        ]);
        assert!(errors.is_empty());
        let file = |name: &str| Source::File(dir.path().join(name));
        assert_eq!(
            sources,
            vec![
                file("b.jsonl"),
                file("a.jsonl"),
                file("sub/c.ndjson"),
                Source::Stdin
            ]
        );
    }
}
