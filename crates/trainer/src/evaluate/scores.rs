//! The scores of one output image against its clean truth and the label corruption's oracle, and
//! the one list of their columns ([`COLUMNS`]) that every table, CSV file and mean is made from:
//! `validation.csv`, the report's `results.csv` and run tables, and `denoise eval`.

use denoise_metrics::Sharpness;
use serde::{Deserialize, Serialize};

/// What one output scores.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Scores {
    /// PSNR of the output (dB, range 1).
    pub psnr: f64,
    /// PSNR of the noisy input, for reference.
    pub input_psnr: f64,
    /// SSIM of the output.
    pub ssim: f64,
    /// Mean signed error (output − clean).
    pub bias: f64,
    /// Mean absolute error.
    pub mae: f64,
    /// Sharpness of the output relative to the clean image (1 = as sharp).
    pub sharpness: Sharpness,
    /// Noise left in the output: Immerkær's σ̂ of output − clean (range 1), to read beside the
    /// sharpness ratios, which residual noise inflates ([`denoise_metrics::residual_noise`]).
    /// Records written before it existed read as 0.
    #[serde(default)]
    pub residual_noise: f64,
    /// PSNR of the output against the oracle conditional mean (the MSE optimum).
    pub psnr_vs_mean: f64,
    /// Mean distance of the output to the oracle median set (the L1 optima).
    pub median_distance: f64,
}

/// How a column's values are written in CSV files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notation {
    /// Six decimals (`28.301234`).
    Fixed,
    /// Scientific: every digit in `validation.csv` (`1.2345678e-3`), seven significant digits in
    /// `results.csv` (`1.234568e-3`); for values near zero.
    Scientific,
}

/// Which CSV file a row is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvPrecision {
    /// `validation.csv`: every digit of scientific columns.
    Full,
    /// `results.csv`: seven significant digits.
    Rounded,
}

/// One score: its names, how it is written, and how it is read from and written into [`Scores`].
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Header in CSV files.
    pub csv: &'static str,
    /// Heading in the report's tables.
    pub title: &'static str,
    /// Heading in terminal tables.
    pub short: &'static str,
    /// CSV notation.
    pub notation: Notation,
    /// Decimals in tables.
    pub decimals: usize,
    /// Tables show the sign (signed quantities such as the bias).
    pub signed: bool,
    /// The value of this column.
    pub get: fn(&Scores) -> f64,
    /// Writes the value of this column.
    pub set: fn(&mut Scores, f64),
}

macro_rules! column {
    ($csv:literal, $title:literal, $short:literal, $notation:ident, $decimals:literal, $signed:literal, $($field:ident).+) => {
        Column {
            csv: $csv,
            title: $title,
            short: $short,
            notation: Notation::$notation,
            decimals: $decimals,
            signed: $signed,
            get: |s| s.$($field).+,
            set: |s, v| s.$($field).+ = v,
        }
    };
}

/// Every score, in the order of every table and CSV file.
pub const COLUMNS: [Column; 12] = [
    column!("psnr", "PSNR", "PSNR", Fixed, 2, false, psnr),
    column!(
        "input_psnr",
        "input PSNR",
        "input",
        Fixed,
        2,
        false,
        input_psnr
    ),
    column!("ssim", "SSIM", "SSIM", Fixed, 4, false, ssim),
    column!("bias", "bias", "bias", Scientific, 4, true, bias),
    column!("mae", "MAE", "MAE", Scientific, 4, false, mae),
    column!(
        "tenengrad_ratio",
        "Tenengrad ratio",
        "tenengr.",
        Fixed,
        3,
        false,
        sharpness.tenengrad
    ),
    column!(
        "laplacian_variance_ratio",
        "Laplacian-var. ratio",
        "lap.var.",
        Fixed,
        3,
        false,
        sharpness.laplacian_variance
    ),
    column!(
        "high_frequency_ratio",
        "HF ratio",
        "HF",
        Fixed,
        3,
        false,
        sharpness.high_frequency
    ),
    column!(
        "anti_blur_ratio",
        "anti-blur ratio",
        "anti-blur",
        Fixed,
        3,
        false,
        sharpness.anti_blur
    ),
    column!(
        "residual_noise",
        "residual noise σ̂",
        "noise",
        Scientific,
        4,
        false,
        residual_noise
    ),
    column!(
        "psnr_vs_mean",
        "PSNR vs oracle mean",
        "vs mean",
        Fixed,
        2,
        false,
        psnr_vs_mean
    ),
    column!(
        "median_distance",
        "dist. to median set",
        "to median",
        Scientific,
        4,
        false,
        median_distance
    ),
];

impl Column {
    /// The value as a CSV field.
    pub fn csv_field(&self, value: f64, precision: CsvPrecision) -> String {
        match (self.notation, precision) {
            (Notation::Fixed, _) => format!("{value:.6}"),
            (Notation::Scientific, CsvPrecision::Full) => format!("{value:e}"),
            (Notation::Scientific, CsvPrecision::Rounded) => format!("{value:.6e}"),
        }
    }

    /// The value in a table cell.
    pub fn cell(&self, value: f64) -> String {
        let d = self.decimals;
        if self.signed {
            format!("{value:+.d$}")
        } else {
            format!("{value:.d$}")
        }
    }
}

impl Scores {
    /// The CSV header of the score columns, comma-separated.
    pub fn csv_header() -> String {
        COLUMNS.iter().map(|c| c.csv).collect::<Vec<_>>().join(",")
    }

    /// The scores as comma-separated CSV fields.
    pub fn csv_fields(&self, precision: CsvPrecision) -> String {
        COLUMNS
            .iter()
            .map(|c| c.csv_field((c.get)(self), precision))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The mean of every score over `items` (PSNR averaged in dB, as the literature reports it);
    /// zeros for none.
    pub fn mean<'a>(items: impl IntoIterator<Item = &'a Scores>) -> Scores {
        let items: Vec<&Scores> = items.into_iter().collect();
        let n = items.len().max(1) as f64;
        let mut mean = Scores::default();
        for c in &COLUMNS {
            (c.set)(&mut mean, items.iter().map(|s| (c.get)(s)).sum::<f64>() / n);
        }
        mean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(base: f64) -> Scores {
        let mut s = Scores::default();
        for (i, c) in COLUMNS.iter().enumerate() {
            (c.set)(&mut s, base + i as f64);
        }
        s
    }

    #[test]
    fn every_column_reads_the_field_it_writes_and_no_other() {
        let s = numbered(1.0);
        for (i, c) in COLUMNS.iter().enumerate() {
            assert_eq!((c.get)(&s), 1.0 + i as f64, "{}", c.csv);
        }
        // Each field of Scores is one column: the JSON holds the 12 numbers once each.
        let json = serde_json::to_value(s).unwrap();
        let mut numbers: Vec<f64> = Vec::new();
        fn collect(v: &serde_json::Value, out: &mut Vec<f64>) {
            match v {
                serde_json::Value::Number(n) => out.push(n.as_f64().unwrap()),
                serde_json::Value::Object(m) => m.values().for_each(|v| collect(v, out)),
                _ => {}
            }
        }
        collect(&json, &mut numbers);
        numbers.sort_by(f64::total_cmp);
        assert_eq!(numbers, (1..=12).map(f64::from).collect::<Vec<_>>());
    }

    #[test]
    fn means_and_csv_rows() {
        let m = Scores::mean([&numbered(1.0), &numbered(3.0)]);
        assert_eq!(m, numbered(2.0));
        assert_eq!(Scores::mean([]), Scores::default());
        let header = Scores::csv_header();
        assert_eq!(
            header,
            "psnr,input_psnr,ssim,bias,mae,tenengrad_ratio,laplacian_variance_ratio,\
             high_frequency_ratio,anti_blur_ratio,residual_noise,psnr_vs_mean,median_distance"
        );
        let s = Scores {
            bias: 0.00123456789,
            ..numbered(1.0)
        };
        let full = s.csv_fields(CsvPrecision::Full);
        let rounded = s.csv_fields(CsvPrecision::Rounded);
        assert!(
            full.starts_with("1.000000,2.000000,3.000000,1.23456789e-3,5e0,"),
            "{full}"
        );
        assert!(
            rounded.starts_with("1.000000,2.000000,3.000000,1.234568e-3,5.000000e0,"),
            "{rounded}"
        );
        assert_eq!(COLUMNS[3].cell(0.25), "+0.2500");
        assert_eq!(COLUMNS[0].cell(28.456), "28.46");
    }
}
