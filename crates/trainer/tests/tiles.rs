//! Inference in tiles: the output equals one pass over the whole image up to rounding when the
//! tiles overlap by the receptive radius, and visibly differs when they overlap less (so the test
//! sees the margin); the radius itself is checked by moving one input pixel.

use denoise_data::Image;
use denoise_model::{Denoiser, DenoiserConfig};
use denoise_trainer::backend::{self, BackendChoice};
use denoise_trainer::evaluate::tiles::denoise_in_tiles;
use denoise_trainer::evaluate::{Inference, TileSize, denoise_images};

fn model(device: &burn::tensor::Device, batch_norm: bool) -> Denoiser {
    DenoiserConfig::new(1)
        .with_depth(6)
        .with_width(16)
        .with_batch_norm(batch_norm)
        .with_init_seed(5)
        .init(device)
}

/// A textured image with edges (values in [0, 1]).
fn image(h: usize, w: usize) -> Image {
    let data = (0..h * w)
        .map(|i| {
            let (y, x) = (i / w, i % w);
            let v = ((y * 7 + x * 13) % 31) as f32 / 31.0;
            if (x / 9 + y / 11) % 2 == 0 {
                v
            } else {
                1.0 - 0.5 * v
            }
        })
        .collect();
    Image::new(data, 1, h, w).unwrap()
}

fn max_diff(a: &Image, b: &Image) -> f32 {
    a.as_slice()
        .iter()
        .zip(b.as_slice())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

fn whole(m: &Denoiser, img: &Image, device: &burn::tensor::Device) -> Image {
    let inference = Inference {
        tile: TileSize::Whole,
        ..Inference::unstoppable()
    };
    denoise_images(m, &[img], device, &inference)
        .unwrap()
        .remove(0)
}

#[test]
fn tiles_overlapping_by_the_receptive_radius_give_the_untiled_output() {
    let device = backend::select(BackendChoice::Flex).unwrap().device;
    let img = image(70, 83);
    for batch_norm in [false, true] {
        let m = model(&device, batch_norm);
        let full = whole(&m, &img, &device);
        let r = m.receptive_radius();
        assert_eq!(r, 6);
        let tiled = Inference {
            tile: TileSize::Side(16),
            ..Inference::unstoppable()
        };
        let out = denoise_images(&m, &[&img], &device, &tiled)
            .unwrap()
            .remove(0);
        // f32 sums of 9 × 16 products per layer, 6 layers, in another order: a few ulps of values
        // of order 1; 1e-5 is 80 ulps at 1.0.
        let d = max_diff(&out, &full);
        assert!(d <= 1e-5, "batch norm {batch_norm}: tiled differs by {d}");
        // With too little overlap the tile edges show.
        let short = denoise_in_tiles(&m, &img, 16, r - 2, &device, &|| None).unwrap();
        let d = max_diff(&short, &full);
        assert!(
            d > 1e-3,
            "batch norm {batch_norm}: margin {} differs only {d}",
            r - 2
        );
    }
}

#[test]
fn an_output_pixel_sees_exactly_the_receptive_radius() {
    let device = backend::select(BackendChoice::Flex).unwrap().device;
    let m = model(&device, false);
    let (h, w, cy, cx) = (41, 41, 20, 20);
    let img = image(h, w);
    let mut moved = img.as_slice().to_vec();
    moved[cy * w + cx] += 0.5;
    let moved = Image::new(moved, 1, h, w).unwrap();
    let (a, b) = (whole(&m, &img, &device), whole(&m, &moved, &device));
    let mut reach = 0usize;
    for y in 0..h {
        for x in 0..w {
            if (a.at(0, y, x) - b.at(0, y, x)).abs() > 0.0 {
                reach = reach.max(y.abs_diff(cy).max(x.abs_diff(cx)));
            }
        }
    }
    assert_eq!(reach, m.receptive_radius());
}

#[test]
fn a_stop_request_ends_inference_between_tiles() {
    let device = backend::select(BackendChoice::Flex).unwrap().device;
    let m = model(&device, false);
    let asked = std::cell::Cell::new(0);
    let stop = || {
        asked.set(asked.get() + 1);
        (asked.get() > 2).then_some("SIGTERM")
    };
    let err = denoise_in_tiles(&m, &image(64, 64), 16, 6, &device, &stop).unwrap_err();
    assert!(err.to_string().contains("SIGTERM"), "{err}");
    assert_eq!(err.kind(), denoise_trainer::ErrorKind::Interrupted);
    assert_eq!(asked.get(), 3, "stopped at the third of 16 tiles");
}
