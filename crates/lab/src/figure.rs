//! A chart as data: its title, axes and lines. Presets say what to draw; the report draws it.

use crate::stats::Replicates;

/// One line of a chart.
#[derive(Debug, Clone, Default)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// Points in data coordinates.
    pub points: Vec<(f64, f64)>,
    /// The 95 % interval of each point (empty: none drawn), as `(low, high)`.
    pub intervals: Vec<(f64, f64)>,
    /// Draw markers at the points.
    pub markers: bool,
    /// Draw dashed (a theory line).
    pub dashed: bool,
    /// Draw the points without a line between them (categories, not a sweep); a dashed series
    /// so marked is drawn as a short dashed bar at each point (a theory value per category).
    pub unjoined: bool,
}

impl Series {
    /// A measured line: its points (each the mean over seeds) with their intervals.
    pub fn measured(name: impl Into<String>, points: Vec<(f64, &Replicates)>) -> Self {
        let mut s = Self {
            name: name.into(),
            markers: true,
            ..Self::default()
        };
        for (x, reps) in points {
            let values = reps.values();
            if values.is_empty() {
                continue;
            }
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            s.points.push((x, mean));
            let i = reps.interval();
            s.intervals
                .push(i.map_or((mean, mean), |i| (i.low, i.high)));
        }
        s
    }

    /// A theory line (dashed, no markers).
    pub fn theory(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.into(),
            points,
            dashed: true,
            ..Self::default()
        }
    }
}

/// A line chart.
#[derive(Debug, Clone)]
pub struct Figure {
    /// Caption.
    pub title: String,
    /// What the x axis shows.
    pub x_label: String,
    /// What the y axis shows.
    pub y_label: String,
    /// The lines.
    pub series: Vec<Series>,
}
