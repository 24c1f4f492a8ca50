//! The Commission's delivery loop through the dashboard, as its users run it: the
//! secretariat records a decision from the minutes, a steward of the owner reports
//! a point behind, a second steward confirms, the secretariat judges the indicator
//! greener than its figures (flagged), then the point is reported done and
//! confirmed by the secretariat. Who may write what, and hostile input, on the way.

use std::time::{Duration, Instant};

use crate::access::{Browser, PASSWORD, add_user, send, sign_in, start, users};
use crate::{md2030, sample_store};

/// Waits until `path` (a published page or document, reloaded within 2 s of a
/// change) contains `needle`.
fn eventually(addr: &str, browser: &Browser, path: &str, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let body = browser.get(addr, path).body;
        if body.contains(needle) {
            return body;
        }
        assert!(Instant::now() < deadline, "{path} never showed {needle:?}:\n{body}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() { stack.push(path) } else { files.push(path) }
        }
    }
    files
}

/// `md2030 pack` for the next meeting, in English: its text read back by
/// pdftotext with the whitespace squashed, what the command said (the pack's id,
/// typeset or from the archive), and the PDF's bytes.
fn pack_built(dir: &std::path::Path) -> (String, String, Vec<u8>) {
    let pdf = dir.join("pack.pdf");
    let out = md2030(dir, &["pack", "--meeting", "2026-12-10", "--out", pdf.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::process::Command::new("pdftotext").arg(&pdf).arg("-").output().unwrap();
    assert!(text.status.success());
    let squashed =
        String::from_utf8_lossy(&text.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    (squashed, String::from_utf8_lossy(&out.stdout).into_owned(), std::fs::read(&pdf).unwrap())
}

#[test]
fn a_decision_is_followed_point_by_point_and_judged_beside_its_figures() {
    let dir = sample_store();
    users(dir.path());
    add_user(dir.path(), &["sara", "--role", "secretariat", "--name", "Sara (secrétariat)"]);
    std::fs::write(dir.path().join("md2030.toml"), "[dashboard]\naccess = \"public\"\n").unwrap();
    let server = start(dir.path(), &[]);
    let addr = server.addr.as_str();
    let [sara, amina, karim, omar, nadia] =
        ["sara", "amina", "karim", "omar", "nadia"].map(|u| sign_in(addr, u, PASSWORD).unwrap());

    // The secretariat records the decision; a steward, a viewer, a form without
    // its token cannot.
    let title = "=HYPERLINK(\"http://x\") <script>alert(1)</script> Startups";
    let decision = [
        ("meeting_date", "2026-11-20"),
        ("title", title),
        ("p1_text", "Open the seed fund to labelled startups"),
        ("p1_owner", "MTNRA"),
        ("p1_due", "2026-11-30"),
        ("p1_ind1", "startup_funding"),
        ("p1_effect", "MAD 500 M more raised in 2027"),
        ("p2_text", "Publish the fund's first calls"),
        ("p2_owner", "MTNRA"),
        ("p2_due", "2027-06-30"),
        ("p2_ind1", "startup_funding"),
        ("p2_ind2", "labelled_startups"),
    ];
    for (who, status) in [(&amina, 403), (&nadia, 403)] {
        let mut form = decision.to_vec();
        form.push(("csrf", &who.csrf));
        assert_eq!(who.post(addr, "/en/decisions", &form).status, status);
    }
    assert_eq!(sara.post(addr, "/en/decisions", &decision).status, 403, "no CSRF token");
    // Another site's form, even with the right token.
    let mut body: Vec<(&str, &str)> = decision.to_vec();
    body.push(("csrf", &sara.csrf));
    let encoded: String = body
        .iter()
        .map(|(k, v)| format!("{k}={}", v.bytes().map(|b| format!("%{b:02X}")).collect::<String>()))
        .collect::<Vec<_>>()
        .join("&");
    let cross = send(
        addr,
        "POST",
        "/en/decisions",
        &[
            ("Cookie", &sara.cookie),
            ("Origin", "http://evil.example"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        encoded.as_bytes(),
    )
    .unwrap();
    assert_eq!(cross.status, 403, "a cross-origin post");
    // A 100 KB subject: the form is over the body limit (64 KB) and cannot be
    // read; nothing is recorded.
    let huge = "x".repeat(100 * 1024);
    let mut oversized = decision.to_vec();
    oversized.push(("csrf", &sara.csrf));
    oversized[1] = ("title", &huge);
    assert_eq!(sara.post(addr, "/en/decisions", &oversized).status, 400);
    assert!(amina.get(addr, "/en/decisions").body.contains("No decision recorded yet."));
    let mut bad = decision.to_vec();
    bad.push(("csrf", &sara.csrf));
    bad[3] = ("p1_owner", "NOWHERE");
    assert_eq!(sara.post(addr, "/en/decisions", &bad).status, 400, "unknown owner");
    let mut form = decision.to_vec();
    form.push(("csrf", &sara.csrf));
    let recorded = sara.post(addr, "/en/decisions", &form);
    assert_eq!(recorded.status, 303, "{}", recorded.body);
    assert_eq!(recorded.header("location"), Some("/en/decisions?done=recorded"));

    // The register shows it, escaped; both points not started, the first one past
    // its due date (30 November; the test runs later).
    let register = amina.get(addr, "/en/decisions").body;
    assert!(register.contains("&#60;script&#62;alert(1)&#60;/script&#62;"), "the title is escaped");
    assert!(!register.contains("<script>alert(1)"));
    assert!(
        register.contains(
            "Points: 2 · done: 0 · on schedule: 0 · behind: 0 · not started: 2 · past their due date: 1"
        ),
        "{register}"
    );
    let point = |body: &str, n: usize| -> i64 {
        let marker = "id=\"point-";
        let at = body.match_indices(marker).nth(n).unwrap().0 + marker.len();
        body[at..].split('"').next().unwrap().parse().unwrap()
    };
    let (p1, p2) = (point(&register, 0), point(&register, 1));

    // A steward of MTNRA reports point 1 behind, with its reason and evidence.
    let behind = [
        ("status", "behind"),
        ("reason", "The fund's decree awaits its signature"),
        ("evidence", "https://example.org/decree-draft\nhttps://example.org/minutes"),
    ];
    let path = format!("/en/decisions/point/{p1}");
    let with = |b: &Browser, fields: &[(&'static str, &'static str)]| {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf", &b.csrf));
        b.post(addr, &path, &form)
    };
    assert_eq!(with(&omar, &behind).status, 403, "another ministry's steward");
    assert_eq!(with(&sara, &behind).status, 403, "the secretariat confirms, it does not report");
    assert_eq!(
        with(&amina, &[("status", "behind"), ("reason", "")]).status,
        400,
        "behind needs a reason"
    );
    assert_eq!(
        with(&amina, &[("status", "done"), ("evidence", "javascript:alert(1)")]).status,
        400
    );
    assert_eq!(with(&amina, &behind).status, 303);

    // It awaits confirmation: the point is still not started; its author cannot
    // confirm it, another ministry cannot; a second steward of MTNRA does.
    let register = amina.get(addr, "/en/decisions").body;
    assert!(register.contains("Awaiting confirmation:") && register.contains("You reported it"));
    let update: i64 = {
        let marker = "/en/decisions/update/";
        let body = karim.get(addr, "/en/decisions").body;
        let at = body.find(marker).unwrap() + marker.len();
        body[at..].split('"').next().unwrap().parse().unwrap()
    };
    let confirm = |b: &Browser, decision: &'static str| {
        b.post(
            addr,
            &format!("/en/decisions/update/{update}"),
            &[("csrf", &b.csrf), ("decision", decision), ("note", "checked with the ministry")],
        )
    };
    assert_eq!(confirm(&amina, "confirm").status, 409, "its own update");
    assert_eq!(confirm(&omar, "confirm").status, 403);
    assert_eq!(confirm(&karim, "confirm").status, 303);
    assert_eq!(confirm(&sara, "confirm").status, 409, "already confirmed");

    // Confirmed: the register, the API and the indicator page say it.
    let register = amina.get(addr, "/en/decisions").body;
    assert!(
        register.contains(
            "Points: 2 · done: 0 · on schedule: 0 · behind: 1 · not started: 1 · past their due date: 1"
        ),
        "{register}"
    );
    assert!(
        register.contains("The fund&#39;s decree awaits its signature")
            || register.contains("The fund's decree awaits its signature")
    );
    assert!(register.contains("confirmed by karim"));
    let api = eventually(addr, &nadia, "/api/v1/decisions", "\"behind\"");
    let api: serde_json::Value = serde_json::from_str(&api).unwrap();
    let points = api["decisions"][0]["points"].as_array().unwrap();
    assert_eq!(
        (points[0]["status"].as_str(), points[0]["overdue"].as_bool()),
        (Some("behind"), Some(true))
    );
    assert_eq!(
        points[1]["indicators"],
        serde_json::json!(["startup_funding", "labelled_startups"])
    );
    let page = eventually(
        addr,
        &nadia,
        "/en/indicator/startup_funding",
        "The Commission&#39;s decisions aimed at this indicator",
    );
    assert!(
        page.contains("Open the seed fund to labelled startups") && page.contains(">Behind<"),
        "{page}"
    );
    let labelled = nadia.get(addr, "/en/indicator/labelled_startups").body;
    assert!(labelled.contains("Publish the fund") && !labelled.contains("Open the seed fund"));

    // The CSV neutralises the formula in the title.
    let csv = nadia.get(addr, "/download/decisions.csv").body;
    assert!(csv.contains("'=HYPERLINK"), "{csv}");

    // The secretariat judges startup funding amber-green while its computed status
    // is limited progress (amber-red on the same scale): flagged. A steward
    // cannot judge; anonymous visitors do not see the judgments.
    let indicators: serde_json::Value =
        serde_json::from_str(&nadia.get(addr, "/api/v1/indicators").body).unwrap();
    let computed = indicators["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "startup_funding")
        .unwrap()["progress_status"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(computed, "limited_progress", "the sample's figures moved: pick another indicator");
    let judgment = [
        ("indicator", "startup_funding"),
        ("cycle", "2026-11"),
        ("rating", "amber_green"),
        ("rationale", "The seed fund opens in January"),
        ("evidence", "https://example.org/fund"),
    ];
    let judge = |b: &Browser| {
        let mut form: Vec<(&str, &str)> = judgment.to_vec();
        form.push(("csrf", &b.csrf));
        b.post(addr, "/en/judgments", &form)
    };
    assert_eq!(judge(&amina).status, 403);
    assert_eq!(judge(&sara).status, 303);
    let judgments = nadia.get(addr, "/en/judgments").body;
    assert!(
        judgments.contains("Amber-green: likely") && judgments.contains("data-greener"),
        "{judgments}"
    );
    assert_eq!(send(addr, "GET", "/en/judgments", &[], b"").unwrap().status, 303);

    // The pack built before the next meeting opens on that indicator, with the
    // decision aimed at it and the judgment (read back from the PDF).
    let (pack, said, first_bytes) = pack_built(dir.path());
    assert!(said.contains("pack@p1") && said.contains("typeset and archived"), "{said}");
    // The same inputs again: the archived pack, the same bytes.
    let (_, again, again_bytes) = pack_built(dir.path());
    assert!(again.contains("pack@p1") && again.contains("from the archive"), "{again}");
    assert_eq!(again_bytes, first_bytes);
    // Signed-in accounts find it on the dashboard, the same bytes; not anonymous
    // visitors (it carries the judgments).
    assert!(nadia.get(addr, "/en/packs").body.contains("pack@p1"));
    let download = nadia.get(addr, "/download/pack/p1-en.pdf");
    assert_eq!(download.status, 200);
    assert_eq!(send(addr, "GET", "/en/packs", &[], b"").unwrap().status, 303);
    assert_eq!(send(addr, "GET", "/download/pack/p1-en.pdf", &[], b"").unwrap().status, 401);
    let exceptions = pack.split("Decisions aimed at it").nth(1).unwrap();
    assert!(exceptions.trim_start().starts_with("Startup funding raised"), "{pack}");
    let first = exceptions.split("Offshoring").next().unwrap();
    for needle in [
        "Amber-green: likely",
        "The seed fund opens in January",
        "greener than the figures",
        "1. Open the seed fund to labelled startups — Behind",
    ] {
        assert!(first.contains(needle), "{needle:?} not in the pack's first exception:\n{first}");
    }
    assert!(pack.contains("Decision points closed None."), "nothing closed yet:\n{pack}");

    // The point is done: reported by Amina, confirmed by the secretariat.
    assert_eq!(
        with(&amina, &[("status", "done"), ("evidence", "https://example.org/decree")]).status,
        303
    );
    let body = sara.get(addr, "/en/decisions").body;
    let marker = "/en/decisions/update/";
    let at = body.find(marker).unwrap() + marker.len();
    let done: i64 = body[at..].split('"').next().unwrap().parse().unwrap();
    let confirmed = sara.post(
        addr,
        &format!("/en/decisions/update/{done}"),
        &[("csrf", &sara.csrf), ("decision", "confirm")],
    );
    assert_eq!(confirmed.status, 303);
    eventually(addr, &nadia, "/api/v1/decisions", "\"done\"");
    let _ = p2;
    // The next pack (other inputs: a new one) lists it as closed.
    let (pack, said, _) = pack_built(dir.path());
    assert!(said.contains("pack@p2") && said.contains("typeset and archived"), "{said}");
    let closed = pack.split("Decision points closed").nth(1).unwrap();
    assert!(closed.contains("1. Open the seed fund to labelled startups"), "{pack}");

    // The open-data export carries the register with the confirmed statuses and
    // their history, formulas neutralised; not the judgments.
    let export = dir.path().join("export");
    let out = md2030(dir.path(), &["export", "--out", export.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let points = std::fs::read_to_string(export.join("decisions/points.csv")).unwrap();
    let first = points.lines().nth(1).unwrap();
    assert!(
        first.contains("\"'=HYPERLINK")
            && first.contains(",1,Open the seed fund")
            && first.contains(",done,"),
        "{points}"
    );
    let reports = std::fs::read_to_string(export.join("decisions/status_reports.csv")).unwrap();
    assert_eq!(reports.lines().count(), 3, "two confirmed reports:\n{reports}");
    // And the league tables, codes only: the 12 regions, the ministries.
    let regions = std::fs::read_to_string(export.join("league/regions.csv")).unwrap();
    let codes: std::collections::BTreeSet<&str> =
        regions.lines().skip(1).filter_map(|l| l.split(',').next()).collect();
    assert_eq!(codes.len(), 12, "{regions}");
    let ministries = std::fs::read_to_string(export.join("league/ministries.csv")).unwrap();
    assert!(ministries.lines().any(|l| l.starts_with("MTNRA,")), "{ministries}");
    let package = std::fs::read_to_string(export.join("datapackage.json")).unwrap();
    assert!(
        package.contains("\"decisions-points\"") && !package.to_lowercase().contains("judgment")
    );
    for entry in walk(&export) {
        let text = std::fs::read(&entry).unwrap();
        assert!(
            !String::from_utf8_lossy(&text).contains("The seed fund opens in January"),
            "{}",
            entry.display()
        );
    }

    // Every step is in the audit log.
    let audit = md2030(dir.path(), &["audit", "--format", "json", "--limit", "1000"]);
    let log = String::from_utf8_lossy(&audit.stdout);
    for (action, outcome) in [
        ("record_decision", "ok"),
        ("post_point_update", "refused"),
        ("post_point_update", "ok"),
        ("confirm_point_update", "refused"),
        ("confirm_point_update", "ok"),
        ("record_judgment", "refused"),
        ("record_judgment", "ok"),
        ("stocktake_pack", "ok"),
    ] {
        assert!(
            log.lines().any(|l| l.contains(&format!("\"action\":\"{action}\""))
                && l.contains(&format!("\"outcome\":\"{outcome}\""))),
            "no {action} {outcome} in the audit log"
        );
    }
    drop(server);
}
