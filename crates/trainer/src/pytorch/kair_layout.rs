//! Where each layer of a denoise-lab DnCNN sits in KAIR's `DnCNN.model` (an `nn.Sequential` whose
//! ReLUs and batch norms take indices too): `act_mode='R'` puts the convolutions at 0, 2, 4, …;
//! `act_mode='BR'` at 0, 2, 5, 8, … with each hidden layer's `BatchNorm2d` right after its
//! convolution (models/network_dncnn.py, models/basicblock.py of github.com/cszn/KAIR).

/// The batch-norm ε of KAIR's `basicblock.conv` (`nn.BatchNorm2d(…, eps=1e-04)`).
pub const KAIR_NORM_EPSILON: f64 = 1e-4;

/// The indices of one layer in `model.{i}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KairIndex {
    /// The convolution's index.
    pub conv: usize,
    /// The batch norm's, for hidden layers of a batch-norm model.
    pub norm: Option<usize>,
}

/// KAIR's indices for a DnCNN of `depth` convolutions (`nb`), with batch norm or without.
pub fn kair_layout(depth: usize, batch_norm: bool) -> Vec<KairIndex> {
    let mut next = 0;
    (0..depth)
        .map(|layer| {
            let hidden = layer > 0 && layer + 1 < depth;
            let index = KairIndex {
                conv: next,
                norm: (hidden && batch_norm).then_some(next + 1),
            };
            // the convolution, its batch norm, its ReLU (every layer but the last has one)
            next += 1 + usize::from(index.norm.is_some()) + usize::from(layer + 1 < depth);
            index
        })
        .collect()
}

/// KAIR's `act_mode` of such a model.
pub fn act_mode(batch_norm: bool) -> &'static str {
    if batch_norm { "BR" } else { "R" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convs(depth: usize, bn: bool) -> Vec<usize> {
        kair_layout(depth, bn).iter().map(|i| i.conv).collect()
    }

    #[test]
    fn the_indices_are_those_of_kairs_sequential() {
        // DnCNN(nb=17, act_mode='R'): Conv, ReLU, (Conv, ReLU) × 15, Conv
        assert_eq!(convs(17, false), (0..=32).step_by(2).collect::<Vec<_>>());
        // act_mode='BR': Conv, ReLU, (Conv, BN, ReLU) × 15, Conv → the tail at 2 + 3·15 = 47
        let bn = kair_layout(17, true);
        assert_eq!(
            bn[0],
            KairIndex {
                conv: 0,
                norm: None
            }
        );
        assert_eq!(
            bn[1],
            KairIndex {
                conv: 2,
                norm: Some(3)
            }
        );
        assert_eq!(
            bn[2],
            KairIndex {
                conv: 5,
                norm: Some(6)
            }
        );
        assert_eq!(
            bn[16],
            KairIndex {
                conv: 47,
                norm: None
            }
        );
        assert_eq!(convs(2, true), vec![0, 2]);
    }
}
