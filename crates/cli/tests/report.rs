//! `compare`, shards and `report merge` end to end through the binary.

use std::path::Path;

use crate::util::stderr;

/// Runs the binary and asserts that it succeeded.
fn denoise(args: &[&str], cwd: &Path) {
    let o = crate::util::denoise(args, cwd);
    assert!(o.status.success(), "{args:?} failed:\n{}", stderr(&o));
}

const GRID: [&str; 16] = [
    "compare",
    "--losses",
    "mse,l1",
    "--labels",
    "clean;outliers:0.2:1.0",
    "--steps",
    "4",
    "--batch",
    "2",
    "--patch",
    "16",
    "--backend",
    "flex",
    "--quiet",
    "--seed",
    "9",
];

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn report_holds_every_run_and_every_grid() {
    let dir = tempfile::tempdir().unwrap();
    denoise(&[&GRID[..], &["--out", "all"]].concat(), dir.path());
    let out = dir.path().join("all");
    let html = read(&out.join("report.html"));
    let csv = read(&out.join("results.csv"));
    let ids: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids.len(), 4, "2 losses × 2 label corruptions");
    for id in &ids {
        assert!(html.contains(id), "report lacks run {id}");
        assert!(
            out.join("runs")
                .join(id)
                .join("model.safetensors")
                .is_file()
        );
    }
    // One grid per label corruption, each with input, two outputs and clean (+ 2 oracle columns
    // for the outliers), three rows of images.
    let grids: Vec<_> = std::fs::read_dir(out.join("grids"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(grids.len(), 2);
    for g in &grids {
        let slug = g.path().file_stem().unwrap().to_string_lossy().into_owned();
        assert!(
            html.contains(&format!("grids/{slug}.png")),
            "report lacks grid {slug}"
        );
    }
    let images = html.matches("src=\"data:image/png;base64,").count();
    assert_eq!(
        images,
        3 * (4 + 6),
        "three rows of 4 (clean) and 6 (outliers) panels"
    );
    assert_eq!(
        html.matches("<svg").count(),
        2,
        "loss and PSNR curves of the one section"
    );
    let json: serde_json::Value = serde_json::from_str(&read(&out.join("results.json"))).unwrap();
    assert_eq!(json["runs"].as_array().unwrap().len(), 4);
}

#[test]
fn shards_merged_give_the_tables_of_the_whole_grid() {
    let dir = tempfile::tempdir().unwrap();
    denoise(&[&GRID[..], &["--out", "whole"]].concat(), dir.path());
    denoise(
        &[&GRID[..], &["--out", "s1", "--shard", "1/2"]].concat(),
        dir.path(),
    );
    denoise(
        &[&GRID[..], &["--out", "s2", "--shard", "2/2"]].concat(),
        dir.path(),
    );
    assert!(
        !dir.path().join("s1/report.html").exists(),
        "a shard writes no report"
    );
    denoise(
        &["report", "merge", "s1", "s2", "--out", "merged"],
        dir.path(),
    );
    let whole = read(&dir.path().join("whole/results.csv"));
    let merged = read(&dir.path().join("merged/results.csv"));
    assert_eq!(whole, merged);
    assert_eq!(whole.lines().count(), 5);
}

#[test]
fn experiment_replicates_every_cell_and_judges_on_the_interval() {
    let dir = tempfile::tempdir().unwrap();
    let o = crate::util::denoise(
        &[
            "experiment",
            "clean",
            "--quick",
            "--seeds",
            "2",
            "--seed",
            "5",
            "--steps",
            "3",
            "--backend",
            "flex",
            "--quiet",
            "--out",
            "e",
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    // Two losses × seeds 5 and 6, one claim with its interval over the two seeds.
    let json: serde_json::Value =
        serde_json::from_str(&read(&dir.path().join("e/results.json"))).unwrap();
    let runs = json["runs"].as_array().unwrap();
    let mut seeds: Vec<u64> = runs
        .iter()
        .map(|r| r["params"]["seed"].as_u64().unwrap())
        .collect();
    seeds.sort();
    assert_eq!(seeds, vec![5, 5, 6, 6]);
    let claim = &json["claims"][0];
    let effect = &claim["effect"];
    assert_eq!(
        effect["replicates"]["per-seed"].as_array().unwrap().len(),
        2
    );
    let (low, high) = (
        effect["interval"]["low"].as_f64().unwrap(),
        effect["interval"]["high"].as_f64().unwrap(),
    );
    assert!(low < high, "{effect}");
    let outcome = claim["outcome"].as_str().unwrap();
    let want = if low > 0.0 {
        "PASS"
    } else if high < 0.0 {
        "FAIL"
    } else {
        "INCONCLUSIVE"
    };
    assert_eq!(outcome, want, "the verdict follows the interval: {effect}");
    assert!(stdout.contains(&format!("[{want}] clean")), "{stdout}");
    assert!(stdout.contains("2 seeds"), "{stdout}");
}
