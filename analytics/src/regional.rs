//! The regional equity lens: for each period, every region's value, its gap to the
//! national value, the lagging region, and the dispersion between regions
//! (coefficient of variation: population standard deviation ÷ mean of the regional
//! values, unweighted, so that small regions count as much as large ones). A count
//! (jobs, startups, households) is compared by its rate of the region's census
//! population or households, else the largest region would always lead.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalog::RegionalRate;
use crate::progress::Direction;
use crate::series::Observation;

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct RegionValue {
    pub region_code: String,
    pub value: f64,
    /// For a count, the value as a rate of the region's census population or
    /// households ([`RegionalRate`]); regions are compared by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// Region minus national: of the rates for a count, else in the indicator's unit.
    pub gap: f64,
}

impl RegionValue {
    /// What regions are compared by: the rate for a count, else the value.
    pub fn compared(&self) -> f64 {
        self.rate.unwrap_or(self.value)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct RegionalPeriod {
    pub period: String,
    pub national: f64,
    /// For a count, the national rate: the national value over the 12 regions'
    /// census population or households.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national_rate: Option<f64>,
    pub regions: Vec<RegionValue>,
    /// The region furthest behind (lowest value, or highest where lower is better).
    pub lagging: Option<String>,
    pub coefficient_of_variation: Option<f64>,
}

/// The census denominators of a rate: region code -> population or households, and
/// their total over the regions (the national denominator), with the factor.
#[derive(Debug)]
pub struct Denominators {
    pub by_region: BTreeMap<String, f64>,
    pub total: f64,
    pub factor: f64,
}

impl Denominators {
    /// From the compiled-in `regions` reference (HCP 2024 census columns).
    pub fn of(rate: RegionalRate) -> Option<Denominators> {
        let (column, factor) = rate.denominator();
        let by_region: BTreeMap<String, f64> = md2030_model::reference::regions()
            .rows
            .iter()
            .filter_map(|r| Some((r.code.clone(), r.column(column)?.parse::<f64>().ok()?)))
            .collect();
        let total = by_region.values().sum();
        (total > 0.0).then_some(Denominators { by_region, total, factor })
    }
}

/// The regional view for every period with a national value; a count is compared
/// across regions by its rate of `denominators` when given.
pub fn regional_view(
    by_region: &BTreeMap<String, Vec<Observation>>,
    national: &[Observation],
    direction: Direction,
    denominators: Option<&Denominators>,
) -> Vec<RegionalPeriod> {
    national
        .iter()
        .map(|national| {
            let national_rate = denominators.map(|d| national.value / d.total * d.factor);
            let regions: Vec<RegionValue> = by_region
                .iter()
                .filter_map(|(code, series)| {
                    let observation = series.iter().find(|o| o.period == national.period)?;
                    let rate = denominators.and_then(|d| {
                        let base = *d.by_region.get(code)?;
                        (base > 0.0).then(|| observation.value / base * d.factor)
                    });
                    let gap = match (rate, national_rate) {
                        (Some(rate), Some(national)) => rate - national,
                        _ => observation.value - national.value,
                    };
                    Some(RegionValue {
                        region_code: code.clone(),
                        value: observation.value,
                        rate,
                        gap,
                    })
                })
                .collect();
            let lagging = regions
                .iter()
                .min_by(|a, b| {
                    let (a, b) = match direction {
                        Direction::Higher => (a.compared(), b.compared()),
                        Direction::Lower => (-a.compared(), -b.compared()),
                    };
                    a.total_cmp(&b)
                })
                .map(|r| r.region_code.clone());
            RegionalPeriod {
                period: national.period.clone(),
                national: national.value,
                national_rate,
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
    let mean = regions.iter().map(|r| r.compared()).sum::<f64>() / n;
    if mean == 0.0 {
        return None;
    }
    let variance = regions.iter().map(|r| (r.compared() - mean).powi(2)).sum::<f64>() / n;
    Some(variance.sqrt() / mean)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(period: &str, value: f64) -> Observation {
        Observation { period: period.to_string(), value }
    }

    #[test]
    fn a_count_is_compared_by_its_rate_of_the_population() {
        // 300 startups in Casablanca-Settat (7.69 M inhabitants) and 80 in
        // Guelmim-Oued Noun (0.45 M): per 100,000, 3.90 and 17.78. By count the
        // second lags; by rate it leads, and the first lags.
        let by_region = BTreeMap::from([
            ("06".to_string(), vec![obs("2025", 300.0)]),
            ("10".to_string(), vec![obs("2025", 80.0)]),
        ]);
        let national = vec![obs("2025", 380.0)];
        let d = Denominators {
            by_region: BTreeMap::from([("06".into(), 7_690_000.0), ("10".into(), 450_000.0)]),
            total: 8_140_000.0,
            factor: 100_000.0,
        };
        let view = &regional_view(&by_region, &national, Direction::Higher, Some(&d))[0];
        let rate = |code: &str| view.regions.iter().find(|r| r.region_code == code).unwrap();
        assert!((rate("06").rate.unwrap() - 300.0 / 76.9).abs() < 1e-9);
        assert!((rate("10").rate.unwrap() - 80.0 / 4.5).abs() < 1e-9);
        // National: 380 / 81.4 = 4.668 per 100,000; gaps on rates.
        assert!((view.national_rate.unwrap() - 380.0 / 81.4).abs() < 1e-9);
        assert!((rate("10").gap - (80.0 / 4.5 - 380.0 / 81.4)).abs() < 1e-9);
        assert_eq!(view.lagging.as_deref(), Some("06"));
        // The compiled-in census: 12 regions, about 36.8 M inhabitants in 2024.
        let census = Denominators::of(RegionalRate::Per100kInhabitants).unwrap();
        assert_eq!(census.by_region.len(), 12);
        assert!((36.0e6..38.0e6).contains(&census.total), "{}", census.total);
    }

    #[test]
    fn gaps_lagging_region_and_dispersion_by_hand() {
        // Take-up in January 2024: Casablanca-Settat 40 %, Tanger 25 %, national 37.5 %.
        let by_region = BTreeMap::from([
            ("06".to_string(), vec![obs("2024-01", 40.0), obs("2024-02", 60.0)]),
            ("01".to_string(), vec![obs("2024-01", 25.0), obs("2024-02", 50.0)]),
        ]);
        let national = vec![obs("2024-01", 37.5), obs("2024-02", 70.0 / 1.2)];
        let view = regional_view(&by_region, &national, Direction::Higher, None);
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
            regional_view(&by_region, &national, Direction::Lower, None)[0].lagging.as_deref(),
            Some("06")
        );
    }
}
