//! The static public edition (`md2030 publish --out DIR`, issue 19): every public
//! page of the dashboard in its three languages, the charts, the downloads, the
//! open-data export and the API's JSON documents, written as files with relative
//! links, so any web server, object store or CDN can carry the published figures
//! at any scale. md2030 stays the place where data is submitted, checked and
//! signed off.
//!
//! **How.** The dashboard's own router answers in process, in public mode, as to an
//! anonymous visitor. The publisher starts from the three overviews and the API
//! documents and follows every local link, with three exceptions:
//! - it never asks for a signed-in path (sign-in, submissions, review, audit,
//!   accounts, judgments, packs, templates, `whoami`);
//! - it never asks for a pending version: anonymous requests are never served
//!   one;
//! - a link to a signed-in path points to `--live URL` when given, and is dropped
//!   otherwise.
//!
//! **File names.** A path ending in `/` becomes `index.html`. A path without an
//! extension takes the one its content type calls for (`.html`, `.json`). A
//! query becomes part of the name before the extension
//! (`regions?indicator=x` → `regions.indicator-x.html`). The same data gives the
//! same names and bytes, so a server's ETags stay valid across runs.
//!
//! **Forms.** The regions page's indicator selector is a GET form. A static
//! server cannot answer it, so it is replaced by a list of links.
//!
//! `sitemap.xml` lists every page (absolute with `--base-url`).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt;

use crate::{App, router};

/// Paths (by prefix after the language) a static edition never holds.
const SIGNED_IN: [&str; 10] = [
    "signin",
    "signout",
    "my",
    "submit",
    "review",
    "audit",
    "accounts",
    "judgments",
    "packs",
    "decisions/",
];

/// Whether `path` (no query) belongs to the public edition.
fn public(path: &str) -> bool {
    let rest = ["/fr/", "/ar/", "/en/"].iter().find_map(|l| path.strip_prefix(l));
    if let Some(rest) = rest {
        // "review" covers "review" and "review/…"; "decisions/" only what follows.
        return !SIGNED_IN.iter().any(|p| {
            if p.ends_with('/') {
                rest.starts_with(p)
            } else {
                rest == *p || rest.starts_with(&format!("{p}/"))
            }
        });
    }
    !(path.starts_with("/download/pack/")
        || path.starts_with("/download/template/")
        || path == "/download/audit.csv"
        || path == "/api/v1/whoami"
        || path == "/healthz"
        || path == "/briefing.pdf"
        || path == "/")
}

/// The file (relative, `/`-separated) a URL is written to, given its content type.
fn file_of(url: &str, content_type: &str) -> String {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let mut path = path.trim_start_matches('/').to_string();
    if path.is_empty() || path.ends_with('/') {
        path.push_str("index.html");
    }
    let last = path.rsplit('/').next().unwrap_or_default().to_string();
    let (stem, ext) = match last.rsplit_once('.') {
        Some((stem, ext)) if !ext.is_empty() && ext.len() <= 8 => {
            (stem.to_string(), ext.to_string())
        }
        _ => {
            let ext = if content_type.starts_with("text/html") {
                "html"
            } else if content_type.starts_with("application/json") {
                "json"
            } else if content_type.starts_with("image/svg") {
                "svg"
            } else if content_type.starts_with("image/png") {
                "png"
            } else if content_type.starts_with("text/csv") {
                "csv"
            } else {
                "bin"
            };
            (last.clone(), ext.to_string())
        }
    };
    let tag: String = query
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '-' })
        .collect();
    let name = if tag.is_empty() { format!("{stem}.{ext}") } else { format!("{stem}.{tag}.{ext}") };
    let dir = &path[..path.len() - last.len()];
    format!("{dir}{name}")
}

/// `to` relative to the folder of `from` (both relative to the edition's root).
fn relative(from: &str, to: &str) -> String {
    let depth = from.matches('/').count();
    format!("{}{to}", "../".repeat(depth))
}

/// What a publication wrote.
#[derive(Debug, Default)]
pub struct Published {
    pub pages: usize,
    pub files: usize,
    pub bytes: u64,
    /// Local links that answered other than 200 (none in a sound dashboard).
    pub broken: Vec<String>,
}

/// Replaces the regions page's GET form by links to each choice.
fn forms_to_links(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<form method=\"get\"") {
        let Some(end) = rest[start..].find("</form>").map(|e| start + e + "</form>".len()) else {
            break;
        };
        out.push_str(&rest[..start]);
        let form = &rest[start..end];
        let action = attribute(form, "action").unwrap_or_default();
        let name =
            form.find("<select").and_then(|i| attribute(&form[i..], "name")).unwrap_or_default();
        out.push_str("<ul class=\"choices\">");
        let mut options = form;
        while let Some(i) = options.find("<option") {
            options = &options[i..];
            let value = attribute(options, "value").unwrap_or_default();
            let label = options
                .find('>')
                .and_then(|s| {
                    options[s + 1..].find("</option>").map(|e| &options[s + 1..s + 1 + e])
                })
                .unwrap_or_default();
            out.push_str(&format!("<li><a href=\"{action}?{name}={value}\">{label}</a></li>"));
            options = &options[7..];
        }
        out.push_str("</ul>");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The value of attribute `name` in the first tag of `tag`.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let head = &tag[..tag.find('>').unwrap_or(tag.len())];
    md2030_view::charts::attribute(head, name).map(str::to_string)
}

/// Every local `href`, `src` and `action` of a page (HTML-unescaped), with its span.
fn links(html: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    for key in ["href=\"", "src=\"", "action=\""] {
        let mut from = 0;
        while let Some(i) = html[from..].find(key) {
            let start = from + i + key.len();
            let Some(len) = html[start..].find('"') else { break };
            let value = &html[start..start + len];
            if value.starts_with('/') && !value.starts_with("//") {
                out.push((start, start + len, value.replace("&amp;", "&")));
            }
            from = start + len;
        }
    }
    out.sort();
    out
}

/// Writes the static public edition of the dashboard `app` into `out` (which must
/// not exist or be empty).
pub async fn publish(
    app: Arc<App>,
    out: &Path,
    live: Option<&str>,
    base_url: Option<&str>,
) -> Result<Published, String> {
    if !md2030_store::backup::absent_or_empty(out) {
        return Err(format!("{} exists and is not empty", out.display()));
    }
    std::fs::create_dir_all(out).map_err(|e| format!("creating {}: {e}", out.display()))?;
    let start = [
        "/fr/",
        "/ar/",
        "/en/",
        "/api/v1/openapi.json",
        "/api/v1/indicators",
        "/api/v1/targets",
        "/api/v1/datasets",
        "/api/v1/peers",
        "/api/v1/decisions",
        "/download/export.zip",
        "/favicon.svg",
    ];
    let mut queue: VecDeque<String> = start.iter().map(|s| s.to_string()).collect();
    let mut seen: BTreeSet<String> = queue.iter().cloned().collect();
    // URL -> file; HTML pages kept to rewrite once every file name is known.
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    let mut pages: Vec<(String, String)> = Vec::new();
    let mut report = Published::default();
    while let Some(url) = queue.pop_front() {
        let request = Request::get(&url).body(Body::empty()).map_err(|e| format!("{url}: {e}"))?;
        let response =
            router(app.clone()).oneshot(request).await.map_err(|e| format!("{url}: {e}"))?;
        if response.status() != StatusCode::OK {
            report.broken.push(format!("{url}: {}", response.status()));
            continue;
        }
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        let file = file_of(&url, &content_type);
        files.insert(url.clone(), file.clone());
        if content_type.starts_with("text/html") {
            let html = forms_to_links(&String::from_utf8_lossy(&body));
            for (_, _, link) in links(&html) {
                let path = link.split('?').next().unwrap_or_default();
                if public(path) && seen.insert(link.clone()) {
                    queue.push_back(link);
                }
            }
            pages.push((file, html));
        } else {
            write(out, &file, &body)?;
            report.files += 1;
            report.bytes += body.len() as u64;
        }
    }
    for (file, html) in &pages {
        let mut rewritten = String::with_capacity(html.len());
        let mut at = 0;
        for (start, end, link) in links(html) {
            rewritten.push_str(&html[at..start]);
            let (path, fragment) = match link.split_once('#') {
                Some((p, f)) => (p.to_string(), format!("#{f}")),
                None => (link.clone(), String::new()),
            };
            match files.get(&path) {
                Some(target) => {
                    rewritten.push_str(&format!("{}{fragment}", relative(file, target)))
                }
                None => match live {
                    Some(live) => {
                        rewritten.push_str(&format!("{}{link}", live.trim_end_matches('/')))
                    }
                    None => rewritten.push_str(&relative(file, "index.html")),
                },
            }
            at = end;
        }
        rewritten.push_str(&html[at..]);
        write(out, file, rewritten.as_bytes())?;
        report.pages += 1;
        report.files += 1;
        report.bytes += rewritten.len() as u64;
    }
    // The root: the French overview, with the other two a link away.
    let index = "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0; url=fr/index.html\"><title>Maroc Digital 2030</title></head><body><p><a href=\"fr/index.html\">Français</a> · <a href=\"ar/index.html\" lang=\"ar\">العربية</a> · <a href=\"en/index.html\" lang=\"en\">English</a></p></body></html>\n";
    write(out, "index.html", index.as_bytes())?;
    let base = base_url.unwrap_or("").trim_end_matches('/');
    let mut sitemap = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (file, _) in &pages {
        let loc = if base.is_empty() { file.clone() } else { format!("{base}/{file}") };
        sitemap.push_str(&format!(
            "  <url><loc>{}</loc></url>\n",
            md2030_view::format::html_escape(&loc)
        ));
    }
    sitemap.push_str("</urlset>\n");
    write(out, "sitemap.xml", sitemap.as_bytes())?;
    report.files += 2;
    Ok(report)
}

fn write(out: &Path, file: &str, bytes: &[u8]) -> Result<(), String> {
    let path: PathBuf = out.join(file);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("creating {}: {e}", parent.display()))?;
    }
    std::fs::write(&path, bytes).map_err(|e| format!("writing {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_map_to_stable_file_names() {
        assert_eq!(file_of("/fr/", "text/html"), "fr/index.html");
        assert_eq!(
            file_of("/fr/indicator/egdi_rank", "text/html; charset=utf-8"),
            "fr/indicator/egdi_rank.html"
        );
        assert_eq!(
            file_of("/fr/regions?indicator=digital_take_up", "text/html"),
            "fr/regions.indicator-digital_take_up.html"
        );
        assert_eq!(
            file_of("/download/league/ministries.csv?lang=ar", "text/csv"),
            "download/league/ministries.lang-ar.csv"
        );
        assert_eq!(file_of("/api/v1/indicators", "application/json"), "api/v1/indicators.json");
        assert_eq!(
            file_of("/download/dataset/talent@v1.parquet", "x"),
            "download/dataset/talent@v1.parquet"
        );
        assert_eq!(relative("fr/indicator/x.html", "download/x.csv"), "../../download/x.csv");
        assert!(!public("/fr/signin") && !public("/fr/review/talent/2") && !public("/fr/packs"));
        assert!(public("/fr/decisions") && !public("/fr/decisions/point/3"));
        assert!(public("/fr/peers") && public("/download/peers/latest.csv"));
    }
}
