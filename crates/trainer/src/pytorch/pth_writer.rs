//! Writes a state dict in `torch.save`'s zip format (what `torch.load(path, weights_only=True)`
//! reads): an uncompressed zip of `archive/data.pkl` (a protocol-2 pickle of an `OrderedDict` of
//! name → `torch._utils._rebuild_tensor_v2(storage, 0, shape, stride, False, OrderedDict())`) and
//! one little-endian record `archive/data/<i>` per tensor, aligned to 64 bytes as torch writes
//! them. burn-store reads PyTorch files but cannot write them.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::error::{Error, Result};

/// The values of one tensor.
#[derive(Debug, Clone, PartialEq)]
pub enum PthValues {
    /// `torch.float32`.
    F32(Vec<f32>),
    /// `torch.int64`.
    I64(Vec<i64>),
}

/// A named tensor of a state dict.
#[derive(Debug, Clone, PartialEq)]
pub struct PthTensor {
    /// The state-dict key, e.g. `model.0.weight`.
    pub name: String,
    /// Its shape (empty for a scalar).
    pub shape: Vec<usize>,
    /// Its values, row-major.
    pub values: PthValues,
}

/// Protocol-2 pickle opcodes used here.
mod op {
    pub const PROTO: u8 = 0x80;
    pub const GLOBAL: u8 = b'c';
    pub const EMPTY_TUPLE: u8 = b')';
    pub const REDUCE: u8 = b'R';
    pub const MARK: u8 = b'(';
    pub const TUPLE: u8 = b't';
    pub const BINUNICODE: u8 = b'X';
    pub const BININT: u8 = b'J';
    pub const BINPERSID: u8 = b'Q';
    pub const NEWFALSE: u8 = 0x89;
    pub const SETITEMS: u8 = b'u';
    pub const STOP: u8 = b'.';
}

#[derive(Default)]
struct Pickle(Vec<u8>);

impl Pickle {
    fn global(&mut self, module: &str, name: &str) {
        self.0.push(op::GLOBAL);
        self.0
            .extend_from_slice(format!("{module}\n{name}\n").as_bytes());
    }
    fn str(&mut self, s: &str) {
        self.0.push(op::BINUNICODE);
        self.0.extend_from_slice(&(s.len() as u32).to_le_bytes());
        self.0.extend_from_slice(s.as_bytes());
    }
    fn int(&mut self, v: usize) -> Result<()> {
        let v = i32::try_from(v)
            .map_err(|_| Error::Other(format!("{v} does not fit a pickle BININT")))?;
        self.0.push(op::BININT);
        self.0.extend_from_slice(&v.to_le_bytes());
        Ok(())
    }
    fn ints(&mut self, values: &[usize]) -> Result<()> {
        self.0.push(op::MARK);
        for &v in values {
            self.int(v)?;
        }
        self.0.push(op::TUPLE);
        Ok(())
    }
    fn empty_ordered_dict(&mut self) {
        self.global("collections", "OrderedDict");
        self.0.extend_from_slice(&[op::EMPTY_TUPLE, op::REDUCE]);
    }
}

/// Row-major strides of `shape`.
fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

/// The pickle of the state dict (`archive/data.pkl`).
fn pickle(tensors: &[PthTensor]) -> Result<Vec<u8>> {
    let mut p = Pickle::default();
    p.0.extend_from_slice(&[op::PROTO, 2]);
    p.empty_ordered_dict();
    p.0.push(op::MARK);
    for (key, t) in tensors.iter().enumerate() {
        let (storage, numel) = match &t.values {
            PthValues::F32(v) => ("FloatStorage", v.len()),
            PthValues::I64(v) => ("LongStorage", v.len()),
        };
        if numel != t.shape.iter().product::<usize>() {
            return Err(Error::Other(format!(
                "{}: {numel} values for shape {:?}",
                t.name, t.shape
            )));
        }
        p.str(&t.name);
        p.global("torch._utils", "_rebuild_tensor_v2");
        p.0.push(op::MARK);
        // the storage: a persistent id ('storage', type, key, location, numel)
        p.0.push(op::MARK);
        p.str("storage");
        p.global("torch", storage);
        p.str(&key.to_string());
        p.str("cpu");
        p.int(numel)?;
        p.0.push(op::TUPLE);
        p.0.push(op::BINPERSID);
        p.int(0)?; // storage offset
        p.ints(&t.shape)?;
        p.ints(&strides(&t.shape))?;
        p.0.push(op::NEWFALSE); // requires_grad
        p.empty_ordered_dict(); // backward hooks
        p.0.push(op::TUPLE);
        p.0.push(op::REDUCE);
    }
    p.0.extend_from_slice(&[op::SETITEMS, op::STOP]);
    Ok(p.0)
}

fn raw(values: &PthValues) -> Vec<u8> {
    match values {
        PthValues::F32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        PthValues::I64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
    }
}

/// The bytes of a `.pth` file holding `tensors` in this order (the state dict's order).
pub fn pth_bytes(tensors: &[PthTensor]) -> Result<Vec<u8>> {
    let zip_err =
        |e: zip::result::ZipError| Error::Other(format!("cannot build the .pth zip: {e}"));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(DateTime::default());
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let record = |zip: &mut ZipWriter<_>, name: &str, bytes: &[u8], align: u16| {
        zip.start_file(format!("archive/{name}"), options.with_alignment(align))
            .map_err(zip_err)?;
        zip.write_all(bytes)?;
        Ok::<_, Error>(())
    };
    record(&mut zip, "data.pkl", &pickle(tensors)?, 1)?;
    record(&mut zip, ".format_version", b"1", 1)?;
    record(&mut zip, ".storage_alignment", b"64", 1)?;
    record(&mut zip, "byteorder", b"little", 1)?;
    for (key, t) in tensors.iter().enumerate() {
        record(&mut zip, &format!("data/{key}"), &raw(&t.values), 64)?;
    }
    record(&mut zip, "version", b"3\n", 1)?;
    Ok(zip.finish().map_err(zip_err)?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strides_are_row_major() {
        assert_eq!(strides(&[64, 3, 3, 3]), vec![27, 9, 3, 1]);
        assert_eq!(strides(&[5]), vec![1]);
        assert!(strides(&[]).is_empty());
    }

    #[test]
    fn a_shape_that_does_not_hold_the_values_is_refused() {
        let t = PthTensor {
            name: "x".into(),
            shape: vec![2, 2],
            values: PthValues::F32(vec![0.0; 3]),
        };
        assert!(pth_bytes(&[t]).is_err());
    }
}
