//! Splits a byte stream into numbered lines, in blocks that are parsed in parallel.
//!
//! Memory stays bounded whatever the input: a line longer than the limit keeps only its first
//! [`KEPT_PREFIX_BYTES`] for the quarantine. Every byte read is hashed, so a later run can check
//! that the lines it is about to skip as "already ingested" are the same ones.

use std::io::{self, BufRead};

use tokenboard_record::MAX_LINE_BYTES;
use xxhash_rust::xxh3::Xxh3;

/// What the quarantine keeps of a line's raw text.
pub const KEPT_PREFIX_BYTES: usize = 64 << 10;

#[derive(Debug, Clone, Copy)]
pub struct Line {
    /// 1-based line number in its source.
    pub number: u64,
    pub start: usize,
    pub end: usize,
    /// The line's length in the source; larger than `end - start` when it was cut.
    pub full_len: usize,
}

impl Line {
    pub fn is_cut(&self) -> bool {
        self.full_len > self.end - self.start
    }
}

#[derive(Debug, Default)]
pub struct Block {
    pub data: Vec<u8>,
    pub lines: Vec<Line>,
    /// The number of the block's last line (0 for an empty block at the start).
    pub end_line: u64,
    /// Digest of the source's bytes through `end_line`, newline included; `None` when a read
    /// error left it unknown.
    pub digest: Option<u64>,
}

pub struct LineReader<R> {
    inner: R,
    hasher: Xxh3,
    line_number: u64,
    /// An error met in the middle of a block, reported on the next call after the block's
    /// complete lines have been handed out.
    pending_error: Option<io::Error>,
    done: bool,
}

impl<R> std::fmt::Debug for LineReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineReader")
            .field("line_number", &self.line_number)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<R: BufRead> LineReader<R> {
    pub fn new(inner: R) -> Self {
        LineReader {
            inner,
            hasher: Xxh3::new(),
            line_number: 0,
            pending_error: None,
            done: false,
        }
    }

    pub fn line_number(&self) -> u64 {
        self.line_number
    }

    /// Consumes `count` lines without keeping them and returns the digest through them, or
    /// `None` if the source ends first.
    pub fn skip(&mut self, count: u64) -> io::Result<Option<u64>> {
        let mut mid_line = false;
        while self.line_number < count {
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                // An unterminated last line counts as a line, as when reading.
                if mid_line {
                    self.line_number += 1;
                    if self.line_number == count {
                        break;
                    }
                }
                return Ok(None);
            }
            let mut used = buf.len();
            for i in memchr::memchr_iter(b'\n', buf) {
                self.line_number += 1;
                if self.line_number == count {
                    used = i + 1;
                    break;
                }
            }
            mid_line = buf[used - 1] != b'\n';
            self.hasher.update(&buf[..used]);
            self.inner.consume(used);
        }
        Ok(Some(self.hasher.digest()))
    }

    /// Reads complete lines until the block holds about `max_bytes` or `max_lines`. Returns
    /// `Ok(None)` at the end of the source. A read error is returned after the complete lines
    /// before it; the unterminated line it interrupted is not returned, so that the progress
    /// recorded never covers a line that was not seen whole.
    pub fn next_block(&mut self, max_bytes: usize, max_lines: usize) -> io::Result<Option<Block>> {
        if let Some(e) = self.pending_error.take() {
            self.done = true;
            return Err(e);
        }
        if self.done {
            return Ok(None);
        }
        let mut block = Block {
            data: Vec::with_capacity(max_bytes + (64 << 10)),
            ..Block::default()
        };
        let mut line_start = 0usize;
        let mut line_len = 0usize;
        let mut at_line_start = true;
        // A line over the limit keeps only its prefix; its bytes are hashed as they pass.
        let mut cut = false;
        let mut digest_valid = true;
        loop {
            let buf = match self.inner.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    block.data.truncate(line_start);
                    // Bytes of a cut line were hashed already: the digest is past the last
                    // complete line and cannot record progress.
                    digest_valid = !cut;
                    self.pending_error = Some(e);
                    break;
                }
            };
            if buf.is_empty() {
                self.done = true;
                if !at_line_start {
                    self.finish_line(&mut block, line_start, line_len, cut, false);
                }
                break;
            }
            let (piece, used, ends_line) = match memchr::memchr(b'\n', buf) {
                Some(i) => (&buf[..i], i + 1, true),
                None => (buf, buf.len(), false),
            };
            at_line_start = false;
            if cut {
                self.hasher.update(piece);
            } else {
                let room = (MAX_LINE_BYTES + 1).saturating_sub(line_len);
                let kept = piece.len().min(room);
                block.data.extend_from_slice(&piece[..kept]);
                if line_len + piece.len() > MAX_LINE_BYTES {
                    // Too long to ever be accepted: keep what the quarantine shows.
                    self.hasher.update(&block.data[line_start..]);
                    self.hasher.update(&piece[kept..]);
                    block.data.truncate(line_start + KEPT_PREFIX_BYTES);
                    cut = true;
                }
            }
            line_len += piece.len();
            self.inner.consume(used);
            if ends_line {
                self.finish_line(&mut block, line_start, line_len, cut, true);
                line_start = block.data.len();
                line_len = 0;
                at_line_start = true;
                cut = false;
                if block.data.len() >= max_bytes || block.lines.len() >= max_lines {
                    break;
                }
            }
        }
        block.end_line = self.line_number;
        block.digest = digest_valid.then(|| self.hasher.digest());
        if block.lines.is_empty() && self.done && self.pending_error.is_none() {
            return Ok(None);
        }
        Ok(Some(block))
    }

    fn finish_line(
        &mut self,
        block: &mut Block,
        start: usize,
        full_len: usize,
        cut: bool,
        newline: bool,
    ) {
        if !cut {
            self.hasher.update(&block.data[start..]);
        }
        if newline {
            self.hasher.update(b"\n");
        }
        self.line_number += 1;
        let mut end = block.data.len();
        let mut full_len = full_len;
        if !cut && end > start && block.data[end - 1] == b'\r' {
            end -= 1;
            full_len -= 1;
        }
        block.lines.push(Line {
            number: self.line_number,
            start,
            end,
            full_len,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> Vec<(u64, Vec<u8>)> {
        let mut reader = LineReader::new(input);
        let mut out = Vec::new();
        while let Some(block) = reader.next_block(16, 2).unwrap() {
            for l in &block.lines {
                out.push((l.number, block.data[l.start..l.end].to_vec()));
            }
        }
        out
    }

    #[test]
    fn splits_lines_and_numbers_them() {
        let got = lines(b"a\nbb\r\n\nccc");
        let want: Vec<(u64, Vec<u8>)> = vec![
            (1, b"a".to_vec()),
            (2, b"bb".to_vec()),
            (3, b"".to_vec()),
            (4, b"ccc".to_vec()),
        ];
        assert_eq!(got, want);
        assert!(lines(b"").is_empty());
        assert_eq!(lines(b"x\n").len(), 1);
    }

    #[test]
    fn long_lines_are_cut_and_flagged() {
        let mut input = vec![b'x'; MAX_LINE_BYTES + 10];
        input.extend_from_slice(b"\nok\n");
        let mut reader = LineReader::new(&input[..]);
        let block = reader.next_block(1 << 30, 100).unwrap().unwrap();
        assert_eq!(block.lines.len(), 2);
        let long = block.lines[0];
        assert!(long.is_cut());
        assert_eq!(long.full_len, MAX_LINE_BYTES + 10);
        assert_eq!(long.end - long.start, KEPT_PREFIX_BYTES);
        let ok = block.lines[1];
        assert_eq!(&block.data[ok.start..ok.end], b"ok");
        assert!(!ok.is_cut());
    }

    #[test]
    fn skip_digest_matches_the_reading_digest() {
        let input = b"one\ntwo\nthree\nfour\n";
        let mut reader = LineReader::new(&input[..]);
        let block = reader.next_block(1 << 20, 2).unwrap().unwrap();
        assert_eq!(block.end_line, 2);
        let mut again = LineReader::new(&input[..]);
        assert_eq!(again.skip(2).unwrap(), block.digest);
        let rest = again.next_block(1 << 20, 10).unwrap().unwrap();
        assert_eq!(rest.lines[0].number, 3);
        assert_eq!(&rest.data[rest.lines[0].start..rest.lines[0].end], b"three");
        // A changed prefix gives another digest.
        let mut changed = LineReader::new(&b"one\nTWO\nthree\n"[..]);
        assert_ne!(changed.skip(2).unwrap(), block.digest);
        // Fewer lines than asked for.
        assert_eq!(LineReader::new(&b"one\n"[..]).skip(2).unwrap(), None);
        // An unterminated last line counts when skipping as when reading.
        let unterminated = b"one\ntwo";
        let mut reader = LineReader::new(&unterminated[..]);
        let block = reader.next_block(1 << 20, 10).unwrap().unwrap();
        assert_eq!(block.end_line, 2);
        assert_eq!(
            LineReader::new(&unterminated[..]).skip(2).unwrap(),
            block.digest
        );
    }
}
