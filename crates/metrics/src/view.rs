//! Borrowed planar images, the input type of every metric.

use crate::MetricsError;

/// A borrowed planar `f32` image: `data[c * height * width + y * width + x]`.
#[derive(Debug, Clone, Copy)]
pub struct ImageRef<'a> {
    data: &'a [f32],
    channels: usize,
    height: usize,
    width: usize,
}

impl<'a> ImageRef<'a> {
    /// Wraps a planar buffer of shape `[channels, height, width]`, checking its length and that
    /// `channels` is 1 or 3.
    pub fn new(
        data: &'a [f32],
        channels: usize,
        height: usize,
        width: usize,
    ) -> Result<Self, MetricsError> {
        if channels != 1 && channels != 3 {
            return Err(MetricsError::Channels(channels));
        }
        let expected = channels * height * width;
        if data.len() != expected {
            return Err(MetricsError::BadBuffer {
                len: data.len(),
                channels,
                height,
                width,
                expected,
            });
        }
        Ok(Self {
            data,
            channels,
            height,
            width,
        })
    }

    /// A single-channel image.
    pub fn gray(data: &'a [f32], height: usize, width: usize) -> Result<Self, MetricsError> {
        Self::new(data, 1, height, width)
    }

    /// All values, planar.
    pub fn data(&self) -> &'a [f32] {
        self.data
    }

    /// Number of channels (1 or 3).
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// `[channels, height, width]`.
    pub fn shape(&self) -> [usize; 3] {
        [self.channels, self.height, self.width]
    }

    /// Channel `c` as a row-major slice of `height × width` values.
    pub fn plane(&self, c: usize) -> &'a [f32] {
        let n = self.height * self.width;
        &self.data[c * n..(c + 1) * n]
    }

    /// The luminance plane in `f64`: the gray channel itself, or for RGB
    /// `0.2125 R + 0.7154 G + 0.0721 B` (scikit-image `rgb2gray`).
    pub fn luminance(&self) -> OwnedPlane {
        let n = self.height * self.width;
        let values = if self.channels == 1 {
            self.data.iter().map(|&v| f64::from(v)).collect()
        } else {
            let (r, g, b) = (self.plane(0), self.plane(1), self.plane(2));
            (0..n)
                .map(|i| {
                    0.2125 * f64::from(r[i]) + 0.7154 * f64::from(g[i]) + 0.0721 * f64::from(b[i])
                })
                .collect()
        };
        OwnedPlane {
            values,
            height: self.height,
            width: self.width,
        }
    }

    pub(crate) fn same_shape(&self, other: &ImageRef<'_>) -> Result<(), MetricsError> {
        if self.shape() == other.shape() {
            Ok(())
        } else {
            Err(MetricsError::ShapeMismatch {
                a: self.shape(),
                b: other.shape(),
            })
        }
    }
}

/// A single `f64` plane, row-major, used inside the metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnedPlane {
    /// `height × width` values, row-major.
    pub values: Vec<f64>,
    /// Height in pixels.
    pub height: usize,
    /// Width in pixels.
    pub width: usize,
}

impl OwnedPlane {
    /// The value at row `y`, column `x`.
    #[inline]
    pub fn at(&self, y: usize, x: usize) -> f64 {
        self.values[y * self.width + x]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_wrong_length_and_channels() {
        let d = [0.0f32; 12];
        assert!(matches!(
            ImageRef::new(&d, 1, 3, 5),
            Err(MetricsError::BadBuffer { expected: 15, .. })
        ));
        assert_eq!(
            ImageRef::new(&d, 2, 2, 3).unwrap_err(),
            MetricsError::Channels(2)
        );
        assert_eq!(ImageRef::new(&d, 3, 2, 2).unwrap().plane(2).len(), 4);
    }

    #[test]
    fn luminance_uses_rgb2gray_weights() {
        // One pixel, R=1, G=0, B=0 then G only then B only: the weights come back one by one.
        let img = [1.0f32, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
        let v = ImageRef::new(&img, 3, 1, 3).unwrap().luminance();
        assert!((v.values[0] - 0.2125).abs() < 1e-12);
        assert!((v.values[1] - 0.7154).abs() < 1e-12);
        assert!((v.values[2] - 0.0721).abs() < 1e-12);
    }
}
