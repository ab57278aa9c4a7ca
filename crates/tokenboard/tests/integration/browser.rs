//! The site in a real headless Chromium, driven over WebDriver (Debian's `chromium` and
//! `chromium-driver`, installed by .ci/run): open the rankings, switch the period, follow a
//! model link, read the providers table, save screenshots. The data is
//! tests/fixtures/views.jsonl, whose numbers are worked out in the `views` module.
//!
//! Without a browser this test fails, on purpose: CI must not pass by skipping it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{ChildStderr, ChildStdout, Command, Stdio};

use fantoccini::{ClientBuilder, Locator};

use crate::common::{KillOnDrop, fixture, run, tokenboard};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Reads lines until one contains `marker`, and returns it: the child's own word that it is
/// ready, instead of a sleep.
fn wait_for_line(reader: &mut impl BufRead, marker: &str, what: &str) -> String {
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).unwrap();
        assert!(n > 0, "{what} exited before saying `{marker}`:\n{seen}");
        if line.contains(marker) {
            return line;
        }
        seen.push_str(&line);
    }
}

fn start_site(data: &Path) -> (KillOnDrop, String, BufReader<ChildStderr>) {
    run(tokenboard(data).arg("ingest").arg(fixture("views.jsonl")));
    let mut child = Command::new(env!("CARGO_BIN_EXE_tokenboard"))
        .arg("--data")
        .arg(data)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let line = wait_for_line(&mut stderr, "serving http://", "tokenboard serve");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .trim_end_matches('/')
        .to_owned();
    (KillOnDrop(child), url, stderr)
}

fn start_chromedriver() -> (KillOnDrop, String, BufReader<ChildStdout>) {
    assert!(
        Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists(),
        "the browser test needs Debian's chromium and chromium-driver \
         (apt-get install chromium chromium-driver; .ci/run installs them)"
    );
    // A free port: bind, read it, release it for chromedriver.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    wait_for_line(&mut stdout, "started successfully", "chromedriver");
    (
        KillOnDrop(child),
        format!("http://127.0.0.1:{port}"),
        stdout,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rankings_period_switch_and_model_page_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let (_site, site_url, _site_log) = start_site(&dir.path().join("lake"));
    let (_driver, driver_url, _driver_log) = start_chromedriver();

    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1280,2000"],
        }),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver_url)
        .await
        .expect("starting a Chromium session");
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&shots).unwrap();

    let outcome = async {
        // The rankings, this week by default.
        client.goto(&format!("{site_url}/")).await?;
        let current = client
            .find(Locator::Css("nav.switch a[aria-current=page]"))
            .await?;
        assert_eq!(current.text().await?, "Week");
        std::fs::write(shots.join("rankings-week.png"), client.screenshot().await?).unwrap();

        // Switch to the day.
        client.find(Locator::LinkText("Day")).await?.click().await?;
        client
            .wait()
            .for_element(Locator::Css(
                "nav.switch a[aria-current=page][href='/?period=day']",
            ))
            .await?;
        assert!(
            client
                .current_url()
                .await?
                .as_str()
                .ends_with("/?period=day")
        );
        let mut models = Vec::new();
        for link in client.find_all(Locator::Css("#top-models a.model")).await? {
            models.push(link.text().await?);
        }
        // Ties at 150 tokens go by name.
        assert_eq!(models, ["a/x", "a/x:free", "b/y", "c/z"]);
        let share = client
            .find(Locator::Css(
                "#top-models tbody tr:first-child td:nth-child(4)",
            ))
            .await?;
        assert_eq!(share.text().await?, "81.9%");
        std::fs::write(shots.join("rankings-day.png"), client.screenshot().await?).unwrap();

        // Follow the top model to its page.
        client.find(Locator::LinkText("a/x")).await?.click().await?;
        client
            .wait()
            .for_element(Locator::Css("#providers table.endpoints"))
            .await?;
        assert!(
            client
                .current_url()
                .await?
                .as_str()
                .ends_with("/models/a/x")
        );
        assert_eq!(client.find(Locator::Css("h1")).await?.text().await?, "a/x");
        let mut providers = Vec::new();
        for cell in client
            .find_all(Locator::Css(
                "#providers table.endpoints tbody td:first-child",
            ))
            .await?
        {
            providers.push(cell.text().await?);
        }
        assert_eq!(providers, ["P1", "P2", "P3"]);
        // P1 served two requests in the last day, both attempts succeeded (Wilson low 34.2%).
        let uptime = client
            .find(Locator::Css(
                "#providers table.endpoints tbody tr:first-child td.uptime",
            ))
            .await?;
        assert_eq!(uptime.text().await?, "100.0% (34.2%–100.0%, n = 2)");
        // The chart is drawn without JavaScript: an SVG with one bar per day of traffic.
        let bars = client
            .find_all(Locator::Css("#daily svg[role=img] rect"))
            .await?;
        assert_eq!(bars.len(), 2);
        std::fs::write(shots.join("model.png"), client.screenshot().await?).unwrap();
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    client.close().await.unwrap();
    outcome.unwrap();
    eprintln!("screenshots in {}", shots.display());
}
