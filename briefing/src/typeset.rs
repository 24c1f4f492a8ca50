//! Typesetting: a briefing's content as PDF, in-process by typst
//! (no browser, no external process) from plain data: the template
//! (`templates/briefing.typ`) receives every text and figure through `sys.inputs`,
//! never by splicing data into markup; charts are the view's SVG, embedded as
//! vectors. Fonts are the ones md2030 ships (`assets/fonts`): Noto Sans, Noto Naskh
//! Arabic and DejaVu Sans (chart labels in both scripts).

use typst::foundations::{Array, Bytes, Dict, IntoValue, Value};
use typst_as_lib::TypstEngine;

const TEMPLATE: &str = include_str!("../templates/briefing.typ");
const PACK_TEMPLATE: &str = include_str!("../templates/pack.typ");

const FONTS: [&[u8]; 6] = [
    include_bytes!("../../assets/fonts/NotoSans-Regular.ttf"),
    include_bytes!("../../assets/fonts/NotoSans-Bold.ttf"),
    include_bytes!("../../assets/fonts/NotoNaskhArabic-Regular.ttf"),
    include_bytes!("../../assets/fonts/NotoNaskhArabic-Bold.ttf"),
    include_bytes!("../../assets/fonts/DejaVuSans.ttf"),
    include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf"),
];

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("typesetting the briefing failed: {0}")]
    Typeset(String),
    #[error("writing the PDF failed: {0}")]
    Pdf(String),
}

/// A chart: its title and SVG text (embedded as vectors).
#[derive(Debug, Clone, Default)]
pub struct Chart {
    pub title: String,
    /// Value, target, status and pace, under the title.
    pub caption: String,
    pub svg: String,
}

/// A section of charts (a pillar, the regions).
#[derive(Debug, Clone, Default)]
pub struct Section {
    pub title: String,
    pub text: Vec<String>,
    pub charts: Vec<Chart>,
    /// After the charts: a table of what they leave out (none when it has no row).
    pub more_title: String,
    pub more: Table,
}

/// A table with a header row (repeated when it continues on the next page).
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Everything a briefing shows, already in its language and formatted.
#[derive(Debug, Clone, Default)]
pub struct Briefing {
    /// `fr`, `ar` or `en`.
    pub lang: String,
    pub rtl: bool,
    pub title: String,
    pub subtitle: String,
    /// The edition date as written, for the cover and the running header.
    pub edition: String,
    pub period: String,
    /// The verdict band: "Of 10 targets: 1 on track, …", and its three counts (on
    /// track, to accelerate, not assessable).
    pub verdict: String,
    pub verdict_counts: [usize; 3],
    /// The cover's three to five key messages.
    pub key_messages_title: String,
    pub key_messages: Vec<String>,
    /// The annex's provenance block (the snapshot lines).
    pub provenance_title: String,
    /// What the briefing was built from: results version, as-of date, hashes.
    pub snapshot: Vec<String>,
    /// Shown on the cover and on every page when the figures are sample data.
    pub sample_warning: Option<String>,
    pub summary_title: String,
    pub summary: Vec<String>,
    /// "Since the last briefing": a sentence, then a table of the changes
    /// (what, indicator or dataset, before, now); empty for a first edition.
    pub since_title: String,
    pub since_text: Vec<String>,
    pub since: Table,
    pub scorecard_title: String,
    pub scorecard: Table,
    /// The mid-term review: each milestone's verdict and what the final target
    /// needs after it.
    pub midterm_title: String,
    pub midterm_text: Vec<String>,
    pub midterm: Table,
    /// Morocco among its peers: the top-50 outlook and its standing sentence,
    /// then each comparable indicator's ranks in the main groups.
    pub peers_title: String,
    pub peers_text: Vec<String>,
    pub peers: Table,
    pub sections: Vec<Section>,
    pub annex_title: String,
    pub annex: Table,
    /// "Page" and "of", for the footer.
    pub page_word: String,
    pub of_word: String,
}

fn strings(items: &[String]) -> Value {
    items.iter().map(|s| s.clone().into_value()).collect::<Array>().into_value()
}

fn table(t: &Table) -> Value {
    let mut dict = Dict::new();
    dict.insert("header".into(), strings(&t.header));
    dict.insert("rows".into(), t.rows.iter().map(|r| strings(r)).collect::<Array>().into_value());
    dict.into_value()
}

impl Briefing {
    fn inputs(&self) -> Dict {
        let mut d = Dict::new();
        let mut put = |k: &str, v: Value| {
            d.insert(k.into(), v);
        };
        put("lang", self.lang.clone().into_value());
        put("rtl", self.rtl.into_value());
        put("title", self.title.clone().into_value());
        put("subtitle", self.subtitle.clone().into_value());
        put("edition", self.edition.clone().into_value());
        put("period", self.period.clone().into_value());
        put("verdict", self.verdict.clone().into_value());
        put(
            "verdict_counts",
            self.verdict_counts
                .iter()
                .map(|n| (*n as i64).into_value())
                .collect::<Array>()
                .into_value(),
        );
        put("key_messages_title", self.key_messages_title.clone().into_value());
        put("key_messages", strings(&self.key_messages));
        put("provenance_title", self.provenance_title.clone().into_value());
        put("snapshot", strings(&self.snapshot));
        put("sample", self.sample_warning.clone().into_value());
        put("summary_title", self.summary_title.clone().into_value());
        put("summary", strings(&self.summary));
        put("since_title", self.since_title.clone().into_value());
        put("since_text", strings(&self.since_text));
        put("since", table(&self.since));
        put("scorecard_title", self.scorecard_title.clone().into_value());
        put("scorecard", table(&self.scorecard));
        put("midterm_title", self.midterm_title.clone().into_value());
        put("midterm_text", strings(&self.midterm_text));
        put("midterm", table(&self.midterm));
        put("peers_title", self.peers_title.clone().into_value());
        put("peers_text", strings(&self.peers_text));
        put("peers", table(&self.peers));
        put(
            "sections",
            self.sections
                .iter()
                .map(|s| {
                    let mut sd = Dict::new();
                    sd.insert("title".into(), s.title.clone().into_value());
                    sd.insert("text".into(), strings(&s.text));
                    sd.insert("more_title".into(), s.more_title.clone().into_value());
                    sd.insert("more".into(), table(&s.more));
                    sd.insert(
                        "charts".into(),
                        s.charts
                            .iter()
                            .map(|c| {
                                let mut cd = Dict::new();
                                cd.insert("title".into(), c.title.clone().into_value());
                                cd.insert("caption".into(), c.caption.clone().into_value());
                                cd.insert(
                                    "svg".into(),
                                    Bytes::new(c.svg.clone().into_bytes()).into_value(),
                                );
                                cd.into_value()
                            })
                            .collect::<Array>()
                            .into_value(),
                    );
                    sd.into_value()
                })
                .collect::<Array>()
                .into_value(),
        );
        put("annex_title", self.annex_title.clone().into_value());
        put("annex", table(&self.annex));
        put("page_word", self.page_word.clone().into_value());
        put("of_word", self.of_word.clone().into_value());
        d
    }
}

/// A typeset briefing.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub pdf: Vec<u8>,
    pub pages: u32,
}

/// A stocktake pack: sections of text and one table each, in the pack's language.
#[derive(Debug, Clone, Default)]
pub struct Pack {
    pub lang: String,
    pub rtl: bool,
    pub title: String,
    /// "Meeting of 10 December 2026".
    pub meeting: String,
    /// "Prepared on 3 December 2026 from results@v2".
    pub edition: String,
    pub sample_warning: Option<String>,
    pub sections: Vec<PackSection>,
    pub page_word: String,
    pub of_word: String,
}

/// One section of a pack: its title, sentences, and a table whose columns have
/// the relative widths given (one per header cell).
#[derive(Debug, Clone, Default)]
pub struct PackSection {
    pub title: String,
    pub text: Vec<String>,
    pub table: Table,
    pub widths: Vec<f64>,
    /// Said when the table has no row.
    pub empty: String,
}

impl Pack {
    fn inputs(&self) -> Dict {
        let mut d = Dict::new();
        let mut put = |k: &str, v: Value| {
            d.insert(k.into(), v);
        };
        put("lang", self.lang.clone().into_value());
        put("rtl", self.rtl.into_value());
        put("title", self.title.clone().into_value());
        put("meeting", self.meeting.clone().into_value());
        put("edition", self.edition.clone().into_value());
        put("sample", self.sample_warning.clone().into_value());
        put("page_word", self.page_word.clone().into_value());
        put("of_word", self.of_word.clone().into_value());
        put(
            "sections",
            self.sections
                .iter()
                .map(|s| {
                    let mut sd = Dict::new();
                    sd.insert("title".into(), s.title.clone().into_value());
                    sd.insert("text".into(), strings(&s.text));
                    sd.insert("empty".into(), s.empty.clone().into_value());
                    let mut t = table(&s.table).cast::<Dict>().unwrap_or_default();
                    let widths = if s.widths.len() == s.table.header.len() {
                        s.widths.clone()
                    } else {
                        vec![1.0; s.table.header.len()]
                    };
                    t.insert(
                        "columns".into(),
                        widths.iter().map(|w| w.into_value()).collect::<Array>().into_value(),
                    );
                    sd.insert("table".into(), t.into_value());
                    sd.into_value()
                })
                .collect::<Array>()
                .into_value(),
        );
        d
    }
}

/// Typesets a stocktake pack as PDF bytes (deterministic, like a briefing).
pub fn render_pack(pack: &Pack) -> Result<Rendered, Error> {
    compile(PACK_TEMPLATE, pack.inputs())
}

fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of the pack's template, part of a pack's identity.
pub fn pack_template_sha256() -> String {
    sha256_hex(PACK_TEMPLATE)
}

/// SHA-256 of the template, part of a briefing's identity: another template
/// typesets the same figures differently.
pub fn template_sha256() -> String {
    sha256_hex(TEMPLATE)
}

/// Typesets the briefing as PDF bytes. The same briefing gives the same bytes: the
/// document carries no creation time and typst is deterministic.
pub fn render(briefing: &Briefing) -> Result<Rendered, Error> {
    compile(TEMPLATE, briefing.inputs())
}

/// `template` typeset with `inputs` as `sys.inputs`, as PDF bytes.
fn compile(template: &str, inputs: Dict) -> Result<Rendered, Error> {
    let engine = TypstEngine::builder().main_file(template).fonts(FONTS).build();
    let document: typst_layout::PagedDocument =
        engine.compile_with_input(inputs).output.map_err(|e| Error::Typeset(format!("{e:?}")))?;
    let options = typst_pdf::PdfOptions::default();
    let pdf = typst_pdf::pdf(&document, &options).map_err(|e| Error::Pdf(format!("{e:?}")))?;
    Ok(Rendered { pdf, pages: document.pages().len() as u32 })
}
