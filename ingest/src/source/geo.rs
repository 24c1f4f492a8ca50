//! Region boundaries: a GeoJSON FeatureCollection (or one Feature) or a TopoJSON
//! Topology, turned into one row per vertex (`region_code, name, polygon, ring,
//! point, lon, lat`) so that the outlines go through the same contract checks
//! (coordinate ranges, known region codes, unique vertices) as every other dataset.
//!
//! The region code comes from the feature's `id` or from a property commonly used
//! for it (`shapeISO`, `iso_3166_2`, `code_reg`…): `MA-01`, `01` and `1` all mean
//! region 01. TopoJSON arcs are decoded (quantized, delta-encoded, reversed arcs)
//! and stitched into rings. Rings must be closed and have at least four positions;
//! a region described by two features is refused; regions without an outline are
//! reported as a warning (the map shows them as missing).

use std::collections::BTreeMap;
use std::path::Path;

use md2030_model::{Issue, Rule};
use serde_json::{Map, Value};

use crate::source::{RowBuf, RowSource};

/// Properties that may hold the region code, in order of preference (after `id`).
const CODE_KEYS: [&str; 8] = [
    "shapeISO",
    "iso_3166_2",
    "ISO3166-2",
    "iso",
    "region_code",
    "code_region",
    "code_reg",
    "code",
];

/// Properties that may hold the region's name, in order of preference.
const NAME_KEYS: [&str; 9] = [
    "name:fr",
    "name_fr",
    "libelle_fr",
    "shapeName",
    "shapeName1",
    "name",
    "nom",
    "name:en",
    "NAME_1",
];

const HEADER: [&str; 7] = ["region_code", "name", "polygon", "ring", "point", "lon", "lat"];

#[derive(Debug, Clone, Copy)]
struct Vertex {
    feature: u32,
    polygon: u32,
    ring: u32,
    point: u32,
    lon: f64,
    lat: f64,
}

#[derive(Debug)]
pub struct GeoSource {
    kind: &'static str,
    features: Vec<(String, String)>,
    vertices: std::vec::IntoIter<Vertex>,
    total: u64,
    /// Problems found while reading, keyed by the vertex row they belong to (0: the
    /// header, for file-level warnings).
    issues: BTreeMap<u64, Vec<Issue>>,
    emitted_header: bool,
    row_no: u64,
    pending: Vec<Issue>,
    file_bytes: u64,
}

impl GeoSource {
    pub fn open(path: &Path) -> Result<GeoSource, Issue> {
        let bytes = std::fs::read(path)
            .map_err(|err| Issue::error(Rule::Unreadable).expecting(err.to_string()))?;
        GeoSource::from_bytes(&bytes)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<GeoSource, Issue> {
        let value = crate::source::json::parse(bytes)?;
        let geometry_expected =
            "a GeoJSON FeatureCollection or a TopoJSON Topology of the 12 regions";
        let Value::Object(document) = value else {
            return Err(Issue::error(Rule::Geometry).expecting(geometry_expected));
        };
        let (kind, shapes) = match document.get("type").and_then(Value::as_str) {
            Some("FeatureCollection") => {
                let features = document
                    .get("features")
                    .and_then(Value::as_array)
                    .ok_or_else(|| geometry("the FeatureCollection has no \"features\" array"))?;
                ("GeoJSON", geojson_shapes(features)?)
            }
            Some("Feature") => {
                ("GeoJSON", geojson_shapes(std::slice::from_ref(&Value::Object(document)))?)
            }
            Some("Topology") => ("TopoJSON", topojson_shapes(&document)?),
            _ => {
                let keys: Vec<&str> = document.keys().map(String::as_str).take(5).collect();
                return Err(Issue::error(Rule::Geometry).expecting(format!(
                    "{geometry_expected}; this JSON has no \"type\" naming one (keys: {})",
                    keys.join(", ")
                )));
            }
        };
        let mut source = GeoSource {
            kind,
            features: Vec::new(),
            vertices: Vec::new().into_iter(),
            total: 0,
            issues: BTreeMap::new(),
            emitted_header: false,
            row_no: 0,
            pending: Vec::new(),
            file_bytes: bytes.len() as u64,
        };
        source.flatten(shapes)?;
        Ok(source)
    }

    /// Numbers the vertices and checks rings and region codes.
    fn flatten(&mut self, shapes: Vec<Shape>) -> Result<(), Issue> {
        let mut vertices = Vec::new();
        let mut first_feature: BTreeMap<String, usize> = BTreeMap::new();
        for (feature_idx, shape) in shapes.into_iter().enumerate() {
            let label = format!("feature {} ({})", feature_idx + 1, shape.code);
            if let Some(first) = first_feature.insert(shape.code.clone(), feature_idx) {
                let row = vertices.len() as u64 + 1;
                self.issues.entry(row).or_default().push(
                    Issue::error(Rule::Geometry).at_row(row).in_column("region_code").with_value(&shape.code).expecting(
                        format!("{label}: the region is already outlined by feature {}; one feature per region", first + 1),
                    ),
                );
            }
            let feature = self.features.len() as u32;
            self.features.push((shape.code, shape.name));
            for (polygon_idx, polygon) in shape.polygons.iter().enumerate() {
                for (ring_idx, ring) in polygon.iter().enumerate() {
                    let row = vertices.len() as u64 + 1;
                    let closed = ring.first() == ring.last();
                    if ring.len() < 4 || !closed {
                        let problem = if ring.len() < 4 {
                            format!("{} positions, a ring needs at least 4", ring.len())
                        } else {
                            "the ring is not closed (its last position differs from its first)"
                                .to_string()
                        };
                        self.issues.entry(row).or_default().push(
                            Issue::error(Rule::Geometry).at_row(row).expecting(format!(
                                "{label}, polygon {}, ring {}: {problem}",
                                polygon_idx + 1,
                                ring_idx + 1
                            )),
                        );
                    }
                    for (point_idx, &(lon, lat)) in ring.iter().enumerate() {
                        vertices.push(Vertex {
                            feature,
                            polygon: polygon_idx as u32 + 1,
                            ring: ring_idx as u32 + 1,
                            point: point_idx as u32 + 1,
                            lon,
                            lat,
                        });
                    }
                }
            }
        }
        if vertices.is_empty() {
            return Err(Issue::error(Rule::NoRows));
        }
        let missing: Vec<&str> = md2030_model::reference::regions()
            .rows
            .iter()
            .map(|row| row.code.as_str())
            .filter(|code| !first_feature.contains_key(*code))
            .collect();
        if !missing.is_empty() {
            self.issues.entry(0).or_default().push(Issue::warning(Rule::Geometry).expecting(
                format!("no outline for region(s) {}: the map leaves them out", missing.join(", ")),
            ));
        }
        self.total = vertices.len() as u64;
        self.vertices = vertices.into_iter();
        Ok(())
    }
}

fn geometry(message: impl Into<String>) -> Issue {
    Issue::error(Rule::Geometry).expecting(message.into())
}

/// A position: longitude, latitude.
type Position = (f64, f64);
/// Rings of positions, the outer one first.
type Polygon = Vec<Vec<Position>>;

/// One feature: its region code and name, and its polygons (each a list of rings).
struct Shape {
    code: String,
    name: String,
    polygons: Vec<Vec<Vec<Position>>>,
}

/// `MA-01`, `ma-1`, `01` and `1` → `01`; anything else is kept as written (the
/// contract's reference check then names it).
pub fn region_code(raw: &str) -> String {
    let raw = raw.trim();
    let bare =
        raw.get(..3).filter(|prefix| prefix.eq_ignore_ascii_case("MA-")).map_or(raw, |_| &raw[3..]);
    match bare.parse::<u32>() {
        Ok(n) if bare.len() <= 2 => format!("{n:02}"),
        _ => bare.to_string(),
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The region code and name of a feature, from its `id` and `properties`.
fn identify(
    label: &str,
    id: Option<&Value>,
    properties: Option<&Map<String, Value>>,
) -> Result<(String, String), Issue> {
    let empty = Map::new();
    let properties = properties.unwrap_or(&empty);
    let code = id
        .and_then(scalar_text)
        .or_else(|| CODE_KEYS.iter().find_map(|k| properties.get(*k).and_then(scalar_text)))
        .ok_or_else(|| {
            let keys: Vec<&str> = properties.keys().map(String::as_str).collect();
            geometry(format!(
                "{label} has no region code: looked for \"id\" and the properties {}; it has {}",
                CODE_KEYS.join(", "),
                if keys.is_empty() { "no properties".to_string() } else { keys.join(", ") }
            ))
        })?;
    let name =
        NAME_KEYS.iter().find_map(|k| properties.get(*k).and_then(scalar_text)).unwrap_or_default();
    Ok((region_code(&code), name))
}

fn position(label: &str, value: &Value) -> Result<Position, Issue> {
    let pair = value.as_array().filter(|a| a.len() >= 2);
    let number = |i: usize| pair.and_then(|a| a[i].as_f64()).filter(|v| v.is_finite());
    match (number(0), number(1)) {
        (Some(lon), Some(lat)) => Ok((lon, lat)),
        _ => Err(geometry(format!(
            "{label}: a position must be [longitude, latitude] in numbers, found {}",
            shorten(&value.to_string())
        ))),
    }
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= 60 {
        return text.to_string();
    }
    let mut short: String = text.chars().take(60).collect();
    short.push('…');
    short
}

fn array<'a>(label: &str, value: Option<&'a Value>, what: &str) -> Result<&'a Vec<Value>, Issue> {
    value
        .and_then(Value::as_array)
        .ok_or_else(|| geometry(format!("{label}: {what} is not an array")))
}

fn geojson_shapes(features: &[Value]) -> Result<Vec<Shape>, Issue> {
    let mut shapes = Vec::with_capacity(features.len());
    for (idx, feature) in features.iter().enumerate() {
        let label = format!("feature {}", idx + 1);
        let feature =
            feature.as_object().ok_or_else(|| geometry(format!("{label} is not an object")))?;
        let (code, name) = identify(
            &label,
            feature.get("id"),
            feature.get("properties").and_then(Value::as_object),
        )?;
        let label = format!("{label} ({code})");
        let geom = feature
            .get("geometry")
            .and_then(Value::as_object)
            .ok_or_else(|| geometry(format!("{label} has no geometry")))?;
        let ring = |value: &Value| -> Result<Vec<Position>, Issue> {
            array(&label, Some(value), "a ring")?.iter().map(|p| position(&label, p)).collect()
        };
        let polygon = |value: &Value| -> Result<Vec<Vec<Position>>, Issue> {
            array(&label, Some(value), "a polygon")?.iter().map(ring).collect()
        };
        let polygons = polygons_of(geom, "coordinates", &label, &polygon)?;
        shapes.push(Shape { code, name, polygons });
    }
    Ok(shapes)
}

/// The polygons of a Polygon or MultiPolygon geometry whose parts are under `key`
/// (`coordinates` in GeoJSON, `arcs` in TopoJSON), each read by `polygon`.
fn polygons_of(
    geom: &Map<String, Value>,
    key: &str,
    label: &str,
    polygon: &dyn Fn(&Value) -> Result<Polygon, Issue>,
) -> Result<Vec<Polygon>, Issue> {
    match geom.get("type").and_then(Value::as_str) {
        Some("Polygon") => Ok(vec![polygon(geom.get(key).unwrap_or(&Value::Null))?]),
        Some("MultiPolygon") => {
            let what = if key == "arcs" { "the arcs" } else { "the coordinates" };
            array(label, geom.get(key), what)?.iter().map(polygon).collect()
        }
        other => Err(geometry(format!(
            "{label}: a region must be a Polygon or MultiPolygon, not {}",
            other.unwrap_or("a geometry without type")
        ))),
    }
}

/// Decodes a TopoJSON topology: the `regions` object if there is one, else the only
/// object.
fn topojson_shapes(document: &Map<String, Value>) -> Result<Vec<Shape>, Issue> {
    let objects = document
        .get("objects")
        .and_then(Value::as_object)
        .ok_or_else(|| geometry("the Topology has no \"objects\""))?;
    let object = match objects.get("regions") {
        Some(object) => object,
        None if objects.len() == 1 => objects.values().next().expect("one object"),
        None => {
            let names: Vec<&str> = objects.keys().map(String::as_str).collect();
            return Err(geometry(format!(
                "the Topology holds several objects ({}); name the regions' object \"regions\"",
                names.join(", ")
            )));
        }
    };
    let transform = match document.get("transform") {
        None | Some(Value::Null) => None,
        Some(t) => {
            let pair = |key: &str| {
                t.get(key)
                    .and_then(Value::as_array)
                    .filter(|a| a.len() == 2)
                    .and_then(|a| Some((a[0].as_f64()?, a[1].as_f64()?)))
            };
            match (pair("scale"), pair("translate")) {
                (Some(scale), Some(translate)) => Some((scale, translate)),
                _ => {
                    return Err(geometry(
                        "the Topology's transform needs scale and translate pairs",
                    ));
                }
            }
        }
    };
    let arcs: Vec<Vec<Position>> = array("the Topology", document.get("arcs"), "\"arcs\"")?
        .iter()
        .enumerate()
        .map(|(idx, arc)| {
            let label = format!("arc {idx}");
            let mut decoded = Vec::new();
            let (mut x, mut y) = (0.0, 0.0);
            for p in array(&label, Some(arc), "the arc")? {
                let (px, py) = position(&label, p)?;
                decoded.push(match transform {
                    Some(((sx, sy), (tx, ty))) => {
                        (x, y) = (x + px, y + py);
                        (x * sx + tx, y * sy + ty)
                    }
                    None => (px, py),
                });
            }
            Ok(decoded)
        })
        .collect::<Result<_, Issue>>()?;
    let geometries = array("the regions object", object.get("geometries"), "\"geometries\"")?;
    let mut shapes = Vec::with_capacity(geometries.len());
    for (idx, geom) in geometries.iter().enumerate() {
        let label = format!("feature {}", idx + 1);
        let geom = geom.as_object().ok_or_else(|| geometry(format!("{label} is not an object")))?;
        let (code, name) =
            identify(&label, geom.get("id"), geom.get("properties").and_then(Value::as_object))?;
        let label = format!("{label} ({code})");
        let ring = |value: &Value| -> Result<Vec<Position>, Issue> {
            let mut ring: Vec<Position> = Vec::new();
            for index in array(&label, Some(value), "a ring")? {
                let index = index.as_i64().ok_or_else(|| {
                    geometry(format!("{label}: arc index {index} is not an integer"))
                })?;
                let (arc_no, reversed) = if index < 0 { (!index, true) } else { (index, false) };
                let arc =
                    usize::try_from(arc_no).ok().and_then(|i| arcs.get(i)).ok_or_else(|| {
                        geometry(format!(
                            "{label}: arc {index} does not exist ({} arcs)",
                            arcs.len()
                        ))
                    })?;
                let mut points = arc.clone();
                if reversed {
                    points.reverse();
                }
                let skip = usize::from(!ring.is_empty());
                ring.extend(points.into_iter().skip(skip));
            }
            Ok(ring)
        };
        let polygon = |value: &Value| -> Result<Vec<Vec<Position>>, Issue> {
            array(&label, Some(value), "a polygon")?.iter().map(ring).collect()
        };
        let polygons = polygons_of(geom, "arcs", &label, &polygon)?;
        shapes.push(Shape { code, name, polygons });
    }
    Ok(shapes)
}

impl RowSource for GeoSource {
    fn next_row(&mut self, row: &mut RowBuf) -> Result<bool, Issue> {
        row.clear();
        if !self.emitted_header {
            self.emitted_header = true;
            row.line = 0;
            for heading in HEADER {
                row.push(heading);
            }
            self.pending.extend(self.issues.remove(&0).unwrap_or_default());
            return Ok(true);
        }
        let Some(vertex) = self.vertices.next() else {
            return Ok(false);
        };
        self.row_no += 1;
        row.line = self.row_no;
        let (code, name) = &self.features[vertex.feature as usize];
        row.push(code);
        row.push(name);
        row.push(&vertex.polygon.to_string());
        row.push(&vertex.ring.to_string());
        row.push(&vertex.point.to_string());
        row.push(&vertex.lon.to_string());
        row.push(&vertex.lat.to_string());
        if let Some(issues) = self.issues.remove(&self.row_no) {
            self.pending.extend(issues);
        }
        Ok(true)
    }

    fn take_issues(&mut self) -> Vec<Issue> {
        std::mem::take(&mut self.pending)
    }

    fn bytes_read(&self) -> u64 {
        (self.file_bytes * self.row_no).checked_div(self.total).unwrap_or(self.file_bytes)
    }

    fn describe(&self) -> String {
        format!(
            "{}, {} features, {} vertices (one row per vertex)",
            self.kind,
            self.features.len(),
            self.total
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> (Vec<Vec<String>>, Vec<Issue>) {
        let mut source = GeoSource::from_bytes(text.as_bytes()).unwrap();
        let mut row = RowBuf::default();
        let (mut out, mut issues) = (Vec::new(), Vec::new());
        while source.next_row(&mut row).unwrap() {
            out.push(row.to_vec());
            issues.extend(source.take_issues());
        }
        (out, issues)
    }

    #[test]
    fn region_codes_are_normalised() {
        assert_eq!(region_code("MA-01"), "01");
        assert_eq!(region_code("ma-7"), "07");
        assert_eq!(region_code("9"), "09");
        assert_eq!(region_code("12"), "12");
        assert_eq!(region_code("MA-TNG"), "TNG");
        assert_eq!(region_code("123"), "123");
    }

    #[test]
    fn a_geojson_polygon_becomes_one_row_per_vertex() {
        let (rows, issues) = rows(
            r#"{"type": "FeatureCollection", "features": [
              {"type": "Feature", "properties": {"shapeISO": "MA-04", "shapeName1": "Rabat-Salé-Kénitra"},
               "geometry": {"type": "Polygon", "coordinates": [[[-6.5, 34.0], [-6.0, 34.0], [-6.0, 34.5], [-6.5, 34.0]]]}}]}"#,
        );
        assert_eq!(rows[0], HEADER);
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[1], ["04", "Rabat-Salé-Kénitra", "1", "1", "1", "-6.5", "34"]);
        assert_eq!(rows[3], ["04", "Rabat-Salé-Kénitra", "1", "1", "3", "-6", "34.5"]);
        // Eleven regions have no outline: one warning naming them.
        assert_eq!(issues.len(), 1);
        assert!(issues[0].expected.as_deref().unwrap().contains("01, 02, 03, 05"), "{issues:?}");
    }

    #[test]
    fn topojson_arcs_are_decoded_reversed_and_stitched() {
        // Quantized: scale 0.5, translate (-10, 30). Arc 0 goes (0,0)→(2,0)→(2,2) in
        // quantized units, arc 1 is (2,2)→(0,0) as deltas. Region 01 is arc 0 then arc
        // 1; region 02 is arc 1 reversed then arc 0 reversed (~1 = -2, ~0 = -1).
        let (rows, _) = rows(
            r#"{"type": "Topology", "transform": {"scale": [0.5, 0.5], "translate": [-10, 30]},
               "arcs": [[[0, 0], [2, 0], [0, 2]], [[2, 2], [-2, -2]]],
               "objects": {"regions": {"type": "GeometryCollection", "geometries": [
                 {"type": "Polygon", "id": "MA-01", "arcs": [[0, 1]]},
                 {"type": "MultiPolygon", "id": "MA-02", "properties": {"name:fr": "Oriental"}, "arcs": [[[-2, -1]]]}]}}}"#,
        );
        let points: Vec<(String, String, String)> =
            rows[1..].iter().map(|r| (r[0].clone(), r[5].clone(), r[6].clone())).collect();
        let expect = |code: &str, pts: &[(&str, &str)]| -> Vec<(String, String, String)> {
            pts.iter().map(|(x, y)| (code.to_string(), x.to_string(), y.to_string())).collect()
        };
        let mut expected =
            expect("01", &[("-10", "30"), ("-9", "30"), ("-9", "31"), ("-10", "30")]);
        expected.extend(expect("02", &[("-10", "30"), ("-9", "31"), ("-9", "30"), ("-10", "30")]));
        assert_eq!(points, expected);
        assert_eq!(rows[5][1], "Oriental");
    }

    #[test]
    fn open_rings_duplicates_and_missing_codes_are_reported() {
        let (_, issues) = rows(
            r#"{"type": "FeatureCollection", "features": [
              {"type": "Feature", "id": "MA-01", "geometry": {"type": "Polygon", "coordinates": [[[-6, 34], [-5, 34], [-5, 35], [-6, 35]]]}},
              {"type": "Feature", "id": "1", "geometry": {"type": "Polygon", "coordinates": [[[-6, 34], [-5, 34], [-6, 34]]]}}]}"#,
        );
        let messages: Vec<String> = issues.iter().filter_map(|i| i.expected.clone()).collect();
        assert!(
            messages
                .iter()
                .any(|m| m.contains("feature 1 (01), polygon 1, ring 1: the ring is not closed")),
            "{messages:?}"
        );
        assert!(
            messages.iter().any(|m| m.contains("already outlined by feature 1")),
            "{messages:?}"
        );
        assert!(messages.iter().any(|m| m.contains("3 positions")), "{messages:?}");

        let err = GeoSource::from_bytes(
            br#"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"shapeName1": "X"}, "geometry": null}]}"#,
        )
        .unwrap_err();
        assert_eq!(err.rule, Rule::Geometry);
        assert!(err.expected.unwrap().contains("feature 1 has no region code"));
        let err = GeoSource::from_bytes(
            br#"{"Souss-Massa": {"code_reg": "9", "Coordinates": [["-7.8"], ["30.1"]]}}"#,
        )
        .unwrap_err();
        assert!(err.expected.unwrap().contains("no \"type\""));
        let err = GeoSource::from_bytes(
            br#"{"type": "FeatureCollection", "features": [{"type": "Feature", "id": "MA-01", "geometry": {"type": "Polygon", "coordinates": [[["-7.8", "30.1"]]]}}]}"#,
        )
        .unwrap_err();
        assert!(err.expected.unwrap().contains("[longitude, latitude] in numbers"));
    }
}
