//! End-to-end test of `tokenboard pg`: the fixture ingested into a temporary lake, the server
//! started as a real process on a free port, and the real `psql` client talking to it. The
//! expected numbers are the fixture's hand-worked totals (tests/fixtures/README.md).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::common::{KillOnDrop, fixture, tokenboard};

const PSQL: &str = "/usr/bin/psql";
const PASSWORD: &str = "correct horse battery staple";
/// A bound on waiting for the server, so a broken one fails the test instead of hanging it.
const STARTUP_LIMIT: Duration = Duration::from_secs(120);

/// A thread reads the child's standard error to its end (so it never blocks on a full pipe)
/// and passes each line on, to be waited for with a time limit.
fn stderr_lines(child: &mut KillOnDrop) -> mpsc::Receiver<String> {
    let stderr = child.0.stderr.take().unwrap();
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    received
}

/// Starts `tokenboard pg` on a free port and returns it with the port it printed.
fn start_server(data: &Path) -> (KillOnDrop, u16) {
    let child = tokenboard(data)
        .args(["pg", "--addr", "127.0.0.1:0"])
        .env("TOKENBOARD_PG_PASSWORD", PASSWORD)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting tokenboard pg");
    let mut server = KillOnDrop(child);
    let received = stderr_lines(&mut server);
    let mut seen = Vec::new();
    loop {
        match received.recv_timeout(STARTUP_LIMIT) {
            Ok(line) => {
                if let Some(addr) = line.strip_prefix("listening on ") {
                    let addr: std::net::SocketAddr = addr.trim().parse().unwrap();
                    assert_eq!(addr.ip().to_string(), "127.0.0.1");
                    assert_ne!(addr.port(), 0, "the real port is printed, not 0");
                    return (server, addr.port());
                }
                seen.push(line);
            }
            Err(e) => panic!(
                "tokenboard pg printed no address ({e:?}); status {:?}; stderr:\n{}",
                server.0.try_wait(),
                seen.join("\n")
            ),
        }
    }
}

fn psql(port: u16, user: &str, password: &str, args: &[&str]) -> Output {
    assert!(
        Path::new(PSQL).exists(),
        "{PSQL} not found: this test needs the Postgres client (apt-get install postgresql-client)"
    );
    Command::new(PSQL)
        .arg(format!(
            "host=127.0.0.1 port={port} user={user} dbname=tokenboard sslmode=disable connect_timeout=30"
        ))
        .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
        .args(args)
        .env("PGPASSWORD", password)
        .env_remove("PGSERVICE")
        .env_remove("PGSERVICEFILE")
        .env_remove("PGPASSFILE")
        .env_remove("PGOPTIONS")
        .stdin(Stdio::null())
        .output()
        .expect("running psql")
}

/// Runs one command as the right user and returns its standard output; it must succeed.
fn query(port: u16, sql: &str) -> String {
    let output = psql(port, "tokenboard", PASSWORD, &["-c", sql]);
    assert!(
        output.status.success(),
        "psql -c {sql:?} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Runs one command that must fail, and returns psql's standard error.
fn refused(port: u16, sql: &str) -> String {
    let output = psql(port, "tokenboard", PASSWORD, &["-c", sql]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !output.status.success(),
        "psql -c {sql:?} succeeded:\n{}\n{stderr}",
        String::from_utf8_lossy(&output.stdout)
    );
    stderr
}

/// Every file under `dir` with its contents.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files.insert(path.clone(), Vec::new());
                pending.push(path);
            } else {
                files.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

#[test]
fn psql_reads_the_lake_and_cannot_change_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("lake");
    let ingest = tokenboard(&data)
        .arg("ingest")
        .arg(fixture("bad_lines.jsonl"))
        .output()
        .unwrap();
    assert!(
        ingest.status.success(),
        "ingest failed: {}",
        String::from_utf8_lossy(&ingest.stderr)
    );
    let before = snapshot(&data);
    assert!(!before.is_empty());

    let (server, port) = start_server(&data);

    // The fixture's totals: 3 generations, 1,330 tokens, 2.00 spent.
    let totals = query(
        port,
        "SELECT count(*), sum(coalesce(tokens_prompt,0)+coalesce(tokens_completion,0)), sum(total_cost) FROM generations",
    );
    let totals: Vec<&str> = totals.trim_end().split('|').collect();
    assert_eq!(totals[..2], ["3", "1330"], "{totals:?}");
    assert_eq!(totals[2].parse::<f64>().unwrap(), 2.0, "{totals:?}"); // 0.5 + 1.25 + 0.25
    assert_eq!(query(port, "SELECT count(*) FROM attempts").trim_end(), "3");

    // What psql itself asks for: the table list and a table's columns (pg_catalog queries).
    let tables = query(port, r"\dt");
    for table in ["generations", "attempts", "quarantine"] {
        assert!(tables.contains(table), "\\dt lacks {table}:\n{tables}");
    }
    let columns = query(port, r"\d generations");
    assert!(
        columns.contains("tokens_prompt") && columns.contains("total_cost"),
        "\\d generations:\n{columns}"
    );
    // Client settings are per connection and allowed.
    assert_eq!(
        query(
            port,
            "SET application_name = 'report'; SHOW application_name"
        )
        .trim_end(),
        "SET\nreport"
    );

    // Authentication: a wrong password, and an unknown user, are refused.
    for (user, password) in [("tokenboard", "wrong"), ("postgres", PASSWORD)] {
        let output = psql(port, user, password, &["-c", "SELECT 1"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success(),
            "{user} logged in with {password:?}"
        );
        assert!(
            stderr
                .to_lowercase()
                .contains("password authentication failed"),
            "{user}: {stderr}"
        );
    }

    // Writes of every kind are refused with a read-only error; the connection answers the error.
    let copy_target = dir.path().join("x.csv");
    let external = dir.path().join("external");
    let temp_dir = dir.path().join("spill");
    let writes = [
        format!("COPY (SELECT 1) TO '{}'", copy_target.display()),
        format!("COPY generations TO '{}'", copy_target.display()),
        "INSERT INTO generations SELECT * FROM generations".to_owned(),
        "DELETE FROM generations".to_owned(),
        "UPDATE generations SET model = 'x/y'".to_owned(),
        "CREATE TABLE t AS SELECT 1".to_owned(),
        "SELECT 1 AS a INTO t".to_owned(),
        "CREATE VIEW v AS SELECT 1".to_owned(),
        format!(
            "CREATE EXTERNAL TABLE e STORED AS PARQUET LOCATION '{}'",
            external.display()
        ),
        "DROP TABLE generations".to_owned(),
        "TRUNCATE generations".to_owned(),
        format!(
            "SET datafusion.runtime.temp_directory = '{}'",
            temp_dir.display()
        ),
        "SELECT 1; DROP TABLE generations".to_owned(),
        // EXPLAIN ANALYZE runs its statement.
        format!(
            "EXPLAIN ANALYZE COPY (SELECT 1) TO '{}'",
            copy_target.display()
        ),
        // A cursor runs its query.
        "DECLARE c CURSOR FOR SELECT 1 AS a INTO t".to_owned(),
    ];
    for sql in &writes {
        let stderr = refused(port, sql);
        assert!(
            stderr.contains("read-only") && stderr.contains("ERROR"),
            "{sql}: {stderr}"
        );
    }

    // Nothing changed: not the data, not the session's tables, no file written elsewhere.
    assert_eq!(
        query(port, "SELECT count(*) FROM generations").trim_end(),
        "3"
    );
    assert_eq!(
        query(
            port,
            "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('t', 'v', 'e')"
        )
        .trim_end(),
        "0"
    );
    assert!(
        !copy_target.exists(),
        "COPY wrote {}",
        copy_target.display()
    );
    assert!(!external.exists());
    assert!(!temp_dir.exists());
    drop(server);
    let after = snapshot(&data);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "the data directory's files changed"
    );
    assert!(before == after, "a file in the data directory changed");
}

/// A connection that stays open across an ingest (a dashboard) reads the new rows, raw and
/// rolled up: the server moves to the lake's newest snapshot before each statement.
#[test]
fn psql_reads_what_was_ingested_after_the_server_started() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("lake");
    let ingest = |file: &Path| {
        let output = tokenboard(&data).arg("ingest").arg(file).output().unwrap();
        assert!(
            output.status.success(),
            "ingest failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    ingest(&fixture("bad_lines.jsonl"));
    let (_server, port) = start_server(&data);
    let totals = "SELECT count(*), sum(coalesce(tokens_prompt,0)+coalesce(tokens_completion,0)) \
                  FROM generations";
    let rolled_up = "SELECT sum(requests), sum(tokens_prompt + tokens_completion) \
                     FROM hourly_endpoints";
    // The fixture: 3 generations, 1,330 tokens.
    assert_eq!(query(port, totals).trim_end(), "3|1330");
    assert_eq!(query(port, rolled_up).trim_end(), "3|1330");

    // Two more: 100 + 50 and 7 + 3 tokens, in an hour the fixture has no rows in.
    let more = dir.path().join("more.jsonl");
    std::fs::write(
        &more,
        concat!(
            r#"{"id":"late-1","created_at":"2026-11-21T10:00:00Z","model":"x/y","tokens_prompt":100,"tokens_completion":50}"#,
            "\n",
            r#"{"id":"late-2","created_at":"2026-11-21T10:30:00Z","model":"x/y","tokens_prompt":7,"tokens_completion":3}"#,
            "\n",
        ),
    )
    .unwrap();
    ingest(&more);
    assert_eq!(query(port, totals).trim_end(), "5|1490");
    assert_eq!(query(port, rolled_up).trim_end(), "5|1490");
}

#[test]
fn refuses_to_start_without_a_password() {
    let dir = tempfile::tempdir().unwrap();
    let child = tokenboard(&dir.path().join("lake"))
        .args(["pg", "--addr", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = KillOnDrop(child);
    let received = stderr_lines(&mut server);
    let mut lines = Vec::new();
    loop {
        match received.recv_timeout(STARTUP_LIMIT) {
            Ok(line) => lines.push(line),
            Err(mpsc::RecvTimeoutError::Disconnected) => break, // standard error closed: exited
            Err(e) => panic!("tokenboard pg still running without a password ({e:?}): {lines:?}"),
        }
    }
    let stderr = lines.join("\n");
    let status = server.0.wait().unwrap();
    assert!(!status.success());
    assert!(stderr.contains("TOKENBOARD_PG_PASSWORD"), "{stderr}");
    assert!(!stderr.contains("listening on"), "{stderr}");
}
