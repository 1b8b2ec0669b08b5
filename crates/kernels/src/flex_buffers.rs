//! f32 buffers in and out of burn's flex tensors, for the host kernels of [`crate::conv3x3`]
//! and [`crate::batch_norm`].

use std::borrow::Cow;

use burn::backend::flex::FlexTensor;
use burn::tensor::{Shape, TensorData};

/// The f32 elements of a flex tensor in row-major order (copied only when not contiguous).
pub(crate) fn values(tensor: &FlexTensor) -> Cow<'_, [f32]> {
    match tensor.as_slice::<f32>() {
        Some(slice) => Cow::Borrowed(slice),
        None => Cow::Owned(
            tensor
                .to_contiguous()
                .as_slice::<f32>()
                .expect("the flex kernels run on f32 tensors only")
                .to_vec(),
        ),
    }
}

/// A flex tensor of `shape` holding `values`.
pub(crate) fn tensor(values: Vec<f32>, shape: impl Into<Shape>) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape.into()))
}

/// The f32 elements of `tensor` to overwrite in place: when it is contiguous, holds exactly
/// `len` f32 elements, and no other tensor shares its buffer; `None` otherwise.
pub(crate) fn writable(tensor: &mut FlexTensor, len: usize) -> Option<&mut [f32]> {
    let whole = tensor.as_slice::<f32>()?.len() == len
        && tensor.layout().contiguous_offsets() == Some((0, len));
    if !whole {
        return None;
    }
    tensor
        .try_storage_mut::<f32>()
        .filter(|storage| storage.len() == len)
}
