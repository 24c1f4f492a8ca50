//! Briefing delivery end to end, against a real SMTP server started by the test on
//! 127.0.0.1 (`tests/assets/smtp_sink.py`, aiosmtpd, STARTTLS required before
//! AUTH, with a certificate made here by `openssl`): every recipient receives the
//! edition in their language, the attachment is byte for byte the archived PDF,
//! transient refusals are retried, permanent ones are not, nothing is sent twice,
//! and `md2030 serve` sends a scheduled edition on its own.
//!
//! Skipped without python3's aiosmtpd or openssl unless `MD2030_REQUIRE_BROWSER`
//! is set (CI installs both and sets the variable).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::{md2030, repo, sample_store};

struct Sink {
    child: Child,
    port: u16,
    out: PathBuf,
    ca: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const USER: &str = "md2030-sender";
const PASSWORD: &str = "correct horse battery staple";

fn available() -> bool {
    let aiosmtpd =
        Command::new("python3").args(["-c", "import aiosmtpd"]).status().is_ok_and(|s| s.success());
    let openssl = Command::new("openssl").arg("version").output().is_ok_and(|o| o.status.success());
    if aiosmtpd && openssl {
        return true;
    }
    assert!(
        std::env::var_os("MD2030_REQUIRE_BROWSER").is_none(),
        "the delivery test needs python3 -m pip install aiosmtpd and openssl"
    );
    false
}

fn run(program: &str, args: &[&str], dir: &Path) {
    let out = Command::new(program).args(args).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A test CA and a server certificate for 127.0.0.1 signed by it.
fn certificates(dir: &Path) {
    run(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=md2030 test CA",
        ],
        dir,
    );
    run(
        "openssl",
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
        dir,
    );
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "cert.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ],
        dir,
    );
}

fn start_sink(fail_once: &[&str], reject: &[&str]) -> Sink {
    let dir = tempfile::tempdir().unwrap();
    certificates(dir.path());
    let out = dir.path().join("received");
    std::fs::create_dir_all(&out).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut command = Command::new("python3");
    command
        .arg(repo("cli/tests/assets/smtp_sink.py"))
        .args(["--port", &port.to_string(), "--out", out.to_str().unwrap()])
        .args(["--cert", dir.path().join("cert.pem").to_str().unwrap()])
        .args(["--key", dir.path().join("key.pem").to_str().unwrap()])
        .args(["--user", USER, "--password", PASSWORD]);
    for address in fail_once {
        command.args(["--fail-once", address]);
    }
    for address in reject {
        command.args(["--reject", address]);
    }
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "ready", "the SMTP sink did not start");
    Sink { child, port, out, ca: dir.path().join("ca.pem"), _dir: dir }
}

/// The messages the sink accepted so far: (metadata, attachment bytes), in order.
fn received(sink: &Sink) -> Vec<(Value, Vec<u8>)> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(&sink.out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|json| {
            let meta: Value = serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap();
            let pdf = std::fs::read(json.with_extension("pdf")).unwrap_or_default();
            (meta, pdf)
        })
        .collect()
}

/// The second attachments the sink accepted so far (`NNN.2.pdf`).
fn received_extra(sink: &Sink) -> Vec<Vec<u8>> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(&sink.out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".2.pdf"))
        .collect();
    names.sort();
    names.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

fn config(sink: &Sink, extra: &str, recipients: &[(&str, &str)]) -> String {
    let mut text = format!(
        "{extra}\n[smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"starttls\"\nca_file = \"{}\"\nusername = \"{USER}\"\npassword_env = \"MD2030_TEST_SMTP_PASSWORD\"\nfrom = \"Maroc Digital 2030 <md2030@example.gov.ma>\"\ntimeout_seconds = 10\n",
        sink.port,
        sink.ca.display()
    );
    for (email, lang) in recipients {
        text.push_str(&format!(
            "\n[[recipients]]\nname = \"Test {lang}\"\nemail = \"{email}\"\nlang = \"{lang}\"\n"
        ));
    }
    text
}

fn md2030_with_password(data_dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_md2030"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--lang", "en"])
        .args(args)
        .env("MD2030_TEST_SMTP_PASSWORD", PASSWORD)
        .output()
        .unwrap()
}

fn editions(data_dir: &Path) -> Value {
    let out = md2030(data_dir, &["briefings", "list", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

#[test]
fn briefings_reach_every_recipient_once_in_their_language() {
    if !available() {
        return;
    }
    let sink = start_sink(&["retry@example.gov.ma"], &["nobody@example.gov.ma"]);
    let store = sample_store();
    let recipients = [
        ("cabinet@example.gov.ma", "fr"),
        ("diwan@example.gov.ma", "ar"),
        ("advisor@example.gov.ma", "en"),
        ("retry@example.gov.ma", "fr"),
        ("nobody@example.gov.ma", "en"),
    ];
    std::fs::write(
        store.path().join("md2030.toml"),
        config(&sink, "[briefings]\nmonthly = \"off\"\nretry_minutes = [0]\n", &recipients),
    )
    .unwrap();

    // On demand: built, archived, sent. The 451 and the 550 make the run exit 1.
    let out = md2030_with_password(store.path(), &["briefings", "send"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("attempt 1 to retry@example.gov.ma failed") && stderr.contains("451"),
        "{stderr}"
    );
    assert!(
        stderr.contains("not delivered to nobody@example.gov.ma") && stderr.contains("550"),
        "{stderr}"
    );

    let first = received(&sink);
    assert_eq!(first.len(), 3, "three messages accepted on the first run");
    let archive = editions(store.path());
    let edition = &archive["editions"][0];
    assert_eq!(edition["trigger"], "on-demand");
    let files: Vec<(String, String, String)> = edition["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["lang"].as_str().unwrap().into(),
                f["file"].as_str().unwrap().into(),
                f["sha256"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(files.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(), ["ar", "en", "fr"]);
    let subjects = [("fr", "note de synthèse"), ("ar", "المذكرة التركيبية"), ("en", "briefing of")];
    for (meta, pdf) in &first {
        let to = meta["rcpt_tos"][0].as_str().unwrap();
        let lang = recipients.iter().find(|(email, _)| *email == to).unwrap().1;
        // Encrypted and authenticated: STARTTLS was required by the server.
        assert_eq!(
            (meta["tls"].as_bool(), meta["authenticated"].as_bool()),
            (Some(true), Some(true))
        );
        let subject = meta["subject"].as_str().unwrap();
        let expected = subjects.iter().find(|(l, _)| *l == lang).unwrap().1;
        assert!(
            subject.contains(expected) && subject.contains(edition["as_of"].as_str().unwrap()),
            "{lang}: {subject}"
        );
        assert_eq!(meta["attachments"][0]["content_type"], "application/pdf");
        let filename = meta["attachments"][0]["filename"].as_str().unwrap();
        assert!(filename.ends_with(&format!("-{lang}.pdf")), "{filename}");
        // The attachment is the archived PDF of the recipient's language.
        let (_, file, sha) = files.iter().find(|f| f.0 == lang).unwrap();
        let archived = std::fs::read(store.path().join(file)).unwrap();
        assert_eq!(sha256(pdf), *sha, "{to}: the attachment differs from the recorded hash");
        assert!(pdf == &archived, "{to}: the attachment differs from the archived PDF");
        // The sample data is labelled in the mail too.
        assert!(meta["body"].as_str().unwrap().len() > 100);
    }
    assert!(first.iter().any(|(m, _)| m["body"].as_str().unwrap().contains("Données d'exemple")));

    // The retry run: the 451 recipient now gets it; nothing else is sent again.
    let out = md2030_with_password(store.path(), &["briefings", "run"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let second = received(&sink);
    assert_eq!(second.len(), 4);
    assert_eq!(second[3].0["rcpt_tos"][0], "retry@example.gov.ma");
    assert!(
        second[3].1
            == std::fs::read(store.path().join(&files.iter().find(|f| f.0 == "fr").unwrap().1))
                .unwrap()
    );
    // One Message-ID per (edition, recipient), in the sender's domain.
    let ids: std::collections::BTreeSet<&str> =
        second.iter().map(|(m, _)| m["message_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 4);
    assert!(
        ids.iter().all(|id| id.starts_with("<md2030.e1.") && id.ends_with("@example.gov.ma>")),
        "{ids:?}"
    );
    let again = md2030_with_password(store.path(), &["briefings", "run"]);
    assert!(again.status.success());
    assert_eq!(received(&sink).len(), 4, "a third run sends nothing");

    each_delivery_is_recorded_with_its_attempts(store.path());
    // On demand again with the same figures: the same edition, nobody gets it twice.
    let out = md2030_with_password(store.path(), &["briefings", "send"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("same inputs as an archived edition"));
    assert_eq!(received(&sink).len(), 4);
    assert!(md2030(store.path(), &["verify"]).status.success());
}

/// The queue after the runs: four sent (the 451 one at its second attempt), the
/// 550 one failed after one.
fn each_delivery_is_recorded_with_its_attempts(store: &std::path::Path) {
    let archive = editions(store);
    let statuses: Vec<(String, String, u64)> = archive["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["recipient"].as_str().unwrap().into(),
                d["status"].as_str().unwrap().into(),
                d["attempts"].as_u64().unwrap(),
            )
        })
        .collect();
    for (who, status, attempts) in [
        ("cabinet@example.gov.ma", "sent", 1),
        ("diwan@example.gov.ma", "sent", 1),
        ("advisor@example.gov.ma", "sent", 1),
        ("retry@example.gov.ma", "sent", 2),
        ("nobody@example.gov.ma", "failed", 1),
    ] {
        assert!(
            statuses.contains(&(who.to_string(), status.to_string(), attempts)),
            "{who}: expected {status} after {attempts}: {statuses:?}"
        );
    }
}

#[test]
fn the_server_sends_a_scheduled_edition_and_not_again_after_a_restart() {
    if !available() {
        return;
    }
    let sink = start_sink(&[], &[]);
    let store = sample_store();
    // A Commission meeting today, the edition due on the meeting day itself at
    // 00:00 UTC: due as soon as the server starts.
    let today = chrono::Utc::now().date_naive();
    let schedule = format!(
        "[briefings]\nlanguages = [\"fr\", \"ar\"]\nmonthly = \"off\"\ntime = \"00:00\"\nutc_offset = \"+00:00\"\nmeetings = [\"{today}\"]\ndays_before_meeting = 0\n"
    );
    std::fs::write(
        store.path().join("md2030.toml"),
        config(
            &sink,
            &schedule,
            &[("cabinet@example.gov.ma", "fr"), ("diwan@example.gov.ma", "ar")],
        ),
    )
    .unwrap();
    let serve = |store: &Path| {
        let addr =
            std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
        Command::new(env!("CARGO_BIN_EXE_md2030"))
            .args(["--data-dir", store.to_str().unwrap(), "serve", "--addr", &addr])
            .env("MD2030_TEST_SMTP_PASSWORD", PASSWORD)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let stop = |mut child: Child| {
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(60);
        while child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "the server did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let server = serve(store.path());
    let deadline = Instant::now() + Duration::from_secs(180);
    while received(&sink).len() < 2 {
        assert!(Instant::now() < deadline, "the scheduled edition was not sent within 180 s");
        std::thread::sleep(Duration::from_millis(250));
    }
    stop(server);
    let archive = editions(store.path());
    assert_eq!(archive["editions"][0]["trigger"], format!("meeting:{today}"));
    for (meta, pdf) in received(&sink) {
        let lang = if meta["rcpt_tos"][0] == "diwan@example.gov.ma" { "ar" } else { "fr" };
        let file = archive["editions"][0]["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["lang"] == lang)
            .unwrap();
        assert_eq!(sha256(&pdf), file["sha256"].as_str().unwrap(), "{lang}");
        // The meeting's stocktake pack travels with its briefing, as archived.
        let names: Vec<&str> = meta["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a["filename"].as_str())
            .collect();
        let pack_name = format!("md2030-pack-p1-{today}-{lang}.pdf");
        assert_eq!(names.len(), 2, "{names:?}");
        assert_eq!(names[1], pack_name);
    }
    for lang in ["fr", "ar"] {
        let archived =
            std::fs::read(store.path().join(format!("packs/p00001-{today}/{lang}.pdf"))).unwrap();
        assert!(
            received_extra(&sink).contains(&archived),
            "the {lang} pack sent is not the archived one"
        );
    }
    // Restarted: the slot is handled, the deliveries are sent; nothing leaves again.
    let server = serve(store.path());
    std::thread::sleep(Duration::from_secs(6));
    stop(server);
    assert_eq!(received(&sink).len(), 2, "a restarted server sent the edition again");
    assert_eq!(editions(store.path())["editions"].as_array().unwrap().len(), 1);
}
