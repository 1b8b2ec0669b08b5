//! Charts as inline SVG, drawn with plotters' SVG backend.

use plotters::prelude::*;

use crate::error::{Error, Result};
use crate::figure::{Figure, Series};

fn plot_err<E: std::fmt::Debug>(e: E) -> Error {
    Error::Chart(format!("drawing a chart: {e:?}"))
}

/// A figure as an `<svg>` element.
pub fn render(figure: &Figure) -> Result<String> {
    line_chart(
        &figure.title,
        &figure.x_label,
        &figure.y_label,
        &figure.series,
    )
}

fn bounds(series: &[Series]) -> (f64, f64, f64, f64) {
    let ends = series.iter().flat_map(|s| {
        s.points
            .iter()
            .zip(&s.intervals)
            .flat_map(|(p, i)| [(p.0, i.0), (p.0, i.1)])
    });
    let pts: Vec<(f64, f64)> = series
        .iter()
        .flat_map(|s| s.points.iter().copied())
        .chain(ends)
        .filter(|p| p.0.is_finite() && p.1.is_finite())
        .collect();
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (x, y) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        return (0.0, 1.0, 0.0, 1.0);
    }
    if x1 - x0 < 1e-12 {
        x1 = x0 + 1.0;
    }
    let pad = ((y1 - y0) * 0.08).max(1e-6);
    (x0, x1, y0 - pad, y1 + pad)
}

/// The upper corner whose box (the outer 45 % of the width, the top 40 % of the height) holds
/// fewer of the lines' points and intervals, so that the legend covers as little data as can be.
fn legend_corner(series: &[Series], (x0, x1, y0, y1): (f64, f64, f64, f64)) -> SeriesLabelPosition {
    let (mut left, mut right) = (0usize, 0usize);
    for s in series {
        // Lines are drawn between points: sample each segment too.
        let pts = s.points.windows(2).flat_map(|w| {
            (0..=8).map(move |k| {
                let t = f64::from(k) / 8.0;
                (
                    w[0].0 + t * (w[1].0 - w[0].0),
                    w[0].1 + t * (w[1].1 - w[0].1),
                )
            })
        });
        let ends = s
            .points
            .iter()
            .zip(&s.intervals)
            .flat_map(|(p, i)| [(p.0, i.0), (p.0, i.1)]);
        for (x, y) in pts.chain(s.points.iter().copied()).chain(ends) {
            let (u, v) = ((x - x0) / (x1 - x0), (y - y0) / (y1 - y0));
            if v > 0.6 {
                if u < 0.45 {
                    left += 1;
                } else if u > 0.55 {
                    right += 1;
                }
            }
        }
    }
    if left < right {
        SeriesLabelPosition::UpperLeft
    } else {
        SeriesLabelPosition::UpperRight
    }
}

/// A line chart; returns the `<svg>` element.
pub fn line_chart(title: &str, x_desc: &str, y_desc: &str, series: &[Series]) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (560, 340)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let (x0, x1, y0, y1) = bounds(series);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 17))
            .margin(12)
            .x_label_area_size(38)
            .y_label_area_size(62)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(plot_err)?;
        // Theory lines are dashed in dark tones, each its own; measured lines take the palette.
        let dark = [BLACK, RGBColor(110, 110, 110), RGBColor(150, 60, 0)];
        let (mut measured, mut theory) = (0, 0);
        for s in series {
            let color = if s.dashed {
                theory += 1;
                dark[(theory - 1) % dark.len()].to_rgba()
            } else {
                measured += 1;
                Palette99::pick(measured - 1).to_rgba()
            };
            let style = color.stroke_width(2);
            let pts: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|p| p.1.is_finite())
                .collect();
            if s.dashed && s.unjoined {
                // A theory value per category: a short dashed bar at each point.
                let half = 0.12 * (x1 - x0);
                let ticks = pts.iter().flat_map(|&(x, y)| {
                    DashedLineSeries::new(vec![(x - half, y), (x + half, y)], 6, 4, style)
                });
                chart
                    .draw_series(ticks)
                    .map_err(plot_err)?
                    .label(s.name.as_str())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
            } else if s.dashed {
                chart
                    .draw_series(DashedLineSeries::new(pts.clone(), 6, 4, style))
                    .map_err(plot_err)?
                    .label(s.name.as_str())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
            } else if s.unjoined {
                chart
                    .draw_series(pts.iter().map(|&p| Circle::new(p, 4, color.filled())))
                    .map_err(plot_err)?
                    .label(s.name.as_str())
                    .legend(move |(x, y)| Circle::new((x + 9, y), 4, color.filled()));
            } else {
                chart
                    .draw_series(LineSeries::new(pts.clone(), style))
                    .map_err(plot_err)?
                    .label(s.name.as_str())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
            }
            if s.markers && !s.unjoined {
                chart
                    .draw_series(pts.iter().map(|&p| Circle::new(p, 3, color.filled())))
                    .map_err(plot_err)?;
            }
            // 95 % intervals as vertical bars.
            let bars = s
                .points
                .iter()
                .zip(&s.intervals)
                .filter(|(p, i)| p.0.is_finite() && i.0.is_finite() && i.1.is_finite())
                .map(|(p, i)| {
                    PathElement::new(vec![(p.0, i.0), (p.0, i.1)], color.stroke_width(1))
                });
            chart.draw_series(bars).map_err(plot_err)?;
        }
        chart
            .configure_series_labels()
            .position(legend_corner(series, (x0, x1, y0, y1)))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .label_font(("sans-serif", 12))
            .draw()
            .map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_is_an_svg_with_one_path_per_series_and_the_legend() {
        let s = vec![
            Series {
                name: "mse".into(),
                points: vec![(0.0, 0.0), (0.1, 0.1), (0.2, 0.19)],
                intervals: vec![(-0.01, 0.01), (0.09, 0.11), (0.17, 0.21)],
                markers: true,
                dashed: false,
                unjoined: false,
            },
            Series::theory("ε·M", vec![(0.0, 0.0), (0.2, 0.2)]),
        ];
        let svg = line_chart("bias", "ε", "bias", &s).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        let texts: Vec<&str> = svg
            .split("</text>")
            .filter_map(|c| c.rsplit('>').next())
            .map(str::trim)
            .collect();
        assert!(
            texts.contains(&"mse") && texts.contains(&"ε·M"),
            "{texts:?}"
        );
        assert!(svg.matches("<polyline").count() + svg.matches("<path").count() >= 2);
    }
}
