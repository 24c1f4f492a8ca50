//! Roles, sign-in and hostile input, over real HTTP against `md2030 serve`: each
//! role can do exactly what it may; forged, cross-site and oversized requests are
//! refused; sessions expire; passwords never appear in clear; the server stays up.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{md2030, sample_store};

pub(crate) const PASSWORD: &str = "correct horse battery staple";

pub(crate) struct Server {
    child: Child,
    pub(crate) addr: String,
}

impl Server {
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start(data_dir: &Path, extra: &[&str]) -> Server {
    let addr =
        std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    let log = data_dir.join("serve.log");
    let child = Command::new(env!("CARGO_BIN_EXE_md2030"))
        .args(["--data-dir", data_dir.to_str().unwrap(), "serve", "--addr", &addr])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let server = Server { child, addr };
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if send(&server.addr, "GET", "/healthz", &[], b"").is_ok_and(|r| r.status == 200) {
            return server;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("the server did not answer /healthz within 120 s");
}

#[derive(Debug, PartialEq)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    /// Header lines as sent (names lowercased).
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Reply {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn cookies(&self) -> Vec<&str> {
        self.headers.iter().filter(|(n, _)| n == "set-cookie").map(|(_, v)| v.as_str()).collect()
    }
}

/// One HTTP/1.1 request on its own connection.
pub(crate) fn send(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Reply> {
    send_via(None, addr, method, path, headers, body)
}

/// [`send`] from the local address `from` (another loopback address, 127.0.0.2:
/// another client as the server sees it).
pub(crate) fn send_via(
    from: Option<&str>,
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Reply> {
    let mut stream = match from {
        None => TcpStream::connect(addr)?,
        Some(from) => {
            let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
            let local: std::net::SocketAddr = format!("{from}:0").parse().unwrap();
            socket.bind(&local.into())?;
            let remote: std::net::SocketAddr = addr.parse().unwrap();
            socket.connect(&remote.into())?;
            socket.into()
        }
    };
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if method == "POST" && !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-length")) {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    Ok(parse(&response))
}

fn parse(response: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(response).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok());
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.to_string()))
        .collect();
    Reply { status: status.unwrap_or(0), headers, body: body.to_string() }
}

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The value of `name="csrf" value="…"` in a page.
fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    page[at..].split('"').next().unwrap().to_string()
}

fn cookie_value<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
    reply.cookies().into_iter().find_map(|c| {
        c.split(';').next()?.strip_prefix(&format!("{name}=")).filter(|v| !v.is_empty())
    })
}

/// A signed-in browser: its session cookie and its CSRF token.
pub(crate) struct Browser {
    pub(crate) cookie: String,
    pub(crate) csrf: String,
    /// Where the sign-in sent them (no `next`).
    pub(crate) landed: String,
}

pub(crate) fn sign_in(addr: &str, user: &str, password: &str) -> Result<Browser, Reply> {
    sign_in_via(None, addr, user, password)
}

/// [`sign_in`] from the local address `from`.
pub(crate) fn sign_in_via(
    from: Option<&str>,
    addr: &str,
    user: &str,
    password: &str,
) -> Result<Browser, Reply> {
    let send = |addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]| {
        send_via(from, addr, method, path, headers, body)
    };
    let page = send(addr, "GET", "/en/signin", &[], b"").unwrap();
    assert_eq!(page.status, 200);
    let token = cookie_value(&page, "md2030_signin").unwrap().to_string();
    let body = form(&[("username", user), ("password", password), ("csrf", &token), ("next", "")]);
    let cookie = format!("md2030_signin={token}");
    let reply = send(
        addr,
        "POST",
        "/en/signin",
        &[("Cookie", &cookie), ("Content-Type", "application/x-www-form-urlencoded")],
        &body,
    )
    .unwrap();
    if reply.status != 303 {
        return Err(reply);
    }
    let landed = reply.header("location").unwrap_or_default().to_string();
    let session = reply.cookies().into_iter().find(|c| c.starts_with("md2030_session=")).unwrap();
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict"), "{session}");
    assert!(!session.contains("Secure"), "no TLS here: {session}");
    let cookie = session.split(';').next().unwrap().to_string();
    let review = send(addr, "GET", "/en/review", &[("Cookie", &cookie)], b"").unwrap();
    assert_eq!(review.status, 200, "{}", review.body);
    Ok(Browser { csrf: csrf_of(&review.body), cookie, landed })
}

impl Browser {
    pub(crate) fn get(&self, addr: &str, path: &str) -> Reply {
        send(addr, "GET", path, &[("Cookie", &self.cookie)], b"").unwrap()
    }

    pub(crate) fn post(&self, addr: &str, path: &str, pairs: &[(&str, &str)]) -> Reply {
        send(
            addr,
            "POST",
            path,
            &[("Cookie", &self.cookie), ("Content-Type", "application/x-www-form-urlencoded")],
            &form(pairs),
        )
        .unwrap()
    }

    /// A multipart upload of `content` as `file_name` for `dataset`.
    pub(crate) fn upload(
        &self,
        addr: &str,
        dataset: &str,
        file_name: &str,
        content: &[u8],
        csrf: Option<&str>,
    ) -> Reply {
        let boundary = "md2030testboundary7f3a";
        let mut body = Vec::new();
        if let Some(csrf) = csrf {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n").as_bytes(),
            );
        }
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"dataset\"\r\n\r\n{dataset}\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let reply = send(
            addr,
            "POST",
            "/en/submit",
            &[("Cookie", &self.cookie), ("Content-Type", &content_type)],
            &body,
        )
        .unwrap();
        // An accepted file answers 303 (post, redirect, get): follow it as a
        // browser does.
        match (reply.status, reply.header("location")) {
            (303, Some(location)) if location.starts_with("/en/my?sent=") => {
                self.get(addr, location)
            }
            _ => reply,
        }
    }
}

pub(crate) fn add_user(dir: &Path, args: &[&str]) {
    let out = add_user_with(dir, args, PASSWORD);
    assert!(out.status.success(), "user add {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// `md2030 user add ARGS --password-stdin` with `password` on stdin.
fn add_user_with(dir: &Path, args: &[&str], password: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_md2030"))
        .args(["--data-dir", dir.to_str().unwrap(), "--lang", "en", "user", "add"])
        .args(args)
        .arg("--password-stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

pub(crate) fn users(dir: &Path) {
    add_user(dir, &["root", "--role", "admin"]);
    add_user(
        dir,
        &["amina", "--role", "steward", "--ministry", "MTNRA", "--name", "Amina <b>B.</b>"],
    );
    add_user(dir, &["karim", "--role", "steward", "--ministry", "mtnra"]);
    add_user(dir, &["omar", "--role", "steward", "--ministry", "MIC"]);
    add_user(dir, &["nadia", "--role", "viewer"]);
}

pub(crate) const TRAINING_2026: &[u8] =
    b"year,ministry_code,trained,trained_women,training_hours\n2026,MTNRA,700,300,21000\n";

pub(crate) fn audit(dir: &Path) -> Vec<serde_json::Value> {
    let out = md2030(dir, &["audit", "--format", "json", "--limit", "1000"]);
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn each_role_can_do_exactly_what_it_may() {
    let dir = sample_store();
    users(dir.path());
    std::fs::write(
        dir.path().join("md2030.toml"),
        "[dashboard]\naccess = \"public\"\nsession_idle_seconds = 4\n",
    )
    .unwrap();
    let server = start(dir.path(), &[]);
    let addr = server.addr.as_str();

    anonymous_visitors_reach_published_pages_only(addr);

    let amina = sign_in(addr, "amina", PASSWORD).unwrap();
    let karim = sign_in(addr, "karim", PASSWORD).unwrap();
    let omar = sign_in(addr, "omar", PASSWORD).unwrap();
    let nadia = sign_in(addr, "nadia", PASSWORD).unwrap();
    let root = sign_in(addr, "root", PASSWORD).unwrap();

    the_account_bar_is_private_and_escaped(addr, &amina);

    let versions_before = crate::snapshot(&dir.path().join("datasets"));
    forged_and_foreign_submissions_are_refused(
        addr,
        dir.path(),
        [&amina, &karim, &omar, &nadia, &root],
    );

    // A bad file: the report locates the problem, nothing is stored.
    let bad = b"year,ministry_code,trained,trained_women,training_hours\n2026,MTNRA,seven hundred,300,21000\n";
    let rejected = amina.upload(addr, "civil_servant_training", "bad.csv", bad, Some(&amina.csrf));
    assert_eq!(rejected.status, 422, "{}", rejected.body);
    assert!(rejected.body.contains("<td>2</td><td><bdi dir=\"ltr\">trained</bdi></td><td><bdi dir=\"ltr\">seven hundred</bdi></td><td>not a valid integer</td><td><code>type</code></td>"), "{}", rejected.body);
    assert_eq!(crate::snapshot(&dir.path().join("datasets")), versions_before);
    assert!(
        rejected.body.contains("Amina &lt;b&gt;B.&lt;/b&gt;"),
        "the 422 page has the account bar"
    );
    assert!(rejected.body.contains("<option value=\"civil_servant_training\" selected>"));
    // The report as a CSV to keep: a data: link (nothing was stored), its row with
    // the value and the problem in words.
    assert!(rejected.body.contains("download=\"md2030-report-civil_servant_training.csv\""));
    assert!(
        rejected.body.contains(
            "%222%22%2C%22trained%22%2C%22seven%20hundred%22%2C%22not%20a%20valid%20integer%22"
        ),
        "{}",
        rejected.body
    );

    // The steward's own ministry: accepted as pending, not current.
    let accepted = amina.upload(
        addr,
        "civil_servant_training",
        "../../etc/training.csv",
        TRAINING_2026,
        Some(&amina.csrf),
    );
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert!(
        accepted.body.contains("civil_servant_training@v2 awaits sign-off"),
        "{}",
        accepted.body
    );
    // Post, redirect, get: "My datasets" says what the upload stored (one row,
    // built on v1).
    assert!(
        accepted.body.contains("1 rows read; the new version keeps")
            && accepted.body.contains("rows of civil_servant_training@v1"),
        "{}",
        accepted.body
    );
    let versions = String::from_utf8_lossy(
        &md2030(dir.path(), &["versions", "civil_servant_training"]).stdout,
    )
    .to_string();
    assert!(versions.contains("* civil_servant_training@v1"), "{versions}");
    assert!(versions.contains("training.csv by amina  (pending)"), "{versions}");
    assert!(!versions.contains("etc"), "the client's path is not kept: {versions}");
    assert_eq!(std::fs::read_dir(dir.path().join("staging")).unwrap().count(), 0);

    // Who sees it: the viewer and the ministry's stewards; the other ministry not.
    assert!(nadia.get(addr, "/en/review").body.contains("civil_servant_training@v2"));
    assert!(!nadia.get(addr, "/en/review").body.contains("value=\"publish\""));
    assert!(!omar.get(addr, "/en/review").body.contains("civil_servant_training@v2"));
    assert!(karim.get(addr, "/en/review").body.contains("value=\"publish\""));
    assert!(amina.get(addr, "/en/review").body.contains("You submitted it"));
    assert!(
        !send(addr, "GET", "/en/data", &[], b"")
            .unwrap()
            .body
            .contains("civil_servant_training@v2")
    );

    // Its data: not for anonymous visitors nor another ministry's steward; the
    // viewer and the ministry's stewards can download it.
    let pending = "/download/dataset/civil_servant_training@v2.csv";
    assert_eq!(send(addr, "GET", pending, &[], b"").unwrap().status, 404);
    assert_eq!(omar.get(addr, pending).status, 404);
    let got = nadia.get(addr, pending);
    assert_eq!(got.status, 200);
    assert!(got.body.contains("2026,MTNRA,,700,300,21000"), "{}", got.body);
    assert_eq!(karim.get(addr, pending).status, 200);

    // Maker-checker: not the submitter, not another ministry, not a viewer.
    let path = "/en/review/civil_servant_training/2";
    let own = amina.post(addr, path, &[("csrf", &amina.csrf), ("decision", "publish")]);
    assert_eq!(own.status, 409, "{}", own.body);
    assert_eq!(omar.post(addr, path, &[("csrf", &omar.csrf), ("decision", "publish")]).status, 403);
    assert_eq!(
        nadia.post(addr, path, &[("csrf", &nadia.csrf), ("decision", "publish")]).status,
        403
    );
    assert_eq!(karim.post(addr, path, &[("decision", "publish")]).status, 403, "no CSRF token");
    let note = "<img src=x onerror=alert(1)> checked against the ministry's register";
    let published =
        karim.post(addr, path, &[("csrf", &karim.csrf), ("decision", "publish"), ("note", note)]);
    assert_eq!(published.status, 303, "{}", published.body);
    let versions = String::from_utf8_lossy(
        &md2030(dir.path(), &["versions", "civil_servant_training"]).stdout,
    )
    .to_string();
    assert!(versions.contains("* civil_servant_training@v2"), "{versions}");
    assert!(versions.contains("(published by karim at "), "{versions}");
    a_steward_follows_their_submissions(addr, dir.path(), &amina, &karim, &omar);

    admin_reads_the_audit_log(addr, dir.path(), &amina, &root);
    let omar = admin_disables_and_enables_an_account(addr, dir.path(), &amina, &root, &omar);

    // Sign-out ends the session at once.
    assert_eq!(omar.post(addr, "/en/signout", &[("csrf", &omar.csrf)]).status, 303);
    assert_eq!(omar.get(addr, "/api/v1/whoami").status, 401);
    // A session left idle past session_idle_seconds (4 s) has expired.
    std::thread::sleep(Duration::from_secs(6));
    assert_eq!(nadia.get(addr, "/api/v1/whoami").status, 401);

    drop(server);
    passwords_are_nowhere_in_clear(dir.path());
}

/// A steward lands on "My datasets", which lists their ministry's datasets with
/// the templates, and each of their submissions with its outcome, the reviewer and
/// the note: published by karim; then a second one rejected, its note shown to
/// its submitter.
fn a_steward_follows_their_submissions(
    addr: &str,
    dir: &Path,
    amina: &Browser,
    karim: &Browser,
    omar: &Browser,
) {
    assert_eq!(amina.landed, "/en/my");
    let mine = amina.get(addr, "/en/my");
    assert_eq!(mine.status, 200, "{}", mine.body);
    // The sample's figures are labelled on the steward's pages too.
    assert!(mine.body.contains("class=\"banner\""), "no sample-data banner");
    assert!(mine.body.contains("href=\"/download/template/civil_servant_training.xlsx\""));
    let row = |body: &str, version: &str| -> String {
        let at = body
            .find(&format!(">{version}</bdi>"))
            .unwrap_or_else(|| panic!("no {version}:\n{body}"));
        body[at..].split("</tr>").next().unwrap().to_string()
    };
    let v2 = row(&mine.body, "civil_servant_training@v2");
    assert!(v2.contains("Published") && v2.contains("karim, "), "{v2}");
    assert!(v2.contains("&#60;img src=x onerror=alert(1)&#62; checked"), "the note, escaped: {v2}");
    // The template itself: the contract's header row.
    let template =
        send(addr, "GET", "/download/template/civil_servant_training.csv", &[], b"").unwrap();
    assert_eq!(template.status, 200);
    assert!(template.body.starts_with(
        "year,ministry_code,administration_level,trained,trained_women,training_hours"
    ));

    // A correction of 2025: the sample's thirty 2025 rows, MTNRA central 212 -> 312.
    let sample =
        std::fs::read_to_string(crate::repo("data/sample/civil_servant_training.csv")).unwrap();
    let mut correction = String::from(sample.lines().next().unwrap());
    for line in sample.lines().filter(|l| l.starts_with("2025,")) {
        correction.push('\n');
        correction.push_str(&line.replace("2025,MTNRA,central,212,", "2025,MTNRA,central,312,"));
    }
    assert_eq!(correction.lines().count(), 31);
    let again = amina.upload(
        addr,
        "civil_servant_training",
        "again.csv",
        correction.as_bytes(),
        Some(&amina.csrf),
    );
    assert_eq!(again.status, 200, "{}", again.body);
    assert!(again.body.contains("href=\"/en/review/civil_servant_training/3\""), "{}", again.body);
    what_publishing_would_change(addr, amina, karim, omar);
    // The same from the command line.
    let out = md2030(dir, &["preview", "civil_servant_training", "3", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let preview: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(preview["rows"]["changed"], 1);
    assert_eq!(preview["rows"]["unchanged"], 29);
    let yearly = preview["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["indicator"] == "civil_servants_trained")
        .unwrap();
    assert_eq!(
        (yearly["published"]["value"].as_f64(), yearly["with_version"]["value"].as_f64()),
        (Some(3900.0), Some(4000.0))
    );
    let note = "312 is not in the register";
    let path = "/en/review/civil_servant_training/3";
    let rejected =
        karim.post(addr, path, &[("csrf", &karim.csrf), ("decision", "reject"), ("note", note)]);
    assert_eq!(rejected.status, 303, "{}", rejected.body);
    let v3 = row(&amina.get(addr, "/en/my").body, "civil_servant_training@v3");
    assert!(v3.contains("Rejected") && v3.contains(note), "{v3}");
}

/// Before the sign-off, the submitter and the reviewer see what publishing the
/// pending v3 would change: a correction of 2025 (MTNRA central 212 -> 312, the
/// 29 other 2025 rows as they were), computed by hand: one row changed, 29
/// unchanged, period 2025; the yearly count for 2025 goes from 3,900 (the sample's
/// sum) to 4,000, and the programme's running total since 2024 from
/// 3,100 + 3,900 = 7,000 to 7,100.
fn what_publishing_would_change(addr: &str, amina: &Browser, karim: &Browser, omar: &Browser) {
    let path = "/en/review/civil_servant_training/3";
    let page = karim.get(addr, path);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(
            "Against civil_servant_training@v2: 0 rows added, 0 removed, 1 changed, 29 unchanged."
        ),
        "{}",
        page.body
    );
    assert!(page.body.contains("Periods concerned: 2025."), "{}", page.body);
    let row = |id: &str| -> String {
        let at =
            page.body.find(&format!("/en/indicator/{id}\"")).unwrap_or_else(|| panic!("no {id}"));
        page.body[at..].split("</tr>").next().unwrap().to_string()
    };
    let yearly = row("civil_servants_trained");
    assert!(yearly.contains("3,900 (2025)") && yearly.contains("4,000 (2025)"), "{yearly}");
    let programme = row("civil_servants_programme");
    assert!(
        programme.contains("7,000 (2025)") && programme.contains("7,100 (2025)"),
        "{programme}"
    );
    // The reviewer may sign it off from there; the submitter is told why not.
    assert!(page.body.contains("value=\"publish\""));
    let own = amina.get(addr, path);
    assert!(own.body.contains("You submitted it") && !own.body.contains("value=\"publish\""));
    // The submitter reaches it from "My datasets"; another ministry does not.
    assert!(amina.get(addr, "/en/my").body.contains(&format!("href=\"{path}\"")));
    assert_eq!(omar.get(addr, path).status, 404);
    assert_eq!(send(addr, "GET", path, &[], b"").unwrap().status, 303);
}

/// Passwords are nowhere in clear: not in the catalogue, not in the log.
fn passwords_are_nowhere_in_clear(dir: &Path) {
    let catalogue = std::fs::read(dir.join("catalog.sqlite")).unwrap();
    assert!(!catalogue.windows(PASSWORD.len()).any(|w| w == PASSWORD.as_bytes()));
    let accounts = md2030(dir, &["user", "list", "--json"]);
    assert!(!String::from_utf8_lossy(&accounts.stdout).contains("argon2"));
    let log = std::fs::read_to_string(dir.join("serve.log")).unwrap();
    assert!(!log.contains(PASSWORD) && !log.contains("horse"), "the password reached the log");
}

/// The display name is text, not markup, in the account bar, which is private to
/// its session (no cache, no ETag); `whoami` names the role and ministry.
fn the_account_bar_is_private_and_escaped(addr: &str, amina: &Browser) {
    let page = amina.get(addr, "/en/");
    assert!(page.body.contains("Amina &lt;b&gt;B.&lt;/b&gt;"), "display name not escaped");
    assert_eq!(page.header("cache-control"), Some("private, no-store"));
    assert_eq!(page.header("etag"), None);
    let whoami: serde_json::Value =
        serde_json::from_str(&amina.get(addr, "/api/v1/whoami").body).unwrap();
    assert_eq!(
        (whoami["role"].as_str(), whoami["ministries"][0].as_str()),
        (Some("steward"), Some("MTNRA"))
    );
}

/// Anonymous, public mode: published pages yes, work pages no; a wrong password
/// and an unknown user get the same refusal; a forged sign-in form is refused.
fn anonymous_visitors_reach_published_pages_only(addr: &str) {
    let overview = send(addr, "GET", "/en/", &[], b"").unwrap();
    assert_eq!(overview.status, 200);
    assert!(overview.body.contains("href=\"/en/signin?next=/en/\""), "no sign-in link");
    let csp = overview.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(overview.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(overview.header("x-frame-options"), Some("DENY"));
    for path in ["/en/submit", "/en/review", "/en/audit"] {
        let reply = send(addr, "GET", path, &[], b"").unwrap();
        assert_eq!(reply.status, 303, "{path}");
        assert!(reply.header("location").unwrap().starts_with("/en/signin?next="), "{path}");
    }
    assert_eq!(send(addr, "GET", "/api/v1/whoami", &[], b"").unwrap().status, 401);
    assert_eq!(send(addr, "GET", "/download/audit.csv", &[], b"").unwrap().status, 403);

    // A wrong password, an unknown user: the same refusal, both audited.
    for (user, password) in [("amina", "wrong password!!"), ("nobody", PASSWORD)] {
        let refused = sign_in(addr, user, password).err().expect("refused");
        assert_eq!(refused.status, 401);
        assert!(refused.body.contains("User name or password incorrect."));
    }
    // The sign-in form without its double-submit token is refused before any check.
    let forged = send(
        addr,
        "POST",
        "/en/signin",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &form(&[("username", "amina"), ("password", PASSWORD), ("csrf", "guess")]),
    )
    .unwrap();
    assert_eq!(forged.status, 403);
}

/// No CSRF token, another session's, or another site's form: refused; a steward
/// of another ministry, a viewer and an admin cannot submit MTNRA data; nothing
/// is written.
fn forged_and_foreign_submissions_are_refused(addr: &str, dir: &Path, who: [&Browser; 5]) {
    let [amina, karim, omar, nadia, root] = who;
    let versions_before = crate::snapshot(&dir.join("datasets"));
    // No CSRF token, or another session's: refused, nothing written.
    assert_eq!(
        amina.upload(addr, "civil_servant_training", "t.csv", TRAINING_2026, None).status,
        403
    );
    assert_eq!(
        amina
            .upload(addr, "civil_servant_training", "t.csv", TRAINING_2026, Some(&karim.csrf))
            .status,
        403
    );
    // Another site's form, even with the right token.
    let cross = send(
        addr,
        "POST",
        "/en/signout",
        &[
            ("Cookie", &amina.cookie),
            ("Origin", "http://evil.example"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &form(&[("csrf", &amina.csrf)]),
    )
    .unwrap();
    assert_eq!(cross.status, 403);
    // A steward of another ministry, a viewer, an admin cannot submit MTNRA data.
    assert_eq!(
        omar.upload(addr, "civil_servant_training", "t.csv", TRAINING_2026, Some(&omar.csrf))
            .status,
        403
    );
    assert_eq!(
        nadia
            .upload(addr, "civil_servant_training", "t.csv", TRAINING_2026, Some(&nadia.csrf))
            .status,
        403
    );
    assert_eq!(
        root.upload(addr, "civil_servant_training", "t.csv", TRAINING_2026, Some(&root.csrf))
            .status,
        403
    );
    assert_eq!(crate::snapshot(&dir.join("datasets")), versions_before);
}

/// The admin reads the audit log (the note is text); a steward cannot.
fn admin_reads_the_audit_log(addr: &str, dir: &Path, amina: &Browser, root: &Browser) {
    assert_eq!(amina.get(addr, "/en/audit").status, 403);
    let log = root.get(addr, "/en/audit");
    assert_eq!(log.status, 200);
    assert!(log.body.contains("&#60;img src=x onerror=alert(1)&#62;"), "note not escaped");
    assert!(!log.body.contains("<img src=x"));
    let csv = root.get(addr, "/download/audit.csv");
    assert_eq!(csv.status, 200);
    assert!(csv.body.starts_with("seq,at,actor,action,subject,outcome,address,detail,sha256"));
    let entries = audit(dir);
    let seen = |action: &str, outcome: &str, subject: &str| {
        entries
            .iter()
            .any(|e| e["action"] == action && e["outcome"] == outcome && e["subject"] == subject)
    };
    assert!(seen("account-add", "ok", "amina"));
    assert!(seen("signin", "failed", "amina") && seen("signin", "failed", "nobody"));
    assert!(seen("signin", "ok", "karim"));
    assert!(seen("submit", "refused", "civil_servant_training"));
    assert!(seen("submit", "rejected", "civil_servant_training"));
    assert!(seen("submit", "ok", "civil_servant_training@v2"));
    assert!(seen("publish", "refused", "civil_servant_training@v2"));
    assert!(seen("publish", "ok", "civil_servant_training@v2"));
    let verify = md2030(dir, &["audit", "verify"]);
    assert!(String::from_utf8_lossy(&verify.stdout).starts_with("audit log intact:"));
}

/// The admin lists the accounts and disables one (its sessions end at once);
/// a steward cannot, nor can the admin disable their own account.
fn admin_disables_and_enables_an_account(
    addr: &str,
    dir: &Path,
    amina: &Browser,
    root: &Browser,
    omar: &Browser,
) -> Browser {
    assert_eq!(amina.get(addr, "/en/accounts").status, 403);
    let accounts = root.get(addr, "/en/accounts");
    assert_eq!(accounts.status, 200);
    assert!(accounts.body.contains("action=\"/en/accounts/omar/disable\""));
    assert_eq!(amina.post(addr, "/en/accounts/omar/disable", &[("csrf", &amina.csrf)]).status, 403);
    assert_eq!(root.post(addr, "/en/accounts/root/disable", &[("csrf", &root.csrf)]).status, 403);
    assert_eq!(root.post(addr, "/en/accounts/omar/disable", &[]).status, 403, "no CSRF token");
    assert_eq!(omar.get(addr, "/api/v1/whoami").status, 200);
    assert_eq!(root.post(addr, "/en/accounts/omar/disable", &[("csrf", &root.csrf)]).status, 303);
    assert_eq!(omar.get(addr, "/api/v1/whoami").status, 401, "a disabled account's session ends");
    assert!(sign_in(addr, "omar", PASSWORD).is_err(), "and it cannot sign in");
    assert!(root.get(addr, "/en/accounts").body.contains("action=\"/en/accounts/omar/enable\""));
    assert_eq!(root.post(addr, "/en/accounts/omar/enable", &[("csrf", &root.csrf)]).status, 303);
    let omar = sign_in(addr, "omar", PASSWORD).unwrap();
    let entries = audit(dir);
    for (action, outcome, subject) in [
        ("account-disable", "ok", "omar"),
        ("account-enable", "ok", "omar"),
        ("account-disable", "refused", "root"),
    ] {
        assert!(
            entries.iter().any(|e| e["action"] == action
                && e["outcome"] == outcome
                && e["subject"] == subject),
            "{action} {outcome} {subject} not audited"
        );
    }
    omar
}

#[test]
fn a_private_dashboard_needs_a_session_for_everything() {
    let dir = sample_store();
    add_user(dir.path(), &["nadia", "--role", "viewer"]);
    let server = start(dir.path(), &["--access", "private"]);
    let addr = server.addr.as_str();
    let reply = send(addr, "GET", "/fr/indicator/egdi_rank", &[], b"").unwrap();
    assert_eq!(reply.status, 303);
    assert_eq!(reply.header("location"), Some("/fr/signin?next=/fr/indicator/egdi_rank"));
    for path in [
        "/api/v1/indicators",
        "/download/dataset/talent@v1.csv",
        "/briefing.pdf?lang=fr",
        "/api/v1/league/ministries",
        "/api/v1/decisions",
        "/download/decisions.csv",
        "/download/league/regions.csv",
    ] {
        assert_eq!(send(addr, "GET", path, &[], b"").unwrap().status, 401, "{path}");
    }
    for path in ["/fr/ministries", "/fr/ministry/MTNRA", "/fr/decisions", "/fr/regions/league"] {
        assert_eq!(send(addr, "GET", path, &[], b"").unwrap().status, 303, "{path}");
    }
    for path in ["/healthz", "/static/style.css", "/fr/signin"] {
        assert_eq!(send(addr, "GET", path, &[], b"").unwrap().status, 200, "{path}");
    }
    let nadia = sign_in(addr, "nadia", PASSWORD).unwrap();
    assert_eq!(nadia.get(addr, "/fr/indicator/egdi_rank").status, 200);
    assert_eq!(nadia.get(addr, "/api/v1/indicators").status, 200);
}

#[test]
fn hostile_requests_are_refused_and_the_server_stays_up() {
    let dir = sample_store();
    add_user(dir.path(), &["amina", "--role", "steward", "--ministry", "MTNRA"]);
    std::fs::write(
        dir.path().join("md2030.toml"),
        "[dashboard]\nmax_upload_mb = 2\nsignin_per_address_per_minute = 8\n",
    )
    .unwrap();
    let server = start(dir.path(), &[]);
    let addr = server.addr.as_str();
    let amina = sign_in(addr, "amina", PASSWORD).unwrap();
    let before = crate::snapshot(&dir.path().join("datasets"));

    // 2 GB announced: refused before the body is read.
    let started = Instant::now();
    let boundary = "b";
    let huge = send(
        addr,
        "POST",
        "/en/submit",
        &[
            ("Cookie", &amina.cookie),
            ("Content-Type", &format!("multipart/form-data; boundary={boundary}")),
            ("Content-Length", "2147483648"),
        ],
        b"--b\r\n",
    )
    .unwrap();
    assert_eq!(huge.status, 413);
    assert!(huge.body.contains("2 MB at most"), "{}", huge.body);
    assert!(started.elapsed() < Duration::from_secs(10));
    // 3 MB sent without announcing it: cut at the limit.
    let big = vec![b'1'; 3 * 1024 * 1024];
    let cut = amina.upload(addr, "civil_servant_training", "big.csv", &big, Some(&amina.csrf));
    assert_eq!(cut.status, 413);

    // A zip bomb named .xlsx: 300 MB of zeros in a 300 KB archive.
    let bomb = dir.path().join("bomb.xlsx");
    let made = Command::new("python3")
        .args(["-c", "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n    with z.open('xl/worksheets/sheet1.xml', 'w', force_zip64=True) as f:\n        block = bytes(1 << 20)\n        for _ in range(300):\n            f.write(block)\n", bomb.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(made.success());
    let bytes = std::fs::read(&bomb).unwrap();
    assert!(bytes.len() < 2 * 1024 * 1024, "{}", bytes.len());
    let refused =
        amina.upload(addr, "civil_servant_training", "report.xlsx", &bytes, Some(&amina.csrf));
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("zip bomb"), "{}", refused.body);

    // Malformed UTF-8 in a CSV: reported as an encoding problem or read as
    // Windows-1252, never a crash; in a form: a clear 400.
    let latin =
        b"year,ministry_code,trained,trained_women,training_hours\n2026,MTNRA,\xff\xfe,300,21000\n";
    let reply = amina.upload(addr, "civil_servant_training", "latin.csv", latin, Some(&amina.csrf));
    assert_eq!(reply.status, 422, "{}", reply.body);
    let garbled = send(
        addr,
        "POST",
        "/en/review/civil_servant_training/1",
        &[("Cookie", &amina.cookie), ("Content-Type", "application/x-www-form-urlencoded")],
        b"csrf=%FF%FE&decision=\xff",
    )
    .unwrap();
    assert!(garbled.status == 400 || garbled.status == 403, "{}", garbled.status);
    // Path traversal in download names.
    for path in [
        "/download/dataset/..%2F..%2Fcatalog.sqlite",
        "/download/dataset/../catalog.sqlite",
        "/download/briefing/..%2Fcatalog.sqlite",
        "/en/indicator/..%2F..%2Fetc%2Fpasswd",
    ] {
        let reply = send(addr, "GET", path, &[], b"").unwrap();
        assert!(reply.status == 404 || reply.status == 400, "{path}: {}", reply.status);
        assert!(!reply.body.contains("SQLite format"), "{path}");
    }
    // A sign-in flood from one address: 429 after the limit, never 5xx.
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(sign_in(addr, "amina", "not the password").err().unwrap().status);
    }
    assert!(statuses.iter().all(|s| *s == 401 || *s == 429), "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");

    assert_eq!(crate::snapshot(&dir.path().join("datasets")), before);
    assert_eq!(std::fs::read_dir(dir.path().join("staging")).unwrap().count(), 0);
    assert_eq!(send(addr, "GET", "/healthz", &[], b"").unwrap().status, 200);
}

/// The status of one sign-in attempt from `from`.
fn attempt(from: &str, addr: &str, user: &str, password: &str) -> u16 {
    match sign_in_via(Some(from), addr, user, password) {
        Ok(_) => 303,
        Err(reply) => reply.status,
    }
}

#[test]
fn an_attacker_cannot_lock_a_steward_out_and_the_public_sees_no_account_names() {
    let store = sample_store();
    users(store.path());
    std::fs::write(store.path().join("md2030.toml"), "[dashboard]\nmax_pending_per_steward = 2\n")
        .unwrap();
    let server = start(store.path(), &[]);
    let addr = server.addr.clone();

    // Five wrong passwords for amina from 127.0.0.2 hold that address out of her
    // account, even with the right password...
    for _ in 0..5 {
        assert_eq!(attempt("127.0.0.2", &addr, "amina", "wrong password, surely"), 401);
    }
    assert_eq!(attempt("127.0.0.2", &addr, "amina", PASSWORD), 429);
    // ...but not amina herself, from her own address (after a short delay).
    let started = Instant::now();
    let amina = sign_in(&addr, "amina", PASSWORD).expect("the owner still signs in");
    assert!(started.elapsed() >= Duration::from_millis(900), "attempts on the account are slowed");
    let locked: Vec<_> = audit(store.path())
        .into_iter()
        .filter(|e| e["action"] == "signin" && e["outcome"] == "locked")
        .collect();
    assert_eq!(locked.len(), 1, "{locked:?}");
    assert_eq!(locked[0]["address"], "127.0.0.2");
    // An admin lifts it from the command line; the counters were in the catalogue.
    let out = md2030(store.path(), &["user", "unlock", "amina"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(attempt("127.0.0.2", &addr, "amina", PASSWORD), 303);
    assert!(audit(store.path()).iter().any(|e| e["action"] == "account-unlock"));

    // A steward may have two versions awaiting sign-off; a third is refused.
    for (year, status) in [(2026, 200), (2025, 200), (2024, 429)] {
        let file = format!(
            "year,ministry_code,trained,trained_women,training_hours\n{year},MTNRA,700,300,21000\n"
        );
        let reply = amina.upload(
            &addr,
            "civil_servant_training",
            "t.csv",
            file.as_bytes(),
            Some(&amina.csrf),
        );
        assert_eq!(reply.status, status, "{year}: {}", reply.body);
    }
    // Karim signs one off with a note; the public API names the ministry, not them.
    let karim = sign_in(&addr, "karim", PASSWORD).unwrap();
    let listed = md2030(store.path(), &["versions", "civil_servant_training"]);
    let pending: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .filter(|l| l.contains("(pending)"))
        .map(|l| l.split_whitespace().next().unwrap().split("@v").nth(1).unwrap().to_string())
        .collect();
    let reply = karim.post(
        &addr,
        &format!("/en/review/civil_servant_training/{}", pending[1]),
        &[
            ("csrf", &karim.csrf),
            ("decision", "publish"),
            ("note", "checked against the HR ledger"),
        ],
    );
    assert_eq!(reply.status, 303, "{}", reply.body);
    std::thread::sleep(Duration::from_secs(3));
    let api = send(&addr, "GET", "/api/v1/datasets", &[], b"").unwrap();
    assert_eq!(api.status, 200);
    for secret in ["amina", "karim", "HR ledger", "cli:"] {
        assert!(!api.body.contains(secret), "the public API shows {secret:?}");
    }
    let versions: Vec<serde_json::Value> = serde_json::from_str(&api.body).unwrap();
    let training = versions.iter().find(|v| v["dataset"] == "civil_servant_training").unwrap();
    assert_eq!(
        (training["ingested_by"].as_str(), training["reviewed_by"].as_str()),
        (Some("MTNRA"), Some("MTNRA"))
    );

    // A sign-in name with terminal escapes and a line break is printed escaped.
    assert_eq!(attempt("127.0.0.3", &addr, "evil\u{1b}[2J\nroot ok signin", "x"), 401);
    let out = md2030(store.path(), &["audit", "--limit", "3"]);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(!shown.contains('\u{1b}') && shown.contains("\\u{1b}[2J\\u{a}root"), "{shown}");
    assert_eq!(shown.lines().count(), 3, "one line per entry: {shown}");

    // Weak passwords are refused when an account is made.
    for weak in ["aaaaaaaaaaaa", "password1234", "qwertyuiop12", "amina-steward1"] {
        let out = add_user_with(store.path(), &["amina-steward", "--role", "viewer"], weak);
        assert_eq!(out.status.code(), Some(2), "{weak} was accepted");
        assert!(String::from_utf8_lossy(&out.stderr).contains("too easy to guess"), "{weak}");
    }
    drop(server);
}

/// One sign-in attempt from the local address `from` to `addr` with extra request
/// headers (a forged `X-Forwarded-For`): its status.
fn attempt_with(from: &str, addr: &str, user: &str, password: &str, extra: &[(&str, &str)]) -> u16 {
    let page = send_via(Some(from), addr, "GET", "/en/signin", extra, b"").unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    let token = cookie_value(&page, "md2030_signin").unwrap().to_string();
    let body = form(&[("username", user), ("password", password), ("csrf", &token), ("next", "")]);
    let cookie = format!("md2030_signin={token}");
    let mut headers =
        vec![("Cookie", cookie.as_str()), ("Content-Type", "application/x-www-form-urlencoded")];
    headers.extend_from_slice(extra);
    send_via(Some(from), addr, "POST", "/en/signin", &headers, &body).unwrap().status
}

/// nginx on 127.0.0.1 in front of the dashboard, its upstream connections from
/// 127.0.0.2 (the one trusted proxy), appending the client's address to
/// X-Forwarded-For. Killed on drop.
struct Proxy {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn nginx(upstream: &str) -> Option<Proxy> {
    let binary = ["/usr/sbin/nginx", "/usr/bin/nginx"].into_iter().find(|p| Path::new(p).exists());
    let Some(binary) = binary else {
        assert!(
            std::env::var_os("MD2030_REQUIRE_BROWSER").is_none(),
            "nginx is needed for the proxy test (apt-get install nginx-light)"
        );
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let addr =
        std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    let d = dir.path().display();
    let conf = format!(
        "pid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\nhttp {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  server {{\n    listen {addr};\n    location / {{\n      proxy_pass http://{upstream};\n      proxy_bind 127.0.0.2;\n      proxy_set_header Host $http_host;\n      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n      proxy_set_header X-Forwarded-Proto $scheme;\n    }}\n  }}\n}}\n"
    );
    let conf_path = dir.path().join("nginx.conf");
    std::fs::write(&conf_path, conf).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    let child = Command::new(binary)
        .args(["-p", &d.to_string(), "-c", conf_path.to_str().unwrap(), "-g", "daemon off;"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let proxy = Proxy { child, addr, _dir: dir };
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if send(&proxy.addr, "GET", "/healthz", &[], b"").is_ok_and(|r| r.status == 200) {
            return Some(proxy);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("nginx did not answer within 20 s");
}

/// Behind a real proxy (nginx, trusted as 127.0.0.2): one client (127.0.0.3)
/// hammering amina's sign-in is held out of her account; another client through
/// the same proxy (127.0.0.4) signs in; the audit log names the clients, not the
/// proxy, and not what a client wrote in its own X-Forwarded-For. A peer that is
/// not a trusted proxy (127.0.0.5, straight to the dashboard) forging the header
/// is recorded under its own address.
#[test]
fn behind_a_trusted_proxy_each_client_is_told_apart() {
    let store = sample_store();
    users(store.path());
    std::fs::write(
        store.path().join("md2030.toml"),
        "[dashboard]\ntrusted_proxies = [\"127.0.0.2\"]\n",
    )
    .unwrap();
    let server = start(store.path(), &[]);
    let Some(proxy) = nginx(&server.addr) else { return };
    let forged = [("X-Forwarded-For", "6.6.6.6")];
    for _ in 0..5 {
        assert_eq!(attempt_with("127.0.0.3", &proxy.addr, "amina", "wrong", &forged), 401);
    }
    assert_eq!(attempt_with("127.0.0.3", &proxy.addr, "amina", PASSWORD, &[]), 429);
    assert_eq!(attempt_with("127.0.0.4", &proxy.addr, "amina", PASSWORD, &[]), 303);
    // Straight to the dashboard, claiming to be the client that just signed in.
    assert_eq!(
        attempt_with(
            "127.0.0.5",
            &server.addr,
            "karim",
            "wrong",
            &[("X-Forwarded-For", "127.0.0.4")]
        ),
        401
    );
    let entries = audit(store.path());
    let addresses = |action: &str, outcome: &str, who: &str| -> Vec<String> {
        entries
            .iter()
            .filter(|e| e["action"] == action && e["outcome"] == outcome)
            .filter(|e| e.to_string().contains(who))
            .map(|e| e["address"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(addresses("signin", "failed", "amina"), vec!["127.0.0.3"; 5]);
    assert_eq!(addresses("signin", "locked", "amina"), vec!["127.0.0.3"]);
    assert_eq!(addresses("signin", "ok", "amina"), vec!["127.0.0.4"]);
    assert_eq!(addresses("signin", "failed", "karim"), vec!["127.0.0.5"]);
}
