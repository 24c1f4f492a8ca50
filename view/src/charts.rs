//! Charts drawn by plotters as SVG text (the browser shapes the labels).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use md2030_analytics::series::Observation;

pub use md2030_model::xml::escape as escape_xml;

/// A small line chart of a series (no axes), with a title for screen readers.
/// Empty when the series has fewer than two points.
pub fn sparkline(series: &[Observation], title: &str) -> String {
    let points: Vec<(f64, f64)> =
        series.iter().filter_map(|o| o.point().map(|p| (p.year, p.value))).collect();
    if points.len() < 2 {
        return String::new();
    }
    let (x0, x1) = (points[0].0, points[points.len() - 1].0);
    let (mut y0, mut y1) =
        points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &(_, y)| (lo.min(y), hi.max(y)));
    if (y1 - y0).abs() < f64::EPSILON {
        y0 -= 1.0;
        y1 += 1.0;
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (160, 40)).into_drawing_area();
        let drawn = ChartBuilder::on(&root)
            .margin(3)
            .build_cartesian_2d(x0..x1, y0..y1)
            .and_then(|mut chart| {
                chart.draw_series(LineSeries::new(
                    points.iter().copied(),
                    RGBColor(0, 98, 65).stroke_width(2),
                ))?;
                Ok(())
            })
            .and_then(|()| root.present());
        if drawn.is_err() {
            return String::new();
        }
    }
    // The title names the chart for screen readers; role=img makes it one image.
    svg.replacen(
        "<svg ",
        &format!("<svg role=\"img\" aria-label=\"{}\" class=\"sparkline\" ", escape_xml(title)),
        1,
    )
    .replacen('>', &format!("><title>{}</title>", escape_xml(title)), 1)
}

/// Labels and text of the indicator chart, in the page's language.
#[derive(Debug, Clone)]
pub struct ChartText {
    pub title: String,
    pub description: String,
    pub observed: String,
    pub trajectory: String,
    pub projection: String,
    /// The legend of the target and milestone markers.
    pub targets: String,
    /// The projection at the observed pace reaches the target (drawn green, else red).
    pub projection_meets: bool,
    /// A rank: lower is better, so the value axis runs downward (1 at the top).
    pub inverted: bool,
    /// Arabic: the value axis on the right and the legend at the top right, where
    /// the reader starts (time still runs left to right, as in HCP's Arabic charts).
    pub rtl: bool,
}

const GREEN_LINE: RGBColor = RGBColor(0, 98, 65);
const RED_LINE: RGBColor = RGBColor(193, 39, 45);
/// The other countries' bars beside Morocco's.
const PEER_GREY: RGBColor = RGBColor(176, 176, 170);
const GREY_LINE: RGBColor = RGBColor(120, 120, 120);

/// The indicator's time series (solid), the straight trajectory from the target's
/// baseline to the target (thin), the projection at the observed pace from the
/// latest value to the target year (dashed), and series breaks (vertical lines).
/// Points sit at the end of their period; a tick labelled 2024 is the end of 2024.
pub fn indicator_chart(
    result: &md2030_analytics::indicator::IndicatorResult,
    breaks: &[i32],
    text: &ChartText,
    format_value: &dyn Fn(f64) -> String,
) -> String {
    indicator_chart_at(result, breaks, text, format_value, Frame::WIDE)
}

/// The size an indicator chart is drawn at, and the id its title and description
/// carry (two frames of one chart on one page need two ids).
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub id: &'static str,
    /// Most year ticks on the time axis.
    pub max_year_ticks: usize,
}

impl Frame {
    /// Pages on a laptop, downloads and PDFs.
    pub const WIDE: Frame = Frame { width: 720, height: 360, id: "chart", max_year_ticks: 40 };
    /// Phones: drawn at about the width it is shown (340 px), taller, with larger
    /// type, so that no text is under 11 px on screen.
    pub const NARROW: Frame =
        Frame { width: 340, height: 420, id: "chart-narrow", max_year_ticks: 4 };
}

/// [`indicator_chart`] in a given frame.
pub fn indicator_chart_at(
    result: &md2030_analytics::indicator::IndicatorResult,
    breaks: &[i32],
    text: &ChartText,
    format_value: &dyn Fn(f64) -> String,
    frame: Frame,
) -> String {
    let observed: Vec<(f64, f64)> =
        result.series.iter().filter_map(|o| o.point().map(|p| (p.year, p.value))).collect();
    if observed.is_empty() {
        return String::new();
    }
    // A rank is drawn upside down: values are negated and labelled back.
    let sign = if text.inverted { -1.0 } else { 1.0 };
    let observed: Vec<(f64, f64)> = observed.into_iter().map(|(x, y)| (x, sign * y)).collect();
    let trajectory: Vec<(f64, f64)> =
        result.trajectory.iter().map(|t| (t.at, sign * t.value)).collect();
    // The projection at the observed pace: a straight line from the latest value,
    // flat from where it meets the quantity's bound.
    let projection = match observed.last() {
        Some(&last) => projection_line(result, last, sign),
        None => Vec::new(),
    };
    // The target in force and its milestones, as markers at the end of their year.
    let targets: Vec<(f64, f64)> = (result.milestones.iter().map(|m| &m.target))
        .chain(&result.target)
        .map(|t| (f64::from(t.year) + 1.0, sign * t.value))
        .collect();
    // The milestone and target years, marked by their year alone (short enough
    // never to collide; the legend names the crosses).
    let marks: Vec<i32> = (result.milestones.iter().map(|m| m.target.year))
        .chain(result.target.iter().map(|t| t.year))
        .collect();
    let all = observed.iter().chain(&trajectory).chain(&projection).chain(&targets);
    let (x0, x1, y0, y1) = bounds(all.copied(), text.inverted);
    let lines =
        [observed.as_slice(), trajectory.as_slice(), projection.as_slice(), targets.as_slice()];
    let (green, red, grey) = (GREEN_LINE, RED_LINE, GREY_LINE);
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (frame.width, frame.height)).into_drawing_area();
        let narrow = frame.width < 500;
        // Plotters writes a font of N as N / 1.24 CSS px: 16 is 12.9 px, which stays
        // above 11 px when a phone shows the narrow frame at 92 % of its width.
        let size = if narrow { 16 } else { 13 };
        let font = ("DejaVu Sans, Noto Sans, Noto Naskh Arabic, sans-serif", size).into_font();
        let drawn = (|| -> Result<(), Box<dyn std::error::Error>> {
            root.fill(&WHITE)?;
            let mut builder = ChartBuilder::on(&root);
            let side = if narrow { 8 } else { 24 };
            // Room above the plot for the milestone and target marks' names.
            let top = if marks.is_empty() { 12 } else { 12 + size };
            // On a phone the legend goes under the time axis, one line per series,
            // instead of covering the lines.
            let legend_rows =
                [true, !trajectory.is_empty(), !projection.is_empty(), !targets.is_empty()]
                    .iter()
                    .filter(|shown| **shown)
                    .count() as u32;
            let below = if narrow { legend_rows * (size + 6) + 6 } else { 0 };
            builder
                .margin(12)
                .margin_top(top)
                .margin_left(side)
                .margin_right(side)
                .x_label_area_size(28 + below);
            let label_area = if narrow { 92 } else { 90 };
            if text.rtl {
                builder.right_y_label_area_size(label_area);
            } else {
                builder.y_label_area_size(label_area);
            }
            let (from, to) = (x0.floor(), x1.ceil());
            let mut chart = builder.build_cartesian_2d(from..to, y0..y1)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .light_line_style(RGBColor(240, 240, 240))
                .max_light_lines(1)
                .x_labels(0)
                .y_label_formatter(&|y| format_value(sign * *y))
                .label_style(font.clone())
                .draw()?;
            // Time: one band per calendar year, its name in its middle, a light
            // line between years. A point sits at the end of its period, so 2025-Q2
            // is halfway through the band named 2025 and a year's value on the line
            // that closes it.
            let years = (to - from) as i32;
            let every = year_label_step(years, frame.max_year_ticks.min(12));
            let band = RGBColor(228, 228, 228);
            for year in from as i32..to as i32 {
                let x = f64::from(year);
                if year > from as i32 {
                    chart.draw_series(LineSeries::new([(x, y0), (x, y1)], band.stroke_width(1)))?;
                }
                if year % every == 0 || years <= every {
                    let (px, py) = chart.backend_coord(&(x + 0.5, y0));
                    root.draw(&Text::new(
                        year.to_string(),
                        (px, py + 6),
                        TextStyle::from(font.clone()).pos(Pos::new(HPos::Center, VPos::Top)),
                    ))?;
                }
            }
            // The milestone and target years, marked where they end.
            for year in &marks {
                let x = f64::from(*year) + 1.0;
                if x >= from && x <= to {
                    chart.draw_series(DashedLineSeries::new(
                        [(x, y0), (x, y1)],
                        3,
                        3,
                        RGBColor(90, 90, 90).stroke_width(1),
                    ))?;
                    let (px, py) = chart.backend_coord(&(x, y1));
                    let (anchor, dx) =
                        if x >= to - 0.01 { (HPos::Right, -3) } else { (HPos::Center, 0) };
                    root.draw(&Text::new(
                        year.to_string(),
                        (px + dx, py - 2),
                        TextStyle::from(font.clone()).pos(Pos::new(anchor, VPos::Bottom)),
                    ))?;
                }
            }
            for year in breaks {
                let x = f64::from(*year) + 1.0 - 1.0;
                if x > x0 && x < x1 {
                    chart.draw_series(LineSeries::new([(x, y0), (x, y1)], grey.stroke_width(1)))?;
                }
            }
            if !trajectory.is_empty() {
                chart
                    .draw_series(LineSeries::new(trajectory.iter().copied(), grey.stroke_width(1)))?
                    .label(text.trajectory.clone())
                    .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], grey));
            }
            if !projection.is_empty() {
                // Red when the observed pace falls short of the target, green when
                // it reaches it.
                let color = if text.projection_meets { green } else { red };
                chart
                    .draw_series(DashedLineSeries::new(
                        projection.iter().copied(),
                        6,
                        4,
                        color.stroke_width(2),
                    ))?
                    .label(text.projection.clone())
                    .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color));
            }
            if !targets.is_empty() {
                chart
                    .draw_series(
                        targets
                            .iter()
                            .map(|&p| Cross::new(p, 6, ShapeStyle::from(&BLACK).stroke_width(2))),
                    )?
                    .label(text.targets.clone())
                    .legend(move |(x, y)| {
                        Cross::new((x + 8, y), 5, ShapeStyle::from(&BLACK).stroke_width(2))
                    });
            }
            chart
                .draw_series(LineSeries::new(observed.iter().copied(), green.stroke_width(3)))?
                .label(text.observed.clone())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], green));
            chart.draw_series(observed.iter().map(|&p| Circle::new(p, 3, green.filled())))?;
            if narrow {
                let projection_color = if text.projection_meets { green } else { red };
                let mut entries: Vec<(&str, RGBColor, bool)> = vec![(&text.observed, green, false)];
                if !trajectory.is_empty() {
                    entries.push((&text.trajectory, grey, false));
                }
                if !projection.is_empty() {
                    entries.push((&text.projection, projection_color, false));
                }
                if !targets.is_empty() {
                    entries.push((&text.targets, RGBColor(0, 0, 0), true));
                }
                let (left, bottom) = chart.backend_coord(&(from, y0));
                let (right, _) = chart.backend_coord(&(to, y0));
                for (i, (label, color, cross)) in entries.into_iter().enumerate() {
                    let y = bottom + 30 + i as i32 * (size as i32 + 6) + size as i32 / 2;
                    let (swatch, text_x, anchor) = if text.rtl {
                        (right - 20, right - 26, HPos::Right)
                    } else {
                        (left, left + 26, HPos::Left)
                    };
                    if cross {
                        root.draw(&Cross::new(
                            (swatch + 10, y),
                            5,
                            ShapeStyle::from(&color).stroke_width(2),
                        ))?;
                    } else {
                        root.draw(&PathElement::new(
                            [(swatch, y), (swatch + 20, y)],
                            color.stroke_width(3),
                        ))?;
                    }
                    root.draw(&Text::new(
                        label.to_string(),
                        (text_x, y),
                        TextStyle::from(font.clone()).pos(Pos::new(anchor, VPos::Center)),
                    ))?;
                }
            } else {
                chart
                    .configure_series_labels()
                    .position(legend_corner(&lines, (x0.floor(), x1.ceil()), (y0, y1), text.rtl))
                    .background_style(WHITE.mix(0.85))
                    .border_style(RGBColor(200, 200, 200))
                    .label_font(font.clone())
                    .draw()?;
            }
            root.present()?;
            Ok(())
        })();
        if drawn.is_err() {
            return String::new();
        }
    }
    titled(&svg, frame.id, "chart", &text.title, &text.description)
}

/// The projection at the observed pace: a straight line from the latest value
/// (`last`, already signed), flat from where it meets the quantity's bound.
fn projection_line(
    result: &md2030_analytics::indicator::IndicatorResult,
    last: (f64, f64),
    sign: f64,
) -> Vec<(f64, f64)> {
    match result.judgment() {
        Some(j) if j.verdict.is_none() => {
            let end = (j.target.year, sign * j.projection);
            let unbounded = j.latest.value + j.pace_observed * (j.target.year - j.latest.year);
            if (unbounded - j.projection).abs() > 1e-9 && j.pace_observed.abs() > f64::EPSILON {
                let hit = j.latest.year + (j.projection - j.latest.value) / j.pace_observed;
                vec![last, (hit, sign * j.projection), end]
            } else {
                vec![last, end]
            }
        }
        _ => Vec::new(),
    }
}

/// The drawing's ranges (x0, x1, y0, y1) around every point, padded; a flat series
/// still gets a readable value axis around its value; a rank's axis stops at 0.
fn bounds(points: impl Iterator<Item = (f64, f64)>, inverted: bool) -> (f64, f64, f64, f64) {
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (x, y) in points {
        (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
    }
    if (x1 - x0).abs() < 1.0 {
        (x0, x1) = (x0 - 1.0, x1 + 1.0);
    }
    let span = y1 - y0;
    let pad = if span > f64::EPSILON { span * 0.08 } else { (y1.abs() * 0.05).max(1.0) };
    let (y0, y1) = if inverted {
        (y0 - pad, (y1 + pad).min(0.0))
    } else {
        (if y0 >= 0.0 { (y0 - pad).max(0.0) } else { y0 - pad }, y1 + pad)
    };
    (x0, x1, y0, y1)
}

/// The chart's SVG with its title and description for screen readers, named
/// `ID-title` and `ID-desc` (`id` escaped already), and its CSS class.
fn titled(svg: &str, id: &str, class: &str, title: &str, description: &str) -> String {
    compact(&settle_text(svg))
        .replacen(
            "<svg ",
            &format!(
                "<svg role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" class=\"{class}\" direction=\"ltr\" font-family=\"{FONT_FAMILY}\" "
            ),
            1,
        )
        .replacen(
            '>',
            &format!(
                "><title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
                escape_xml(title),
                escape_xml(description)
            ),
            1,
        )
}

/// The font every chart's text is set in, named once on the `<svg>` element.
const FONT_FAMILY: &str = "DejaVu Sans, Noto Sans, Noto Naskh Arabic, sans-serif";

/// Plotters' SVG without what it repeats on every element: the font family (named
/// once on the root, which its text inherits), `opacity="1"` (the default), and
/// font sizes to 15 decimals (2 are plenty). About a third fewer bytes; the same
/// drawing.
fn compact(svg: &str) -> String {
    let mut out =
        svg.replace(&format!(" font-family=\"{FONT_FAMILY}\""), "").replace(" opacity=\"1\"", "");
    // font-size="10.483870967741936" -> font-size="10.48"
    let mut rounded = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(at) = rest.find("font-size=\"") {
        let start = at + "font-size=\"".len();
        rounded.push_str(&rest[..start]);
        let end = rest[start..].find('"').map_or(rest.len(), |e| start + e);
        match rest[start..end].parse::<f64>() {
            Ok(size) => rounded.push_str(&format!("{}", (size * 100.0).round() / 100.0)),
            Err(_) => rounded.push_str(&rest[start..end]),
        }
        rest = &rest[end..];
    }
    rounded.push_str(rest);
    out = rounded;
    out
}

/// Plotters' SVG text, made to lay out the same in every renderer: each label's
/// `dy="0.76em"` (its top alignment) folded into `y`, and the newlines plotters puts
/// around each label's text removed. A relative `dy` applies to the first
/// character only; the PDF's SVG renderer (typst) then shaped that character on its
/// own, so an Arabic label lost its initial alef ("لمسار" for "المسار"), which
/// browsers do not show.
fn settle_text(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(at) = rest.find("<text ") {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find('>') else { break };
        let tag = &rest[..end];
        out.push_str(&settle_tag(tag));
        out.push('>');
        rest = &rest[end + 1..];
        // The text itself, without the newline plotters writes on each side.
        let close = rest.find("</text>").unwrap_or(rest.len());
        out.push_str(rest[..close].trim_matches('\n'));
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

/// A `<text …` opening tag (without its `>`) with a `dy` in `em` folded into `y`.
fn settle_tag(tag: &str) -> String {
    let attribute = |name: &str| -> Option<(usize, usize, &str)> {
        let key = format!(" {name}=\"");
        let start = tag.find(&key)?;
        let value_start = start + key.len();
        let value_end = value_start + tag[value_start..].find('"')?;
        Some((start, value_end + 1, &tag[value_start..value_end]))
    };
    let (Some(dy), Some(y), Some(size)) = (attribute("dy"), attribute("y"), attribute("font-size"))
    else {
        return tag.to_string();
    };
    let (Some(em), Ok(y_value), Ok(size_value)) = (
        dy.2.strip_suffix("em").and_then(|v| v.parse::<f64>().ok()),
        y.2.parse::<f64>(),
        size.2.parse::<f64>(),
    ) else {
        return tag.to_string();
    };
    let settled = format!(" y=\"{:.2}\"", y_value + em * size_value);
    // Replace y and drop dy, the later one first so the earlier offsets hold.
    let mut edits = [(y.0, y.1, settled), (dy.0, dy.1, String::new())];
    edits.sort_by_key(|edit| std::cmp::Reverse(edit.0));
    let mut tag = tag.to_string();
    for (start, end, with) in edits {
        tag.replace_range(start..end, &with);
    }
    tag
}

/// Where each region sits on the tile map: (column, row), north at the top, the
/// Atlantic coast on the left, in the layout of the national map.
pub const REGION_TILES: [(&str, u32, u32); 12] = [
    ("01", 1, 0),
    ("04", 0, 1),
    ("03", 1, 1),
    ("02", 2, 1),
    ("06", 0, 2),
    ("05", 1, 2),
    ("08", 2, 2),
    ("07", 0, 3),
    ("09", 1, 3),
    ("10", 0, 4),
    ("11", 0, 5),
    ("12", 0, 6),
];

/// One tile of the map: region code, name, the value as written, and its share of
/// the range between the lowest and the highest region (0–1), if it has a value.
#[derive(Debug, Clone)]
pub struct Tile {
    pub code: String,
    pub name: String,
    pub label: String,
    pub level: Option<f64>,
    pub lagging: bool,
}

/// The tile map of the 12 regions, shaded from light (lowest) to dark green
/// (highest); the lagging region is outlined in red. Text elements, escaped.
pub fn tile_map(tiles: &[Tile], title: &str, description: &str) -> String {
    const W: u32 = 190;
    const H: u32 = 62;
    const GAP: u32 = 6;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"map-title map-desc\" class=\"tilemap\" viewBox=\"0 0 {} {}\" direction=\"ltr\"><title id=\"map-title\">{}</title><desc id=\"map-desc\">{}</desc>",
        3 * (W + GAP),
        7 * (H + GAP),
        escape_xml(title),
        escape_xml(description)
    );
    for (code, column, row) in REGION_TILES {
        let Some(tile) = tiles.iter().find(|t| t.code == code) else { continue };
        let (x, y) = (column * (W + GAP), row * (H + GAP));
        let fill = shade(tile.level);
        let ink = if tile.level.is_some_and(|l| l > 0.55) { "#ffffff" } else { "#1d1d1b" };
        let stroke = if tile.lagging {
            "stroke=\"#c1272d\" stroke-width=\"4\""
        } else {
            "stroke=\"#ffffff\""
        };
        svg.push_str(&format!(
            "<g data-region=\"{code}\"><rect x=\"{x}\" y=\"{y}\" width=\"{W}\" height=\"{H}\" rx=\"6\" fill=\"{fill}\" {stroke}/>\
             <text x=\"{}\" y=\"{}\" font-size=\"13\" fill=\"{ink}\" font-family=\"DejaVu Sans, Noto Sans, Noto Naskh Arabic, sans-serif\">{}</text>\
             <text x=\"{}\" y=\"{}\" font-size=\"17\" font-weight=\"bold\" fill=\"{ink}\" font-family=\"DejaVu Sans, Noto Sans, sans-serif\">{}</text></g>",
            x + 8,
            y + 22,
            escape_xml(&tile.name),
            x + 8,
            y + 48,
            escape_xml(&tile.label)
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// The map colour of a level between the lowest (0) and the highest region (1):
/// from #d7f0e3 to #006241; light grey without a value.
pub fn shade(level: Option<f64>) -> String {
    match level {
        Some(level) => {
            let mix = |a: f64, b: f64| (a + (b - a) * level.clamp(0.0, 1.0)).round() as u8;
            format!("#{:02x}{:02x}{:02x}", mix(215.0, 0.0), mix(240.0, 98.0), mix(227.0, 65.0))
        }
        None => "#eeeeee".to_string(),
    }
}

/// Texts of the choropleth besides the regions': title, and the legend's ends.
#[derive(Debug, Clone)]
pub struct MapText {
    pub title: String,
    pub description: String,
    pub low: String,
    pub high: String,
    pub no_value: String,
}

/// The choropleth of the regions drawn from stored outlines: each region shaded like
/// its tile, the lagging region outlined in red, the value written at the centroid
/// of its largest polygon, the name and value in each region's tooltip, and a
/// legend from the lowest to the highest value. Regions without an outline are
/// listed under the map by the page. Text elements, escaped.
pub fn choropleth(
    outlines: &md2030_results::outlines::Outlines,
    tiles: &[Tile],
    text: &MapText,
) -> String {
    const FONT: &str = "DejaVu Sans, Noto Sans, Noto Naskh Arabic, sans-serif";
    let width = md2030_results::outlines::MAP_WIDTH;
    let legend_y = outlines.height + 24.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"map-title map-desc\" class=\"choropleth\" viewBox=\"-10 -10 {} {}\" direction=\"ltr\" data-boundaries=\"{}\"><title id=\"map-title\">{}</title><desc id=\"map-desc\">{}</desc>",
        width + 20.0,
        legend_y + 52.0,
        escape_xml(&outlines.version_id),
        escape_xml(&text.title),
        escape_xml(&text.description)
    );
    let mut labels = String::new();
    // The lagging region is drawn last so its red outline is not covered.
    let mut order: Vec<&Tile> = tiles.iter().collect();
    order.sort_by_key(|t| t.lagging);
    for tile in order {
        let Some(d) = outlines.paths.get(&tile.code) else { continue };
        let stroke = if tile.lagging {
            "stroke=\"#c1272d\" stroke-width=\"3\""
        } else {
            "stroke=\"#ffffff\" stroke-width=\"1\""
        };
        svg.push_str(&format!(
            "<g data-region=\"{}\"><path d=\"{d}\" fill=\"{}\" fill-rule=\"evenodd\" stroke-linejoin=\"round\" {stroke}><title>{} : {}</title></path></g>",
            escape_xml(&tile.code),
            shade(tile.level),
            escape_xml(&tile.name),
            escape_xml(&tile.label),
        ));
        if let Some(&(x, y)) = outlines.anchors.get(&tile.code) {
            labels.push_str(&format!(
                "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"middle\" dominant-baseline=\"middle\" font-size=\"13\" font-weight=\"bold\" fill=\"#1d1d1b\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\" font-family=\"{FONT}\">{}</text>",
                escape_xml(&tile.label)
            ));
        }
    }
    svg.push_str(&labels);
    // Legend: a gradient from the lowest to the highest value, and "no value".
    svg.push_str(&format!(
        "<defs><linearGradient id=\"map-scale\"><stop offset=\"0\" stop-color=\"{}\"/><stop offset=\"1\" stop-color=\"{}\"/></linearGradient></defs>\
         <g class=\"legend\" font-family=\"{FONT}\" font-size=\"12\" fill=\"#1d1d1b\">\
         <rect x=\"0\" y=\"{legend_y:.1}\" width=\"200\" height=\"12\" fill=\"url(#map-scale)\" stroke=\"#999999\" stroke-width=\"0.5\"/>\
         <text x=\"0\" y=\"{:.1}\">{}</text><text x=\"200\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
         <rect x=\"240\" y=\"{legend_y:.1}\" width=\"24\" height=\"12\" fill=\"#eeeeee\" stroke=\"#999999\" stroke-width=\"0.5\"/>\
         <text x=\"270\" y=\"{:.1}\">{}</text></g>",
        shade(Some(0.0)),
        shade(Some(1.0)),
        legend_y + 28.0,
        escape_xml(&text.low),
        legend_y + 28.0,
        escape_xml(&text.high),
        legend_y + 11.0,
        escape_xml(&text.no_value),
    ));
    svg.push_str("</svg>");
    svg
}

/// One bar of a breakdown chart.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    /// The value as written in the page's language.
    pub text: String,
    /// Morocco among its peers: when any bar is highlighted, it keeps the green and
    /// its name is bold, the others turn grey.
    pub highlight: bool,
}

/// Texts of a breakdown chart: title, description, and the reference lines.
#[derive(Debug, Clone)]
pub struct BarText {
    pub title: String,
    pub description: String,
    /// National value, drawn as a dashed line: its name and the value as written.
    pub national: Option<(f64, String, String)>,
    /// Target, drawn as a red line: its name and the value as written.
    pub target: Option<(f64, String, String)>,
}

/// Horizontal bars, one per member in the order given, with the national value
/// (dashed) and the target (red) as vertical lines. Right to left (`rtl`): the
/// names sit on the right and the bars grow leftwards, as Arabic reads. Text
/// elements, escaped; the chart's `id` prefixes its title and description ids.
/// For a phone (`narrow`): 340 wide, larger type, names shortened to 14 characters
/// in a narrower column, so that no text is under 11 px on screen.
pub fn bar_chart(bars: &[Bar], text: &BarText, id: &str, rtl: bool, narrow: bool) -> String {
    if bars.is_empty() {
        return String::new();
    }
    const ROW: u32 = 26;
    // Font sizes as for the line chart: 16 on a phone (12.9 CSS px), 13 elsewhere.
    let (width, name_area, name_chars, size) =
        if narrow { (340, 130, 14, 16) } else { (720, 230, 34, 13) };
    let font = "DejaVu Sans, Noto Sans, Noto Naskh Arabic, sans-serif";
    let height = ROW * bars.len() as u32 + 48;
    let lines = text.national.iter().chain(&text.target).map(|(v, _, _)| *v);
    let all = bars.iter().map(|b| b.value).chain(lines);
    let (lo, hi) = all.fold((0.0f64, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let hi = if hi <= lo { lo + 1.0 } else { hi + (hi - lo) * 0.18 };
    let n = bars.len() as f64;
    let (green, red, ink) = (GREEN_LINE, RED_LINE, RGBColor(29, 29, 27));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let drawn = (|| -> Result<(), Box<dyn std::error::Error>> {
            root.fill(&WHITE)?;
            let mut builder = ChartBuilder::on(&root);
            builder.margin(10).margin_top(34);
            if rtl {
                builder.right_y_label_area_size(name_area);
            } else {
                builder.y_label_area_size(name_area);
            }
            let x_range = if rtl { hi..lo } else { lo..hi };
            let mut chart = builder.build_cartesian_2d(x_range, 0.0..n)?;
            // No axes: each bar carries its value; light vertical lines guide the eye.
            chart
                .configure_mesh()
                .disable_y_mesh()
                .disable_axes()
                .x_labels(6)
                .max_light_lines(0)
                .bold_line_style(RGBColor(235, 235, 235))
                .draw()?;
            let row_y = |i: usize| n - i as f64 - 1.0;
            let any_highlight = bars.iter().any(|b| b.highlight);
            chart.draw_series(bars.iter().enumerate().map(|(i, bar)| {
                let y = row_y(i);
                let fill = if bar.highlight || !any_highlight { green } else { PEER_GREY };
                Rectangle::new([(0.0f64.max(lo), y + 0.18), (bar.value, y + 0.82)], fill.filled())
            }))?;
            let name_style = TextStyle::from((font, size).into_font()).color(&ink);
            let (name_pos, value_pos) = if rtl {
                (Pos::new(HPos::Left, VPos::Center), Pos::new(HPos::Right, VPos::Center))
            } else {
                (Pos::new(HPos::Right, VPos::Center), Pos::new(HPos::Left, VPos::Center))
            };
            let plot = chart.plotting_area();
            let (x_px, _) = plot.get_pixel_range();
            let name_x = if rtl { x_px.end + 8 } else { x_px.start - 8 };
            for (i, bar) in bars.iter().enumerate() {
                let y = row_y(i);
                let (_, y_px) = chart.backend_coord(&(0.0, y + 0.5));
                let style = if bar.highlight {
                    TextStyle::from((font, size).into_font().style(FontStyle::Bold)).color(&ink)
                } else {
                    name_style.clone()
                };
                root.draw(&Text::new(
                    shorten_label(&bar.label, name_chars),
                    (name_x, y_px),
                    style.pos(name_pos),
                ))?;
                let (bar_end, _) = chart.backend_coord(&(bar.value, y + 0.5));
                let offset = if rtl { -6 } else { 6 };
                root.draw(&Text::new(
                    bar.text.clone(),
                    (bar_end + offset, y_px),
                    name_style.clone().pos(value_pos),
                ))?;
            }
            for (line, color, dashed) in [(&text.national, ink, true), (&text.target, red, false)] {
                let Some((value, name, written)) = line else { continue };
                let (x, top) = chart.backend_coord(&(*value, n));
                let (_, bottom) = chart.backend_coord(&(*value, 0.0));
                if dashed {
                    let mut y = top;
                    while y < bottom {
                        root.draw(&PathElement::new(
                            [(x, y), (x, (y + 5).min(bottom))],
                            color.stroke_width(2),
                        ))?;
                        y += 9;
                    }
                } else {
                    root.draw(&PathElement::new([(x, top), (x, bottom)], color.stroke_width(2)))?;
                }
                // Name and value as two text elements on either side of the line
                // (one script each), the name first in the reading direction.
                let label_y = if dashed { top - 22 } else { top - 8 };
                let style = TextStyle::from((font, size - 1).into_font()).color(&color);
                let (name_at, value_at) = if rtl {
                    ((x + 3, HPos::Left), (x - 3, HPos::Right))
                } else {
                    ((x - 3, HPos::Right), (x + 3, HPos::Left))
                };
                root.draw(&Text::new(
                    name.clone(),
                    (name_at.0, label_y),
                    style.clone().pos(Pos::new(name_at.1, VPos::Center)),
                ))?;
                root.draw(&Text::new(
                    written.clone(),
                    (value_at.0, label_y),
                    style.pos(Pos::new(value_at.1, VPos::Center)),
                ))?;
            }
            root.present()?;
            Ok(())
        })();
        if drawn.is_err() {
            return String::new();
        }
    }
    titled(&svg, &escape_xml(id), "chart bars", &text.title, &text.description)
}

/// `label` cut to `max` characters with an ellipsis (the full name is in the table).
fn shorten_label(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        return label.to_string();
    }
    let mut short: String = label.chars().take(max - 1).collect();
    short = short.trim_end().to_string();
    short.push('…');
    short
}

/// The corner of the plot for the legend: the first, in reading order (top left
/// for left-to-right, top right for Arabic, then the other top corner, then the
/// bottom ones), that no line crosses. The legend box is taken as 35 % of the
/// width and 25 % of the height.
fn legend_corner(
    lines: &[&[(f64, f64)]],
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    rtl: bool,
) -> SeriesLabelPosition {
    let (w, h) = ((x1 - x0) * 0.35, (y1 - y0) * 0.25);
    let inside = |left: bool, upper: bool, (x, y): (f64, f64)| {
        let in_x = if left { x <= x0 + w } else { x >= x1 - w };
        let in_y = if upper { y >= y1 - h } else { y <= y0 + h };
        in_x && in_y
    };
    // Points along every segment, so a line crossing a corner is seen.
    let samples: Vec<(f64, f64)> = lines
        .iter()
        .flat_map(|line| {
            line.windows(2).flat_map(|pair| {
                let ((ax, ay), (bx, by)) = (pair[0], pair[1]);
                (0..=20).map(move |i| {
                    let t = f64::from(i) / 20.0;
                    (ax + (bx - ax) * t, ay + (by - ay) * t)
                })
            })
        })
        .chain(lines.iter().flat_map(|line| line.iter().copied()))
        .collect();
    let order = if rtl {
        [(false, true), (true, true), (false, false), (true, false)]
    } else {
        [(true, true), (false, true), (true, false), (false, false)]
    };
    let (left, upper) = order
        .into_iter()
        .find(|&(left, upper)| !samples.iter().any(|&p| inside(left, upper, p)))
        .unwrap_or(order[0]);
    match (left, upper) {
        (true, true) => SeriesLabelPosition::UpperLeft,
        (false, true) => SeriesLabelPosition::UpperRight,
        (true, false) => SeriesLabelPosition::LowerLeft,
        (false, false) => SeriesLabelPosition::LowerRight,
    }
}

/// Every how many years the time axis names a year, so that it names at most
/// `most`: 1, 2, 5, 10 or 20.
fn year_label_step(years: i32, most: usize) -> i32 {
    [1, 2, 5, 10, 20].into_iter().find(|step| (years / step) as usize <= most.max(1)).unwrap_or(20)
}

/// The value of attribute `name` in an opening tag.
pub fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let pattern = format!(" {name}=\"");
    let start = tag.find(&pattern)? + pattern.len();
    let end = tag[start..].find('"')? + start;
    Some(&tag[start..end])
}

/// One entry of a framed chart's legend: a swatch (fill, outline) and its label.
#[derive(Debug, Clone)]
pub struct Swatch {
    pub fill: String,
    pub stroke: Option<String>,
    pub label: String,
}

/// A chart made to travel alone (the SVG and PNG downloads): the chart under its
/// title, with notes beneath (sources and versions, the sample-data warning in
/// red). `rtl` aligns the texts to the right.
pub fn framed(chart: &str, title: &str, notes: &[(String, bool)], rtl: bool) -> String {
    framed_with(chart, title, &[], notes, rtl)
}

/// [`framed`] with a legend between the chart and the notes, one swatch per line
/// (the map's classes, which a downloaded map must carry with it).
pub fn framed_with(
    chart: &str,
    title: &str,
    legend: &[Swatch],
    notes: &[(String, bool)],
    rtl: bool,
) -> String {
    const W: f64 = 720.0;
    const PAD: f64 = 16.0;
    let Some(open_end) = chart.find('>') else { return String::new() };
    let (open, rest) = chart.split_at(open_end);
    let view_box: Vec<f64> = attribute(open, "viewBox")
        .map(|v| v.split_whitespace().filter_map(|n| n.parse().ok()).collect())
        .unwrap_or_default();
    let (vw, vh) = match view_box.as_slice() {
        [_, _, w, h] if *w > 0.0 => (*w, *h),
        _ => return String::new(),
    };
    let height = W * vh / vw;
    // The inner chart keeps its viewBox and takes its place in the frame.
    let mut inner_open = open.to_string();
    for name in ["width", "height"] {
        let pattern = format!(" {name}=\"");
        if let Some(start) = inner_open.find(&pattern)
            && let Some(len) = inner_open[start + pattern.len()..].find('"')
        {
            inner_open.replace_range(start..start + pattern.len() + len + 1, "");
        }
    }
    let inner_open = inner_open.replacen(
        "<svg ",
        &format!("<svg x=\"{PAD}\" y=\"48\" width=\"{W}\" height=\"{height:.1}\" "),
        1,
    );
    let total_w = W + 2.0 * PAD;
    const LEGEND_LINE: f64 = 20.0;
    let legend_h = if legend.is_empty() { 0.0 } else { LEGEND_LINE * legend.len() as f64 + 8.0 };
    let total_h = 48.0 + height + legend_h + 12.0 + 18.0 * notes.len() as f64 + 8.0;
    // Right to left: texts end at the right edge, and a right-to-left mark after
    // each keeps its closing punctuation on the left (the drawing's own direction
    // stays ltr, which resvg and browsers both anchor the same way).
    let (x, anchor, close) =
        if rtl { (total_w - PAD, "end", "\u{200F}") } else { (PAD, "start", "") };
    let font = "DejaVu Sans, Noto Sans, Noto Naskh Arabic, sans-serif";
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{total_w}\" height=\"{total_h:.1}\" viewBox=\"0 0 {total_w} {total_h:.1}\" direction=\"ltr\">\
         <rect width=\"{total_w}\" height=\"{total_h:.1}\" fill=\"#ffffff\"/>\
         <text x=\"{x}\" y=\"30\" text-anchor=\"{anchor}\" font-family=\"{font}\" font-size=\"17\" font-weight=\"bold\" fill=\"#1d1d1b\">{}</text>",
        escape_xml(&format!("{title}{close}"))
    );
    out.push_str(&inner_open);
    out.push_str(rest);
    for (i, swatch) in legend.iter().enumerate() {
        let top = 48.0 + height + 10.0 + LEGEND_LINE * i as f64;
        let box_x = if rtl { total_w - PAD - 14.0 } else { PAD };
        let label_x = if rtl { total_w - PAD - 22.0 } else { PAD + 22.0 };
        let stroke = match &swatch.stroke {
            Some(color) => format!(" stroke=\"{}\" stroke-width=\"2.5\"", escape_xml(color)),
            None => " stroke=\"#b8bcc2\" stroke-width=\"0.5\"".to_string(),
        };
        out.push_str(&format!(
            "<rect x=\"{box_x}\" y=\"{top:.1}\" width=\"14\" height=\"14\" rx=\"2\" fill=\"{}\"{stroke}/>\
             <text x=\"{label_x}\" y=\"{:.1}\" text-anchor=\"{anchor}\" font-family=\"{font}\" font-size=\"12\" fill=\"#1d1d1b\">{}</text>",
            escape_xml(&swatch.fill),
            top + 11.5,
            escape_xml(&format!("{}{close}", swatch.label))
        ));
    }
    for (i, (note, warning)) in notes.iter().enumerate() {
        let y = 48.0 + height + legend_h + 24.0 + 18.0 * i as f64;
        let (color, weight) = if *warning { ("#c1272d", "bold") } else { ("#555555", "normal") };
        out.push_str(&format!(
            "<text x=\"{x}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" font-family=\"{font}\" font-size=\"12\" font-weight=\"{weight}\" fill=\"{color}\">{}</text>",
            escape_xml(&format!("{note}{close}"))
        ));
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_offsets_are_folded_into_y_and_newlines_dropped() {
        // y 27 + 0.76 em of 10.5 = 27 + 7.98 = 34.98.
        let svg = "<g><text x=\"69\" y=\"27\" dy=\"0.76em\" text-anchor=\"start\" font-size=\"10.5\">\nالمسار\n</text>\n<text x=\"1\" y=\"2\">\n12\n</text></g>";
        assert_eq!(
            settle_text(svg),
            "<g><text x=\"69\" y=\"34.98\" text-anchor=\"start\" font-size=\"10.5\">المسار</text>\n<text x=\"1\" y=\"2\">12</text></g>"
        );
    }

    fn obs(period: &str, value: f64) -> Observation {
        Observation { period: period.into(), value }
    }

    #[test]
    fn a_sparkline_is_svg_with_an_escaped_title() {
        let svg = sparkline(&[obs("2023", 1.0), obs("2024", 3.0)], "<script>alert(1)</script>");
        assert!(svg.starts_with("<svg role=\"img\""), "{svg}");
        assert!(svg.contains("<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>"));
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("<polyline") || svg.contains("<path"), "{svg}");
        assert!(sparkline(&[obs("2023", 1.0)], "one point").is_empty());
    }

    #[test]
    fn the_legend_goes_to_a_free_corner_in_reading_order() {
        let rising: &[(f64, f64)] = &[(0.0, 0.0), (10.0, 10.0)];
        let (xs, ys) = ((0.0, 10.0), (0.0, 10.0));
        // A line from bottom left to top right leaves the top left free.
        assert!(matches!(legend_corner(&[rising], xs, ys, false), SeriesLabelPosition::UpperLeft));
        assert!(matches!(legend_corner(&[rising], xs, ys, true), SeriesLabelPosition::UpperLeft));
        let falling: &[(f64, f64)] = &[(0.0, 10.0), (10.0, 0.0)];
        assert!(matches!(legend_corner(&[falling], xs, ys, true), SeriesLabelPosition::UpperRight));
        assert!(matches!(
            legend_corner(&[falling], xs, ys, false),
            SeriesLabelPosition::UpperRight
        ));
        let flat_top: &[(f64, f64)] = &[(0.0, 9.5), (10.0, 9.5)];
        assert!(matches!(
            legend_corner(&[flat_top], xs, ys, true),
            SeriesLabelPosition::LowerRight
        ));
    }

    #[test]
    fn a_framed_chart_has_its_title_notes_and_the_chart_at_full_width() {
        let chart = "<svg role=\"img\" width=\"720\" height=\"360\" viewBox=\"0 0 720 360\" xmlns=\"http://www.w3.org/2000/svg\"><rect/></svg>";
        let notes = [("Source: talent@v2".to_string(), false), ("<sample>".to_string(), true)];
        let svg = framed(chart, "Title & more", &notes, false);
        // 48 (title) + 360 (chart) + 12 + 2 x 18 (notes) + 8 = 464 high, 752 wide.
        assert!(
            svg.starts_with(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"752\" height=\"464.0\""
            ),
            "{svg}"
        );
        assert!(svg.contains("<svg x=\"16\" y=\"48\" width=\"720\" height=\"360.0\" role=\"img\" viewBox=\"0 0 720 360\""), "{svg}");
        assert!(svg.contains(">Title &amp; more</text>") && svg.contains(">&lt;sample&gt;</text>"));
        assert!(svg.contains("fill=\"#c1272d\">&lt;sample&gt;"));
        // A map with a viewBox only is scaled to the frame's width.
        let map = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"-10 -10 580 290\"></svg>";
        assert!(framed(map, "t", &[], true).contains("width=\"720\" height=\"360.0\""));
        assert!(framed(map, "t", &[], true).contains("text-anchor=\"end\""));
    }

    fn chart_text() -> ChartText {
        ChartText {
            title: "t".into(),
            description: "d".into(),
            observed: "o".into(),
            trajectory: "t".into(),
            projection: "p".into(),
            targets: "c".into(),
            projection_meets: false,
            inverted: false,
            rtl: false,
        }
    }

    /// The x of a text element's anchor, by its content.
    fn text_x(svg: &str, content: &str) -> f64 {
        let end = svg.find(&format!(">{content}</text>")).unwrap_or_else(|| panic!("no {content}"));
        let open = svg[..end].rfind("<text").unwrap();
        attribute(&svg[open..end], "x").unwrap().parse().unwrap()
    }

    #[test]
    fn a_quarter_sits_inside_the_band_of_its_year_and_the_target_year_is_marked() {
        // Eight quarters, 2024-Q1 to 2025-Q4: 2025-Q2 ends mid-2025, so its point
        // lies between the middle of the band named 2025 (its label) and the
        // line that closes 2025, which is half a band further.
        let catalog = md2030_analytics::catalog::Catalog::compiled_in().unwrap();
        let indicator = catalog.indicator("offshoring_jobs").unwrap();
        let quarters = [
            "2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4",
        ];
        let series: Vec<_> = quarters
            .iter()
            .enumerate()
            .map(|(i, q)| obs(q, 140_000.0 + 1000.0 * i as f64))
            .collect();
        let result = md2030_analytics::indicator::assess_series(
            &catalog,
            indicator,
            series,
            chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        );
        let svg = indicator_chart(&result, &[], &chart_text(), &|v| format!("{v:.0}"));
        let (x2025, x2026) = (text_x(&svg, "2025"), text_x(&svg, "2026"));
        let half = (x2026 - x2025) / 2.0;
        let circles: Vec<f64> = svg
            .split("<circle")
            .skip(1)
            .filter_map(|c| attribute(c, "cx").and_then(|x| x.parse().ok()))
            .collect();
        assert_eq!(circles.len(), 8, "{svg}");
        // Q1..Q4 of 2025 are the last four points: Q2 at a quarter... half a band
        // past the label's middle, Q4 on the closing line.
        let q2 = circles[5];
        assert!(q2 > x2025 - 1.0 && q2 < x2025 + half * 0.2, "Q2 at {q2}, 2025 at {x2025}");
        assert!((circles[7] - (x2025 + half)).abs() < 1.5, "Q4 at {}", circles[7]);
        // The 2026 milestone and the 2030 target of offshoring jobs are marked: each
        // year is named twice, on the time axis and on top of its dashed line.
        assert_eq!(svg.matches(">2026</text>").count(), 2, "{svg}");
        assert_eq!(svg.matches(">2030</text>").count(), 2, "{svg}");
        assert_eq!(svg.matches(">2029</text>").count(), 1, "{svg}");
    }

    #[test]
    fn the_indicator_chart_escapes_every_label() {
        let catalog = md2030_analytics::catalog::Catalog::compiled_in().unwrap();
        let indicator = catalog.indicator("offshoring_jobs").unwrap();
        let result = md2030_analytics::indicator::assess_series(
            &catalog,
            indicator,
            vec![obs("2022-Q4", 130_000.0), obs("2024-Q4", 148_500.0)],
            chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(),
        );
        let hostile = "<script>alert(1)</script> & \"quotes\"";
        let text = ChartText {
            title: hostile.into(),
            description: hostile.into(),
            observed: hostile.into(),
            ..chart_text()
        };
        let svg = indicator_chart(&result, &[], &text, &|v| format!("{v}"));
        assert!(svg.contains("<title id=\"chart-title\">&lt;script&gt;"), "{svg}");
        assert!(!svg.contains("<script"), "a label reached the SVG unescaped");
        // Observed line, trajectory and the dashed projection to 2030 are drawn.
        assert!(svg.matches("<polyline").count() + svg.matches("<path").count() >= 3);
    }

    #[test]
    fn a_flat_series_gets_a_value_axis_around_its_value() {
        // 2 602 procedures in both quarters: the axis spans 2 602 ± 5 % (130.1),
        // so tick labels between 2 500 and 2 700 are drawn.
        let catalog = md2030_analytics::catalog::Catalog::compiled_in().unwrap();
        let indicator = catalog.indicator("procedures_published_idarati").unwrap();
        let result = md2030_analytics::indicator::assess_series(
            &catalog,
            indicator,
            vec![obs("2025-Q3", 2602.0), obs("2025-Q4", 2602.0)],
            chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        );
        let text = chart_text();
        let svg = indicator_chart(&result, &[], &text, &|v| format!("{v:.0}"));
        let labels: Vec<&str> = svg
            .split("<text")
            .skip(1)
            .filter_map(|t| t.split_once('>').and_then(|(_, rest)| rest.split_once("</text>")))
            .map(|(label, _)| label.trim())
            .collect();
        for label in ["2500", "2600", "2700"] {
            assert!(labels.contains(&label), "{label} not on the axis: {labels:?}");
        }
    }
}
