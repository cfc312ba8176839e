//! The mean-field interaction force F_i = (1/N) Σ_j ∇K(X_i − X_j) and the choice of its
//! evaluation: the O(N log N) polynomial·sign path in 1D, the tiled exact pair sum otherwise.

use nalgebra::SVector;

use crate::SimError;
use crate::model::Interaction;
use crate::pairs::{self, PairWorkspace};
use crate::polysign::{PolySign, PolySignWorkspace};

/// How an interaction is summed, decided once per simulation.
#[derive(Debug, Clone)]
enum Evaluation {
    /// ∇K = 0: nothing to sum.
    Zero,
    /// 1D polynomial·sign force: sort and prefix sums.
    PolySign(PolySign),
    /// Anything else: the exact pair sum.
    Pairs,
}

/// Reusable scratch buffers of the mean-field evaluation: the positions and forces one slice
/// per coordinate (what the vectorised pair loop reads), the tiles of the pair sum and the
/// sort order of the 1D fast path. Reuse it across calls to avoid allocation.
#[derive(Debug, Clone)]
pub struct ForceWorkspace<const D: usize> {
    evaluation: Option<Evaluation>,
    /// Positions, coordinate c in `coords[c]`.
    pub(crate) coords: [Vec<f64>; D],
    /// Forces, coordinate c in `forces[c]`.
    pub(crate) forces: [Vec<f64>; D],
    pairs: PairWorkspace,
    poly_sign: PolySignWorkspace,
}

impl<const D: usize> Default for ForceWorkspace<D> {
    fn default() -> Self {
        Self {
            evaluation: None,
            coords: std::array::from_fn(|_| Vec::new()),
            forces: std::array::from_fn(|_| Vec::new()),
            pairs: PairWorkspace::default(),
            poly_sign: PolySignWorkspace::default(),
        }
    }
}

impl<const D: usize> ForceWorkspace<D> {
    /// An empty workspace; buffers grow on first use.
    pub fn new() -> Self {
        Self::default()
    }

    /// A workspace for `interaction` on `n` particles, with the evaluation path chosen.
    pub(crate) fn for_interaction(interaction: &Interaction<D>, n: usize) -> Self {
        let mut ws = Self::new();
        ws.choose(interaction);
        ws.resize(n);
        ws
    }

    fn choose(&mut self, interaction: &Interaction<D>) {
        let fast = (D == 1 && interaction.profile.is_none() && interaction.pair_force.is_none())
            .then(|| PolySign::from_kernels(&interaction.terms))
            .flatten();
        self.evaluation = Some(if interaction.is_zero() {
            Evaluation::Zero
        } else {
            fast.map_or(Evaluation::Pairs, Evaluation::PolySign)
        });
    }

    fn resize(&mut self, n: usize) {
        for v in self.coords.iter_mut().chain(self.forces.iter_mut()) {
            v.resize(n, 0.0);
        }
    }

    /// Copies `positions` into [`coords`](Self::coords) (one slice per coordinate).
    pub(crate) fn load(&mut self, positions: &[SVector<f64, D>]) {
        for (c, coord) in self.coords.iter_mut().enumerate() {
            for (v, p) in coord.iter_mut().zip(positions) {
                *v = p[c];
            }
        }
    }

    /// [`forces`](Self::forces) ← the mean field at [`coords`](Self::coords), on the path chosen
    /// by [`for_interaction`](Self::for_interaction): no checks, a non-finite force shows up in
    /// the forces.
    pub(crate) fn evaluate(&mut self, interaction: &Interaction<D>) {
        let Self { evaluation, coords, forces, pairs, poly_sign } = self;
        match evaluation.as_ref().expect("evaluation path chosen") {
            Evaluation::Zero => forces.iter_mut().for_each(|f| f.fill(0.0)),
            Evaluation::PolySign(force) => force.mean_field(&coords[0], poly_sign, &mut forces[0]),
            Evaluation::Pairs => pairs::mean_field(
                interaction,
                coords.each_ref().map(Vec::as_slice),
                pairs,
                forces.each_mut().map(Vec::as_mut_slice),
            ),
        }
    }
}

impl<const D: usize> Interaction<D> {
    /// The mean-field force F_i = (1/N) Σ_j ∇K(X_i − X_j) on every particle, written to `out`.
    ///
    /// # Errors
    /// If `out` and `positions` differ in length, a position is not finite, the force is
    /// invalid (see [`validate`](Self::validate)) or a force value is not finite.
    pub fn mean_field(
        &self,
        positions: &[SVector<f64, D>],
        workspace: &mut ForceWorkspace<D>,
        out: &mut [SVector<f64, D>],
    ) -> Result<(), SimError> {
        if out.len() != positions.len() {
            return Err(SimError::LengthMismatch {
                what: "force output buffer",
                expected: positions.len(),
                got: out.len(),
            });
        }
        check_dimension::<D>()?;
        self.validate()?;
        if let Some((index, value)) = first_non_finite(positions) {
            return Err(SimError::NonFinitePosition { index, value });
        }
        workspace.choose(self);
        workspace.resize(positions.len());
        workspace.load(positions);
        workspace.evaluate(self);
        for (i, o) in out.iter_mut().enumerate() {
            *o = SVector::from_fn(|c, _| workspace.forces[c][i]);
        }
        match first_non_finite(out) {
            Some((index, value)) => Err(SimError::NonFiniteForce { index, value }),
            None => Ok(()),
        }
    }
}

/// d = 1, 2, 3: the pair loop is written for those (see `pairs`).
pub(crate) fn check_dimension<const D: usize>() -> Result<(), SimError> {
    if (1..=3).contains(&D) { Ok(()) } else { Err(SimError::UnsupportedDimension { dim: D }) }
}

/// The first particle (in index order) with a non-finite coordinate, and that coordinate.
pub(crate) fn first_non_finite<const D: usize>(points: &[SVector<f64, D>]) -> Option<(usize, f64)> {
    points.iter().enumerate().find_map(|(i, p)| p.iter().find(|v| !v.is_finite()).map(|&v| (i, v)))
}

/// The naive O(N²) mean-field sum F_i = (1/N) Σ_{j : x_j ≠ x_i} f(x_i − x_j) for any force f
/// (ties and the self term contribute nothing). Meant as a reference for tests.
pub fn pair_forces_direct<const D: usize>(
    f: impl Fn(&SVector<f64, D>) -> SVector<f64, D>,
    positions: &[SVector<f64, D>],
) -> Vec<SVector<f64, D>> {
    let n = positions.len() as f64;
    positions
        .iter()
        .map(|xi| {
            let mut acc = SVector::zeros();
            for xj in positions {
                if xj != xi {
                    acc += f(&(xi - xj));
                }
            }
            acc / n
        })
        .collect()
}
