//! `md2030 brief`: the PDF read back by poppler (pdftotext, pdfinfo, pdffonts,
//! pdftoppm). Skipped without poppler-utils unless `MD2030_REQUIRE_BROWSER` is set
//! (CI installs it and sets the variable).

use std::path::Path;
use std::process::Command;

fn poppler() -> bool {
    if Path::new("/usr/bin/pdftotext").exists() {
        return true;
    }
    assert!(
        std::env::var_os("MD2030_REQUIRE_BROWSER").is_none(),
        "poppler-utils is required (apt-get install poppler-utils)"
    );
    false
}

fn brief(store: &Path, lang: &str, out: &Path) {
    let run = Command::new(env!("CARGO_BIN_EXE_md2030"))
        .args(["--data-dir", store.to_str().unwrap(), "--lang", lang, "brief", "--out"])
        .arg(out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
}

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name).args(args).output().unwrap();
    assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// French grouping written here, independently of md2030's formatter: a space
/// every three digits (the PDF's narrow no-break spaces come out of pdftotext as
/// spaces; the extracted text is normalised the same way).
fn french_integer(value: f64) -> String {
    let digits = format!("{}", value.round() as i64);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// Pages of a PGM rendering with at least one dark pixel: none is blank.
fn blank_pages(pdf: &Path, dir: &Path) -> Vec<String> {
    let prefix = dir.join("page");
    tool("pdftoppm", &["-r", "20", "-gray", pdf.to_str().unwrap(), prefix.to_str().unwrap()]);
    let mut pages: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pgm"))
        .collect();
    pages.sort();
    assert!(!pages.is_empty());
    pages
        .iter()
        .filter(|page| {
            // P5 header: magic, width, height, max value, then one byte per pixel.
            let bytes = std::fs::read(page).unwrap();
            let mut fields = 0;
            let mut at = 0;
            while fields < 4 {
                while bytes[at].is_ascii_whitespace() {
                    at += 1;
                }
                while !bytes[at].is_ascii_whitespace() {
                    at += 1;
                }
                fields += 1;
            }
            !bytes[at + 1..].iter().any(|&p| p < 128)
        })
        .map(|p| p.display().to_string())
        .collect()
}

#[test]
fn briefings_carry_the_computed_figures_in_three_languages() {
    if !poppler() {
        return;
    }
    let store = crate::sample_store();
    let out = tempfile::tempdir().unwrap();
    let json = crate::md2030(store.path(), &["indicators", "--json"]);
    let results: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let find = |id: &str| {
        results["indicators"].as_array().unwrap().iter().find(|i| i["id"] == id).unwrap().clone()
    };

    for lang in ["fr", "ar", "en"] {
        let pdf = out.path().join(format!("{lang}.pdf"));
        brief(store.path(), lang, &pdf);
        let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
        let pages: u32 =
            info.lines().find_map(|l| l.strip_prefix("Pages:")).unwrap().trim().parse().unwrap();
        assert!((4..=8).contains(&pages), "{lang}: {pages} pages");
        let fonts = tool("pdffonts", &[pdf.to_str().unwrap()]);
        assert!(fonts.contains("NotoSans-Regular"), "{fonts}");
        if lang == "ar" {
            assert!(fonts.contains("NotoNaskhArabic-Regular"), "{fonts}");
        }
        // Every font is embedded (the `emb` column).
        for line in fonts.lines().skip(2) {
            assert!(line.contains(" yes "), "{lang}: a font is not embedded: {line}");
        }
        let pngs = tempfile::tempdir().unwrap();
        assert_eq!(blank_pages(&pdf, pngs.path()), Vec::<String>::new(), "{lang}: blank pages");
    }

    // French: the scorecard's offshoring jobs and labelled startups are the
    // values of `md2030 indicators --json`, grouped the French way.
    let text = tool("pdftotext", &[out.path().join("fr.pdf").to_str().unwrap(), "-"])
        .replace(['\u{202F}', '\u{A0}'], " ");
    for id in ["offshoring_jobs", "labelled_startups", "digital_talents_trained"] {
        let latest = &find(id)["headline"]["latest"];
        let expected = format!(
            "{} ({})",
            french_integer(latest["value"].as_f64().unwrap()),
            latest["period"].as_str().unwrap()
        );
        assert!(text.contains(&expected), "{id}: {expected} not in the French briefing");
    }
    assert!(text.contains("Synthèse") && text.contains("Tableau de bord des indicateurs"));
    assert!(text.contains("Données d'exemple"), "the sample data is not labelled");
    // The cover names the results version it was built from.
    assert!(text.contains("results@v1"));

    // Arabic: the words come out whole and in logical order; the date is not
    // reversed.
    let text = tool("pdftotext", &[out.path().join("ar.pdf").to_str().unwrap(), "-"]);
    for words in ["الخلاصة", "جدول المؤشرات", "بيانات نموذجية", "صفحة"]
    {
        assert!(text.contains(words), "{words} not in the Arabic briefing");
    }
    let as_of = results["as_of"].as_str().unwrap();
    let reversed: String = as_of.split('-').rev().collect::<Vec<_>>().join("-");
    assert!(!text.contains(&reversed), "a date came out reversed: {reversed}");

    // The same results give the same PDF.
    let again = out.path().join("fr-again.pdf");
    brief(store.path(), "fr", &again);
    assert_eq!(std::fs::read(&again).unwrap(), std::fs::read(out.path().join("fr.pdf")).unwrap());

    // The dashboard's /briefing.pdf is the same document as `md2030 brief`.
    let server = crate::serve::start(store.path());
    for lang in ["fr", "ar"] {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&server.addr).unwrap();
        write!(
            stream,
            "GET /briefing.pdf?lang={lang} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let at = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        let head = String::from_utf8_lossy(&response[..at]).to_lowercase();
        assert!(head.starts_with("http/1.1 200") && head.contains("application/pdf"), "{head}");
        let cli = std::fs::read(out.path().join(format!("{lang}.pdf"))).unwrap();
        assert!(
            response[at..] == cli[..],
            "{lang}: the dashboard's briefing differs from the CLI's"
        );
    }
}
