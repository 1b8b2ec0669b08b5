//! Interval and verdict logic on fabricated results: for every claim a PASS, a FAIL and an
//! INCONCLUSIVE grid, made so that the effect per seed is known (`center + spread·(s − 1)` for
//! seeds 0, 1, 2: mean `center`, seed sd `spread`, interval half width t(2)·spread/√3 ≈
//! 2.484·spread).

use denoise_metrics::Sharpness;
use denoise_trainer::evaluate::{EvalSummary, ImageMetrics, Scores};

use super::*;
use crate::presets::multimodal::labels as bimodal;
use crate::presets::optimizers::{LR_FRACTIONS, WARM};
use crate::stats::{Interval, Replicates};

const SEEDS: [u64; 3] = [0, 1, 2];
const IMAGES: [&str; 4] = ["a", "b", "c", "d"];

/// The effect of seed `s` for a grid of mean `center` and seed sd `spread`.
fn per_seed(center: f64, spread: f64, s: u64) -> f64 {
    center + spread * (s as f64 - 1.0)
}

/// Image `i`'s deviation: ±0.001, summing to zero over the four images.
fn wobble(i: usize) -> f64 {
    [0.001, -0.001, 0.002, -0.002][i]
}

fn scores(psnr: f64, bias: f64, tenengrad: f64) -> Scores {
    Scores {
        psnr,
        input_psnr: 20.0,
        ssim: 0.8,
        bias,
        mae: 0.01,
        sharpness: Sharpness {
            tenengrad,
            laplacian_variance: tenengrad,
            high_frequency: tenengrad,
            anti_blur: tenengrad,
        },
        residual_noise: 0.01,
        psnr_vs_mean: 30.0,
        median_distance: 0.0,
    }
}

/// A run of preset `exp` and `seed` with the default parameters but `params` (`loss`, `optim`,
/// `labels`, `eps`), whose image `i` scores `image(i)`.
fn run(
    exp: &str,
    seed: u64,
    params: &[(&str, &str)],
    image: impl Fn(usize) -> Scores,
) -> RunResult {
    let mut p = RunParams::of(&denoise_trainer::config::TrainConfig::default());
    p.seed = seed;
    for (k, v) in params {
        match *k {
            "loss" => p.loss = v.parse().unwrap(),
            "optim" => p.optim = v.parse().unwrap(),
            "labels" => p.labels = v.parse().unwrap(),
            "eps" => p.eps = Some(v.parse().unwrap()),
            other => panic!("no parameter {other}"),
        }
    }
    let images: Vec<ImageMetrics> = IMAGES
        .iter()
        .enumerate()
        .map(|(i, n)| ImageMetrics {
            name: (*n).to_owned(),
            scores: image(i),
        })
        .collect();
    RunResult {
        id: format!("{exp}-{seed}-{params:?}"),
        experiments: vec![exp.to_owned()],
        params: p,
        backend: "test".into(),
        final_metrics: EvalSummary {
            mean: image(0),
            images,
        },
        loss_curve: Vec::new(),
        psnr_curve: Vec::new(),
        loss_spread: 0.1,
        probe_loss: None,
        output_step: None,
        patches_per_s: 1.0,
        ghost: Vec::new(),
        outlier_share: None,
    }
}

fn outcomes(claims: &[Claim]) -> Vec<Outcome> {
    claims.iter().map(|c| c.outcome).collect()
}

/// The three grids of a claim: (center, spread) that PASS, FAIL and are INCONCLUSIVE.
type Cases = [(f64, f64); 3];

#[test]
fn predictions_judge_intervals_three_ways() {
    let i = |low, high| Interval {
        estimate: (low + high) / 2.0,
        low,
        high,
    };
    assert_eq!(Prediction::Above(0.5).judge(&i(0.6, 0.9)), Outcome::Pass);
    assert_eq!(Prediction::Above(0.5).judge(&i(0.1, 0.4)), Outcome::Fail);
    assert_eq!(
        Prediction::Above(0.5).judge(&i(0.4, 0.6)),
        Outcome::Inconclusive
    );
    assert_eq!(Prediction::Below(0.0).judge(&i(-0.2, -0.1)), Outcome::Pass);
    assert_eq!(Prediction::Below(0.0).judge(&i(0.1, 0.2)), Outcome::Fail);
    assert_eq!(
        Prediction::Below(0.0).judge(&i(-0.1, 0.1)),
        Outcome::Inconclusive
    );
    let band = Prediction::Within(0.75, 1.25);
    assert_eq!(band.judge(&i(0.9, 1.1)), Outcome::Pass);
    assert_eq!(band.judge(&i(0.2, 0.5)), Outcome::Fail);
    assert_eq!(band.judge(&i(0.7, 1.0)), Outcome::Inconclusive);
}

/// Outlier runs of ε = 0, 0.1, 0.2 (M = 1) whose bias over the ε = 0 run grows with slope
/// `mse(s)` and `l1(s)` on seed `s`, on top of an image-dependent base bias.
fn outlier_grid(mse: impl Fn(u64) -> f64, l1: impl Fn(u64) -> f64) -> Vec<RunResult> {
    let mut out = Vec::new();
    for s in SEEDS {
        for (loss, slope) in [("mse", mse(s)), ("l1", l1(s))] {
            for eps in [0.0, 0.1, 0.2] {
                let labels = if eps == 0.0 {
                    "clean".to_owned()
                } else {
                    format!("outliers:{eps}:1")
                };
                let e = eps.to_string();
                out.push(run(
                    "outliers",
                    s,
                    &[("loss", loss), ("labels", &labels), ("eps", &e)],
                    |i| scores(25.0, 0.01 * i as f64 + slope * eps + eps * wobble(i), 1.0),
                ));
            }
        }
    }
    out
}

#[test]
fn outlier_slopes_pass_fail_and_stay_inconclusive() {
    // MSE: slope above ½; L1: slope below ½.
    let mse_cases: Cases = [(0.95, 0.02), (0.2, 0.02), (0.5, 0.05)];
    let l1_cases: Cases = [(0.05, 0.02), (0.9, 0.02), (0.45, 0.1)];
    for (k, want) in [Outcome::Pass, Outcome::Fail, Outcome::Inconclusive]
        .into_iter()
        .enumerate()
    {
        let (mc, ms) = mse_cases[k];
        let (lc, ls) = l1_cases[k];
        let grid = outlier_grid(|s| per_seed(mc, ms, s), |s| per_seed(lc, ls, s));
        let c = verdicts(&grid);
        assert_eq!(outcomes(&c), vec![want, want], "case {k}: {c:#?}");
        let e = c[0].effect.as_ref().unwrap();
        let i = e.interval.unwrap();
        assert!((i.estimate - mc).abs() < 1e-9, "{i:?}");
        let half = 4.3027 * ms / 3f64.sqrt();
        assert!((i.high - i.estimate - half).abs() < 1e-6, "{i:?}");
        assert!((e.seed_sd - ms).abs() < 1e-9);
        assert!(
            e.eval_se.unwrap() > 0.0,
            "the images' wobble is evaluation noise"
        );
        assert!(c[0].measurement.contains("3 seeds"), "{}", c[0].measurement);
    }
}

#[test]
fn one_seed_is_inconclusive_and_missing_runs_are_reported() {
    let mut grid = outlier_grid(|_| 1.0, |_| 0.0);
    grid.retain(|r| r.params.seed == 0);
    let c = verdicts(&grid);
    assert_eq!(
        outcomes(&c),
        vec![Outcome::Inconclusive, Outcome::Inconclusive]
    );
    assert!(
        c[0].measurement.contains("no interval"),
        "{}",
        c[0].measurement
    );

    let mut grid = outlier_grid(|_| 1.0, |_| 0.0);
    grid.retain(|r| r.params.eps != Some(0.0));
    let c = verdicts(&grid);
    assert_eq!(outcomes(&c), vec![Outcome::Info, Outcome::Info]);
    assert!(c[0].measurement.contains("runs missing"));
}

/// Bimodal runs at p = 0.7, 0.9 whose ghost is `slope(s)·(1 − p)` (+ image wobble) above that
/// of the p = 1 run (a blur of 0.2 that every run shares).
fn ghost_grid(mse: impl Fn(u64) -> f64, l1: impl Fn(u64) -> f64) -> Vec<RunResult> {
    let mut out = Vec::new();
    for s in SEEDS {
        for (loss, slope) in [("mse", mse(s)), ("l1", l1(s))] {
            for p in [0.7, 0.9, 1.0] {
                let labels = bimodal(p).to_string();
                let mut r = run(
                    "multimodal",
                    s,
                    &[("loss", loss), ("labels", &labels)],
                    |_| scores(22.0, 0.0, 0.8),
                );
                r.ghost = (0..IMAGES.len())
                    .map(|i| 0.2 + slope * (1.0 - p) + wobble(i))
                    .collect();
                out.push(r);
            }
        }
    }
    out
}

#[test]
fn ghost_slopes_pass_fail_and_stay_inconclusive() {
    let mse_cases: Cases = [(0.9, 0.03), (0.1, 0.03), (0.55, 0.1)];
    let l1_cases: Cases = [(0.1, 0.03), (0.9, 0.03), (0.5, 0.05)];
    for (k, want) in [Outcome::Pass, Outcome::Fail, Outcome::Inconclusive]
        .into_iter()
        .enumerate()
    {
        let (mc, ms) = mse_cases[k];
        let (lc, ls) = l1_cases[k];
        let c = verdicts(&ghost_grid(
            |s| per_seed(mc, ms, s),
            |s| per_seed(lc, ls, s),
        ));
        // Two judged claims, then the sharpness note.
        assert_eq!(
            outcomes(&c),
            vec![want, want, Outcome::Info],
            "case {k}: {c:#?}"
        );
        let i = c[0].effect.as_ref().unwrap().interval.unwrap();
        assert!((i.estimate - mc).abs() < 1e-9, "{i:?}");
    }
}

#[test]
fn label_noise_optimizers_and_clean_judge_three_ways() {
    let cases: Cases = [(0.5, 0.05), (-0.5, 0.05), (0.05, 0.1)];
    for (k, want) in [Outcome::Pass, Outcome::Fail, Outcome::Inconclusive]
        .into_iter()
        .enumerate()
    {
        let (c0, sp) = cases[k];
        let d = |s| per_seed(c0, sp, s);
        // label-noise: ln(excess squared error of L1's noisy-label run over its clean-label run
        // / MSE's) per noise, as information: Gaussian 0.2 on every seed, Laplace 0.2 − d; the
        // claim is their contrast, Laplace − Gaussian = −d, judged < 0. Clean runs have MSE 1e-3
        // on every image; the excesses vary by image (factors 1 + 10·wobble, permuted for L1)
        // but sum to 4Δ and 4Δ·e^(ratio), so each seed's value is exact and its jackknife error
        // is not zero.
        let psnr_of = |mse: f64| -10.0 * mse.log10();
        let excess = 1e-3;
        let gaussian = |_s| 0.2;
        let laplace = |s| 0.2 - d(s);
        let mut ln = Vec::new();
        for s in SEEDS {
            for loss in ["mse", "l1"] {
                ln.push(run("label-noise", s, &[("loss", loss)], |_| {
                    scores(psnr_of(1e-3), 0.0, 1.0)
                }));
            }
            for (labels, ratio) in [
                ("noisy:gaussian:100", gaussian(s)),
                ("noisy:laplace:70.71", laplace(s)),
            ] {
                ln.push(run(
                    "label-noise",
                    s,
                    &[("labels", labels), ("loss", "mse")],
                    |i| scores(psnr_of(1e-3 + excess * (1.0 + 10.0 * wobble(i))), 0.0, 1.0),
                ));
                ln.push(run(
                    "label-noise",
                    s,
                    &[("labels", labels), ("loss", "l1")],
                    |i| {
                        let e = excess * ratio.exp() * (1.0 + 10.0 * wobble(3 - i));
                        scores(psnr_of(1e-3 + e), 0.0, 1.0)
                    },
                ));
            }
        }
        let c = verdicts(&ln);
        assert_eq!(
            outcomes(&c),
            vec![want, Outcome::Info, Outcome::Info],
            "label-noise case {k}"
        );
        for (claim, mean) in c.iter().zip([-c0, 0.2, 0.2 - c0]) {
            let e = claim.effect.as_ref().unwrap();
            assert!((e.interval.unwrap().estimate - mean).abs() < 1e-9, "{e:?}");
            assert!(e.eval_se.is_some_and(|se| se > 0.0), "{e:?}");
        }

        // optimizers: ln(output step of L1 + SGD / that of MSE + SGD) > 0 (one value per seed),
        // with the theory's ratio 1/(2 RMS r) from the MSE run's probe loss in the detail.
        let mut op = Vec::new();
        for s in SEEDS {
            for (loss, step) in [("l1", d(s).exp()), ("mse", 1.0)] {
                let mut r = run("optimizers", s, &[("loss", loss), ("optim", "sgd")], |_| {
                    scores(25.0, 0.0, 1.0)
                });
                r.params.adam_first = Some(WARM);
                r.output_step = Some(step);
                r.probe_loss = Some(0.01);
                op.push(r);
            }
        }
        let c = verdicts(&op);
        assert_eq!(outcomes(&c), vec![want], "optimizers case {k}");
        let e = c[0].effect.as_ref().unwrap();
        assert!((e.interval.unwrap().estimate - c0).abs() < 1e-9, "{e:?}");
        assert!(e.eval_se.is_none());
        // RMS r = 0.1: the theory's ratio is 1/(2 · 0.1) = 5.
        assert!(
            c[0].detail.contains("1/(2 RMS r) = 5.00"),
            "{}",
            c[0].detail
        );

        // clean: PSNR(L1) − PSNR(MSE) > 0.
        let mut cl = Vec::new();
        for s in SEEDS {
            cl.push(run("clean", s, &[("loss", "mse")], |i| {
                scores(25.0 + wobble(i), 0.0, 1.0)
            }));
            cl.push(run("clean", s, &[("loss", "l1")], |_| {
                scores(25.0 + d(s), 0.0, 1.0)
            }));
        }
        assert_eq!(outcomes(&verdicts(&cl)), vec![want], "clean case {k}");
    }
}

#[test]
fn paired_differences_match_images_by_name() {
    let a = run("clean", 0, &[("loss", "l1")], |i| {
        scores(20.0 + i as f64, 0.0, 1.0)
    });
    let mut b = run("clean", 0, &[("loss", "mse")], |_| scores(20.0, 0.0, 1.0));
    b.final_metrics.images.reverse();
    b.final_metrics.images.pop(); // "a" is missing from b
    assert_eq!(paired(&a, &b, |s| s.psnr), vec![1.0, 2.0, 3.0]);
}

#[test]
fn an_inconclusive_claim_says_how_many_seeds_would_decide_it() {
    // Mean 0.3 against the threshold 0.5, seed sd 0.2: the half width t(n−1)·0.2/√n falls below
    // the gap 0.2 first at n = 7 (t(6) = 2.4469: 0.185; n = 6: t(5) = 2.5706 → 0.210).
    let mut reps = Replicates::new();
    for (s, v) in [(0, 0.1), (1, 0.3), (2, 0.5)] {
        reps.push_value(s, v);
    }
    let e = Effect::new("x", reps, Some(Prediction::Below(0.5)), 3);
    assert_eq!(e.outcome(), Outcome::Inconclusive);
    assert!((e.seed_sd - 0.2).abs() < 1e-12);
    assert_eq!(e.seeds_to_decide(), Some(7));
    assert!(e.show().contains("about 7 seeds"), "{}", e.show());
    let decided = Effect::new("x", e.replicates.clone(), Some(Prediction::Below(2.0)), 3);
    assert_eq!(decided.seeds_to_decide(), None);
}

/// The optimizers' full grid: warm-started plain SGD × {mse, l1} at every fraction of the default
/// step, whose output step is `10 · lr^slope(seed)` (L1) or `lr^0.9` (MSE), and L1 + SGD with a cosine
/// decay whose loss spread is `cosine(seed)` above the constant step's (0.1).
fn optimizer_grid(slope: impl Fn(u64) -> f64, cosine: impl Fn(u64) -> f64) -> Vec<RunResult> {
    let mut out = Vec::new();
    for s in SEEDS {
        for (loss, scale, k) in [("l1", 10.0, slope(s)), ("mse", 1.0, 0.9)] {
            for f in LR_FRACTIONS {
                let mut r = run("optimizers", s, &[("loss", loss), ("optim", "sgd")], |_| {
                    scores(25.0, 0.0, 1.0)
                });
                r.params.adam_first = Some(WARM);
                r.params.lr = (f != 1.0).then_some(1e-2 * f);
                r.output_step = Some(scale * (1e-2 * f).powf(k));
                r.probe_loss = Some(0.01);
                out.push(r);
            }
        }
        let mut cos = run("optimizers", s, &[("loss", "l1"), ("optim", "sgd")], |_| {
            scores(25.0, 0.0, 1.0)
        });
        cos.params.adam_first = Some(WARM);
        cos.params.schedule = denoise_trainer::optim::Schedule::Cosine;
        cos.loss_spread = 0.1 + cosine(s);
        out.push(cos);
    }
    out
}

#[test]
fn the_optimizers_full_grid_judges_the_floor_and_the_decay_three_ways() {
    // L1's slope of ln output step on ln lr against ½; the cosine decay's spread minus the
    // constant step's against 0; MSE's slope is information.
    let slope_cases: Cases = [(1.0, 0.05), (0.1, 0.05), (0.5, 0.3)];
    let cosine_cases: Cases = [(-0.05, 0.01), (0.05, 0.01), (0.0, 0.05)];
    for (k, want) in [Outcome::Pass, Outcome::Fail, Outcome::Inconclusive]
        .into_iter()
        .enumerate()
    {
        let (sc, ss) = slope_cases[k];
        let (cc, cs) = cosine_cases[k];
        let c = verdicts(&optimizer_grid(
            |s| per_seed(sc, ss, s),
            |s| per_seed(cc, cs, s),
        ));
        assert_eq!(
            outcomes(&c),
            vec![Outcome::Pass, want, Outcome::Info, want],
            "case {k}: {c:#?}"
        );
        // The output step is exactly a constant times lr^slope: the fitted slope is the seeds' mean.
        let l1 = c[1].effect.as_ref().unwrap().interval.unwrap();
        assert!((l1.estimate - sc).abs() < 1e-9, "{l1:?}");
        let mse = c[2].effect.as_ref().unwrap().interval.unwrap();
        assert!((mse.estimate - 0.9).abs() < 1e-9, "{mse:?}");
    }
}
