//! The dashboard in a real browser driven through WebDriver (Debian's chromedriver
//! and headless Chromium), against a server started on 127.0.0.1: the overview, an
//! indicator page, the regions page, the briefings archive and the sign-in page in French, Arabic and English load with no
//! console error, pass axe-core with no serious or critical violation, and the
//! Arabic layout is measured to be mirrored. Screenshots go to a temporary
//! directory, or to `MD2030_SCREENSHOTS` when set (to refresh docs/screenshots).
//!
//! Skipped on a machine without chromedriver unless `MD2030_REQUIRE_BROWSER` is set
//! (CI sets it: a missing browser fails there).

use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};

use crate::serve::{chromium, start};

const AXE: &str = include_str!("../assets/axe-4.14.1.min.js");

struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-s", "KILL", "--", &group]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn chromedriver() -> Option<Driver> {
    let path = "/usr/bin/chromedriver";
    if !std::path::Path::new(path).exists() {
        assert!(
            std::env::var_os("MD2030_REQUIRE_BROWSER").is_none(),
            "chromedriver is required (apt-get install chromium-driver)"
        );
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    // Its own process group: dropping the driver kills the browsers it started too.
    let child = Command::new(path)
        .process_group(0)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not listen within 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(Driver { child, url: format!("http://127.0.0.1:{port}") })
}

/// chromedriver's browser log (`POST /session/{id}/se/log`): what the page wrote
/// to the console, and the resources it failed to load.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({"type": "browser"}).to_string()))
    }
}

async fn connect(driver: &Driver, browser: &str, profile: &std::path::Path) -> Client {
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": browser,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1100",
                format!("--user-data-dir={}", profile.display()),
            ],
        },
        "goog:loggingPrefs": {"browser": "ALL"},
    });
    let Value::Object(capabilities) = capabilities else { unreachable!() };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a WebDriver session")
}

/// Console messages at level SEVERE (errors, failed loads) since the last call.
async fn console_errors(client: &Client) -> Vec<String> {
    let log = client.issue_cmd(BrowserLog).await.expect("the browser log");
    log.as_array()
        .into_iter()
        .flatten()
        .filter(|entry| entry["level"] == "SEVERE")
        .map(|entry| entry["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// axe-core's serious and critical violations on the loaded page.
async fn accessibility_violations(client: &Client) -> Vec<String> {
    client.execute(&format!("{AXE}\nreturn true;"), vec![]).await.expect("axe-core loads");
    let found = client
        .execute(
            "return axe.run(document).then(r => r.passes.length < 10
                ? ['axe-core checked only ' + r.passes.length + ' rules: it did not run']
                : r.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.length + ' node(s): '
                    + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')));",
            vec![],
        )
        .await
        .expect("axe-core runs");
    found
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect()
}

/// Where the page's parts sit: the document's direction, the viewport width, and
/// the left and right edges of the text of the site title, the page heading and the
/// first table cell.
async fn layout(client: &Client) -> Value {
    client
        .execute(
            "const edges = sel => { const e = document.querySelector(sel);
                 if (!e) return null;
                 const range = document.createRange(); range.selectNodeContents(e);
                 const r = range.getBoundingClientRect();
                 return {left: r.left, right: r.right, width: r.width}; };
             return document.fonts.ready.then(() => ({
                 dir: document.documentElement.dir,
                 lang: document.documentElement.lang,
                 width: document.documentElement.clientWidth,
                 title: edges('header.top h1'),
                 heading: edges('main h2'),
                 cell: edges('main table tbody td'),
                 lead: (e => e ? (r => ({left: r.left, right: r.right, width: r.width}))(e.getBoundingClientRect()) : null)
                     (document.querySelector('main .cards .card, main figure.map svg, main figure.chart-figure, main table.values tbody td, main form.signin')),
                 svg_direction: (document.querySelector('main svg') || {getAttribute: () => null})
                     .getAttribute('direction'),
                 scroll_width: document.documentElement.scrollWidth,
             }));",
            vec![],
        )
        .await
        .expect("layout measured")
}

#[test]
fn pages_load_clean_accessible_and_mirrored_in_arabic_in_a_real_browser() {
    let Some(browser) = chromium() else { return };
    let Some(driver) = chromedriver() else { return };
    let store = tempfile::tempdir().unwrap();
    let server = start(store.path());
    let profile = tempfile::tempdir().unwrap();
    let shots_dir = tempfile::tempdir().unwrap();
    let shots = std::env::var_os("MD2030_SCREENSHOTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| shots_dir.path().to_path_buf());
    std::fs::create_dir_all(&shots).unwrap();
    // One archived edition, so the briefings page lists one (the list reloads
    // within 2 s of the archive changing).
    let (status, _, _) = crate::serve::get(&server.addr, "/briefing.pdf?lang=ar", &[]).unwrap();
    assert_eq!(status, 200);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !crate::serve::get(&server.addr, "/fr/briefings", &[]).unwrap().2.contains("e1-ar.pdf") {
        assert!(
            std::time::Instant::now() < deadline,
            "the briefings page did not list the edition"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let client = connect(&driver, browser, profile.path()).await;
        // Problems are collected, not raised at once, so the browser is always
        // closed before the test fails.
        let mut problems = Vec::new();
        macro_rules! check {
            ($cond:expr, $($message:tt)+) => {
                let holds: bool = $cond;
                if !holds {
                    problems.push(format!($($message)+));
                }
            };
        }
        for lang in ["fr", "ar", "en"] {
            for page in ["", "indicator/digital_take_up", "regions", "briefings", "signin"] {
                let url = format!("http://{}/{lang}/{page}", server.addr);
                client.goto(&url).await.unwrap();
                let layout = layout(&client).await;
                let errors = console_errors(&client).await;
                if !errors.is_empty() {
                    problems.push(format!("{url}: console errors: {errors:?}"));
                }
                for violation in accessibility_violations(&client).await {
                    problems.push(format!("{url}: axe: {violation}"));
                }
                let png = client.screenshot().await.unwrap();
                let name = format!(
                    "{lang}-{}.png",
                    if page.is_empty() { "overview" } else { page.split('/').next().unwrap() }
                );
                std::fs::write(shots.join(name), &png).unwrap();
                check!(png.len() > 20_000, "{url}: a screenshot of {} bytes", png.len());

                // Direction and mirroring, measured on the laid-out page.
                let width = layout["width"].as_f64().unwrap();
                let expected_dir = if lang == "ar" { "rtl" } else { "ltr" };
                check!(layout["dir"] == expected_dir, "{url}: dir {}", layout["dir"]);
                check!(layout["lang"] == lang, "{url}: lang {}", layout["lang"]);
                // The text of the site title and of the heading, and the page's
                // first block (a card, the map, the chart) start on the reading side.
                for part in ["title", "heading", "lead"] {
                    let Some(edges) = layout[part].as_object() else {
                        problems.push(format!("{url}: no {part} on the page"));
                        continue;
                    };
                    let (left, right) =
                        (edges["left"].as_f64().unwrap(), edges["right"].as_f64().unwrap());
                    if lang == "ar" {
                        // Starts at the right: within 80 px of the right edge, in the right half.
                        check!(
                            width - right < 80.0 && left > width * 0.25,
                            "{url}: {part} at {left}..{right} of {width}, not on the right"
                        );
                    } else {
                        check!(
                            left < 80.0 && right < width * 0.75 + 200.0,
                            "{url}: {part} at {left}..{right} of {width}, not on the left"
                        );
                    }
                }
                // Charts keep their own left-to-right drawing inside the RTL page.
                if !page.is_empty() && page != "briefings" && page != "signin" {
                    check!(
                        layout["svg_direction"] == "ltr",
                        "{url}: chart direction {}",
                        layout["svg_direction"]
                    );
                }
                // Nothing overflows the viewport sideways.
                check!(
                    layout["scroll_width"].as_f64().unwrap() <= width + 1.0,
                    "{url}: horizontal scroll: {layout}"
                );
            }
        }
        client.close().await.unwrap();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    });
}
