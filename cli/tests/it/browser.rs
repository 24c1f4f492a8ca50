//! The dashboard in a real browser driven through WebDriver (Debian's chromedriver
//! and headless Chromium), against a server started on 127.0.0.1: every page
//! (public, a steward's, an admin's) in French and Arabic, at 1366 px and at
//! 390 px, loads with no console error and no sideways scroll; at 1366 px it passes
//! axe-core with no serious or critical violation and the Arabic layout is
//! measured to be mirrored; at 390 px no chart text is under 11 px. Screenshots go to a temporary
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
                "--disable-dev-shm-usage", "--window-size=1366,900",
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
                     (document.querySelector('main .cards .card, main figure.map svg, main figure.chart-figure, main table.values tbody td, main form.signin, main .method p')),
                 svg_direction: (document.querySelector('main svg') || {getAttribute: () => null})
                     .getAttribute('direction'),
                 scroll_width: document.documentElement.scrollWidth,
             }));",
            vec![],
        )
        .await
        .expect("layout measured")
}

/// Every page: the public ones, then a steward's, then an admin's.
const PUBLIC: [&str; 14] = [
    "",
    "indicator/digital_take_up",
    "regions",
    "ministries",
    "peers",
    "ministry/MTNRA",
    "regions/league",
    "data",
    "targets",
    "method",
    "milestones",
    "briefings",
    "signin",
    "decisions",
];
const STEWARD: [&str; 7] = [
    "my",
    "submit",
    "review",
    "review/civil_servant_training/2",
    "decisions",
    "judgments",
    "packs",
];
const ADMIN: [&str; 3] = ["audit", "accounts", "decisions"];

/// The smallest text drawn in the page's visible charts, in CSS pixels (its font
/// size times the SVG's scale on screen); `null` without a visible chart.
///
/// A phone's chart frames shown as images (the indicator page) are drawn with text
/// of at least 16 / 1.24 = 12.9 px: their smallest text is that times the image's
/// scale on screen (once loaded).
const SMALLEST_CHART_TEXT: &str = "const sizes = [...document.querySelectorAll('main svg text')]
        .filter(t => t.getClientRects().length > 0 && t.textContent.trim() !== '')
        .map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a);
    const images = [...document.querySelectorAll('main .chart-narrow img')]
        .filter(i => i.getClientRects().length > 0 && i.naturalWidth > 0)
        .map(i => 16 / 1.24 * i.clientWidth / i.naturalWidth);
    const all = sizes.concat(images);
    return all.length ? Math.min(...all) : null;";

async fn sign_in(client: &Client, addr: &str, user: &str) {
    use fantoccini::Locator;
    client.goto(&format!("http://{addr}/fr/signin")).await.unwrap();
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("input[name=username]"))
        .await
        .unwrap()
        .send_keys(user)
        .await
        .unwrap();
    let password = client.find(Locator::Css("input[name=password]")).await.unwrap();
    password.send_keys(crate::access::PASSWORD).await.unwrap();
    client.find(Locator::Css("form.signin button")).await.unwrap().click().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while client.find(Locator::Css("form.signin")).await.is_ok() {
        assert!(Instant::now() < deadline, "{user} was not signed in");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Signs out and waits for the sign-out to land (the account bar's form gone):
/// a navigation started right after the click could otherwise be overtaken by
/// the sign-out's redirect.
async fn sign_out(client: &Client) {
    use fantoccini::Locator;
    if let Ok(button) = client.find(Locator::Css(".account form button")).await {
        button.click().await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while client.find(Locator::Css(".account form button")).await.is_ok() {
            assert!(Instant::now() < deadline, "the sign-out did not land");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[test]
fn pages_load_clean_accessible_mirrored_and_fit_a_phone_in_a_real_browser() {
    let Some(browser) = chromium() else { return };
    let Some(driver) = chromedriver() else { return };
    let store = crate::sample_store();
    crate::access::users(store.path());
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

    // One version awaiting sign-off, whose preview is a steward's page.
    let karim = crate::access::sign_in(&server.addr, "karim", crate::access::PASSWORD).unwrap();
    let sent = karim.upload(
        &server.addr,
        "civil_servant_training",
        "training.csv",
        crate::access::TRAINING_2026,
        Some(&karim.csrf),
    );
    assert_eq!(sent.status, 200, "{}", sent.body);
    // A decision with a point reported behind and confirmed, for the register.
    let root = crate::access::sign_in(&server.addr, "root", crate::access::PASSWORD).unwrap();
    let recorded = root.post(
        &server.addr,
        "/fr/decisions",
        &[
            ("csrf", &root.csrf),
            ("meeting_date", "2026-11-20"),
            ("title", "Financement des startups"),
            ("p1_text", "Ouvrir le fonds d'amorçage aux startups labellisées"),
            ("p1_owner", "MTNRA"),
            ("p1_due", "2026-11-30"),
            ("p1_ind1", "startup_funding"),
            ("p1_effect", "500 M MAD levés de plus en 2027"),
        ],
    );
    assert_eq!(recorded.status, 303, "{}", recorded.body);

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let client = connect(&driver, browser, profile.path()).await;
        // Problems are collected, not raised at once, so the browser is always
        // closed before the test fails.
        let mut problems = Vec::new();
        for (who, pages) in
            [(None, &PUBLIC[..]), (Some("amina"), &STEWARD[..]), (Some("root"), &ADMIN[..])]
        {
            if let Some(user) = who {
                client.set_window_size(1366, 900).await.unwrap();
                sign_out(&client).await;
                sign_in(&client, &server.addr, user).await;
            }
            for (width, height) in [(1366, 900), (390, 844)] {
                client.set_window_size(width, height).await.unwrap();
                for lang in ["fr", "ar"] {
                    for page in pages {
                        let url = format!("http://{}/{lang}/{page}", server.addr);
                        check_page(&client, &url, lang, page, width, &shots, &mut problems).await;
                    }
                }
            }
        }
        // English, on a laptop: the overview and an indicator page.
        client.set_window_size(1366, 900).await.unwrap();
        for page in ["", "indicator/digital_take_up"] {
            let url = format!("http://{}/en/{page}", server.addr);
            check_page(&client, &url, "en", page, 1366, &shots, &mut problems).await;
        }
        client.close().await.unwrap();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    });
}

/// Loads one page and checks it: no console error; at laptop width no serious or
/// critical axe violation and the layout mirrored in Arabic; at any width no
/// sideways scroll; on a phone no chart text under 11 px. A screenshot is kept.
async fn check_page(
    client: &Client,
    url: &str,
    lang: &str,
    page: &str,
    width: u32,
    shots: &std::path::Path,
    problems: &mut Vec<String>,
) {
    client.goto(url).await.unwrap();
    let layout = layout(client).await;
    let errors = console_errors(client).await;
    if !errors.is_empty() {
        problems.push(format!("{url} at {width}: console errors: {errors:?}"));
    }
    let png = client.screenshot().await.unwrap();
    let name = match page {
        "" => "overview",
        _ if page.starts_with("review/") => "preview",
        _ if page.starts_with("indicator/") => "indicator",
        _ => &page.replace('/', "-"),
    };
    std::fs::write(shots.join(format!("{lang}-{name}-{width}.png")), &png).unwrap();
    if png.len() < 20_000 {
        problems.push(format!("{url}: a screenshot of {} bytes", png.len()));
    }
    let viewport = layout["width"].as_f64().unwrap();
    if layout["scroll_width"].as_f64().unwrap() > viewport + 1.0 {
        problems.push(format!("{url} at {width}: horizontal scroll: {layout}"));
    }
    if width < 500 && page.starts_with("indicator/") {
        // The phone's chart frame is an image: it loads (near the top, not deferred
        // by lazy loading).
        let loaded = client
            .execute(
                "const img = document.querySelector('main .chart-narrow img');
                 return img ? Promise.race([img.decode().then(() => img.naturalWidth),
                     new Promise(r => setTimeout(() => r(0), 5000))]) : 0;",
                vec![],
            )
            .await
            .unwrap();
        if loaded.as_f64().unwrap_or(0.0) < 300.0 {
            problems.push(format!("{url} at {width}: the phone's chart did not load ({loaded})"));
        }
    }
    if width < 500 {
        let smallest = client.execute(SMALLEST_CHART_TEXT, vec![]).await.unwrap();
        if let Some(px) = smallest.as_f64()
            && px < 11.0
        {
            problems.push(format!("{url} at {width}: chart text of {px:.1} px"));
        }
        return;
    }
    for violation in accessibility_violations(client).await {
        problems.push(format!("{url}: axe: {violation}"));
    }
    mirrored(&layout, url, lang, page, problems);
}

/// Direction and mirroring, measured on the laid-out page: the site title, the
/// page heading and the page's first block start on the reading side; charts keep
/// their own left-to-right drawing inside the RTL page.
fn mirrored(layout: &Value, url: &str, lang: &str, page: &str, problems: &mut Vec<String>) {
    let width = layout["width"].as_f64().unwrap();
    let expected_dir = if lang == "ar" { "rtl" } else { "ltr" };
    if layout["dir"] != expected_dir || layout["lang"] != lang {
        problems.push(format!("{url}: dir {} lang {}", layout["dir"], layout["lang"]));
    }
    for part in ["title", "heading", "lead"] {
        let Some(edges) = layout[part].as_object() else {
            if part != "lead" || PUBLIC.contains(&page) {
                problems.push(format!("{url}: no {part} on the page"));
            }
            continue;
        };
        let (left, right) = (edges["left"].as_f64().unwrap(), edges["right"].as_f64().unwrap());
        let on_side = if lang == "ar" {
            width - right < 80.0 && left > width * 0.25
        } else {
            left < 80.0 && right < width * 0.75 + 200.0
        };
        if !on_side {
            problems.push(format!(
                "{url}: {part} at {left}..{right} of {width}, not on the reading side"
            ));
        }
    }
    let charted = ["indicator/digital_take_up", "regions"].contains(&page);
    if charted && layout["svg_direction"] != "ltr" {
        problems.push(format!("{url}: chart direction {}", layout["svg_direction"]));
    }
}
