//! `tokenboard`: the command line. Each subcommand is a thin layer over a library crate.

mod allocator;
mod progress;
mod shell;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use clap::{Parser, Subcommand, ValueEnum};
use tokenboard_generate::GeneratorConfig;
use tokenboard_ingest::{FaultPoint, IngestOptions, IngestSummary, Lake};
use tokenboard_query::{Format, LakeSession, Period, View, ViewRequest, Window};

#[derive(Debug, Parser)]
#[command(
    name = "tokenboard",
    version,
    about = "LLM usage logs in, leaderboards and provider scores out"
)]
struct Cli {
    /// Data location: a directory, or an object-store URL.
    #[arg(
        long,
        global = true,
        default_value = "data/lake",
        env = "TOKENBOARD_DATA"
    )]
    data: String,
    /// No progress bar or progress lines.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

/// The write API of `serve`: off unless a token is given.
#[derive(Debug, clap::Args)]
struct IngestApi {
    /// Accept `POST /api/v1/ingest` and `/api/v1/feedback` with this bearer token.
    #[arg(
        long = "ingest-token",
        env = "TOKENBOARD_INGEST_TOKEN",
        hide_env_values = true
    )]
    token: Option<String>,
    /// Read the bearer token from this file (its first line) instead.
    #[arg(long = "ingest-token-file", conflicts_with = "token")]
    token_file: Option<PathBuf>,
    /// The largest post accepted, in bytes after gzip decompression.
    #[arg(long, default_value_t = 16 << 20)]
    max_body_bytes: usize,
}

impl IngestApi {
    fn config(&self) -> Result<Option<tokenboard_site::IngestConfig>> {
        let token = match (&self.token, &self.token_file) {
            (Some(token), _) => token.trim().to_owned(),
            (None, Some(path)) => std::fs::read_to_string(path)
                .with_context(|| format!("reading the ingest token from {}", path.display()))?
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_owned(),
            (None, None) => return Ok(None),
        };
        if token.len() < 16 {
            anyhow::bail!(
                "the ingest token must be at least 16 characters (it guards writes to the lake)"
            );
        }
        let mut config = tokenboard_site::IngestConfig::new(token);
        config.max_body_bytes = self.max_body_bytes;
        Ok(Some(config))
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate a sample workload if the data location is empty, ingest it, show the week's top
    /// models, then serve the site.
    Demo {
        #[arg(long, default_value_t = 1_000_000)]
        rows: u64,
        #[arg(long, default_value_t = 14)]
        days: u32,
        /// Where the site listens.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Prepare the data and show the top models, but do not serve the site.
        #[arg(long)]
        no_serve: bool,
    },
    /// Serve the leaderboard site, its JSON/CSV API, the score feed, /healthz and /metrics until
    /// Ctrl-C; with an ingest token, also accept logs and feedback over HTTP.
    Serve {
        /// Address to listen on; port 0 picks a free port (the address is printed).
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        #[command(flatten)]
        ingest: IngestApi,
    },
    /// Write a deterministic synthetic workload as JSON lines.
    Generate {
        #[arg(long)]
        rows: u64,
        #[arg(long, default_value_t = 14)]
        days: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// End of the generated window (RFC 3339); default: the start of the current hour.
        #[arg(long)]
        end: Option<DateTime<Utc>>,
        /// Output file, or `-` for standard output.
        #[arg(long, default_value = "-")]
        out: PathBuf,
    },
    /// Ingest JSON-lines logs from files, directories (recursively) and `-` (standard input).
    Ingest {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The files hold user feedback (`{"generation_id", "category", "comment"?}` per line),
        /// not logs.
        #[arg(long)]
        feedback: bool,
        /// Exit with status 3 if any line was quarantined.
        #[arg(long)]
        strict: bool,
        /// Records gathered per commit: bounds memory and sets the size of the files written.
        #[arg(long, default_value_t = IngestOptions::default().commit_rows)]
        commit_rows: usize,
        /// Ids of earlier records kept in memory to catch duplicates (16 bytes each). Past it,
        /// the dates least recently used are dropped and read back from the table if the input
        /// returns to them.
        #[arg(long, default_value_t = IngestOptions::default().dedupe_ids)]
        dedupe_ids: usize,
        /// Leave the hourly rollups as they are (for bulk loads: run `tokenboard rollup` after).
        #[arg(long)]
        no_rollups: bool,
    },
    /// Bring the hourly rollups up to date with the raw tables (ingest does this itself), or
    /// recompute them from every raw row with --rebuild.
    Rollup {
        /// Recompute every hour from the raw tables instead of only the hours changed since.
        #[arg(long)]
        rebuild: bool,
    },
    /// Rewrite each closed day (every day but the newest) of generations and attempts that has
    /// several files as a few large ones, dropping duplicate ids; then update the rollups and
    /// delete their files replaced over ten minutes ago.
    Compact,
    /// Run SQL over the tables (generations, attempts, quarantine, feedback and the hourly_* and
    /// daily_* rollups); without a query on a terminal, an interactive prompt with history.
    Sql {
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
        /// Read the query from a file.
        #[arg(long, conflicts_with = "query")]
        file: Option<PathBuf>,
        query: Option<String>,
    },
    /// Run a leaderboard view of the catalog in queries/ by name.
    Query {
        #[arg(value_parser = parse_view)]
        view: View,
        /// day, week or month (share views: day or week buckets).
        #[arg(long, default_value = "week", value_parser = parse_period)]
        period: Period,
        /// Provider-stats window: 5m, 30m, 1d, 7d, 30d or all.
        #[arg(long, default_value = "30m", value_parser = parse_window)]
        window: Window,
        /// The model, as author/slug[:variant] (model-providers, model-daily).
        #[arg(long)]
        model: Option<String>,
        /// The provider (model-providers: its endpoints across models).
        #[arg(long)]
        provider: Option<String>,
        #[arg(long, default_value_t = tokenboard_query::DEFAULT_LIMIT)]
        limit: u64,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
        /// Run the view this many times in one session and print the best and median times to
        /// standard error (for benchmarks: no process start or table opening in the figure).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
        runs: u32,
        /// Run this SQL file with the view's parameters instead of the catalog's file (to try a
        /// variant of a view, or to time the raw-row versions in bench/raw/).
        #[arg(long)]
        sql_file: Option<PathBuf>,
    },
    /// Serve the tables read-only over the Postgres wire protocol (psql, Grafana) until Ctrl-C;
    /// the password is read from TOKENBOARD_PG_PASSWORD. Needs a build with `--features pg`.
    Pg {
        /// Address to listen on; port 0 picks a free port (the address is printed).
        #[arg(long, default_value = "127.0.0.1:5433")]
        addr: String,
        /// The user name clients log in with.
        #[arg(long, default_value = "tokenboard")]
        user: String,
    },
}

fn parse_view(s: &str) -> Result<View, String> {
    s.parse()
        .map_err(|e: tokenboard_query::Error| e.to_string())
}
fn parse_period(s: &str) -> Result<Period, String> {
    s.parse()
        .map_err(|e: tokenboard_query::Error| e.to_string())
}
fn parse_window(s: &str) -> Result<Window, String> {
    s.parse()
        .map_err(|e: tokenboard_query::Error| e.to_string())
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OutputFormat {
    Table,
    Csv,
    Json,
    Parquet,
}

impl From<OutputFormat> for Format {
    fn from(f: OutputFormat) -> Format {
        match f {
            OutputFormat::Table => Format::Table,
            OutputFormat::Csv => Format::Csv,
            OutputFormat::Json => Format::Json,
            OutputFormat::Parquet => Format::Parquet,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Generate {
            rows,
            days,
            seed,
            end,
            out,
        } => {
            let config = GeneratorConfig {
                rows,
                days,
                seed,
                end: end.unwrap_or_else(start_of_this_hour),
            };
            generate(&config, &out, cli.quiet)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Ingest {
            paths,
            feedback: true,
            strict,
            ..
        } => {
            let lake = Lake::new(&cli.data)?;
            let quarantined = ingest_feedback(&lake, &paths).await?;
            if strict && quarantined > 0 {
                return Ok(ExitCode::from(3));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Ingest {
            paths,
            feedback: false,
            strict,
            commit_rows,
            dedupe_ids,
            no_rollups,
        } => {
            let lake = Lake::new(&cli.data)?;
            let options = IngestOptions {
                commit_rows: commit_rows.max(1),
                dedupe_ids,
                ..IngestOptions::default()
            };
            let summary = ingest(&lake, &paths, options, cli.quiet).await?;
            print_summary(&summary, &mut std::io::stdout().lock())?;
            if !no_rollups {
                update_rollups(&lake, cli.quiet).await?;
            }
            if !summary.errors.is_empty() {
                return Ok(ExitCode::from(2));
            }
            if strict && summary.quarantined_total() > 0 {
                return Ok(ExitCode::from(3));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Rollup { rebuild } => {
            let lake = Lake::new(&cli.data)?;
            let summary = if rebuild {
                tokenboard_rollup::rebuild(&lake).await?
            } else {
                tokenboard_rollup::refresh(&lake).await?
            };
            println!("rollups: {summary}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Compact => {
            let lake = Lake::new(&cli.data)?;
            let summaries = tokenboard_ingest::compact(&lake).await?;
            for (table, summary) in &summaries {
                let files: usize = summary.days.values().sum();
                println!(
                    "{table}: {} days, {files} files rewritten; rows {} -> {} ({} duplicates dropped)",
                    summary.days.len(),
                    summary.rows_before,
                    summary.rows_after,
                    summary.rows_before.saturating_sub(summary.rows_after)
                );
            }
            let rollups = tokenboard_rollup::refresh(&lake).await?;
            println!("rollups: {rollups}");
            let retention = tokenboard_rollup::VACUUM_RETENTION;
            let deleted = tokenboard_rollup::vacuum(&lake, retention).await?;
            println!(
                "rollups: {deleted} files deleted (replaced over {} minutes ago)",
                retention.num_minutes()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Sql {
            format,
            file,
            query,
        } => {
            let query = match (file, query) {
                (Some(file), _) => Some(
                    std::fs::read_to_string(&file)
                        .with_context(|| format!("reading {}", file.display()))?,
                ),
                (None, query) => query,
            };
            let lake = Lake::new(&cli.data)?;
            catch_up(&lake, cli.quiet).await;
            let session = LakeSession::open(&lake).await?;
            match query {
                Some(query) => {
                    let batches = session.sql(&query).await?;
                    let mut out = std::io::stdout().lock();
                    tokenboard_query::write_batches(&batches, format.into(), &mut out)?;
                }
                None if std::io::stdin().is_terminal() => {
                    shell::run(&session, format.into()).await?;
                }
                None => anyhow::bail!("no query: give one, --file, or run on a terminal"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Query {
            view,
            period,
            window,
            model,
            provider,
            limit,
            format,
            runs,
            sql_file,
        } => {
            let sql = sql_file
                .map(|file| {
                    std::fs::read_to_string(&file)
                        .with_context(|| format!("reading {}", file.display()))
                })
                .transpose()?;
            let request = ViewRequest {
                view,
                period,
                window,
                model,
                provider,
                limit,
            };
            request.validate()?;
            let lake = Lake::new(&cli.data)?;
            catch_up(&lake, cli.quiet).await;
            let session = LakeSession::open(&lake).await?;
            let mut times = Vec::with_capacity(runs as usize);
            let mut planning = Vec::with_capacity(runs as usize);
            let mut result = None;
            for _ in 0..runs {
                let started = Instant::now();
                let run = match &sql {
                    Some(sql) => session.view_with_sql(&request, sql).await?,
                    None => session.view(&request).await?,
                };
                times.push(started.elapsed().as_secs_f64() * 1000.0);
                planning.push(run.planning.as_secs_f64() * 1000.0);
                result = Some(run);
            }
            let Some(result) = result else {
                anyhow::bail!("no run");
            };
            if runs > 1 {
                // The first run also turns the SQL into a plan; the later runs reuse it, as the
                // site's session does for every later request of the same view, and plan only
                // what the values decide.
                let first = times[0];
                times.sort_by(f64::total_cmp);
                planning.sort_by(f64::total_cmp);
                eprintln!(
                    "{}: best {:.1} ms, median {:.1} ms over {runs} runs (planning: median {:.1} \
                     ms); first {first:.1} ms",
                    request.view,
                    times[0],
                    times[times.len() / 2],
                    planning[planning.len() / 2]
                );
            }
            if let Some(through) = result.data_through {
                tracing::info!(%through, "data through");
            }
            let mut out = std::io::stdout().lock();
            tokenboard_query::write_batches(&result.batches, format.into(), &mut out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo {
            rows,
            days,
            addr,
            no_serve,
        } => {
            demo(&cli.data, rows, days, cli.quiet).await?;
            if !no_serve {
                serve(&cli.data, &addr, None).await?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { addr, ingest } => {
            serve(&cli.data, &addr, ingest.config()?).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Pg { addr, user } => {
            serve_pg(&cli.data, &addr, &user).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Ingests feedback files (JSON lines; `-` is standard input), printing a line per file, and
/// returns how many lines went to the quarantine. Feedback files are small: each is read whole.
async fn ingest_feedback(lake: &Lake, paths: &[PathBuf]) -> Result<u64> {
    let mut writer = tokenboard_ingest::LiveWriter::open(lake).await?;
    let mut quarantined = 0;
    for path in paths {
        let (name, body) = if path.as_os_str() == "-" {
            let mut body = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut body)
                .context("reading standard input")?;
            ("stdin".to_owned(), body)
        } else {
            let body =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            (path.display().to_string(), body)
        };
        let summary = writer.write_feedback_lines(&name, body).await?;
        println!(
            "{name}: {} lines, {} feedback stored, {} quarantined",
            summary.lines,
            summary.accepted,
            summary.quarantined.len()
        );
        for rejected in summary.quarantined.iter().take(10) {
            println!(
                "  line {}: {}: {}",
                rejected.line, rejected.reason, rejected.detail
            );
        }
        quarantined += summary.quarantined.len() as u64;
    }
    Ok(quarantined)
}

/// Serves the site until Ctrl-C. The address line on standard error is what scripts and the
/// browser test wait for.
async fn serve(
    data: &str,
    addr: &str,
    ingest: Option<tokenboard_site::IngestConfig>,
) -> Result<()> {
    let lake = Lake::new(data)?;
    catch_up(&lake, false).await;
    let site = match ingest {
        Some(config) => tokenboard_site::Site::open_with_ingest(lake, config).await?,
        None => tokenboard_site::Site::open(lake).await?,
    };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    let local = listener.local_addr().context("reading the bound address")?;
    eprintln!("serving http://{local}/ (Ctrl-C to stop)");
    let shutdown = async {
        // An error here means no Ctrl-C handler could be installed: serve until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    tokenboard_site::serve(site, listener, shutdown).await?;
    Ok(())
}

#[cfg(feature = "pg")]
async fn serve_pg(data: &str, addr: &str, user: &str) -> Result<()> {
    // The password first: a missing one is reported before the tables are opened.
    let credentials = tokenboard_pg::Credentials::from_env(user)?;
    // Read-only means this server writes nothing either: the rollups are as ingest left them.
    let lake = Lake::new(data)?;
    let server = tokenboard_pg::Server::bind(&lake, addr, credentials).await?;
    eprintln!("listening on {}", server.local_addr()?);
    tokio::select! {
        () = server.serve() => {}
        signal = tokio::signal::ctrl_c() => signal.context("waiting for Ctrl-C")?,
    }
    Ok(())
}

#[cfg(not(feature = "pg"))]
async fn serve_pg(_data: &str, _addr: &str, _user: &str) -> Result<()> {
    anyhow::bail!("built without the `pg` feature: cargo build --release --features pg")
}

fn start_of_this_hour() -> DateTime<Utc> {
    let now = Utc::now();
    now.duration_trunc(TimeDelta::hours(1)).unwrap_or(now)
}

fn generate(config: &GeneratorConfig, out: &Path, quiet: bool) -> Result<()> {
    let bar = progress::Bar::rows(config.rows, "generating", quiet);
    let mut tick = |rows| bar.set(rows);
    if out.as_os_str() == "-" {
        let stdout = std::io::stdout();
        let mut writer = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
        tokenboard_generate::generate_with_progress(config, &mut writer, &mut tick)?;
        writer.flush()?;
    } else {
        let file =
            std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
        let is_zst = out.extension().is_some_and(|e| e == "zst");
        if is_zst {
            let mut writer = zstd_writer(file)?;
            tokenboard_generate::generate_with_progress(config, &mut writer, &mut tick)?;
            writer.finish()?.flush()?;
        } else {
            let mut writer = std::io::BufWriter::with_capacity(1 << 20, file);
            tokenboard_generate::generate_with_progress(config, &mut writer, &mut tick)?;
            writer.flush()?;
        }
    }
    bar.finish();
    Ok(())
}

fn zstd_writer(file: std::fs::File) -> Result<zstd::Encoder<'static, std::fs::File>> {
    Ok(zstd::Encoder::new(file, 3)?)
}

async fn ingest(
    lake: &Lake,
    paths: &[PathBuf],
    mut options: IngestOptions,
    quiet: bool,
) -> Result<IngestSummary> {
    let total: u64 = paths
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .map(|p| dir_size(p))
        .sum();
    if let Ok(fault) = std::env::var("TOKENBOARD_FAULT") {
        options.fault = Some(fault.parse::<FaultPoint>().map_err(anyhow::Error::msg)?);
    }
    let started = Instant::now();
    let bar = progress::Bar::bytes(total, "ingesting", quiet);
    let summary = tokenboard_ingest::ingest(lake, paths, &options, &|p| bar.ingest(p))
        .await
        .context("ingest stopped; every commit before the error is intact, rerun to finish")?;
    bar.finish();
    tracing::info!(elapsed = ?started.elapsed(), "ingest finished");
    Ok(summary)
}

/// After an ingest: the rollups follow in their own commits. A crash before them is caught up by
/// the next refresh, which finds the raw commits they have not seen.
async fn update_rollups(lake: &Lake, quiet: bool) -> Result<()> {
    // The ingest's buffers are freed but still resident; without this the refresh's own peak
    // stacks on top of them.
    allocator::release_freed_pages();
    let rollups = tokenboard_rollup::refresh(lake).await.context(
        "the raw rows are committed, but updating the hourly rollups failed; `tokenboard rollup` retries",
    )?;
    if !quiet {
        eprintln!("rollups: {rollups}");
    }
    Ok(())
}

/// Readers other than `pg` (which writes nothing) bring the rollups up to date first, so that a
/// lake written by another tool or an interrupted ingest still answers in full. A lake that
/// cannot be written (a read-only bucket) is read as it is.
async fn catch_up(lake: &Lake, quiet: bool) {
    match tokenboard_rollup::refresh(lake).await {
        Ok(summary) if summary.changed() && !quiet => eprintln!("rollups: {summary}"),
        Ok(_) => {}
        Err(e) => eprintln!("warning: the hourly rollups could not be brought up to date: {e}"),
    }
}

fn dir_size(path: &Path) -> u64 {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => m.len(),
        Ok(m) if m.is_dir() => std::fs::read_dir(path)
            .map(|entries| entries.flatten().map(|e| dir_size(&e.path())).sum())
            .unwrap_or(0),
        _ => 0,
    }
}

fn print_summary(s: &IngestSummary, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "read {} lines from {} sources", s.read, s.sources)?;
    writeln!(out, "  ingested            {}", s.ingested)?;
    writeln!(out, "  duplicates skipped  {}", s.duplicates)?;
    writeln!(out, "  already ingested    {}", s.already_ingested)?;
    writeln!(out, "  quarantined         {}", s.quarantined_total())?;
    for (reason, n) in &s.quarantined {
        writeln!(out, "    {:<22} {n}", reason.as_str())?;
    }
    writeln!(out, "  attempts            {}", s.attempts)?;
    if !s.unknown_fields.is_empty() {
        let fields: Vec<String> = s
            .unknown_fields
            .iter()
            .map(|(name, n)| format!("{name} ({n})"))
            .collect();
        writeln!(out, "  unknown fields      {}", fields.join(", "))?;
    }
    for warning in &s.warnings {
        writeln!(out, "warning: {warning}")?;
    }
    for error in &s.errors {
        writeln!(out, "error: {error}")?;
    }
    Ok(())
}

async fn demo(data: &str, rows: u64, days: u32, quiet: bool) -> Result<()> {
    let lake = Lake::new(data)?;
    if lake.open("generations").await?.is_none() {
        let workload = demo_workload_path(data);
        if let Some(dir) = workload.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let config = GeneratorConfig {
            rows,
            days,
            seed: 1,
            end: start_of_this_hour(),
        };
        eprintln!(
            "generating {rows} records over {days} days into {}",
            workload.display()
        );
        generate(&config, &workload, quiet)?;
        let summary = ingest(
            &lake,
            std::slice::from_ref(&workload),
            IngestOptions::default(),
            quiet,
        )
        .await?;
        print_summary(&summary, &mut std::io::stdout().lock())?;
        update_rollups(&lake, quiet).await?;
    } else {
        eprintln!("{data} already holds data: showing it (remove the directory to start over)");
        tokenboard_ingest::upgrade_tables(&lake).await?;
        catch_up(&lake, quiet).await;
    }
    let session = LakeSession::open(&lake).await?;
    let result = session
        .view(&ViewRequest::new(View::TopModels).period(Period::Week))
        .await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "\nTop models, trailing 7 days:")?;
    tokenboard_query::write_batches(&result.batches, Format::Table, &mut out)?;
    if !std::io::stdout().is_terminal() {
        return Ok(());
    }
    writeln!(
        out,
        "\nAlso try: cargo run --release -- query model-providers --model openai/gpt-5 --window 1d\n \
         or: cargo run --release -- sql"
    )?;
    Ok(())
}

/// The demo's generated input sits beside a local data directory (or in the temp directory
/// for an object-store URL), so a second run can reuse or inspect it.
fn demo_workload_path(data: &str) -> PathBuf {
    let local = !data.contains("://");
    let dir = if local {
        Path::new(data)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("demo"), |p| p.join("demo"))
    } else {
        std::env::temp_dir().join("tokenboard-demo")
    };
    dir.join("workload.jsonl.zst")
}
