//! The filters of Winograd's F(4×4, 3×3) (`conv3x3::winograd`): `U = G g Gᵀ`, each 3×3 filter
//! to 6×6, for every pair of output and input channels, as runs over the input channels.

use pulp::{Simd, WithSimd};

use super::micro::Isa;
use super::winograd::{POS, spaced_mut};

/// `G a` for three values `a`.
#[inline(always)]
fn times_g([a0, a1, a2]: [f32; 3]) -> [f32; 6] {
    [
        a0 / 4.0,
        -(a0 + a1 + a2) / 6.0,
        -(a0 - a1 + a2) / 6.0,
        a0 / 24.0 + a1 / 12.0 + a2 / 6.0,
        a0 / 24.0 - a1 / 12.0 + a2 / 6.0,
        a2,
    ]
}

/// `G a` element-wise over runs: `out[k][c]` from `a[0][c] … a[2][c]` (each `a` at least as
/// long as the outputs, which are of one length).
#[inline(always)]
fn g_runs(a: [&[f32]; 3], [o0, o1, o2, o3, o4, o5]: [&mut [f32]; 6]) {
    let n = o0.len();
    let (o1, o2, o3) = (&mut o1[..n], &mut o2[..n], &mut o3[..n]);
    let (o4, o5) = (&mut o4[..n], &mut o5[..n]);
    let a = a.map(|r| &r[..n]);
    for c in 0..n {
        let v = times_g([a[0][c], a[1][c], a[2][c]]);
        (o0[c], o1[c], o2[c], o3[c], o4[c], o5[c]) = (v[0], v[1], v[2], v[3], v[4], v[5]);
    }
}

/// The filters transformed, `U_ξ = (G g Gᵀ)_ξ` for ξ = 6·i + j: `[36][c_out][c_in]`, from tap
/// matrices `[9][c_out][c_in]` (tap `3·ky + kx`).
pub(super) fn transform_filters(taps: &[f32], c_out: usize, c_in: usize) -> Vec<f32> {
    let mut u = vec![0.0f32; POS * c_out * c_in];
    Isa::Best.dispatch(FilterTransform {
        taps,
        u: &mut u,
        c_out,
        c_in,
    });
    u
}

/// [`transform_filters`] as a [`WithSimd`] op, element-wise over the input channels (contiguous
/// in both layouts; its divisions vectorised, each value computed as one `(o, c)` pair alone
/// would be).
struct FilterTransform<'a> {
    taps: &'a [f32],
    u: &'a mut [f32],
    c_out: usize,
    c_in: usize,
}

impl WithSimd for FilterTransform<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) {
        let Self {
            taps,
            u,
            c_out,
            c_in: n,
        } = self;
        // G g: each filter column kx to six values (columns[kx][i]), then (G g) Gᵀ: each row i
        // of that to six, written straight into U (positions 6·i + j, `c_out · n` apart), as
        // runs over the input channels.
        let mut columns = [[(); 6]; 3].map(|c| c.map(|_| vec![0.0f32; n]));
        for o in 0..c_out {
            let g = |ky: usize, kx: usize| &taps[((3 * ky + kx) * c_out + o) * n..][..n];
            for (kx, column) in columns.iter_mut().enumerate() {
                g_runs(
                    [g(0, kx), g(1, kx), g(2, kx)],
                    column.each_mut().map(|c| &mut c[..]),
                );
            }
            let [c0, c1, c2] = &columns;
            for (i, ((a0, a1), a2)) in c0.iter().zip(c1).zip(c2).enumerate() {
                let first = (6 * i * c_out + o) * n;
                g_runs([a0, a1, a2], spaced_mut(&mut u[first..], c_out * n, n));
            }
        }
    }
}
