//! Region outlines for the choropleth, from the current `region_boundaries` dataset
//! version (one row per vertex): projected once per snapshot, simplified to what
//! the drawing can show, and kept as SVG path data per region.

use std::collections::BTreeMap;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, RecordBatch};

/// Width of the map drawing in SVG units; the height follows the outlines.
pub const MAP_WIDTH: f64 = 560.0;
/// Vertices closer than this to the simplified line are dropped (SVG units).
const TOLERANCE: f64 = 0.35;

/// The outlines of the regions, ready to draw.
#[derive(Debug, Clone, Default)]
pub struct Outlines {
    /// The dataset version they come from (`region_boundaries@v2`).
    pub version_id: String,
    /// The file the version was read from, and when it was ingested.
    pub source: String,
    pub height: f64,
    /// Region code -> SVG path data (`M x y L … Z`, every ring).
    pub paths: BTreeMap<String, String>,
    /// Region code -> where its label goes (the centroid of its largest polygon).
    pub anchors: BTreeMap<String, (f64, f64)>,
    /// Vertices in the stored version and after simplification.
    pub stored_vertices: usize,
    pub drawn_vertices: usize,
}

type Ring = Vec<(f64, f64)>;

/// (region, polygon, ring) -> its vertices as (point number, lon, lat).
type StoredRings = BTreeMap<(String, i64, i64), Vec<(i64, f64, f64)>>;

/// Builds the outlines from the stored rows. Rows are grouped by region, polygon and
/// ring and ordered by `point`; the projection is equirectangular, scaled by the
/// cosine of the middle latitude (Morocco spans 15 degrees of latitude: the
/// distortion is small at this size).
pub fn outlines(batches: &[RecordBatch], version_id: &str) -> Result<Outlines, String> {
    let mut rings = StoredRings::new();
    for batch in batches {
        let column = |name: &str| {
            batch.column_by_name(name).ok_or_else(|| format!("{version_id} has no column {name}"))
        };
        let codes =
            column("region_code")?.as_string_opt::<i32>().ok_or("region_code is not text")?;
        let ints = |name: &str| -> Result<_, String> {
            column(name)?
                .as_primitive_opt::<Int64Type>()
                .ok_or_else(|| format!("{name} is not an integer column"))
        };
        let floats = |name: &str| -> Result<_, String> {
            column(name)?
                .as_primitive_opt::<Float64Type>()
                .ok_or_else(|| format!("{name} is not a number column"))
        };
        let (polygon, ring, point) = (ints("polygon")?, ints("ring")?, ints("point")?);
        let (lon, lat) = (floats("lon")?, floats("lat")?);
        for row in 0..batch.num_rows() {
            if codes.is_null(row) || lon.is_null(row) || lat.is_null(row) {
                continue;
            }
            rings
                .entry((codes.value(row).to_string(), polygon.value(row), ring.value(row)))
                .or_default()
                .push((point.value(row), lon.value(row), lat.value(row)));
        }
    }
    let stored_vertices = rings.values().map(Vec::len).sum();
    let (mut lon0, mut lon1, mut lat0, mut lat1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(_, lon, lat) in rings.values().flatten() {
        (lon0, lon1, lat0, lat1) = (lon0.min(lon), lon1.max(lon), lat0.min(lat), lat1.max(lat));
    }
    if stored_vertices == 0 || lon1 <= lon0 || lat1 <= lat0 {
        return Err(format!("{version_id} has no usable outline"));
    }
    let kx = ((lat0 + lat1) / 2.0).to_radians().cos();
    let scale = MAP_WIDTH / ((lon1 - lon0) * kx);
    let project = |lon: f64, lat: f64| ((lon - lon0) * kx * scale, (lat1 - lat) * scale);

    let mut out = Outlines {
        version_id: version_id.to_string(),
        height: (lat1 - lat0) * scale,
        stored_vertices,
        ..Outlines::default()
    };
    // Region -> polygon -> rings (outer first), projected and simplified.
    let mut regions: BTreeMap<String, BTreeMap<i64, Vec<Ring>>> = BTreeMap::new();
    for ((code, polygon, _), mut points) in rings {
        points.sort_by_key(|p| p.0);
        let projected: Ring = points.iter().map(|&(_, lon, lat)| project(lon, lat)).collect();
        let simplified = simplify(&projected, TOLERANCE);
        if simplified.len() >= 4 {
            regions.entry(code).or_default().entry(polygon).or_default().push(simplified);
        }
    }
    for (code, polygons) in regions {
        let mut d = String::new();
        let mut best: Option<(f64, (f64, f64))> = None;
        for rings in polygons.values() {
            for (idx, ring) in rings.iter().enumerate() {
                out.drawn_vertices += ring.len();
                for (i, (x, y)) in ring.iter().take(ring.len() - 1).enumerate() {
                    d.push(if i == 0 { 'M' } else { 'L' });
                    d.push_str(&format!("{x:.1} {y:.1}"));
                }
                d.push('Z');
                if idx == 0
                    && let Some((area, centroid)) = area_centroid(ring)
                    && best.is_none_or(|(a, _)| area > a)
                {
                    best = Some((area, centroid));
                }
            }
        }
        if let Some((_, centroid)) = best {
            out.anchors.insert(code.clone(), centroid);
        }
        out.paths.insert(code, d);
    }
    Ok(out)
}

/// Douglas–Peucker on a closed ring (first and last point equal), keeping both ends.
fn simplify(ring: &[(f64, f64)], tolerance: f64) -> Ring {
    if ring.len() <= 4 {
        return ring.to_vec();
    }
    let mut keep = vec![false; ring.len()];
    keep[0] = true;
    keep[ring.len() - 1] = true;
    // A closed ring's ends coincide: split it at the point farthest from the start.
    let far = (1..ring.len() - 1)
        .max_by(|&a, &b| dist2(ring[0], ring[a]).total_cmp(&dist2(ring[0], ring[b])))
        .unwrap_or(1);
    keep[far] = true;
    let mut stack = vec![(0, far), (far, ring.len() - 1)];
    while let Some((a, b)) = stack.pop() {
        if b <= a + 1 {
            continue;
        }
        let (mut worst, mut worst_d) = (a, 0.0);
        for i in a + 1..b {
            let d = segment_distance(ring[i], ring[a], ring[b]);
            if d > worst_d {
                (worst, worst_d) = (i, d);
            }
        }
        if worst_d > tolerance {
            keep[worst] = true;
            stack.push((a, worst));
            stack.push((worst, b));
        }
    }
    ring.iter().zip(keep).filter(|(_, k)| *k).map(|(p, _)| *p).collect()
}

fn dist2(a: (f64, f64), b: (f64, f64)) -> f64 {
    (a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)
}

fn segment_distance(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let len2 = dist2(a, b);
    if len2 == 0.0 {
        return dist2(p, a).sqrt();
    }
    let t = (((p.0 - a.0) * (b.0 - a.0) + (p.1 - a.1) * (b.1 - a.1)) / len2).clamp(0.0, 1.0);
    dist2(p, (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1))).sqrt()
}

/// Area (absolute) and centroid of a closed ring (shoelace formula).
fn area_centroid(ring: &[(f64, f64)]) -> Option<(f64, (f64, f64))> {
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for w in ring.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        let cross = x0 * y1 - x1 * y0;
        a += cross;
        cx += (x0 + x1) * cross;
        cy += (y0 + y1) * cross;
    }
    if a.abs() < f64::EPSILON {
        return None;
    }
    Some((a.abs() / 2.0, (cx / (3.0 * a), cy / (3.0 * a))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_square_has_area_and_centroid() {
        // The unit square from (0,0) to (2,2): area 4, centroid (1,1), either winding.
        let square = [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0), (0.0, 0.0)];
        assert_eq!(area_centroid(&square), Some((4.0, (1.0, 1.0))));
        let mut reversed = square;
        reversed.reverse();
        assert_eq!(area_centroid(&reversed), Some((4.0, (1.0, 1.0))));
    }

    #[test]
    fn simplification_drops_points_on_a_straight_edge_only() {
        // A square with an extra point in the middle of each edge, and one bump of 1
        // unit on the top edge: the midpoints go, the bump stays.
        let ring = [
            (0.0, 0.0),
            (5.0, 0.0),
            (10.0, 0.0),
            (10.0, 5.0),
            (10.0, 10.0),
            (5.0, 11.0),
            (0.0, 10.0),
            (0.0, 5.0),
            (0.0, 0.0),
        ];
        let simplified = simplify(&ring, 0.5);
        assert_eq!(
            simplified,
            vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (5.0, 11.0), (0.0, 10.0), (0.0, 0.0)]
        );
    }
}
