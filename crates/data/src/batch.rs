//! Batching pairs into `[batch, channels, height, width]` tensors on a device.

use burn::data::dataloader::batcher::Batcher;
use burn::tensor::{Device, Tensor, TensorData};

use crate::{DataError, Image, Pair};

/// A batch on a device; every tensor is `[batch, channels, height, width]`.
#[derive(Debug, Clone)]
pub struct PairBatch {
    /// Noisy inputs.
    pub input: Tensor<4>,
    /// Training targets (corrupted labels).
    pub target: Tensor<4>,
    /// Clean images.
    pub clean: Tensor<4>,
}

/// Stacks images of one shape into a `[batch, channels, height, width]` host buffer.
pub fn stack_images<'a>(
    images: impl IntoIterator<Item = &'a Image>,
) -> Result<(Vec<f32>, [usize; 4]), DataError> {
    let mut data = Vec::new();
    let mut shape: Option<[usize; 3]> = None;
    let mut n = 0;
    for img in images {
        match shape {
            None => shape = Some(img.shape()),
            Some(s) if s != img.shape() => {
                return Err(DataError::Parameter {
                    name: "batch",
                    value: format!("{:?} next to {:?}", img.shape(), s),
                    expected: "images of one shape in a batch",
                });
            }
            Some(_) => {}
        }
        data.extend_from_slice(img.as_slice());
        n += 1;
    }
    let [c, h, w] = shape.ok_or(DataError::Parameter {
        name: "batch",
        value: "0 images".into(),
        expected: "at least one image",
    })?;
    Ok((data, [n, c, h, w]))
}

/// A tensor `[batch, channels, height, width]` from images of one shape.
pub fn images_to_tensor<'a>(
    images: impl IntoIterator<Item = &'a Image>,
    device: &Device,
) -> Result<Tensor<4>, DataError> {
    let (data, shape) = stack_images(images)?;
    Ok(Tensor::from_data(TensorData::new(data, shape), device))
}

/// Turns pairs into [`PairBatch`]es (burn's `Batcher`).
#[derive(Debug, Clone, Copy, Default)]
pub struct PairBatcher;

impl PairBatcher {
    /// Batches `pairs` on `device`; fails when the pairs differ in shape or there are none.
    pub fn try_batch(&self, pairs: &[Pair], device: &Device) -> Result<PairBatch, DataError> {
        Ok(PairBatch {
            input: images_to_tensor(pairs.iter().map(|p| &p.input), device)?,
            target: images_to_tensor(pairs.iter().map(|p| &p.target), device)?,
            clean: images_to_tensor(pairs.iter().map(|p| &p.clean), device)?,
        })
    }
}

impl Batcher<Pair, PairBatch> for PairBatcher {
    /// # Panics
    /// When the pairs differ in shape or there are none; [`PatchSampler`](crate::PatchSampler)
    /// never produces such a batch. Use [`PairBatcher::try_batch`] to get an error instead.
    fn batch(&self, items: Vec<Pair>, device: &Device) -> PairBatch {
        self.try_batch(&items, device)
            .unwrap_or_else(|e| panic!("cannot batch pairs: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_is_bchw_in_order() {
        let device = Device::flex();
        let mk = |v: f32| Image::new((0..12).map(|i| v + i as f32).collect(), 3, 2, 2).unwrap();
        let pairs: Vec<Pair> = [0.0, 100.0]
            .iter()
            .map(|&v| Pair {
                input: mk(v),
                target: mk(v + 1.0),
                clean: mk(v + 2.0),
            })
            .collect();
        let b = PairBatcher.batch(pairs, &device);
        assert_eq!(b.input.dims(), [2, 3, 2, 2]);
        let v = b.target.into_data().try_to_vec::<f32>().unwrap();
        // Item 1, channel 2, row 1, column 0 = 101 + (2·4 + 2) = 111.
        assert_eq!(v[12 + 2 * 4 + 2], 111.0);
        assert_eq!(v[0], 1.0);
    }

    #[test]
    fn mixed_shapes_are_an_error() {
        let a = Image::filled(1, 2, 2, 0.0);
        let b = Image::filled(1, 3, 2, 0.0);
        assert!(stack_images([&a, &b]).is_err());
        assert!(stack_images(std::iter::empty()).is_err());
    }
}
