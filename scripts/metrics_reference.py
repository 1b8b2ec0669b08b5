#!/usr/bin/env python3
"""Reference values for crates/metrics/tests/reference.rs.

Pinned: numpy==2.2.6 scipy==1.15.3 scikit-image==0.25.2 (install: pip install -r
scripts/metrics_reference.requirements.txt). The fixtures are integer formulas, written the same way
in crates/metrics/tests/util.rs, rounded to float32 (the crate's input type) and then measured in
float64 (the crate's arithmetic). Run: python3 scripts/metrics_reference.py
"""
import numpy as np
from scipy import ndimage as ndi
from skimage.measure import blur_effect
from skimage.metrics import peak_signal_noise_ratio, structural_similarity


def hash_image(h, w, seed):
    y, x = np.mgrid[0:h, 0:w].astype(np.uint64)
    v = ((y * np.uint64(73856093)) ^ (x * np.uint64(19349663)) ^ np.uint64(seed * 83492791)) % np.uint64(256)
    return (v.astype(np.float64) / 255.0).astype(np.float32)


def scene(h, w):
    return scene64(h, w).astype(np.float32)


def scene64(h, w):
    """The test scene in float64: a box, a ramp along the top, a checkerboard on the right."""
    out = np.full((h, w), 0.2, dtype=np.float64)
    for y in range(h):
        for x in range(w):
            if 8 <= y < 24 and 6 <= x < 20:
                out[y, x] = 0.8
            elif y < 4:
                out[y, x] = x / (w - 1)
            elif x >= w - 6:
                out[y, x] = ((x + y) // 2 % 2) * 0.6 + 0.2
    return out


def noisy(img, seed):
    n = hash_image(img.shape[0], img.shape[1], seed).astype(np.float64) - 0.5
    return (img.astype(np.float64) + 0.2 * n).astype(np.float32)


def f64(a):
    return a.astype(np.float64)


def tenengrad(img):
    gx = ndi.sobel(img, axis=1)
    gy = ndi.sobel(img, axis=0)
    return float(np.mean((gx**2 + gy**2)[1:-1, 1:-1]))


def laplacian_variance(img):
    return float(np.var(ndi.laplace(img)[1:-1, 1:-1]))


def high_frequency(img):
    p = np.abs(np.fft.fft2(img)) ** 2
    fy = np.fft.fftfreq(img.shape[0])[:, None]
    fx = np.fft.fftfreq(img.shape[1])[None, :]
    r = np.sqrt(fx**2 + fy**2)
    total = p.sum() - p[0, 0]
    return float(p[r > 0.25].sum() / total)


def ssim(a, b, **kw):
    return structural_similarity(f64(a), f64(b), gaussian_weights=True, sigma=1.5,
                                 use_sample_covariance=False, data_range=1.0, **kw)


def main():
    S = scene(32, 30)
    N = noisy(S, 7)
    H1 = hash_image(24, 20, 1)
    H2 = hash_image(24, 20, 2)
    RGB_A = np.stack([S, noisy(S, 3), hash_image(32, 30, 4)])
    RGB_B = np.stack([N, S, hash_image(32, 30, 5)])

    vals = {
        "SSIM_SCENE_NOISY": ssim(S, N),
        "SSIM_HASH_1_2": ssim(H1, H2),
        "SSIM_RGB": ssim(RGB_A, RGB_B, channel_axis=0),
        "PSNR_SCENE_NOISY": peak_signal_noise_ratio(f64(S), f64(N), data_range=1.0),
        "BLUR_SCENE": blur_effect(f64(S), h_size=11),
        "BLUR_NOISY": blur_effect(f64(N), h_size=11),
        "BLUR_HASH_1": blur_effect(f64(H1), h_size=11),
        "BLUR_RGB_A": blur_effect(f64(RGB_A), h_size=11, channel_axis=0),
        "TENENGRAD_SCENE": tenengrad(f64(S)),
        "TENENGRAD_NOISY": tenengrad(f64(N)),
        "LAPVAR_SCENE": laplacian_variance(f64(S)),
        "LAPVAR_HASH_1": laplacian_variance(f64(H1)),
        "HF_SCENE": high_frequency(f64(S)),
        "HF_HASH_1": high_frequency(f64(H1)),
    }
    for k, v in vals.items():
        print(f"pub const {k}: f64 = {float(v)!r};")


if __name__ == "__main__":
    main()
