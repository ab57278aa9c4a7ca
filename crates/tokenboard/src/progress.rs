//! Progress for long work: a bar on a terminal, a log line every few seconds otherwise, nothing
//! with `--quiet`.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokenboard_ingest::Progress;

const LOG_EVERY: Duration = Duration::from_secs(5);

pub struct Bar {
    bar: Option<ProgressBar>,
    /// Without a terminal: when the last progress line was printed.
    log: Option<Mutex<Instant>>,
    started: Instant,
    label: &'static str,
}

impl Bar {
    fn new(total: u64, label: &'static str, quiet: bool, template: &str) -> Bar {
        let started = Instant::now();
        if quiet {
            return Bar {
                bar: None,
                log: None,
                started,
                label,
            };
        }
        if !std::io::stderr().is_terminal() {
            return Bar {
                bar: None,
                log: Some(Mutex::new(started)),
                started,
                label,
            };
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(label);
        Bar {
            bar: Some(bar),
            log: None,
            started,
            label,
        }
    }

    pub fn rows(total: u64, label: &'static str, quiet: bool) -> Bar {
        Bar::new(
            total,
            label,
            quiet,
            "{prefix:>10} [{bar:30}] {human_pos}/{human_len} rows {per_sec} eta {eta}",
        )
    }

    pub fn bytes(total: u64, label: &'static str, quiet: bool) -> Bar {
        Bar::new(
            total,
            label,
            quiet,
            "{prefix:>10} [{bar:30}] {bytes}/{total_bytes} {msg} eta {eta}",
        )
    }

    pub fn set(&self, position: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(position);
        } else {
            self.log_line(|| format!("{position} rows"));
        }
    }

    pub fn ingest(&self, p: &Progress) {
        let seconds = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = p.lines as f64 / seconds;
        if let Some(bar) = &self.bar {
            bar.set_position(p.bytes);
            bar.set_message(format!("{} records, {:.0} records/s", p.lines, rate));
        } else {
            self.log_line(|| {
                format!(
                    "{} lines, {} ingested, {:.0} records/s",
                    p.lines, p.ingested, rate
                )
            });
        }
    }

    fn log_line(&self, message: impl FnOnce() -> String) {
        let Some(last) = &self.log else { return };
        let Ok(mut last) = last.lock() else { return };
        if last.elapsed() >= LOG_EVERY {
            *last = Instant::now();
            eprintln!("{}: {}", self.label, message());
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
}
