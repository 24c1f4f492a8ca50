//! `md2030 brief` and `md2030 briefings`: briefings of the current results,
//! archived as editions, and the archive and delivery queue listed.

use md2030_briefing::edition::{self, Built};
use md2030_model::Lang;
use md2030_store::Store;

/// The edition of the current results in `lang`: found in the archive, or built
/// and archived. The edition is dated by the results' as-of date, so the same
/// results give the same briefing.
pub(crate) fn build(store: &mut Store, lang: Lang, trigger: &str) -> anyhow::Result<Built> {
    let published = md2030_results::Published::load_in_force(store)?;
    let now = crate::now_utc();
    Ok(edition::build(store, &published, &[lang], trigger, &now)?)
}
