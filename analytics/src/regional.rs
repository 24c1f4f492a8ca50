//! The regional equity lens: for each period, every region's value, its gap to the
//! national value, the lagging region, and the dispersion between regions
//! (coefficient of variation: population standard deviation ÷ mean of the regional
//! values, unweighted, so that small regions count as much as large ones).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::progress::Direction;
use crate::series::Observation;

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct RegionValue {
    pub region_code: String,
    pub value: f64,
    /// Region minus national, in the indicator's unit.
    pub gap: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct RegionalPeriod {
    pub period: String,
    pub national: f64,
    pub regions: Vec<RegionValue>,
    /// The region furthest behind (lowest value, or highest where lower is better).
    pub lagging: Option<String>,
    pub coefficient_of_variation: Option<f64>,
}

/// The regional view for every period with a national value.
pub fn regional_view(
    by_region: &BTreeMap<String, Vec<Observation>>,
    national: &[Observation],
    direction: Direction,
) -> Vec<RegionalPeriod> {
    national
        .iter()
        .map(|national| {
            let regions: Vec<RegionValue> = by_region
                .iter()
                .filter_map(|(code, series)| {
                    let observation = series.iter().find(|o| o.period == national.period)?;
                    Some(RegionValue {
                        region_code: code.clone(),
                        value: observation.value,
                        gap: observation.value - national.value,
                    })
                })
                .collect();
            let lagging = regions
                .iter()
                .min_by(|a, b| {
                    let (a, b) = match direction {
                        Direction::Higher => (a.value, b.value),
                        Direction::Lower => (-a.value, -b.value),
                    };
                    a.total_cmp(&b)
                })
                .map(|r| r.region_code.clone());
            RegionalPeriod {
                period: national.period.clone(),
                national: national.value,
                coefficient_of_variation: coefficient_of_variation(&regions),
                regions,
                lagging,
            }
        })
        .collect()
}

fn coefficient_of_variation(regions: &[RegionValue]) -> Option<f64> {
    if regions.len() < 2 {
        return None;
    }
    let n = regions.len() as f64;
    let mean = regions.iter().map(|r| r.value).sum::<f64>() / n;
    if mean == 0.0 {
        return None;
    }
    let variance = regions.iter().map(|r| (r.value - mean).powi(2)).sum::<f64>() / n;
    Some(variance.sqrt() / mean)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(period: &str, value: f64) -> Observation {
        Observation { period: period.to_string(), value }
    }

    #[test]
    fn gaps_lagging_region_and_dispersion_by_hand() {
        // Take-up in January 2024: Casablanca-Settat 40 %, Tanger 25 %, national 37.5 %.
        let by_region = BTreeMap::from([
            ("06".to_string(), vec![obs("2024-01", 40.0), obs("2024-02", 60.0)]),
            ("01".to_string(), vec![obs("2024-01", 25.0), obs("2024-02", 50.0)]),
        ]);
        let national = vec![obs("2024-01", 37.5), obs("2024-02", 70.0 / 1.2)];
        let view = regional_view(&by_region, &national, Direction::Higher);
        let january = &view[0];
        // Gaps: 40 - 37.5 = +2.5; 25 - 37.5 = -12.5.
        let gap = |code: &str| january.regions.iter().find(|r| r.region_code == code).unwrap().gap;
        assert_eq!((gap("06"), gap("01")), (2.5, -12.5));
        assert_eq!(january.lagging.as_deref(), Some("01"));
        // Mean 32.5, standard deviation 7.5: CV = 7.5 / 32.5 = 0.230769…
        assert!((january.coefficient_of_variation.unwrap() - 7.5 / 32.5).abs() < 1e-12);
        // February: mean 55, deviation 5: CV 0.0909…, dispersion narrowed.
        assert!((view[1].coefficient_of_variation.unwrap() - 5.0 / 55.0).abs() < 1e-12);
        // Where lower is better, the lagging region is the highest.
        assert_eq!(
            regional_view(&by_region, &national, Direction::Lower)[0].lagging.as_deref(),
            Some("06")
        );
    }
}
