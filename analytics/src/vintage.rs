//! Vintages: what a briefing told its readers, kept small enough to archive with
//! it (`Digest`), and what changed between two of them (`diff`): new data, revised
//! figures, changed targets, progress and data status that moved, and the dataset
//! versions that arrived. The "since the last briefing" section is this diff.
//!
//! Pure: both digests come from stored results; nothing here reads a clock.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::results::Results;

/// Relative difference below which two values are the same figure (float noise
/// of a recomputation, not a revision).
const SAME_VALUE: f64 = 1e-9;

/// The target an indicator was measured against, as a briefing named it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetRef {
    pub id: String,
    pub version: u32,
    pub value: f64,
    pub year: i32,
    pub source: String,
}

/// One indicator as a briefing showed it: the headline series, the target in
/// force, both statuses and the dataset versions read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorDigest {
    /// Period -> value, in period order.
    pub series: BTreeMap<String, f64>,
    pub target: Option<TargetRef>,
    pub status: String,
    pub data_status: String,
    pub dataset_versions: Vec<String>,
}

/// What one briefing edition showed, indicator by indicator.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Digest {
    pub as_of: String,
    /// Dataset -> version read (`procedures@v3`).
    pub dataset_versions: BTreeMap<String, String>,
    pub indicators: BTreeMap<String, IndicatorDigest>,
}

impl Digest {
    pub fn from_results(results: &Results) -> Digest {
        let indicators = results
            .indicators
            .iter()
            .map(|report| {
                let headline = &report.headline;
                let digest = IndicatorDigest {
                    series: headline.series.iter().map(|o| (o.period.clone(), o.value)).collect(),
                    target: headline.target.as_ref().map(|t| TargetRef {
                        id: t.id.clone(),
                        version: t.version,
                        value: t.value,
                        year: t.year,
                        source: t.source.en.clone(),
                    }),
                    status: headline.assessment.status.as_str().to_string(),
                    data_status: headline.data_status.as_str().to_string(),
                    dataset_versions: report.dataset_versions.clone(),
                };
                (report.id.clone(), digest)
            })
            .collect();
        Digest {
            as_of: results.as_of.to_string(),
            dataset_versions: results.dataset_versions.clone(),
            indicators,
        }
    }
}

/// One thing that changed since the previous edition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A dataset has a version the previous edition did not read.
    NewDatasetVersion { dataset: String, before: Option<String>, now: String },
    /// Periods the indicator did not have before.
    NewData { indicator: String, periods: Vec<(String, f64)> },
    /// A period whose value changed.
    Revised { indicator: String, period: String, before: f64, now: f64 },
    /// A period that is no longer in the series (withdrawn by a new version).
    Withdrawn { indicator: String, period: String, before: f64 },
    /// The target in force changed (another version, value or year), appeared or
    /// was withdrawn.
    TargetChanged { indicator: String, before: Option<TargetRef>, now: Option<TargetRef> },
    /// The progress status moved.
    StatusChanged { indicator: String, before: String, now: String },
    /// The data status moved (for example from current to overdue).
    DataStatusChanged { indicator: String, before: String, now: String },
    /// An indicator the previous edition did not have.
    NewIndicator { indicator: String },
}

impl Change {
    /// The indicator the change is about, if any (dataset versions are not).
    pub fn indicator(&self) -> Option<&str> {
        match self {
            Change::NewDatasetVersion { .. } => None,
            Change::NewData { indicator, .. }
            | Change::Revised { indicator, .. }
            | Change::Withdrawn { indicator, .. }
            | Change::TargetChanged { indicator, .. }
            | Change::StatusChanged { indicator, .. }
            | Change::DataStatusChanged { indicator, .. }
            | Change::NewIndicator { indicator } => Some(indicator),
        }
    }
}

fn same_value(a: f64, b: f64) -> bool {
    (a - b).abs() <= SAME_VALUE * a.abs().max(b.abs()).max(1.0)
}

fn same_target(a: &Option<TargetRef>, b: &Option<TargetRef>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            a.id == b.id
                && a.version == b.version
                && a.year == b.year
                && same_value(a.value, b.value)
        }
        _ => false,
    }
}

/// What changed from `before` to `now`: dataset versions first (in dataset
/// order), then per indicator (in `now`'s order) new data, revisions, withdrawn
/// periods, target, progress status and data status.
pub fn diff(before: &Digest, now: &Digest) -> Vec<Change> {
    let mut changes = Vec::new();
    for (dataset, version) in &now.dataset_versions {
        let previous = before.dataset_versions.get(dataset);
        if previous != Some(version) {
            changes.push(Change::NewDatasetVersion {
                dataset: dataset.clone(),
                before: previous.cloned(),
                now: version.clone(),
            });
        }
    }
    for (id, current) in &now.indicators {
        let Some(previous) = before.indicators.get(id) else {
            changes.push(Change::NewIndicator { indicator: id.clone() });
            continue;
        };
        let added: Vec<(String, f64)> = current
            .series
            .iter()
            .filter(|(period, _)| !previous.series.contains_key(*period))
            .map(|(period, value)| (period.clone(), *value))
            .collect();
        if !added.is_empty() {
            changes.push(Change::NewData { indicator: id.clone(), periods: added });
        }
        for (period, value) in &current.series {
            if let Some(old) = previous.series.get(period)
                && !same_value(*old, *value)
            {
                changes.push(Change::Revised {
                    indicator: id.clone(),
                    period: period.clone(),
                    before: *old,
                    now: *value,
                });
            }
        }
        for (period, old) in &previous.series {
            if !current.series.contains_key(period) {
                changes.push(Change::Withdrawn {
                    indicator: id.clone(),
                    period: period.clone(),
                    before: *old,
                });
            }
        }
        if !same_target(&previous.target, &current.target) {
            changes.push(Change::TargetChanged {
                indicator: id.clone(),
                before: previous.target.clone(),
                now: current.target.clone(),
            });
        }
        if previous.status != current.status {
            changes.push(Change::StatusChanged {
                indicator: id.clone(),
                before: previous.status.clone(),
                now: current.status.clone(),
            });
        }
        if previous.data_status != current.data_status {
            changes.push(Change::DataStatusChanged {
                indicator: id.clone(),
                before: previous.data_status.clone(),
                now: current.data_status.clone(),
            });
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indicator(
        series: &[(&str, f64)],
        target: Option<(u32, f64)>,
        status: &str,
    ) -> IndicatorDigest {
        IndicatorDigest {
            series: series.iter().map(|(p, v)| (p.to_string(), *v)).collect(),
            target: target.map(|(version, value)| TargetRef {
                id: "jobs-2030".into(),
                version,
                value,
                year: 2030,
                source: "source".into(),
            }),
            status: status.into(),
            data_status: "current".into(),
            dataset_versions: vec!["offshoring@v1".into()],
        }
    }

    fn digest(versions: &[(&str, &str)], items: Vec<(&str, IndicatorDigest)>) -> Digest {
        Digest {
            as_of: "2026-12-01".into(),
            dataset_versions: versions
                .iter()
                .map(|(d, v)| (d.to_string(), v.to_string()))
                .collect(),
            indicators: items.into_iter().map(|(id, d)| (id.to_string(), d)).collect(),
        }
    }

    #[test]
    fn same_digest_has_no_changes() {
        let a = digest(
            &[("offshoring", "offshoring@v1")],
            vec![(
                "jobs",
                indicator(
                    &[("2023", 130_000.0), ("2024", 148_500.0)],
                    Some((1, 240_000.0)),
                    "on_track",
                ),
            )],
        );
        assert_eq!(diff(&a, &a.clone()), Vec::new());
    }

    #[test]
    fn new_period_revision_target_and_status_are_each_reported() {
        // Last edition: 2023 = 130 000 and 2024 = 148 500 against the 240 000
        // target (v1). This one: offshoring@v2 revised 2024 to 150 000, added
        // 2025 = 160 000, the target is now v2 at 270 000, and the status fell to
        // needs_acceleration.
        let before = digest(
            &[("offshoring", "offshoring@v1"), ("un_egdi", "un_egdi@v1")],
            vec![(
                "jobs",
                indicator(
                    &[("2023", 130_000.0), ("2024", 148_500.0)],
                    Some((1, 240_000.0)),
                    "on_track",
                ),
            )],
        );
        let now = digest(
            &[("offshoring", "offshoring@v2"), ("un_egdi", "un_egdi@v1")],
            vec![(
                "jobs",
                indicator(
                    &[("2023", 130_000.0), ("2024", 150_000.0), ("2025", 160_000.0)],
                    Some((2, 270_000.0)),
                    "needs_acceleration",
                ),
            )],
        );
        let changes = diff(&before, &now);
        assert_eq!(
            changes,
            vec![
                Change::NewDatasetVersion {
                    dataset: "offshoring".into(),
                    before: Some("offshoring@v1".into()),
                    now: "offshoring@v2".into()
                },
                Change::NewData {
                    indicator: "jobs".into(),
                    periods: vec![("2025".into(), 160_000.0)]
                },
                Change::Revised {
                    indicator: "jobs".into(),
                    period: "2024".into(),
                    before: 148_500.0,
                    now: 150_000.0
                },
                Change::TargetChanged {
                    indicator: "jobs".into(),
                    before: before.indicators["jobs"].target.clone(),
                    now: now.indicators["jobs"].target.clone(),
                },
                Change::StatusChanged {
                    indicator: "jobs".into(),
                    before: "on_track".into(),
                    now: "needs_acceleration".into()
                },
            ]
        );
    }

    #[test]
    fn float_noise_is_not_a_revision_but_a_withdrawn_period_is_reported() {
        let before = digest(
            &[],
            vec![("take_up", indicator(&[("2024", 41.2), ("2025", 44.0)], None, "on_track"))],
        );
        let now = digest(
            &[],
            vec![
                ("take_up", indicator(&[("2024", 41.2 + 1e-13)], None, "on_track")),
                ("new", indicator(&[], None, "x")),
            ],
        );
        assert_eq!(
            diff(&before, &now),
            vec![
                Change::NewIndicator { indicator: "new".into() },
                Change::Withdrawn {
                    indicator: "take_up".into(),
                    period: "2025".into(),
                    before: 44.0
                },
            ]
        );
    }
}
