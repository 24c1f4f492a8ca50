//! Golden tests: every indicator computed from a small hand-made fixture
//! (`data/fixtures/golden/`), through the real command (ingest, compute, results
//! JSON), against values worked out by hand in the comments.

use serde_json::Value;

use crate::{md2030, repo};

/// The fixture files in load order (referenced datasets first), with the quarter
/// declared for the platform inventory.
const FILES: [(&str, &str); 16] = [
    ("procedures", "procedures.2024-Q4.csv"),
    ("procedures", "procedures.csv"),
    ("service_transactions", "service_transactions.csv"),
    ("platforms", "platforms.csv"),
    ("offshoring", "offshoring.csv"),
    ("un_egdi", "un_egdi.csv"),
    ("civil_servant_training", "civil_servant_training.csv"),
    ("startups", "startups.csv"),
    ("startup_funding", "startup_funding.csv"),
    ("sme_survey", "sme_survey.csv"),
    ("talent", "talent.csv"),
    ("hcp_regions", "hcp_regions.csv"),
    ("connectivity", "connectivity.csv"),
    ("wb_wdi", "wb_wdi.csv"),
    ("itu_datahub", "itu_datahub.csv"),
    ("hcp_household_ict", "hcp_household_ict.rgph2014.csv"),
];

const AS_OF: &str = "2026-01-20";

fn golden_store() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (dataset, file) in FILES {
        let path = repo(&format!("data/fixtures/golden/{file}"));
        let path = path.to_str().unwrap();
        let mut args = vec!["ingest", dataset, path];
        if dataset == "platforms" {
            args.extend(["--period", "2025-Q4"]);
        }
        let out = md2030(dir.path(), &args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{file}: {stdout}");
        // The transactions are summed as they are stored; the recompute that follows
        // does not read them back (the test below checks it gives the same results).
        let summed = stdout.contains("transactions summed as they were stored");
        assert_eq!(summed, dataset == "service_transactions", "{file}: {stdout}");
    }
    dir
}

struct Results(Value);

impl Results {
    fn indicator(&self, id: &str) -> &Value {
        crate::indicator(&self.0, id)
    }
    fn headline(&self, id: &str) -> &Value {
        &self.indicator(id)["headline"]
    }
    fn member(&self, id: &str, dimension: &str, member: &str) -> &Value {
        self.indicator(id)["breakdowns"][dimension]
            .as_array()
            .unwrap_or_else(|| panic!("{id} has no {dimension} breakdown"))
            .iter()
            .find(|m| m["member"] == member)
            .unwrap_or_else(|| panic!("{id} by {dimension} has no {member}"))
    }
    fn series(&self, id: &str) -> Vec<(String, f64)> {
        series(self.headline(id))
    }
}

fn series(result: &Value) -> Vec<(String, f64)> {
    result["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["period"].as_str().unwrap().to_string(), o["value"].as_f64().unwrap()))
        .collect()
}

fn latest(result: &Value) -> (String, f64) {
    (
        result["latest"]["period"].as_str().unwrap().to_string(),
        result["latest"]["value"].as_f64().unwrap(),
    )
}

fn close(actual: &Value, expected: f64) {
    let actual = actual.as_f64().unwrap_or_else(|| panic!("{actual} is not a number"));
    assert!((actual - expected).abs() <= 1e-9 * expected.abs().max(1.0), "{actual} != {expected}");
}

fn status(result: &Value) -> (&str, &str) {
    (result["assessment"]["status"].as_str().unwrap(), result["data_status"].as_str().unwrap())
}

#[test]
fn every_indicator_matches_the_hand_computed_fixture() {
    let store = golden_store();
    let out = md2030(store.path(), &["indicators", "--json", "--as-of", AS_OF]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r = Results(serde_json::from_slice(&out.stdout).unwrap());
    assert_eq!(r.0["indicators"].as_array().unwrap().len(), 26);

    public_services_match(&r);
    digital_economy_matches(&r);
    enablers_match(&r);

    // The results stored by the ingests, whose transaction indicators were computed
    // from the sums made while the file was stored, are those of a computation
    // that reads every stored version again, to the byte.
    let out = md2030(store.path(), &["compute", "--force"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.contains("; unchanged, still results@"), "{stdout}");
    assert!(!stdout.contains("summed"), "{stdout}");
}

fn public_services_match(r: &Results) {
    // --- Public services ---
    // Inventory at end 2024 (max review date 2024-11-30): 7 active procedures at
    // levels 3,5,4,3,2,1,0 -> 2 at level >= 4: 2/7. At end 2025 (PRC-00001 reviewed
    // 2025-11-30, now level 4): 3/7. The withdrawn level-5 procedure never counts.
    let share = r.series("procedures_fully_online_share");
    assert_eq!(share.len(), 2);
    assert_eq!(share[0].0, "2024-Q4");
    close(&Value::from(share[0].1), 200.0 / 7.0);
    assert_eq!(share[1].0, "2025-Q4");
    close(&Value::from(share[1].1), 300.0 / 7.0);
    close(&r.headline("procedures_fully_online_share")["change_one_period"], 100.0 / 7.0);
    // Each quarter is tagged with the inventory version that observed it.
    let periods = &r.indicator("procedures_fully_online_share")["period_versions"];
    assert_eq!(periods["2024-Q4"], "procedures@v1");
    assert_eq!(periods["2025-Q4"], "procedures@v2");
    // Ministry MI holds PRC-00001..3, all at level >= 4: 100 %; MEF holds 4..7: 0 %.
    close(&r.member("procedures_fully_online_share", "ministry", "MI")["latest"]["value"], 100.0);
    close(&r.member("procedures_fully_online_share", "ministry", "MEF")["latest"]["value"], 0.0);
    // The maturity ladder at end 2025: levels 4,5,4,3,2,1,0 -> level 4 holds 2 of 7.
    close(
        &r.member("procedures_fully_online_share", "maturity_level", "4")["latest"]["value"],
        200.0 / 7.0,
    );
    close(
        &r.member("procedures_fully_online_share", "maturity_level", "0")["latest"]["value"],
        100.0 / 7.0,
    );

    // Published on Idarati and active: PRC-00001..4 at end 2024 (4), ..5 at end 2025 (5).
    assert_eq!(
        r.series("procedures_published_idarati"),
        vec![("2024-Q4".into(), 4.0), ("2025-Q4".into(), 5.0)]
    );

    // Transactions on procedures at level >= 4, each month by the inventory in force
    // then. Dec 2024 (inventory 2024-Q4): PRC-00001 and PRC-00004 both at level 3,
    // 0 of 120 = 0 %. Nov and Dec 2025 (inventory 2025-Q4): PRC-00001 at level 4,
    // 100 of 120 = 83.33 %. (With today's inventory for every month, Dec 2024 read
    // 83.33 % too.) No target: a trend, from Dec 2024 (0 %) to Dec 2025 (83.33 %),
    // +83.33 points a year: rising.
    let fully = r.headline("transactions_fully_online_share");
    let values = r.series("transactions_fully_online_share");
    assert_eq!(values.len(), 3);
    assert_eq!(values[0], ("2024-12".to_string(), 0.0));
    assert_eq!(values[1].0, "2025-11");
    assert!((values[1].1 - 100.0 / 1.2).abs() < 1e-9, "{values:?}");
    close(&fully["latest"]["value"], 100.0 / 1.2);
    close(&fully["change_one_year"], 100.0 / 1.2);
    assert_eq!(status(fully), ("rising", "current"));
    close(&fully["assessment"]["trend"]["per_year"], 100.0 / 1.2);
    // Each month names the inventory version it was judged by (v1 = 2024-Q4, v2 =
    // 2025-Q4) with the transactions version.
    let periods = &r.indicator("transactions_fully_online_share")["period_versions"];
    assert_eq!(periods["2024-12"], "procedures@v1 service_transactions@v1");
    assert_eq!(periods["2025-12"], "procedures@v2 service_transactions@v1");
    // By region: region 06 is PRC-00001 (100 %), region 01 PRC-00004 (level 3, 0 %).
    close(&r.member("transactions_fully_online_share", "region", "06")["latest"]["value"], 100.0);
    close(&r.member("transactions_fully_online_share", "region", "01")["latest"]["value"], 0.0);

    // Digital take-up = (online + assisted) / all: Dec 2024 (30+10+5)/120 = 37.5 %;
    // Nov 2025 (50+10+10)/120 = 58.33 %; Dec 2025 (60+10+12)/120 = 68.33 %.
    let take_up = r.headline("digital_take_up");
    assert_eq!(series(take_up).len(), 3);
    assert_eq!(latest(take_up).0, "2025-12");
    close(&take_up["latest"]["value"], 82.0 / 1.2);
    close(&take_up["change_one_period"], 10.0);
    // One year: Dec 2025 - Dec 2024 = 68.33 - 37.5 = 30.83 points.
    close(&take_up["change_one_year"], 82.0 / 1.2 - 37.5);
    // No target: rising (30.83 points a year, far above 1 % of 68.33).
    assert_eq!(status(take_up), ("rising", "current"));
    assert!(take_up["assessment"]["judgment"].is_null());
    // Region 06 (PRC-00001): 70/100 = 70 %; region 01 (PRC-00004): 12/20 = 60 %.
    close(&r.member("digital_take_up", "region", "06")["latest"]["value"], 70.0);
    close(&r.member("digital_take_up", "region", "01")["latest"]["value"], 60.0);
    close(&r.member("digital_take_up", "ministry", "MEF")["latest"]["value"], 60.0);
    close(&r.member("digital_take_up", "procedure", "PRC-00001")["latest"]["value"], 70.0);
    // Regional view in Dec 2025: gaps +1.67 and -8.33 points, region 01 lags; the
    // coefficient of variation of (70, 60): population sd 5 / mean 65.
    let regional = r.indicator("digital_take_up")["regional"].as_array().unwrap();
    let december = regional.iter().find(|p| p["period"] == "2025-12").unwrap();
    assert_eq!(december["lagging"], "01");
    close(&december["coefficient_of_variation"], 5.0 / 65.0);
    let gap_01 = december["regions"].as_array().unwrap().iter().find(|g| g["region_code"] == "01");
    close(&gap_01.unwrap()["gap"], 60.0 - 82.0 / 1.2);

    // Platforms at end 2025 (declared): 4, three e-services; one in Amazigh: 25 %;
    // among the three citizen platforms, one: 33.3 %.
    assert_eq!(latest(r.headline("digital_platforms")), ("2025-Q4".into(), 4.0));
    close(&r.member("digital_platforms", "category", "e_service")["latest"]["value"], 3.0);
    // Language coverage: all 4 in Arabic and French, 1 in Amazigh, 1 in English, 0 in Spanish.
    for (language, count) in [("ar", 4.0), ("fr", 4.0), ("amz", 1.0), ("en", 1.0), ("es", 0.0)] {
        close(&r.member("digital_platforms", "language", language)["latest"]["value"], count);
    }
    close(&r.headline("platforms_amazigh_share")["latest"]["value"], 25.0);
    close(
        &r.member("platforms_amazigh_share", "audience", "citizen")["latest"]["value"],
        100.0 / 3.0,
    );

    // EGDI 2024 0.6841 (Tunisia's row ignored); OSI component 0.6926.
    close(&r.headline("egdi_score")["latest"]["value"], 0.6841);
    close(&r.member("egdi_score", "component", "osi")["latest"]["value"], 0.6926);
    // Rank 101 (2022, the target's baseline) -> 90 (2024): 11 of the 51 places to
    // gain by 2030 (21.57 %) after 2 of 8 years (25 %): ratio 44/51 = 0.8627, needs
    // acceleration; 5.5 places gained a year.
    let rank = r.headline("egdi_rank");
    close(&rank["latest"]["value"], 90.0);
    assert_eq!(rank["target"]["value"], 50.0);
    assert_eq!(status(rank), ("needs_acceleration", "current"));
    close(&rank["assessment"]["judgment"]["ratio"], 44.0 / 51.0);
    close(&rank["assessment"]["judgment"]["pace_observed"], -5.5);

    // Civil servants trained: 100 + 50 in 2024, 120 + 80 in 2025.
    assert_eq!(
        r.series("civil_servants_trained"),
        vec![("2024".into(), 150.0), ("2025".into(), 200.0)]
    );
    close(&r.member("civil_servants_trained", "ministry", "MI")["latest"]["value"], 120.0);
}

fn digital_economy_matches(r: &Results) {
    // --- Digital economy ---
    // Jobs at quarter ends: 130,000 (2022-Q4, old scope), 139,000 (2023-Q4, new
    // scope counted once), 140,000, 142,000, 145,000, 100,000 + 48,500 = 148,500.
    let jobs = r.headline("offshoring_jobs");
    assert_eq!(
        series(jobs),
        vec![
            ("2022-Q4".into(), 130_000.0),
            ("2023-Q4".into(), 139_000.0),
            ("2024-Q1".into(), 140_000.0),
            ("2024-Q2".into(), 142_000.0),
            ("2024-Q3".into(), 145_000.0),
            ("2024-Q4".into(), 148_500.0)
        ]
    );
    close(&jobs["change_one_period"], 3_500.0);
    close(&jobs["change_one_year"], 9_500.0);
    // From the 2022 baseline (130,000, end 2022) to 270,000 at the end of 2030:
    // 18,500 of 140,000 done (13.21 %) after 2 of 8 years (25 %): ratio 0.5286,
    // limited progress. 9,250 a year observed, 17,500 on the trajectory,
    // (270,000 - 148,500) / 6 = 20,250 needed; 2030 at this pace: 148,500 + 6 x
    // 9,250 = 204,000; 270,000 after 121,500 / 9,250 = 13.1 years: 2038. The last
    // quarter ended 2024-12-31: overdue by 2026.
    assert_eq!(status(jobs), ("limited_progress", "overdue"));
    let judgment = &jobs["assessment"]["judgment"];
    close(&judgment["ratio"], (18_500.0 / 140_000.0) / 0.25);
    close(&judgment["pace_observed"], 9_250.0);
    close(&judgment["pace_needed"], 20_250.0);
    close(&judgment["projection"], 204_000.0);
    assert_eq!(judgment["reach"], serde_json::json!({"kind": "in", "year": 2038}));
    // The 2026 milestone, 190,000: at 9,250 a year, 148,500 + 2 x 9,250 = 167,000
    // at the end of 2026.
    close(&jobs["milestones"][0]["judgment"]["projection"], 167_000.0);
    close(&r.member("offshoring_jobs", "segment", "CRM")["latest"]["value"], 48_500.0);

    // Revenue, new scope, 2024 (four quarters): 6.0 + 6.5 + 6.7 + 5.0 + 2.0 = MAD 26.2 bn.
    // 2023 has one quarter only. One comparable year after the 2023 break: not assessable.
    let revenue = r.headline("offshoring_export_revenue");
    assert_eq!(series(revenue), vec![("2024".into(), 26.2e9)]);
    assert_eq!(status(revenue).0, "not_assessable");
    assert!(revenue["assessment"]["judgment"].is_null());
    // Its 2026 milestone (25 bn, old scope) is already met on the new scope.
    assert_eq!(revenue["milestones"][0]["judgment"]["status"], "achieved");

    // No dataset reports direct digital jobs: missing, with its 240,000 target.
    let direct = r.headline("direct_digital_jobs");
    assert_eq!(status(direct), ("not_assessable", "missing"));
    assert_eq!(direct["target"]["value"], 240_000.0);

    // Labelled startups cumulated by label year: 1 (2021), 3 (2022), still 3 in 2023
    // (none labelled that year: the stock lasts), 4 (2024). The
    // target's baseline is 380 (2022): 4 is further from 3,000 than that, so
    // deterioration. Annual: 2025 is due 90 days after its end, on 31 March 2026,
    // so the data is still current on 20 January 2026.
    assert_eq!(
        r.series("labelled_startups"),
        vec![
            ("2021".into(), 1.0),
            ("2022".into(), 3.0),
            ("2023".into(), 3.0),
            ("2024".into(), 4.0)
        ]
    );
    assert_eq!(status(r.headline("labelled_startups")), ("deterioration", "current"));
    assert_eq!(r.headline("labelled_startups")["freshness"]["due"], "2026-03-31");
    close(&r.member("labelled_startups", "region", "06")["latest"]["value"], 3.0);

    // Funding by closing year: 1.5 + 2.5 = MAD 4 M (2024), 3 M (2025): below the
    // target's 260 M baseline (2022), deterioration.
    assert_eq!(r.series("startup_funding"), vec![("2024".into(), 4e6), ("2025".into(), 3e6)]);
    assert_eq!(status(r.headline("startup_funding")).0, "deterioration");

    // SMEs: firm F1 (4 technologies, weight 3) counts, F2 (3, weight 1) does not: 3/4.
    close(&r.headline("sme_basic_digital_intensity")["latest"]["value"], 75.0);
    close(
        &r.member("sme_basic_digital_intensity", "size_class", "small")["latest"]["value"],
        100.0,
    );
    close(&r.member("sme_basic_digital_intensity", "size_class", "micro")["latest"]["value"], 0.0);
}

fn enablers_match(r: &Results) {
    // --- Enablers ---
    // Talents: 1,000 (2024), 1,500 + 500 = 2,000 (2025). The reconversion slice has
    // its own target (50,000 by 2030).
    assert_eq!(
        r.series("digital_talents_trained"),
        vec![("2024".into(), 1000.0), ("2025".into(), 2000.0)]
    );
    let reconversion = r.member("digital_talents_trained", "programme_type", "reconversion");
    close(&reconversion["latest"]["value"], 1500.0);
    assert_eq!(reconversion["target"]["value"], 50_000.0);

    // Fibre: 900,000 + 10,000 (2025-Q2), 1,000,000 + 20,000 (2025-Q3).
    let fibre = r.headline("fibre_eligible_households");
    close(&fibre["latest"]["value"], 1_020_000.0);
    close(&fibre["change_one_period"], 110_000.0);

    // 5G weighted by RGPH 2024 population (the 2014 row ignored): 2025-Q3
    // 60 x 7,688,967 / (7,688,967 + 219,965) = 58.331 %; 2025-Q2 with 40 %: 38.888 %.
    let g5 = r.headline("coverage_5g");
    close(&g5["latest"]["value"], 60.0 * 7_688_967.0 / 7_908_932.0);
    close(&g5["series"][0]["value"], 40.0 * 7_688_967.0 / 7_908_932.0);
    assert_eq!(g5["target"]["value"], 85.0);
    // From 0 % (end 2024): 58.33 of 85 points done (68.6 %) against 0.75 of 6 years
    // (12.5 %): on track; the 2026 milestone (25 %) is already met.
    assert_eq!(status(g5).0, "on_track");
    assert_eq!(g5["milestones"][0]["judgment"]["status"], "achieved");
    close(&r.member("coverage_5g", "region", "06")["latest"]["value"], 60.0);

    // Internet users: World Bank 2015 57.1 and 2022 89.9 (the World Bank wins over
    // ITU's 88.0 for 2022), ITU's 90.7 for 2023 where the World Bank has none yet.
    assert_eq!(
        r.series("internet_users"),
        vec![("2015".into(), 57.1), ("2022".into(), 89.9), ("2023".into(), 90.7)]
    );
    close(&r.headline("fixed_broadband_per_100")["change_one_period"], 7.3 - 6.5);

    // Households with Internet, RGPH 2014: 19.3 % nationally, 27.5 % urban, 4.0 %
    // rural; region 12 at 10.0 % lags, 9.3 points below the national value.
    close(&r.headline("household_internet_access")["latest"]["value"], 19.3);
    close(&r.member("household_internet_access", "area", "rural")["latest"]["value"], 4.0);
    let census = &r.indicator("household_internet_access")["regional"][0];
    assert_eq!(census["lagging"], "12");

    // Every value carries its dataset versions.
    assert_eq!(
        r.indicator("digital_take_up")["dataset_versions"],
        serde_json::json!(["procedures@v2", "service_transactions@v1"])
    );
    // The fully-online share read both inventory versions, one per month.
    assert_eq!(
        r.indicator("transactions_fully_online_share")["dataset_versions"],
        serde_json::json!(["procedures@v1", "procedures@v2", "service_transactions@v1"])
    );
}

#[test]
fn results_are_versioned_deterministic_and_recomputed_when_data_changes() {
    // Two stores built at different times from the same files give the same bytes.
    let (a, b) = (golden_store(), golden_store());
    let compute = |dir: &std::path::Path| {
        let out = md2030(dir, &["compute", "--as-of", AS_OF]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let (first, _) = (compute(a.path()), compute(b.path()));
    assert!(first.contains("26 recomputed, 0 unchanged"), "{first}");
    let current = |dir: &std::path::Path| {
        let catalog = newest_results_dir(dir);
        ["results.json", "summary.parquet", "observations.parquet"]
            .map(|name| std::fs::read(catalog.join(name)).unwrap())
    };
    assert_eq!(current(a.path()), current(b.path()));
    // Nothing changed: nothing recomputed, no new version.
    let again = compute(a.path());
    assert!(
        again.contains("0 recomputed, 26 unchanged") && again.contains("unchanged, still"),
        "{again}"
    );
    // A new talent year changes one indicator only; the others are reused.
    let file = a.path().join("talent-2026.csv");
    std::fs::write(
        &file,
        "year,programme_type,region_code,trained,trained_women\n2026,bootcamp,06,700,300\n",
    )
    .unwrap();
    let out = md2030(a.path(), &["ingest", "talent", file.to_str().unwrap()]);
    assert!(out.status.success());
    let after = compute(a.path());
    assert!(after.contains("1 recomputed, 25 unchanged"), "{after}");
    // The Parquet summary is readable and tagged with versions: checked by reading
    // it back with the store's own reader in the analytics crate's tests; here the
    // JSON says where the talent figure came from.
    let json: Value = serde_json::from_slice(&current(a.path())[0]).unwrap();
    let talent = crate::indicator(&json, "digital_talents_trained");
    assert_eq!(talent["dataset_versions"], serde_json::json!(["talent@v2"]));
}

/// The directory of the newest results version (the current one after a compute).
fn newest_results_dir(dir: &std::path::Path) -> std::path::PathBuf {
    let mut dirs: Vec<_> =
        std::fs::read_dir(dir.join("results")).unwrap().map(|e| e.unwrap().path()).collect();
    dirs.sort();
    dirs.pop().unwrap()
}
