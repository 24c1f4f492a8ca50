//! Charts drawn by plotters as SVG text (the browser shapes the labels).

use plotters::prelude::*;

use md2030_analytics::series::Observation;

/// Escapes text for an XML attribute or element.
pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
