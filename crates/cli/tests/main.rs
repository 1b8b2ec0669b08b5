//! Integration tests of the `denoise` binary: bad input and exit codes, the commands end to end,
//! interruption and resumption, the report, PyTorch state dicts in and out, and what `devices`
//! says about GPUs.

mod bad_input;
mod binary;
mod devices;
mod interruption;
mod protocol;
mod pytorch;
mod real_noise;
mod report;
mod score;
mod util;
