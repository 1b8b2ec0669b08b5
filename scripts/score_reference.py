#!/usr/bin/env python3
"""Reference values for `denoise score`, from scikit-image.

Pinned: numpy==2.2.6 scipy==1.15.3 scikit-image==0.25.2 (pip install -r
scripts/metrics_reference.requirements.txt; `photos` also needs pillow).

  python3 scripts/score_reference.py fixtures
      Prints the constants of crates/cli/tests/score.rs: scikit-image's values on the images that
      test writes as PNG files (integer formulas written the same way there).
  python3 scripts/score_reference.py photos DIR
      Writes real photos from skimage.data as 8-bit PNGs into DIR/ref and degraded versions
      (noise, blur, JPEG-like quantisation) into DIR/out, and scikit-image's scores into
      DIR/expected.json.
  python3 scripts/score_reference.py check DIR SCORES.json
      Compares `denoise score DIR/out -r DIR/ref --json > SCORES.json` with DIR/expected.json and
      prints the largest differences.
"""
import json
import sys
from pathlib import Path

import numpy as np
from skimage.color import rgb2gray, rgb2ycbcr
from skimage.measure import blur_effect
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
from scipy import ndimage as ndi

sys.path.insert(0, str(Path(__file__).resolve().parent))
from metrics_reference import scene64 as scene  # noqa: E402  (the same scene as the metrics tests)


def ssim(a, b, data_range, rgb):
    return structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
                                 use_sample_covariance=False, data_range=data_range,
                                 channel_axis=-1 if rgb else None)


def tenengrad(gray):
    gx = ndi.sobel(gray, axis=1)
    gy = ndi.sobel(gray, axis=0)
    return float(np.mean((gx**2 + gy**2)[1:-1, 1:-1]))


def immerkaer(d):
    """Immerkaer's (1996) noise estimate of a gray plane: sqrt(pi/2)/6 * mean |d * M| over the
    pixels whose 3x3 window lies inside (the residual noise of `denoise score`)."""
    h, w = d.shape
    m = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float64)
    conv = sum(m[i, j] * d[i:i + h - 2, j:j + w - 2] for i in range(3) for j in range(3))
    return float(np.sqrt(np.pi / 2) / 6 * np.mean(np.abs(conv)))


# ---- fixtures: the formulas of crates/cli/tests/score.rs --------------------------------------

def hash_levels(h, w, seed, top):
    y, x = np.mgrid[0:h, 0:w].astype(np.uint64)
    v = ((y * np.uint64(73856093)) ^ (x * np.uint64(19349663)) ^ np.uint64(seed * 83492791))
    return (v % np.uint64(top + 1)).astype(np.float64)


def quantise(v, top):
    return np.floor(np.clip(v, 0.0, 1.0) * top + 0.5)


def clean_levels(h, w, top):
    return quantise(scene(h, w), top)


def noisy_levels(h, w, seed, top):
    return quantise(scene(h, w) + 0.2 * (hash_levels(h, w, seed, 255) / 255.0 - 0.5), top)


def as_read(levels, full):
    """What the image crate gives for a file of these levels: f32 level / full scale."""
    return (levels / full).astype(np.float32).astype(np.float64)


H, W = 40, 36


def fixtures():
    consts = {}
    # A: 8-bit gray folder, two images.
    for seed in (7, 9):
        o = as_read(noisy_levels(H, W, seed, 255), 255)
        r = as_read(clean_levels(H, W, 255), 255)
        consts[f"GRAY_{seed}_PSNR"] = peak_signal_noise_ratio(r, o, data_range=1)
        consts[f"GRAY_{seed}_SSIM"] = ssim(r, o, 1, False)
        consts[f"GRAY_{seed}_MSE"] = float(np.mean((o - r) ** 2))
        consts[f"GRAY_{seed}_MAE"] = float(np.mean(np.abs(o - r)))
        consts[f"GRAY_{seed}_BIAS"] = float(np.mean(o - r))
        consts[f"GRAY_{seed}_BLUR"] = blur_effect(o, h_size=11)
        consts[f"GRAY_{seed}_TENENGRAD_RATIO"] = tenengrad(o) / tenengrad(r)
        consts[f"GRAY_{seed}_RESIDUAL_NOISE"] = immerkaer(o - r)
    # B-D: 8-bit RGB, one file: channels from seeds 3, 4, 5 (output) and the scene scaled
    # (reference).
    o = np.stack([as_read(noisy_levels(H, W, s, 255), 255) for s in (3, 4, 5)], axis=-1)
    r = np.stack([as_read(quantise(scene(H, W) * k, 255), 255) for k in (1.0, 0.9, 0.7)], axis=-1)
    consts["RGB_PSNR"] = peak_signal_noise_ratio(r, o, data_range=1)
    consts["RGB_SSIM"] = ssim(r, o, 1, True)
    consts["RGB_BLUR"] = blur_effect(o, h_size=11, channel_axis=-1)
    f32 = lambda a: a.astype(np.float32).astype(np.float64)
    yo, yr = (f32(rgb2ycbcr(a)[..., 0] / 255.0)[4:-4, 4:-4] for a in (o, r))
    consts["Y_CROP4_PSNR"] = peak_signal_noise_ratio(yr, yo, data_range=1)
    consts["Y_CROP4_SSIM"] = ssim(yr, yo, 1, False)
    go, gr = (f32(rgb2gray(a)) for a in (o, r))
    consts["GRAY_OF_RGB_PSNR"] = peak_signal_noise_ratio(gr, go, data_range=1)
    consts["GRAY_OF_RGB_SSIM"] = ssim(gr, go, 1, False)
    # E: 12-bit data in 16-bit gray files, data range 4095 levels.
    o = as_read(noisy_levels(H, W, 11, 4095), 65535)
    r = as_read(clean_levels(H, W, 4095), 65535)
    consts["DEEP_PSNR"] = peak_signal_noise_ratio(r, o, data_range=4095 / 65535)
    consts["DEEP_SSIM"] = ssim(r, o, 4095 / 65535, False)
    for k, v in consts.items():
        print(f"const {k}: f64 = {float(v)!r};")


# ---- real photos ------------------------------------------------------------------------------

PHOTOS = ["camera", "astronaut", "coffee", "chelsea", "rocket", "coins", "moon"]


def photos(root):
    from PIL import Image
    import skimage.data as data
    root = Path(root)
    (root / "ref").mkdir(parents=True, exist_ok=True)
    (root / "out").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    expected = {}
    for i, name in enumerate(PHOTOS):
        clean = getattr(data, name)()
        rgb = clean.ndim == 3
        c = clean.astype(np.float64) / 255.0
        if i % 3 == 0:      # noise
            d = c + rng.normal(0, 25 / 255, c.shape)
        elif i % 3 == 1:    # blur
            d = ndi.gaussian_filter(c, sigma=(1.5, 1.5, 0) if rgb else 1.5)
        else:               # both, milder
            d = ndi.gaussian_filter(c, sigma=(0.8, 0.8, 0) if rgb else 0.8) + rng.normal(0, 10 / 255, c.shape)
        out = np.floor(np.clip(d, 0, 1) * 255 + 0.5).astype(np.uint8)
        Image.fromarray(clean).save(root / "ref" / f"{name}.png")
        Image.fromarray(out).save(root / "out" / f"{name}.png")
        o = out.astype(np.float32) / np.float32(255)
        r = clean.astype(np.float32) / np.float32(255)
        o, r = o.astype(np.float64), r.astype(np.float64)
        expected[name] = {
            "psnr": peak_signal_noise_ratio(r, o, data_range=1),
            "ssim": ssim(r, o, 1, rgb),
            "blur-effect": blur_effect(o, h_size=11, channel_axis=-1 if rgb else None),
        }
    (root / "expected.json").write_text(json.dumps(expected, indent=1))
    print(f"{len(PHOTOS)} photos in {root}/ref, degraded in {root}/out, expected.json written")


def check(root, scores):
    expected = json.loads((Path(root) / "expected.json").read_text())
    got = {i["name"]: i for i in json.loads(Path(scores).read_text())[0]["images"]}
    worst = {}
    for name, e in expected.items():
        for k, v in e.items():
            diff = abs(got[name][k] - v)
            print(f"{name:<12} {k:<12} denoise {got[name][k]:.10f}  scikit-image {v:.10f}  |diff| {diff:.2e}")
            worst[k] = max(worst.get(k, 0.0), diff)
    print("largest |difference|:", ", ".join(f"{k} {v:.2e}" for k, v in worst.items()))


if __name__ == "__main__":
    if sys.argv[1:2] == ["fixtures"]:
        fixtures()
    elif sys.argv[1:2] == ["photos"] and len(sys.argv) == 3:
        photos(sys.argv[2])
    elif sys.argv[1:2] == ["check"] and len(sys.argv) == 4:
        check(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
