//! `report.html`: one self-contained page (inline SVG, embedded PNGs, no network).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use base64::Engine as _;
use denoise_data::{BitDepth, Image};
use denoise_trainer::evaluate::COLUMNS;

use crate::error::{Error, Result};
use crate::figure::Series;
use crate::presets::PRESETS;
use crate::report::ReportRun;
use crate::report::charts::{line_chart, render};
use crate::report::grid::{ERROR_GAIN, Grid};
use crate::result::RunResult;
use crate::verdict::{Claim, PresetRuns};

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn png_uri(img: &Image) -> Result<String> {
    let bytes = img
        .to_png_bytes(BitDepth::Eight)
        .map_err(|e| Error::Chart(format!("encoding an image as PNG: {e}")))?;
    Ok(format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1200px;\
color:#222;padding:0 1em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;\
padding:4px 8px;font-size:13px;text-align:right}th{background:#f3f3f3}td.l,th.l{text-align:left}\
.PASS{background:#d9f2d9;font-weight:bold}.FAIL{background:#f8d0d0;font-weight:bold}\
.INCONCLUSIVE{background:#fbeec4;font-weight:bold}\
.INFO{background:#eef}.charts{display:flex;flex-wrap:wrap;gap:8px}figure{margin:0}\
table.grid td{border:none;padding:2px;text-align:center;vertical-align:top}\
table.grid img{image-rendering:pixelated;display:block}code{background:#f4f4f4;padding:1px 3px}";

/// Labels of runs within a group: the params that vary between them.
fn labels(runs: &[&ReportRun]) -> Vec<String> {
    let spelled: Vec<[(&str, String); 8]> =
        runs.iter().map(|r| r.result.params.spelled()).collect();
    let mut keys: BTreeSet<usize> = (0..8)
        .filter(|&k| {
            let vals: BTreeSet<&str> = spelled.iter().map(|p| p[k].1.as_str()).collect();
            vals.len() > 1
        })
        .collect();
    // ε names the outlier labels already (keys: loss, optim, labels, noise, eps).
    if keys.contains(&4) {
        keys.remove(&2);
    }
    // Shown in the order of the names: eps, labels, loss, lr, noise, optim, schedule, seed.
    let mut keys: Vec<usize> = keys.into_iter().collect();
    keys.sort_by_key(|&k| spelled.first().map(|p| p[k].0).unwrap_or(""));
    spelled
        .iter()
        .map(|p| {
            let parts: Vec<String> = keys
                .iter()
                .map(|&k| {
                    if p[k].0 == "loss" {
                        p[k].1.clone()
                    } else {
                        format!("{}={}", p[k].0, p[k].1)
                    }
                })
                .collect();
            if parts.is_empty() {
                p[0].1.clone()
            } else {
                parts.join(" ")
            }
        })
        .collect()
}

fn curves(runs: &[&ReportRun], names: &[String]) -> Result<String> {
    let loss: Vec<Series> = runs
        .iter()
        .zip(names)
        .map(|(r, n)| Series {
            name: n.clone(),
            points: r
                .result
                .loss_curve
                .iter()
                .filter(|(_, l)| *l > 0.0)
                .map(|&(s, l)| (s as f64, l.log10()))
                .collect(),
            ..Series::default()
        })
        .collect();
    let psnr: Vec<Series> = runs
        .iter()
        .zip(names)
        .map(|(r, n)| Series {
            name: n.clone(),
            points: r
                .result
                .psnr_curve
                .iter()
                .map(|&(s, p)| (s as f64, p))
                .collect(),
            markers: true,
            ..Series::default()
        })
        .collect();
    Ok(format!(
        "<div class=charts><figure>{}</figure><figure>{}</figure></div>",
        line_chart("training loss", "step", "log10 loss", &loss)?,
        line_chart("validation PSNR", "step", "PSNR (dB)", &psnr)?
    ))
}

fn run_table(runs: &[&ReportRun], names: &[String]) -> String {
    let mut s = String::from("<table><tr><th class=l>run</th>");
    for c in &COLUMNS {
        let _ = write!(s, "<th>{}</th>", esc(c.title));
    }
    s.push_str("<th>loss spread</th><th>patches/s</th></tr>");
    for (r, n) in runs.iter().zip(names) {
        let f = &r.result.final_metrics.mean;
        let _ = write!(
            s,
            "<tr><td class=l title=\"{}\">{}</td>",
            esc(&r.result.id),
            esc(n)
        );
        for c in &COLUMNS {
            let _ = write!(s, "<td>{}</td>", c.cell((c.get)(f)));
        }
        let _ = write!(
            s,
            "<td>{:.3}</td><td>{:.0}</td></tr>",
            r.result.loss_spread, r.result.patches_per_s
        );
    }
    s.push_str("</table>");
    s
}

fn grid_html(g: &Grid) -> Result<String> {
    let mut s = format!(
        "<h3>{}</h3><p>Rows: the validation image; a zoom on its sharpest {}×{} region (at y {}, x {}); \
         the error |image − clean| × {ERROR_GAIN}. <i>oracle mean</i> is the exact conditional mean \
         of the target (the MSE optimum), <i>oracle median</i> the middle of its median set (the L1 \
         optimum). Also saved, with the column titles, as <code>grids/{}.png</code>.</p>\
         <table class=grid><tr>",
        esc(&g.title),
        g.crop_window.2,
        g.crop_window.2,
        g.crop_window.0,
        g.crop_window.1,
        esc(&g.slug)
    );
    for p in &g.panels {
        let _ = write!(s, "<th>{}</th>", esc(&p.label));
    }
    s.push_str("</tr>");
    for row in 0..3 {
        s.push_str("<tr>");
        for p in &g.panels {
            let img = [&p.full, &p.crop, &p.error][row];
            let _ = write!(
                s,
                "<td><img alt=\"{}\" src=\"{}\" width={} height={}></td>",
                esc(&p.label),
                png_uri(img)?,
                img.width(),
                img.height()
            );
        }
        s.push_str("</tr>");
    }
    s.push_str("</table>");
    Ok(s)
}

fn claim_rows(claims: &[&Claim]) -> String {
    let mut s = String::from(
        "<table><tr><th class=l>preset</th><th class=l>prediction</th><th class=l>effect</th>\
         <th>mean [95 % interval]</th><th>predicted</th><th>seeds</th><th>seed sd</th>\
         <th>eval se</th><th class=l>details</th><th>verdict</th></tr>",
    );
    for c in claims {
        let o = c.outcome.label();
        let (name, value, predicted, seeds, seed_sd, eval_se) = match &c.effect {
            Some(e) => {
                let d = e.decimals;
                (
                    e.name.clone(),
                    e.interval.map_or_else(
                        || {
                            e.replicates
                                .values()
                                .first()
                                .map_or(String::new(), |v| format!("{v:+.d$} (no interval)"))
                        },
                        |i| i.show(d),
                    ),
                    e.prediction.map_or("—".to_owned(), |p| p.show()),
                    e.replicates.per_seed.len().to_string(),
                    format!("{:.d$}", e.seed_sd),
                    e.eval_se.map_or("—".to_owned(), |v| format!("{v:.d$}")),
                )
            }
            None => Default::default(),
        };
        let decide = c
            .effect
            .as_ref()
            .and_then(|e| e.seeds_to_decide())
            .map(|k| format!("about {k} seeds would decide it. "))
            .unwrap_or_default();
        let _ = write!(
            s,
            "<tr><td class=l>{}</td><td class=l>{}</td><td class=l>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td class=l>{}</td><td class={o}>{o}</td></tr>",
            esc(&c.experiment),
            esc(&c.prediction),
            esc(&name),
            esc(&value),
            esc(&predicted),
            seeds,
            seed_sd,
            eval_se,
            esc(&format!("{decide}{}", c.detail))
        );
    }
    s.push_str("</table>");
    s
}

/// The whole page.
pub fn page(title: &str, runs: &[ReportRun], claims: &[Claim], grids: &[Grid]) -> Result<String> {
    let backends: BTreeSet<&str> = runs.iter().map(|r| r.result.backend.as_str()).collect();
    let mut s = format!(
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{t}</title><style>{STYLE}</style>\
         </head><body><h1>{t}</h1><p>denoise-lab {v}: {n} runs on {b}.</p>\
         <p>MSE is maximum likelihood under Gaussian error and converges to the conditional <b>mean</b> \
         of the target: outlier labels drag it by ε·M and two valid answers are averaged into a blur. \
         L1 is maximum likelihood under Laplace error and converges to a conditional <b>median</b>: \
         robust to outliers, no averaging of modes. The oracle columns show those optima computed \
         exactly from the label corruption.</p>",
        t = esc(title),
        v = env!("CARGO_PKG_VERSION"),
        n = runs.len(),
        b = esc(&backends.into_iter().collect::<Vec<_>>().join(", ")),
    );
    let results: Vec<RunResult> = runs.iter().map(|r| r.result.clone()).collect();
    if !claims.is_empty() {
        s.push_str(
            "<h2>Claims</h2><p>Each claim is an effect measured on every seed (both arms of a \
             comparison share the seed: training stream, initial weights and validation images), \
             shown as the mean over seeds with its 95 % Student-t interval over seeds. PASS: the whole \
             interval lies on the predicted side; FAIL: wholly on the other side; INCONCLUSIVE: it \
             straddles the threshold. <i>seed sd</i> is the spread between seeds, <i>eval se</i> the \
             standard error of one seed's value over its validation images.</p>",
        );
        for p in PRESETS {
            let figures = p.figures(&PresetRuns {
                name: p.name(),
                results: &results,
            });
            if !figures.is_empty() {
                let _ = write!(s, "<h3>{}</h3><div class=charts>", p.name());
                for f in &figures {
                    let _ = write!(s, "<figure>{}</figure>", render(f)?);
                }
                s.push_str("</div>");
            }
        }
        s.push_str("<h2>Verdicts</h2>");
        s.push_str(&claim_rows(&claims.iter().collect::<Vec<_>>()));
    }
    let compare: Vec<&ReportRun> = runs
        .iter()
        .filter(|r| r.result.experiments.is_empty())
        .collect();
    let sections = PRESETS
        .iter()
        .map(|p| {
            let members: Vec<&ReportRun> = runs
                .iter()
                .filter(|r| r.result.in_experiment(p.name()))
                .collect();
            (Some(*p), members)
        })
        .chain(std::iter::once((None, compare)));
    for (preset, members) in sections {
        if members.is_empty() {
            continue;
        }
        let name = preset.map_or("compare", |p| p.name());
        let names = labels(&members);
        let _ = write!(s, "<h2 id=\"{name}\">{name}</h2>");
        if preset.is_some() {
            let own: Vec<&Claim> = claims.iter().filter(|c| c.experiment == name).collect();
            if !own.is_empty() {
                s.push_str(&claim_rows(&own));
            }
        }
        s.push_str(&curves(&members, &names)?);
        s.push_str(&run_table(&members, &names));
        let section = preset.map(|p| p.name());
        for g in grids.iter().filter(|g| g.experiment == section) {
            s.push_str(&grid_html(g)?);
        }
    }
    s.push_str("<p>Files beside this page: <code>results.json</code>, <code>results.csv</code>, \
                <code>grids/*.png</code>, and one folder per run under <code>runs/</code>.</p></body></html>");
    Ok(s)
}
