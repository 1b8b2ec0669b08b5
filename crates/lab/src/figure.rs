//! A chart as data: its title, axes and lines. Presets say what to draw; the report draws it.

/// One line of a chart.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// Points in data coordinates.
    pub points: Vec<(f64, f64)>,
    /// Draw markers at the points.
    pub markers: bool,
    /// Draw dashed (a theory line).
    pub dashed: bool,
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
