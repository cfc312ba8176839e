/// A dense column-major matrix: the weak-form system G handed from assembly to regression.
///
/// Kept dependency-free so that the core crate does not tie users to a linear-algebra crate.
#[derive(Debug, Clone, PartialEq)]
pub struct DenseMatrix {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

impl DenseMatrix {
    /// A `rows × cols` matrix of zeros.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Self { rows, cols, data: vec![0.0; rows * cols] }
    }
    /// A matrix from its columns (all of equal length).
    ///
    /// # Panics
    /// If the columns differ in length; callers build columns from one row set.
    pub fn from_columns(columns: &[Vec<f64>]) -> Self {
        let rows = columns.first().map_or(0, Vec::len);
        assert!(columns.iter().all(|c| c.len() == rows), "columns differ in length");
        let data = columns.iter().flatten().copied().collect();
        Self { rows, cols: columns.len(), data }
    }
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// Column `j`.
    pub fn col(&self, j: usize) -> &[f64] {
        &self.data[j * self.rows..(j + 1) * self.rows]
    }
    /// Column `j`, mutable.
    pub fn col_mut(&mut self, j: usize) -> &mut [f64] {
        &mut self.data[j * self.rows..(j + 1) * self.rows]
    }
    /// Entry (i, j).
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.data[j * self.rows + i]
    }
    /// The column-major values.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }
    /// G w.
    pub fn mul_vec(&self, w: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.rows];
        for (j, &wj) in w.iter().enumerate().take(self.cols) {
            if wj != 0.0 {
                for (o, g) in out.iter_mut().zip(self.col(j)) {
                    *o += g * wj;
                }
            }
        }
        out
    }
    /// Keeps only the rows whose index `keep` returns true for.
    pub fn retain_rows(&mut self, keep: &[bool]) {
        let rows = keep.iter().filter(|&&k| k).count();
        let mut data = Vec::with_capacity(rows * self.cols);
        for j in 0..self.cols {
            data.extend(self.col(j).iter().zip(keep).filter(|(_, k)| **k).map(|(v, _)| *v));
        }
        self.rows = rows;
        self.data = data;
    }
}
