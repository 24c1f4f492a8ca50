//! `md2030 serve` over real HTTP: a server started on an empty data directory
//! loads the sample, serves the overview with the figures of
//! `md2030 indicators --json`, caches with ETags, and stops cleanly on SIGTERM.
//! (The pages, API and downloads are tested in process, in
//! `dashboard/tests/http.rs`.)

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::md2030;

pub(crate) struct Server {
    child: Child,
    pub(crate) addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_addr() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

pub(crate) fn start(data_dir: &std::path::Path) -> Server {
    let addr = free_addr();
    let child = Command::new(env!("CARGO_BIN_EXE_md2030"))
        .args(["--data-dir", data_dir.to_str().unwrap(), "serve", "--addr", &addr])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server { child, addr };
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if let Ok((200, _, _)) = get(&server.addr, "/healthz", &[]) {
            return server;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("the server did not answer /healthz within 120 s");
}

/// A plain HTTP/1.1 GET: (status, headers lowercased, body).
pub(crate) fn get(
    addr: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> std::io::Result<(u16, String, String)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let text = String::from_utf8_lossy(&response).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    Ok((status, head.to_lowercase(), body.to_string()))
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| line.strip_prefix(&format!("{name}: ")))
}

#[test]
fn the_dashboard_serves_the_sample_over_a_socket_and_stops_on_sigterm() {
    // As README's first command does: a data directory that does not exist yet.
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("md2030-data");
    let server = start(&dir);

    let (status, _, health) = get(&server.addr, "/healthz", &[]).unwrap();
    assert_eq!(status, 200);
    let health: serde_json::Value = serde_json::from_str(&health).unwrap();
    assert_eq!(health["results_version"], "results@v1");

    // French: left to right, the sample banner, and the figures of the results.
    let (status, head, fr) = get(&server.addr, "/fr/", &[]).unwrap();
    assert_eq!(status, 200);
    assert!(fr.contains("<html lang=\"fr\" dir=\"ltr\">"));
    assert!(
        fr.contains("Données d'exemple") || fr.contains("Données d&#39;exemple"),
        "no sample banner"
    );
    let out = md2030(&dir, &["indicators", "--json"]);
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The EGDI rank of Morocco in 2024 (UN): 90, shown as 90.
    let rank = crate::indicator(&results, "egdi_rank");
    assert_eq!(rank["headline"]["latest"]["value"], 90.0);
    assert!(
        fr.contains("data-indicator-value=\"egdi_rank\"><bdi dir=\"ltr\">90</bdi>"),
        "rank 90 not shown"
    );
    // Offshoring jobs 2025-Q2 in the sample: 154,000, written the French way.
    let jobs = crate::indicator(&results, "offshoring_jobs");
    assert_eq!(jobs["headline"]["latest"]["value"], 154_000.0);
    assert!(fr.contains(
        "data-indicator-value=\"offshoring_jobs\"><bdi dir=\"ltr\">154\u{202F}000</bdi>"
    ));
    // Every indicator shows once: a row of the targets table or a context card.
    let rows = fr.matches("<tr id=\"t-").count();
    assert_eq!(rows + fr.matches("<article class=\"card\"").count(), 26);

    // The same page again with its ETag: 304, no body.
    let etag = header(&head, "etag").unwrap().to_string();
    let (status, _, body) = get(&server.addr, "/fr/", &[("If-None-Match", &etag)]).unwrap();
    assert_eq!((status, body.as_str()), (304, ""));

    // SIGTERM: the server stops and exits 0.
    let mut server = server;
    let pid = server.child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(Instant::now() < deadline, "no exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Headless Chromium, if installed: `None` (test skipped) on a machine without it,
/// unless `MD2030_REQUIRE_BROWSER` is set (CI), where a missing browser fails.
pub(crate) fn chromium() -> Option<&'static str> {
    let path = "/usr/bin/chromium";
    if std::path::Path::new(path).exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("MD2030_REQUIRE_BROWSER").is_none(),
        "Chromium is required (apt-get install chromium)"
    );
    None
}

/// Loads `url` in headless Chromium: the DOM after load, and a PNG screenshot
/// written to `shot`.
fn browse(browser: &str, url: &str, shot: &std::path::Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    let args = |extra: &[String]| {
        let mut args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            format!("--user-data-dir={}", profile.path().display()),
            "--window-size=1280,1100".into(),
        ];
        args.extend_from_slice(extra);
        args.push(url.to_string());
        args
    };
    let dom = Command::new(browser).args(args(&["--dump-dom".into()])).output().unwrap();
    let shot_run = Command::new(browser)
        .args(args(&[format!("--screenshot={}", shot.display())]))
        .output()
        .unwrap();
    assert!(shot_run.status.success(), "{url}: chromium failed");
    String::from_utf8_lossy(&dom.stdout).into_owned()
}

#[test]
fn the_pages_render_in_a_real_browser_in_three_languages() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let shots = tempfile::tempdir().unwrap();
    for (lang, dir_attr) in [("fr", "ltr"), ("ar", "rtl"), ("en", "ltr")] {
        // The overview, indicator and regions pages are driven through WebDriver
        // (browser.rs); the data and targets pages are loaded here.
        for page in ["data", "targets"] {
            let url = format!("http://{}/{lang}/{page}", server.addr);
            let shot = shots.path().join(format!("{lang}-{}.png", page.replace('/', "-")));
            let dom = browse(browser, &url, &shot);
            assert!(
                dom.contains(&format!("<html lang=\"{lang}\" dir=\"{dir_attr}\">")),
                "{url}: {}",
                &dom[..dom.len().min(300)]
            );
            // The browser parsed the whole page: the layout's closing tags are there.
            assert!(dom.contains("</main>") && dom.contains("</html>"), "{url}");
            // A screenshot of a laid-out page, not an empty one.
            let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
            assert!(size > 20_000, "{url}: screenshot of {size} bytes");
        }
    }
}

#[test]
fn an_ingested_boundary_file_turns_the_tile_map_into_a_choropleth() {
    let Some(real) = crate::real_data() else { return };
    let store = crate::sample_store();
    let server = start(store.path());
    // Before: the project's tile map.
    let (_, _, page) = get(&server.addr, "/fr/regions", &[]).unwrap();
    assert!(page.contains("class=\"tilemap\"") && !page.contains("class=\"choropleth\""));
    drop(server);

    let file = real.join("geo/morocco-map_regions.topo.json");
    let out = md2030(store.path(), &["ingest", "region_boundaries", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let server = start(store.path());
    let (status, _, page) = get(&server.addr, "/en/regions", &[]).unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("class=\"choropleth\""), "no choropleth");
    assert!(page.contains("data-boundaries=\"region_boundaries@v1\""));
    assert!(page.contains("region_boundaries@v1 (morocco-map_regions.topo.json"));
    // One outline per region, each a path with its name and value as tooltip.
    for code in ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"] {
        let at = page
            .find(&format!("<g data-region=\"{code}\"><path d=\"M"))
            .unwrap_or_else(|| panic!("region {code} has no outline"));
        assert!(page[at..].split("</g>").next().unwrap().contains("<title>"));
    }
    // The value written on each region is the one in the table beside the map:
    // every table value appears as a map label.
    let map = &page[page.find("class=\"choropleth\"").unwrap()..page.find("</svg>").unwrap()];
    let table = &page[page.find("<table class=\"values\">").unwrap()..];
    let values: Vec<&str> = table
        .split("<td><bdi dir=\"ltr\">")
        .skip(1)
        .step_by(2)
        .take(12)
        .map(|cell| cell.split('<').next().unwrap())
        .collect();
    assert_eq!(values.len(), 12);
    for value in values {
        assert!(map.contains(&format!(">{value}</text>")), "{value} is not on the map");
    }
}

/// Writes the data directory's copy of the catalogue: the compiled one, with a 5G
/// target of 90 % by 2030 (version 3, superseding 85 %).
fn adopt_90_percent_5g(data_dir: &std::path::Path) {
    let compiled =
        |name: &str| std::fs::read_to_string(crate::repo(&format!("data/catalog/{name}"))).unwrap();
    let folder = data_dir.join("catalog");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("indicators.toml"), compiled("indicators.toml")).unwrap();
    let targets = format!(
        "{}\n[[target]]\nid = \"coverage_5g_2030_v3\"\nindicator = \"coverage_5g\"\nyear = 2030\nvalue = 90\nbaseline = {{ year = 2024, value = 0 }}\nsource = {{ fr = \"Un essai\", ar = \"تجربة\", en = \"A test\" }}\nadopted_by = {{ fr = \"L'essai\", ar = \"التجربة\", en = \"The test\" }}\nadopted_on = \"2026-12-03\"\nversion = 3\nsupersedes = \"coverage_5g_2030_v2\"\n",
        compiled("targets.toml")
    );
    std::fs::write(folder.join("targets.toml"), targets).unwrap();
}

#[test]
fn results_computed_before_an_edit_of_the_targets_are_recomputed_when_the_dashboard_starts() {
    // The targets file is edited while nothing runs: the stored results were made
    // with the old registry, and `serve` recomputes them before it answers.
    let store = crate::sample_store();
    adopt_90_percent_5g(store.path());
    let server = start(store.path());
    let (_, _, api) = get(&server.addr, "/api/v1/indicators", &[]).unwrap();
    let api: serde_json::Value = serde_json::from_str(&api).unwrap();
    let g5 = api["indicators"].as_array().unwrap().iter().find(|i| i["id"] == "coverage_5g");
    assert_eq!(g5.and_then(|i| i["target"]["value"].as_f64()), Some(90.0));
}

/// A GET whose body is kept as bytes (a PDF).
fn get_bytes(addr: &str, path: &str) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let at = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&response[..at]).to_string();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, response[at..].to_vec())
}

#[test]
fn an_edited_targets_file_shows_on_the_targets_page_and_in_the_next_pdf_without_a_restart() {
    let store = crate::sample_store();
    let server = start(store.path());
    let (_, _, before) = get(&server.addr, "/en/targets", &[]).unwrap();
    assert!(before.contains("<td>85.0%</td>") && !before.contains("<td>90.0%</td>"));
    // An administrator adopts a 5G target of 90 % (version 3, superseding 85 %) by
    // editing the data directory's copy of the registry, while the server runs.
    adopt_90_percent_5g(store.path());
    // The targets page follows within a reload (every 2 s), and the results are
    // recomputed against the new registry (the API's 5G target).
    let deadline = Instant::now() + Duration::from_secs(90);
    let recomputed = loop {
        let (_, _, page) = get(&server.addr, "/en/targets", &[]).unwrap();
        let (_, _, api) = get(&server.addr, "/api/v1/indicators", &[]).unwrap();
        let api: serde_json::Value = serde_json::from_str(&api).unwrap();
        let g5 = api["indicators"].as_array().unwrap().iter().find(|i| i["id"] == "coverage_5g");
        let target = g5.and_then(|i| i["target"]["value"].as_f64());
        if page.contains(
            "<tr class=\"in_force\"><td>5G population coverage</td><td>2030</td><td>90.0%</td>",
        ) && target == Some(90.0)
        {
            break true;
        }
        if Instant::now() > deadline {
            break false;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert!(recomputed, "the edited target did not reach the targets page and the results");
    // The next PDF carries it: the annex names the new target version.
    if Path::new("/usr/bin/pdftotext").exists() {
        let (status, pdf) = get_bytes(&server.addr, "/briefing.pdf?lang=en");
        assert_eq!(status, 200);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("en.pdf");
        std::fs::write(&file, pdf).unwrap();
        let out = Command::new("pdftotext").arg(&file).arg("-").output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).replace('\n', " ");
        assert!(
            text.contains("coverage_5g_2030_v3"),
            "the PDF's annex does not name the new target"
        );
    }
}
