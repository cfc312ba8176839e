use crate::CoreError;

/// One axis of an equally spaced grid: `cells` cells of width `spacing` starting at `lower`.
///
/// Cell k covers [lower + k h, lower + (k+1) h) and its centre is lower + (k + ½) h.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Axis {
    lower: f64,
    spacing: f64,
    cells: usize,
}

impl Axis {
    /// The axis whose `cells` cells exactly cover [lower, upper].
    pub fn from_edges(lower: f64, upper: f64, cells: usize) -> Result<Self, CoreError> {
        if cells < 2 {
            return Err(CoreError::TooSmall { what: "grid cells per axis", min: 2, got: cells });
        }
        if !lower.is_finite() {
            return Err(CoreError::InvalidParameter {
                what: "grid lower edge",
                value: lower,
                expected: "a finite number",
            });
        }
        if !(upper.is_finite() && upper > lower) {
            return Err(CoreError::InvalidParameter {
                what: "grid upper edge",
                value: upper,
                expected: "a finite number above the lower edge",
            });
        }
        Ok(Self { lower, spacing: (upper - lower) / cells as f64, cells })
    }

    /// Lower edge of the first cell.
    pub fn lower(&self) -> f64 {
        self.lower
    }
    /// Upper edge of the last cell.
    pub fn upper(&self) -> f64 {
        self.lower + self.spacing * self.cells as f64
    }
    /// Cell width h.
    pub fn spacing(&self) -> f64 {
        self.spacing
    }
    /// Number of cells.
    pub fn cells(&self) -> usize {
        self.cells
    }
    /// Centre of cell `k`.
    pub fn centre(&self, k: usize) -> f64 {
        self.lower + (k as f64 + 0.5) * self.spacing
    }
    /// All cell centres.
    pub fn centres(&self) -> Vec<f64> {
        (0..self.cells).map(|k| self.centre(k)).collect()
    }
    /// The cell holding `x`, or `None` outside [lower, upper). The upper edge itself belongs to
    /// the last cell so that a domain ending at the largest sample keeps it.
    #[inline]
    pub fn cell_of(&self, x: f64) -> Option<usize> {
        let s = (x - self.lower) / self.spacing;
        if s >= 0.0 && s < self.cells as f64 {
            Some(s as usize)
        } else if x == self.upper() {
            Some(self.cells - 1)
        } else {
            None
        }
    }
}

/// An equally spaced rectangular grid C in d dimensions; values on it are stored with the last
/// axis fastest.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Grid {
    axes: Vec<Axis>,
}

impl Grid {
    /// A grid from its axes (one per space dimension).
    pub fn new(axes: Vec<Axis>) -> Result<Self, CoreError> {
        if axes.is_empty() {
            return Err(CoreError::TooSmall { what: "grid dimensions", min: 1, got: 0 });
        }
        Ok(Self { axes })
    }
    /// Space dimension d.
    pub fn dim(&self) -> usize {
        self.axes.len()
    }
    /// The axes.
    pub fn axes(&self) -> &[Axis] {
        &self.axes
    }
    /// Cells per axis.
    pub fn shape(&self) -> Vec<usize> {
        self.axes.iter().map(Axis::cells).collect()
    }
    /// Total number of cells |C|.
    pub fn len(&self) -> usize {
        self.axes.iter().map(Axis::cells).product()
    }
    /// Always false: a grid has at least two cells per axis.
    pub fn is_empty(&self) -> bool {
        false
    }
    /// Volume h_1⋯h_d of one cell.
    pub fn cell_volume(&self) -> f64 {
        self.axes.iter().map(Axis::spacing).product()
    }
    /// Flat index of the cell holding `point` (d coordinates), or `None` outside the grid.
    #[inline]
    pub fn cell_of(&self, point: &[f64]) -> Option<usize> {
        let mut flat = 0;
        for (axis, &x) in self.axes.iter().zip(point) {
            flat = flat * axis.cells + axis.cell_of(x)?;
        }
        Some(flat)
    }
    /// Coordinates of all cell centres (|C| × d, last axis fastest).
    pub fn centre_points(&self) -> Vec<f64> {
        let d = self.dim();
        let mut out = vec![0.0; self.len() * d];
        for (flat, point) in out.chunks_exact_mut(d).enumerate() {
            let mut rest = flat;
            for (a, axis) in self.axes.iter().enumerate().rev() {
                point[a] = axis.centre(rest % axis.cells);
                rest /= axis.cells;
            }
        }
        out
    }
    /// The difference grid C − C: per axis the 2n−1 separations (k − n + 1) h, as points
    /// ((2n_1−1)⋯(2n_d−1) × d, last axis fastest).
    pub fn difference_points(&self) -> Vec<f64> {
        let d = self.dim();
        let shape: Vec<usize> = self.axes.iter().map(|a| 2 * a.cells - 1).collect();
        let total: usize = shape.iter().product();
        let mut out = vec![0.0; total * d];
        for (flat, point) in out.chunks_exact_mut(d).enumerate() {
            let mut rest = flat;
            for a in (0..d).rev() {
                let k = rest % shape[a];
                rest /= shape[a];
                let n = self.axes[a].cells;
                point[a] = (k as f64 - (n as f64 - 1.0)) * self.axes[a].spacing;
            }
        }
        out
    }
}
