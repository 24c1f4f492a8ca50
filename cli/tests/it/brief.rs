//! `md2030 brief`: the PDF read back by poppler (pdftotext, pdfinfo, pdffonts,
//! pdftoppm). Skipped without poppler-utils unless `MD2030_REQUIRE_BROWSER` is set
//! (CI installs it and sets the variable).

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use sha2::Digest;

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

fn brief(store: &Path, lang: &str, out: &Path) -> String {
    brief_as_of(store, lang, out, &[])
}

fn brief_as_of(store: &Path, lang: &str, out: &Path, extra: &[&str]) -> String {
    let run = Command::new(env!("CARGO_BIN_EXE_md2030"))
        .args(["--data-dir", store.to_str().unwrap(), "--lang", lang, "brief", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    String::from_utf8_lossy(&run.stdout).into_owned()
}

/// The text of one page (`pdftotext -f N -l N`), whitespace runs made single
/// spaces and no-break spaces plain.
fn page_text(pdf: &Path, page: u32) -> String {
    let n = page.to_string();
    squash(&tool("pdftotext", &["-f", &n, "-l", &n, pdf.to_str().unwrap(), "-"]))
}

fn squash(text: &str) -> String {
    text.replace(['\u{202F}', '\u{A0}'], " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

fn page_count(pdf: &Path) -> u32 {
    let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    info.lines().find_map(|l| l.strip_prefix("Pages:")).unwrap().trim().parse().unwrap()
}

/// An indicator's value as the English edition writes it, by the rules of the
/// catalogue's units (worked out here, not with md2030's formatter): thousands
/// grouped with commas; percentages with one decimal and `%`; the EGDI index with
/// four decimals; subscriptions per 100 people with two; dirhams in billions
/// (two decimals, `bn MAD`) or millions (one decimal, `M MAD`); counts whole.
fn english(value: f64, unit: &str) -> String {
    let grouped = |text: String| {
        let (int, frac) = match text.split_once('.') {
            Some((i, f)) => (i.to_string(), Some(f.to_string())),
            None => (text, None),
        };
        let mut out = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        match frac {
            Some(f) => format!("{out}.{f}"),
            None => out,
        }
    };
    match unit {
        "percent" => format!("{}%", grouped(format!("{value:.1}"))),
        "index" => format!("{value:.4}"),
        "per_100" => grouped(format!("{value:.2}")),
        "MAD" if value >= 1e9 => format!("{} bn MAD", grouped(format!("{:.2}", value / 1e9))),
        "MAD" if value >= 1e6 => format!("{} M MAD", grouped(format!("{:.1}", value / 1e6))),
        _ => grouped(format!("{value:.0}")),
    }
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
    let results: Value = serde_json::from_slice(&json.stdout).unwrap();
    let indicators = results["indicators"].as_array().unwrap().clone();
    let find = |id: &str| indicators.iter().find(|i| i["id"] == id).unwrap().clone();

    for lang in ["fr", "ar", "en"] {
        let pdf = out.path().join(format!("{lang}.pdf"));
        let said = brief(store.path(), lang, &pdf);
        assert!(said.contains("typeset and archived"), "{said}");
        check_pdf_file(lang, &pdf);
    }

    // English: the scorecard holds every indicator's latest value and period as
    // `md2030 indicators --json` gives them, written by the unit's rule.
    let en = out.path().join("en.pdf");
    let pages = page_count(&en);
    let all: Vec<String> = (1..=pages).map(|p| page_text(&en, p)).collect();
    let whole = all.join(" ");
    scorecard_matches(&whole, &indicators);

    key_messages_follow_the_method(&whole, &indicators);
    assert!(whole.contains("Sample data"), "the sample data is not labelled");
    assert!(
        whole.contains("results@v1") && whole.contains("briefing@e1"),
        "the annex names its sources"
    );
    cover_gives_the_verdict(&all[0], &indicators);
    // The pillar pages hold every indicator of the catalogue: a chart, or a row of
    // the pillar's other indicators.
    // From the first pillar's heading to the regions page's first line.
    let (start, end) = (whole.find("Public services").unwrap(), whole.find("Map shades").unwrap());
    let pillars = &whole[start..end];
    assert_eq!(pillars.matches("The pillar's other indicators").count(), 3);
    for indicator in md2030_analytics::catalog::Catalog::compiled_in().unwrap().indicators {
        let name = squash(&indicator.name.en);
        assert!(pillars.contains(&name), "{name} is on no pillar page");
    }
    // The regions page: one map per targeted indicator with a regional view (and
    // digital take-up), at most four, each captioned; the classes named once.
    let mapped = indicators
        .iter()
        .filter(|i| {
            i["regional"].as_array().is_some_and(|r| !r.is_empty())
                && !i["headline"]["target"].is_null()
        })
        .count();
    let captions = whole.matches("National (").count();
    assert_eq!(captions, (mapped + 1).min(4), "{captions} map captions for {mapped} indicators");
    assert!(whole.contains("Map shades, lightest to darkest, against the national value"));

    let as_of = results["as_of"].as_str().unwrap();
    pages_carry_header_footer_and_annex_header(&all, as_of);

    // French: values grouped the French way.
    let text = squash(&tool("pdftotext", &[out.path().join("fr.pdf").to_str().unwrap(), "-"]));
    for id in ["offshoring_jobs", "labelled_startups", "digital_talents_trained"] {
        let latest = &find(id)["headline"]["latest"];
        let expected = format!(
            "{} ({})",
            french_integer(latest["value"].as_f64().unwrap()),
            french_period(latest["period"].as_str().unwrap())
        );
        assert!(text.contains(&expected), "{id}: {expected} not in the French briefing");
    }
    assert!(text.contains("Synthèse") && text.contains("Tableau de bord des indicateurs"));
    assert!(text.contains("Depuis la dernière note") && text.contains("Première note archivée"));
    assert!(text.contains("Données d'exemple"), "the sample data is not labelled");

    // Arabic: the words come out whole and in logical order, numbers inside Arabic
    // lines keep their digits in order, and the date is not reversed.
    let text = squash(&tool("pdftotext", &[out.path().join("ar.pdf").to_str().unwrap(), "-"]));
    for words in ["الخلاصة", "جدول المؤشرات", "بيانات نموذجية", "صفحة", "منذ المذكرة السابقة"]
    {
        assert!(text.contains(words), "{words} not in the Arabic briefing");
    }
    let jobs = &find("offshoring_jobs")["headline"]["latest"];
    let jobs = french_integer(jobs["value"].as_f64().unwrap());
    assert!(text.contains(&jobs), "{jobs} not in order in the Arabic briefing");
    let reversed: String = as_of.split('-').rev().collect::<Vec<_>>().join("-");
    assert!(!text.contains(&reversed), "a date came out reversed: {reversed}");

    // Asked again: the archived edition, the same bytes.
    let again = out.path().join("fr-again.pdf");
    assert!(brief(store.path(), "fr", &again).contains("from the archive"));
    assert_eq!(std::fs::read(&again).unwrap(), std::fs::read(out.path().join("fr.pdf")).unwrap());

    // The dashboard's /briefing.pdf is the same document as `md2030 brief`, and
    // the archive page lists the edition with its three PDFs.
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
    let (status, _, page) = crate::serve::get(&server.addr, "/en/briefings", &[]).unwrap();
    assert_eq!(status, 200);
    for link in [
        "/download/briefing/e1-fr.pdf",
        "/download/briefing/e1-ar.pdf",
        "/download/briefing/e1-en.pdf",
    ] {
        assert!(page.contains(link), "{link} not on the briefings page");
    }
    assert!(crate::md2030(store.path(), &["verify"]).status.success());
}

/// Page 1 is the verdict: the band over the targets, counted here from the results
/// by the method's grouping, and key messages; no hash on it.
fn cover_gives_the_verdict(cover: &str, indicators: &[Value]) {
    let targeted: Vec<&str> = indicators
        .iter()
        .filter(|i| !i["headline"]["target"].is_null())
        .map(|i| i["headline"]["assessment"]["status"].as_str().unwrap())
        .collect();
    let on_track = targeted.iter().filter(|s| ["achieved", "on_track"].contains(s)).count();
    let behind = ["needs_acceleration", "limited_progress", "deterioration", "missed"];
    let accelerate = targeted.iter().filter(|s| behind.contains(s)).count();
    let band = format!(
        "Of {} targets: {on_track} on track, {accelerate} to accelerate, {} not assessable",
        targeted.len(),
        targeted.len() - on_track - accelerate
    );
    assert!(cover.contains(&band), "no «{band}» on the cover:\n{cover}");
    assert!(cover.contains("Key messages"), "no key messages on the cover");
    assert!(!cover.contains("sha256"), "hashes on the cover:\n{cover}");
}

/// Every page after the cover: the running header with the edition date, and
/// the footer's page number; the annex table repeats its header on every page
/// it continues on.
fn pages_carry_header_footer_and_annex_header(all: &[String], as_of: &str) {
    let pages = all.len();
    for (i, text) in all.iter().enumerate() {
        assert!(
            text.contains(&format!("Page {} of {pages}", i + 1)),
            "page {}: no page number",
            i + 1
        );
        if i > 0 {
            let date = english_date(as_of);
            assert!(text.contains(&date), "page {}: no edition date ({date}) in the header", i + 1);
        }
    }
    let annex_from = all.iter().position(|t| t.contains("Annex: definitions")).expect("an annex");
    assert!(annex_from + 1 < all.len() || all[annex_from].contains("Definition Producer"));
    for (i, text) in all.iter().enumerate().skip(annex_from) {
        assert!(
            text.contains("Indicator Definition Producer Target"),
            "annex page {}: no header row",
            i + 1
        );
    }
}

/// An indicator's unit, read from the catalogue's text.
fn unit_of(id: &str) -> String {
    let catalog = std::fs::read_to_string(crate::repo("data/catalog/indicators.toml")).unwrap();
    let at = catalog.find(&format!("id = \"{id}\"")).unwrap();
    let line = catalog[at..].lines().find(|l| l.starts_with("unit = ")).unwrap();
    line.trim_start_matches("unit = ").trim_matches('"').to_string()
}

/// One PDF as a file: its page count, vector charts only, embedded fonts, Arabic
/// words shaped whole, no blank page.
fn check_pdf_file(lang: &str, pdf: &std::path::Path) {
    let pages = page_count(pdf);
    // The README's figures: 10 pages in French and English, 11 in Arabic.
    assert!((10..=11).contains(&pages), "{lang}: {pages} pages");
    // Charts are vectors: no raster image anywhere (`pdfimages -list` prints a
    // two-line header and one line per image).
    let images = tool("pdfimages", &["-list", pdf.to_str().unwrap()]);
    assert_eq!(images.lines().count(), 2, "{lang}: raster images in the PDF:\n{images}");
    let fonts = tool("pdffonts", &[pdf.to_str().unwrap()]);
    assert!(fonts.contains("NotoSans-Regular"), "{fonts}");
    if lang == "ar" {
        assert!(fonts.contains("NotoNaskhArabic-Regular"), "{fonts}");
        // Words are shaped whole, chart legends included: no Arabic letter stands
        // alone as a word where `pdftotext -bbox` reads the page (a detached
        // initial alef read "لمسار" for "المسار"). The conjunction و may stand alone.
        let words = tool("pdftotext", &["-bbox", pdf.to_str().unwrap(), "-"]);
        let detached: Vec<&str> = words
            .split("<word ")
            .skip(1)
            .filter_map(|w| w.split_once('>').and_then(|(_, rest)| rest.split_once("</word>")))
            .map(|(word, _)| word)
            .filter(|word| {
                let mut chars = word.chars();
                matches!((chars.next(), chars.next()),
                    (Some(c), None) if ('\u{0621}'..='\u{064A}').contains(&c) && c != 'و')
            })
            .collect();
        assert!(detached.is_empty(), "{} detached letters: {detached:?}", detached.len());
    }
    // Every font is embedded (the `emb` column).
    for line in fonts.lines().skip(2) {
        assert!(line.contains(" yes "), "{lang}: a font is not embedded: {line}");
    }
    let pngs = tempfile::tempdir().unwrap();
    assert_eq!(blank_pages(pdf, pngs.path()), Vec::<String>::new(), "{lang}: blank pages");
}

/// A date as an English reader writes it: 2026-12-03 is "3 December 2026".
fn english_date(iso: &str) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let parts: Vec<usize> = iso.split('-').map(|p| p.parse().unwrap()).collect();
    format!("{} {} {}", parts[2], MONTHS[parts[1] - 1], parts[0])
}

/// A period as a French reader writes it: 2025-Q2 is "T2 2025", 2025-12 is
/// "déc. 2025", a year stays a year.
fn french_period(period: &str) -> String {
    const MONTHS: [&str; 12] = [
        "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
        "déc.",
    ];
    match period.split_once('-') {
        Some((year, q)) if q.starts_with('Q') => format!("T{} {year}", &q[1..]),
        Some((year, m)) => format!("{} {year}", MONTHS[m.parse::<usize>().unwrap() - 1]),
        None => period.to_string(),
    }
}

/// A period as an English reader writes it: 2025-Q4 is "Q4 2025", 2025-12 is
/// "Dec 2025", a year stays a year.
fn english_period(period: &str) -> String {
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    match period.split_once('-') {
        Some((year, q)) if q.starts_with('Q') => format!("{q} {year}"),
        Some((year, m)) => format!("{} {year}", MONTHS[m.parse::<usize>().unwrap() - 1]),
        None => period.to_string(),
    }
}

/// The English scorecard holds every indicator's latest value and period as
/// `md2030 indicators --json` gives them, written by the unit's rule.
fn scorecard_matches(whole: &str, indicators: &[Value]) {
    let scorecard = {
        let from = whole.find("Indicator scorecard").expect("a scorecard");
        let to = whole[from..].find("Public services").map(|i| from + i).unwrap_or(whole.len());
        &whole[from..to]
    };
    let mut checked = 0;
    for indicator in indicators {
        let id = indicator["id"].as_str().unwrap();
        let latest = &indicator["headline"]["latest"];
        if latest.is_null() {
            continue;
        }
        let expected = format!(
            "{} ({})",
            english(latest["value"].as_f64().unwrap(), &unit_of(id)),
            english_period(latest["period"].as_str().unwrap())
        );
        assert!(
            scorecard.contains(&expected),
            "{id}: {expected} not in the scorecard:\n{scorecard}"
        );
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} indicators with a value");
}

/// Key messages: every target judged gets a sentence whose numbers are recomputed
/// here from the results JSON by the method page's arithmetic (not md2030's
/// code): pace = change since the baseline over the years since, needed = what is
/// left over the years left, projection = latest + pace x years left (a share
/// within 0-100), year reached where that line meets the target. The targets
/// behind their trajectory come first, the furthest behind first.
fn key_messages_follow_the_method(whole: &str, indicators: &[Value]) {
    let summary = {
        let from = whole.find("Summary").expect("a summary");
        let to = whole[from..].find("Since the last briefing").map_or(whole.len(), |i| from + i);
        &whole[from..to]
    };
    let period_end = |period: &str| -> f64 {
        let year: f64 = period[..4].parse().unwrap();
        match period.split_once("-Q") {
            Some((_, q)) => year + q.parse::<f64>().unwrap() / 4.0,
            None if period.len() == 7 => year + period[5..].parse::<f64>().unwrap() / 12.0,
            None => year + 1.0,
        }
    };
    let signed = |value: f64, unit: &str| -> String {
        if unit == "rank" {
            let verb = if value <= 0.0 { "gains" } else { "loses" };
            return format!("{verb} {:.1} places a year", value.abs());
        }
        let sign = if value < 0.0 { "\u{2212}" } else { "+" };
        let magnitude = match unit {
            "percent" => format!("{:.1} pt", value.abs()),
            _ => english(value.abs(), unit),
        };
        format!("{sign}{magnitude} a year")
    };
    let mut positions = Vec::new();
    for indicator in indicators {
        let id = indicator["id"].as_str().unwrap();
        let headline = &indicator["headline"];
        let status = headline["assessment"]["status"].as_str().unwrap();
        let (Some(target), Some(latest)) =
            (headline["target"].as_object(), headline["latest"].as_object())
        else {
            continue;
        };
        if matches!(status, "not_assessable" | "achieved") {
            continue;
        }
        let unit = unit_of(id);
        let series = headline["series"].as_array().unwrap();
        // The baseline: the registry's, except for export revenue, whose series
        // broke in 2023 (new scope, FACTS.md §3.4): its first new-scope year.
        let (base_period, base) = if id == "offshoring_export_revenue" {
            let first = series.iter().find(|o| o["period"].as_str().unwrap() >= "2023").unwrap();
            (first["period"].as_str().unwrap().to_string(), first["value"].as_f64().unwrap())
        } else {
            let b = &target["baseline"];
            (b["year"].to_string(), b["value"].as_f64().unwrap())
        };
        let (value, period) =
            (latest["value"].as_f64().unwrap(), latest["period"].as_str().unwrap());
        let goal = target["value"].as_f64().unwrap();
        let year = target["year"].as_i64().unwrap();
        let (t_base, t_latest, t_goal) =
            (period_end(&base_period), period_end(period), year as f64 + 1.0);
        let pace = (value - base) / (t_latest - t_base);
        let needed = (goal - value) / (t_goal - t_latest);
        let mut projection = value + pace * (t_goal - t_latest);
        if unit == "percent" {
            projection = projection.clamp(0.0, 100.0);
        }
        let toward = pace * (goal - value).signum();
        let reach = if toward <= 0.0 {
            "target never reached".to_string()
        } else {
            let when = (t_latest + (goal - value).abs() / toward - 1.0).ceil() as i64;
            if when > 2050 {
                "target not reached before 2050".to_string()
            } else {
                format!("target reached in {when}")
            }
        };
        let period = english_period(period);
        let sentence = format!(
            "{} ({period}) against {} ({base_period}): {}; pace needed: {} to reach {} by {year}. At this pace: {} in {year}, {reach}.",
            english(value, &unit),
            english(base, &unit),
            signed(pace, &unit),
            signed(needed, &unit),
            english(goal, &unit),
            english(projection, &unit),
        );
        let at = summary.find(&sentence);
        assert!(at.is_some(), "{id}: «{sentence}» not in the summary:\n{summary}");
        positions.push((at.unwrap(), status.to_string(), id.to_string()));
    }
    assert!(positions.len() >= 6, "only {} key messages checked", positions.len());
    positions.sort();
    let behind = |s: &str| s != "on_track";
    let first_on_track = positions.iter().position(|(_, s, _)| !behind(s));
    if let Some(first) = first_on_track {
        assert!(
            positions[first..].iter().all(|(_, s, _)| !behind(s)),
            "a target behind comes after one on track: {positions:?}"
        );
    }
    // 5G, at 0 % against 85 %, is the furthest behind: the first sentence.
    assert_eq!(positions[0].2, "coverage_5g", "{positions:?}");
}

/// Sums a column of a `;`-separated sample file for the rows whose first field is `year`.
fn talent_total(csv: &str, year: &str) -> f64 {
    csv.lines()
        .skip(1)
        .filter(|l| l.starts_with(year))
        .map(|l| l.split(';').nth(3).unwrap().parse::<f64>().unwrap())
        .sum()
}

#[test]
fn a_new_edition_says_what_changed_since_the_last_and_records_its_inputs() {
    if !poppler() {
        return;
    }
    let store = crate::sample_store();
    let out = tempfile::tempdir().unwrap();
    let as_of = ["--as-of", "2026-11-30"];
    let first = out.path().join("e1.pdf");
    brief_as_of(store.path(), "en", &first, &as_of);

    // Talent revised for 2025 (each of the 48 rows +10 people) and a first 2026
    // figure; the talent target superseded by a second version.
    let sample = std::fs::read_to_string(crate::repo("data/sample/talent.csv")).unwrap();
    let mut file = String::from(sample.lines().next().unwrap());
    file.push('\n');
    for line in sample.lines().skip(1).filter(|l| l.starts_with("2025")) {
        let mut fields: Vec<String> = line.split(';').map(String::from).collect();
        fields[3] = (fields[3].parse::<u64>().unwrap() + 10).to_string();
        file.push_str(&fields.join(";"));
        file.push('\n');
        fields[0] = "2026".into();
        fields[3] = "100".into();
        fields[4] = "40".into();
        file.push_str(&fields.join(";"));
        file.push('\n');
    }
    let talent = out.path().join("talent-2025-2026.csv");
    std::fs::write(&talent, &file).unwrap();
    let ingest = crate::md2030(store.path(), &["ingest", "talent", talent.to_str().unwrap()]);
    assert!(ingest.status.success(), "{}", String::from_utf8_lossy(&ingest.stderr));
    let targets = std::fs::read_to_string(crate::repo("data/catalog/targets.toml")).unwrap();
    std::fs::create_dir_all(store.path().join("catalog")).unwrap();
    std::fs::write(
        store.path().join("catalog/targets.toml"),
        format!(
            "{targets}\n[[target]]\nid = \"digital_talents_2030_v2\"\nindicator = \"digital_talents_trained\"\nyear = 2030\nvalue = 120000\nbaseline = {{ year = 2022, value = 14000 }}\nsource = {{ fr = \"Révision de test\", ar = \"مراجعة تجريبية\", en = \"Test revision\" }}\nadopted_by = {{ fr = \"Commission\", ar = \"اللجنة\", en = \"Commission\" }}\nadopted_on = \"2026-11-20\"\nversion = 2\nsupersedes = \"digital_talents_2030_v1\"\n"
        ),
    )
    .unwrap();

    // The next edition in mid-January 2027, when 2026 is a whole year.
    let second = out.path().join("e2.pdf");
    assert!(
        brief_as_of(store.path(), "en", &second, &["--as-of", "2027-01-15"])
            .contains("briefing@e2")
    );
    let text = squash(&tool("pdftotext", &[second.to_str().unwrap(), "-"]));
    assert!(text.contains("Compared with briefing briefing@e1 of 2026-11-30"), "{text}");
    // Worked out from the sample file: 2025 before and after the +10 on 48 rows,
    // and the new 2026 total of 48 × 100.
    let before = talent_total(&sample, "2025");
    let now = before + 480.0;
    let revised = format!(
        "Revised value (2025) Digital talents trained per year {} {}",
        english(before, "people"),
        english(now, "people")
    );
    assert!(text.contains(&revised), "{revised} not in:\n{text}");
    assert!(text.contains("New values Digital talents trained per year – 2026 : 4,800"), "{text}");
    assert!(
        text.contains(
            "Target changed Digital talents trained per year 100,000 (2030, v1) 120,000 (2030, v2)"
        ),
        "{text}"
    );
    assert!(text.contains("New dataset version talent talent@v1 talent@v2"), "{text}");
    // The audit log: the target change, seen by the computation that read the new
    // targets file, and the editions built.
    let audit = crate::md2030(store.path(), &["audit", "--format", "json"]);
    let entries: Vec<Value> = String::from_utf8_lossy(&audit.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let change = entries
        .iter()
        .find(|e| e["action"] == "target-change")
        .unwrap_or_else(|| panic!("no target change audited: {entries:?}"));
    assert_eq!(change["subject"], "digital_talents_2030_v2@v2");
    assert_eq!(
        (change["detail"]["before"]["value"].as_f64(), change["detail"]["now"]["value"].as_f64()),
        (Some(100_000.0), Some(120_000.0))
    );
    assert!(entries.iter().any(|e| e["action"] == "briefing" && e["subject"] == "briefing@e2"));

    archive_records_both_editions(store.path(), &second);

    // The same inputs in another store, built at another time: the same text and
    // the same bytes.
    let other = crate::sample_store();
    let twin = out.path().join("e1-twin.pdf");
    brief_as_of(other.path(), "en", &twin, &as_of);
    assert_eq!(
        tool("pdftotext", &[twin.to_str().unwrap(), "-"]),
        tool("pdftotext", &[first.to_str().unwrap(), "-"])
    );
    assert!(
        std::fs::read(&twin).unwrap() == std::fs::read(&first).unwrap(),
        "the same inputs gave other bytes"
    );
}

/// The archive: two editions, the second compared with the first; each PDF's
/// recorded hash is the file's; the manifest names the dataset versions with
/// the stored files' hashes and the target versions with theirs.
fn archive_records_both_editions(store: &std::path::Path, second: &std::path::Path) {
    let list = crate::md2030(store, &["briefings", "list", "--json"]);
    let archive: Value = serde_json::from_slice(&list.stdout).unwrap();
    let editions = archive["editions"].as_array().unwrap();
    assert_eq!(editions.len(), 2);
    assert_eq!(
        (editions[0]["edition_no"].as_i64(), editions[0]["compared_with"].as_i64()),
        (Some(2), Some(1))
    );
    let file = &editions[0]["files"][0];
    let bytes = std::fs::read(store.join(file["file"].as_str().unwrap())).unwrap();
    assert_eq!(bytes, std::fs::read(second).unwrap());
    assert_eq!(file["sha256"].as_str().unwrap(), format!("{:x}", sha2::Sha256::digest(&bytes)));
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(store.join(editions[0]["dir"].as_str().unwrap()).join("manifest.json"))
            .unwrap(),
    )
    .unwrap();
    let datasets = crate::md2030(store, &["datasets", "--json"]);
    let datasets: Value = serde_json::from_slice(&datasets.stdout).unwrap();
    let talent_now =
        datasets.as_array().unwrap().iter().find(|d| d["current"]["dataset"] == "talent").unwrap();
    let listed = manifest["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["version"] == "talent@v2")
        .unwrap();
    assert_eq!(listed["sha256"], talent_now["current"]["sha256"]);
    let target = manifest["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "digital_talents_2030_v2")
        .unwrap();
    assert_eq!(
        (target["version"].as_u64(), target["sha256"].as_str().map(str::len)),
        (Some(2), Some(64))
    );
    assert_eq!(manifest["compared_with"]["edition"], "briefing@e1");
}
