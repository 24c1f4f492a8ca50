//! `md2030 publish`: the static public edition, served by a plain static file
//! server (Python's `http.server`), crawled link by link.

use std::collections::{BTreeSet, VecDeque};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::access::{self, PASSWORD, TRAINING_2026, send, sign_in, start};
use crate::{md2030, sample_store};

/// Every local link of a page (relative, as the edition writes them).
fn links(html: &str) -> Vec<String> {
    let re = regex::Regex::new(r##"(?:href|src)="([^"#]*)"##).unwrap();
    re.captures_iter(html)
        .map(|c| c[1].replace("&amp;", "&"))
        .filter(|l| !l.is_empty() && !l.starts_with("http") && !l.starts_with("data:"))
        .collect()
}

/// `link` resolved against the page at `base` (both paths from the root).
fn resolve(base: &str, link: &str) -> String {
    let mut parts: Vec<&str> = base.split('/').collect();
    parts.pop();
    for part in link.split('/') {
        match part {
            ".." => {
                parts.pop();
            }
            "." => {}
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// The text a reader reads: tags and their attributes removed.
fn text(html: &str) -> String {
    let tags = regex::Regex::new(r"(?s)<script.*?</script>|<[^>]*>").unwrap();
    tags.replace_all(html, " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The edition of the sample, with a steward's version awaiting sign-off in the
/// store: served by a plain static server, every link answers; every public page
/// of the dashboard is there in three languages; pages read word for word as the
/// dashboard's; nothing of the pending version, the accounts or the audit log.
#[test]
fn the_static_edition_has_every_public_page_and_no_broken_link() {
    let store = sample_store();
    access::users(store.path());
    {
        let server = start(store.path(), &[]);
        let amina = sign_in(&server.addr, "amina", PASSWORD).unwrap();
        let reply = amina.upload(
            &server.addr,
            "civil_servant_training",
            "t.csv",
            TRAINING_2026,
            Some(&amina.csrf),
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let listed = md2030(store.path(), &["versions", "civil_servant_training"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("(pending)"));

    let edition = tempfile::tempdir().unwrap();
    let out_dir = edition.path().join("site");
    let out = md2030(
        store.path(),
        &["publish", "--out", out_dir.to_str().unwrap(), "--live", "https://md2030.example.ma"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut files = Command::new("python3")
        .args(["-m", "http.server", &port.to_string(), "--bind", "127.0.0.1", "--directory"])
        .arg(&out_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr = format!("127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while send(&addr, "GET", "/index.html", &[], b"").is_err() {
        assert!(Instant::now() < deadline, "the static server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut queue = VecDeque::from(["index.html".to_string()]);
    let mut seen: BTreeSet<String> = queue.iter().cloned().collect();
    let mut broken = Vec::new();
    while let Some(path) = queue.pop_front() {
        let reply = send(&addr, "GET", &format!("/{path}"), &[], b"").unwrap();
        if reply.status != 200 {
            broken.push(format!("{path}: {}", reply.status));
            continue;
        }
        if path.ends_with(".html") {
            for link in links(&reply.body) {
                let target = resolve(&path, link.split('?').next().unwrap());
                if seen.insert(target.clone()) {
                    queue.push_back(target);
                }
            }
        }
    }
    let _ = files.kill();
    let _ = files.wait();
    assert!(broken.is_empty(), "{} broken links:\n{}", broken.len(), broken.join("\n"));

    // Every public page of the dashboard, in the three languages.
    let catalog = md2030_analytics::catalog::Catalog::compiled_in().unwrap();
    for lang in ["fr", "ar", "en"] {
        let mut pages: Vec<String> = [
            "index",
            "data",
            "targets",
            "method",
            "milestones",
            "regions",
            "ministries",
            "regions/league",
            "peers",
            "decisions",
            "briefings",
            "ministry/MTNRA",
        ]
        .iter()
        .map(|p| format!("{lang}/{p}.html"))
        .collect();
        pages.extend(catalog.indicators.iter().map(|i| format!("{lang}/indicator/{}.html", i.id)));
        for page in pages {
            assert!(seen.contains(&page), "{page} is not reached from the edition's index");
        }
    }
    assert!(seen.iter().any(|p| p.starts_with("download/dataset/") && p.ends_with(".parquet")));
    assert!(out_dir.join("api/v1/indicators.json").is_file());
    assert!(out_dir.join("download/export.zip").is_file());
    assert!(out_dir.join("sitemap.xml").is_file());

    // Word for word the dashboard's pages.
    let server = start(store.path(), &[]);
    for (dynamic, file) in [
        ("/fr/", "fr/index.html"),
        ("/ar/peers", "ar/peers.html"),
        ("/en/indicator/egdi_rank", "en/indicator/egdi_rank.html"),
    ] {
        let live = send(&server.addr, "GET", dynamic, &[], b"").unwrap();
        let written = std::fs::read_to_string(out_dir.join(file)).unwrap();
        assert_eq!(text(&written), text(&live.body), "{file}");
    }

    // Nothing of the pending version, the accounts or the audit log.
    let mut stack = vec![out_dir.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path.to_string_lossy().to_string();
            for word in ["audit", "accounts", "signin", "review", "template"] {
                assert!(!name.contains(word), "{name}");
            }
            let bytes = std::fs::read(&path).unwrap();
            let body = String::from_utf8_lossy(&bytes);
            for secret in ["civil_servant_training@v2", "amina", "Amina"] {
                assert!(!body.contains(secret), "{name} holds {secret}");
            }
        }
    }
}
