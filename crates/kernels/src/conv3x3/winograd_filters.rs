//! The filters of Winograd's F(4×4, 3×3) (`conv3x3::winograd`): `U = G g Gᵀ`, each 3×3 filter
//! to 6×6, for every pair of output and input channels, as runs over the input channels.

use pulp::{Simd, WithSimd};

use super::micro::Isa;
use super::winograd::POS;

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
        // of that to six (rows[j]), as runs over the input channels.
        let mut columns = [[(); 6]; 3].map(|c| c.map(|_| vec![0.0f32; n]));
        let mut rows = [(); 6].map(|_| vec![0.0f32; n]);
        for o in 0..c_out {
            let g = |ky: usize, kx: usize| &taps[((3 * ky + kx) * c_out + o) * n..][..n];
            for (kx, column) in columns.iter_mut().enumerate() {
                let (g0, g1, g2) = (g(0, kx), g(1, kx), g(2, kx));
                let [c0, c1, c2, c3, c4, c5] = column.each_mut().map(|c| &mut c[..n]);
                for c in 0..n {
                    let v = times_g([g0[c], g1[c], g2[c]]);
                    (c0[c], c1[c], c2[c], c3[c], c4[c], c5[c]) =
                        (v[0], v[1], v[2], v[3], v[4], v[5]);
                }
            }
            for i in 0..6 {
                let (a0, a1, a2) = (
                    &columns[0][i][..n],
                    &columns[1][i][..n],
                    &columns[2][i][..n],
                );
                let [r0, r1, r2, r3, r4, r5] = rows.each_mut().map(|r| &mut r[..n]);
                for c in 0..n {
                    let v = times_g([a0[c], a1[c], a2[c]]);
                    (r0[c], r1[c], r2[c], r3[c], r4[c], r5[c]) =
                        (v[0], v[1], v[2], v[3], v[4], v[5]);
                }
                for (j, row) in rows.iter().enumerate() {
                    u[((6 * i + j) * c_out + o) * n..][..n].copy_from_slice(row);
                }
            }
        }
    }
}
