//! Verdicts: each claim of the theory as an *effect* measured on every seed (both arms of a
//! comparison share the seed: data stream, initial weights, validation images), its 95 %
//! interval over seeds ([`crate::stats`]), and PASS / FAIL / INCONCLUSIVE from where the interval
//! lies against the prediction — never from one run's point values. The claims themselves are
//! the presets' ([`crate::presets`]); this is what they share.

use std::collections::BTreeSet;

use denoise_trainer::evaluate::Scores;
use serde::{Deserialize, Serialize};

use crate::plan::RunParams;
use crate::presets::PRESETS;
use crate::result::RunResult;
use crate::stats::{Interval, Replicates, t975};

/// The outcome of a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Outcome {
    /// The whole interval lies on the predicted side.
    Pass,
    /// The whole interval lies on the other side.
    Fail,
    /// The interval straddles the threshold, or there are too few seeds for an interval.
    Inconclusive,
    /// A measurement reported without a prediction, or runs are missing.
    Info,
}

impl Outcome {
    /// `PASS`, `FAIL`, `INCONCLUSIVE` or `INFO`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pass => "PASS",
            Self::Fail => "FAIL",
            Self::Inconclusive => "INCONCLUSIVE",
            Self::Info => "INFO",
        }
    }
}

/// What the theory says about an effect: a threshold it lies above or below, or a band it lies in.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Prediction {
    /// The effect is greater than this.
    Above(f64),
    /// The effect is less than this.
    Below(f64),
    /// The effect lies between these.
    Within(f64, f64),
}

impl Prediction {
    /// PASS when the interval lies wholly on the predicted side (inside the band), FAIL when it
    /// lies wholly on the other side (outside the band), INCONCLUSIVE otherwise.
    pub fn judge(&self, i: &Interval) -> Outcome {
        let (pass, fail) = match *self {
            Self::Above(t) => (i.low > t, i.high < t),
            Self::Below(t) => (i.high < t, i.low > t),
            Self::Within(lo, hi) => (i.low > lo && i.high < hi, i.high < lo || i.low > hi),
        };
        if pass {
            Outcome::Pass
        } else if fail {
            Outcome::Fail
        } else {
            Outcome::Inconclusive
        }
    }

    /// `> 0.5`, `< 0`, `in [0.75, 1.25]`.
    pub fn show(&self) -> String {
        match *self {
            Self::Above(t) => format!("> {t}"),
            Self::Below(t) => format!("< {t}"),
            Self::Within(lo, hi) => format!("in [{lo}, {hi}]"),
        }
    }
}

/// A claim's effect: its per-seed values, interval, and the two noise levels beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Effect {
    /// What is measured, e.g. `PSNR(L1) − PSNR(MSE) (dB)`.
    pub name: String,
    /// Mean over seeds and its 95 % interval (`None` below two seeds).
    pub interval: Option<Interval>,
    /// What the theory predicts (`None`: reported as information).
    pub prediction: Option<Prediction>,
    /// The values per seed, with their image standard errors.
    pub replicates: Replicates,
    /// Standard deviation between seeds.
    pub seed_sd: f64,
    /// Standard error of a seed's value over its validation images (root mean square over seeds).
    pub eval_se: Option<f64>,
    /// Decimals the effect is shown with.
    pub decimals: usize,
}

impl Effect {
    /// The effect of `replicates`, judged against `prediction`.
    pub fn new(
        name: &str,
        replicates: Replicates,
        prediction: Option<Prediction>,
        decimals: usize,
    ) -> Self {
        Self {
            name: name.to_owned(),
            interval: replicates.interval(),
            prediction,
            seed_sd: replicates.seed_sd(),
            eval_se: replicates.eval_se(),
            replicates,
            decimals,
        }
    }

    /// The verdict: from the interval against the prediction.
    pub fn outcome(&self) -> Outcome {
        match (&self.prediction, &self.interval) {
            (None, _) => Outcome::Info,
            (Some(_), None) => Outcome::Inconclusive,
            (Some(p), Some(i)) => p.judge(i),
        }
    }

    /// For an INCONCLUSIVE one-sided claim, the fewest seeds whose interval would clear the
    /// threshold if the mean and the seed sd stayed as measured (`None`: not inconclusive, a band,
    /// a mean on the threshold, or more than 1000 seeds).
    pub fn seeds_to_decide(&self) -> Option<usize> {
        let (Some(i), Some(p)) = (&self.interval, &self.prediction) else {
            return None;
        };
        let t = match *p {
            Prediction::Above(t) | Prediction::Below(t) => t,
            Prediction::Within(..) => return None,
        };
        if p.judge(i) != Outcome::Inconclusive {
            return None;
        }
        let gap = (i.estimate - t).abs();
        (2..=1000).find(|&n| t975(n - 1) * self.seed_sd / (n as f64).sqrt() < gap)
    }

    /// `name = +0.182 [+0.171, +0.193] (predicted > 0.5; 3 seeds, seed sd 0.006, eval se 0.002)`.
    pub fn show(&self) -> String {
        let d = self.decimals;
        let n = self.replicates.per_seed.len();
        let value = match &self.interval {
            Some(i) => i.show(d),
            None => match self.replicates.per_seed.first() {
                Some(&(_, v)) => format!("{v:+.d$} (one seed: no interval; use --seeds 3 or more)"),
                None => "(no value)".to_owned(),
            },
        };
        let predicted = self
            .prediction
            .map(|p| format!("predicted {}; ", p.show()))
            .unwrap_or_default();
        let eval = self
            .eval_se
            .map(|e| format!(", eval se {e:.d$}"))
            .unwrap_or_default();
        let decide = self
            .seeds_to_decide()
            .map(|k| format!("; about {k} seeds would decide it if mean and spread held"))
            .unwrap_or_default();
        format!(
            "{} = {value} ({predicted}{n} seed{}, seed sd {:.d$}{eval}{decide})",
            self.name,
            if n == 1 { "" } else { "s" },
            self.seed_sd
        )
    }
}

/// One claim with its verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Claim {
    /// The preset's name.
    pub experiment: String,
    /// What the theory predicts, in words.
    pub prediction: String,
    /// What was measured, in words (the effect with its interval, and details).
    pub measurement: String,
    /// PASS, FAIL, INCONCLUSIVE or INFO.
    pub outcome: Outcome,
    /// The effect the verdict is computed from (`None` for notes without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<Effect>,
    /// What the measurement adds beside the effect (missing seeds, the numbers behind it).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// What one seed contributes to an effect.
pub enum SeedValue {
    /// The per-image paired effect on the seed's validation images (the seed's value is their mean).
    Images(Vec<f64>),
    /// One number for the seed.
    Value(f64),
    /// One number for the seed computed from its validation images, with its standard error over
    /// them (the evaluation noise).
    Estimate {
        /// The seed's value.
        value: f64,
        /// Its standard error over the validation images.
        se: f64,
    },
}

/// The runs of one preset among a grid's results, and the claims made from them.
#[derive(Debug, Clone, Copy)]
pub struct PresetRuns<'a> {
    /// The preset's name.
    pub name: &'static str,
    /// Every result of the grid (those of other presets included).
    pub results: &'a [RunResult],
}

impl<'a> PresetRuns<'a> {
    /// The preset's runs, in the grid's order.
    pub fn iter(&self) -> impl Iterator<Item = &'a RunResult> + '_ {
        self.results.iter().filter(|r| r.in_experiment(self.name))
    }

    /// The seeds of the preset's runs, ascending.
    pub fn seeds(&self) -> Vec<u64> {
        let s: BTreeSet<u64> = self.iter().map(|r| r.params.seed).collect();
        s.into_iter().collect()
    }

    /// The preset's run of `seed` whose parameters satisfy `want`.
    pub fn find(&self, seed: u64, want: impl Fn(&RunParams) -> bool) -> Option<&'a RunResult> {
        self.iter()
            .find(|r| r.params.seed == seed && want(&r.params))
    }

    /// A claim about the effect `f` gives per seed (`None`: that seed's runs are missing, it is
    /// left out), judged against `prediction`; `detail` adds to the measurement text.
    pub fn effect(
        &self,
        prediction_text: &str,
        effect_name: &str,
        prediction: Option<Prediction>,
        decimals: usize,
        detail: &str,
        f: impl Fn(u64) -> Option<SeedValue>,
    ) -> Claim {
        let seeds = self.seeds();
        let mut reps = Replicates::new();
        for &seed in &seeds {
            match f(seed) {
                Some(SeedValue::Images(v)) if !v.is_empty() => reps.push_images(seed, &v),
                Some(SeedValue::Value(v)) => reps.push_value(seed, v),
                Some(SeedValue::Estimate { value, se }) => reps.push_estimate(seed, value, se),
                _ => {}
            }
        }
        if reps.per_seed.is_empty() {
            return self.info(
                prediction_text,
                format!("runs missing for {effect_name}; merge every shard before judging"),
            );
        }
        let missing = seeds.len() - reps.per_seed.len();
        let effect = Effect::new(effect_name, reps, prediction, decimals);
        let mut details = Vec::new();
        if missing > 0 {
            details.push(format!("runs of {missing} seed(s) missing"));
        }
        if !detail.is_empty() {
            details.push(detail.to_owned());
        }
        let detail = details.join("; ");
        let mut measurement = effect.show();
        if !detail.is_empty() {
            measurement.push_str("; ");
            measurement.push_str(&detail);
        }
        Claim {
            experiment: self.name.to_owned(),
            prediction: prediction_text.to_owned(),
            measurement,
            outcome: effect.outcome(),
            effect: Some(effect),
            detail,
        }
    }

    /// A measurement reported without a verdict or an effect.
    pub fn info(&self, prediction: &str, measurement: String) -> Claim {
        Claim {
            experiment: self.name.to_owned(),
            prediction: prediction.to_owned(),
            detail: measurement.clone(),
            measurement,
            outcome: Outcome::Info,
            effect: None,
        }
    }
}

/// The per-image differences `score(a) − score(b)` over the validation images both runs
/// measured (matched by name): the paired effect of one seed.
pub fn paired(a: &RunResult, b: &RunResult, score: impl Fn(&Scores) -> f64) -> Vec<f64> {
    a.final_metrics
        .images
        .iter()
        .filter_map(|ia| {
            let ib = b
                .final_metrics
                .images
                .iter()
                .find(|ib| ib.name == ia.name)?;
            Some(score(&ia.scores) - score(&ib.scores))
        })
        .collect()
}

/// Every claim whose runs are among `results`, in preset order.
pub fn verdicts(results: &[RunResult]) -> Vec<Claim> {
    let mut out = Vec::new();
    for preset in PRESETS {
        let runs = PresetRuns {
            name: preset.name(),
            results,
        };
        if runs.iter().next().is_some() {
            out.extend(preset.claims(&runs));
        }
    }
    out
}

#[cfg(test)]
#[path = "verdict_tests.rs"]
mod tests;
