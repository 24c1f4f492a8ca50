//! The ids people and files read: `procedures@v3` for a dataset version,
//! `results@v5` for a results version, `briefing@e2` for a briefing edition. Built
//! and read here only.

/// `dataset@vN`.
pub fn version_id(dataset: &str, version_no: i64) -> String {
    format!("{dataset}@v{version_no}")
}

/// `dataset@vN` read back as (dataset, N); None for anything else.
pub fn parse_version_id(id: &str) -> Option<(&str, i64)> {
    let (dataset, number) = id.rsplit_once("@v")?;
    if dataset.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((dataset, number.parse().ok()?))
}

/// `briefing@eN`.
pub fn edition_id(edition_no: i64) -> String {
    format!("briefing@e{edition_no}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_written_and_read_back() {
        assert_eq!(version_id("procedures", 3), "procedures@v3");
        assert_eq!(parse_version_id("procedures@v3"), Some(("procedures", 3)));
        assert_eq!(parse_version_id("wb_wdi@v12"), Some(("wb_wdi", 12)));
        assert_eq!(parse_version_id("procedures@v"), None);
        assert_eq!(parse_version_id("procedures@v-1"), None);
        assert_eq!(parse_version_id("@v1"), None);
        assert_eq!(parse_version_id("procedures"), None);
        assert_eq!(edition_id(2), "briefing@e2");
    }
}
