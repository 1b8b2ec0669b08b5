//! `denoise score`: the scores of image files against references, as a table, JSON or CSV.

use std::process::ExitCode;

use anyhow::Result;
use denoise_trainer::score::{
    FileMetrics, SCORE_COLUMNS, ScoreChannel, ScoreSettings, ScoreSummary, score,
};

use crate::args::ScoreArgs;

/// Width of the name column.
const NAME: usize = 24;

fn cells(m: &FileMetrics, csv: bool) -> Vec<String> {
    SCORE_COLUMNS
        .iter()
        .map(|c| {
            let v = (c.get)(m);
            if csv {
                format!("{v}")
            } else {
                let w = c.short.chars().count().max(8);
                format!("{:>w$.d$}", v, d = c.decimals)
            }
        })
        .collect()
}

fn print_table(s: &ScoreSummary) {
    println!(
        "{}  (channel {}, crop {}, {} image(s))",
        s.output.display(),
        match s.channel {
            ScoreChannel::Auto => "each file's own",
            c => c.name(),
        },
        s.crop,
        s.images.len()
    );
    let mut header = format!("{:<NAME$}", "image");
    for c in &SCORE_COLUMNS {
        let w = c.short.chars().count().max(8);
        header.push_str(&format!(" {:>w$}", c.short));
    }
    println!("{header}");
    for img in &s.images {
        println!(
            "{:<NAME$} {}",
            img.name,
            cells(&img.metrics, false).join(" ")
        );
    }
    if s.images.len() > 1 {
        println!("{:<NAME$} {}", "mean", cells(&s.mean, false).join(" "));
    }
}

fn csv_quote(field: &str) -> String {
    if field.contains([',', '"', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

fn print_csv(summaries: &[ScoreSummary]) {
    let header: Vec<&str> = SCORE_COLUMNS.iter().map(|c| c.csv).collect();
    println!("output,image,channel,crop,{}", header.join(","));
    for s in summaries {
        let out = csv_quote(&s.output.display().to_string());
        let rows = s
            .images
            .iter()
            .map(|i| (i.name.as_str(), &i.metrics))
            .chain(std::iter::once(("mean", &s.mean)));
        for (name, m) in rows {
            println!(
                "{out},{},{},{},{}",
                csv_quote(name),
                s.channel.name(),
                s.crop,
                cells(m, true).join(",")
            );
        }
    }
}

/// Scores every OUTPUT against the references and prints the result.
pub fn run(args: &ScoreArgs) -> Result<ExitCode> {
    let settings = ScoreSettings {
        channel: args.channel,
        crop: args.crop,
        data_range: args.data_range,
    };
    let summaries = args
        .outputs
        .iter()
        .map(|o| score(o, &args.reference, &settings))
        .collect::<Result<Vec<_>, _>>()?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summaries)?);
    } else if args.csv {
        print_csv(&summaries);
    } else {
        for (i, s) in summaries.iter().enumerate() {
            if i > 0 {
                println!();
            }
            print_table(s);
        }
    }
    Ok(ExitCode::SUCCESS)
}
