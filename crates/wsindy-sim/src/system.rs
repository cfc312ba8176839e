//! A model with its initial law in a dimension chosen at run time.

use wsindy_core::Trajectories;

use crate::{InitialLaw, Model, Progress, SimError, SimulationConfig, simulate_with_progress};

/// A [`Model`] and its [`InitialLaw`] in dimension 1, 2 or 3, for code that learns the
/// dimension at run time (configuration files, the examples behind a trait object). The
/// simulation itself stays const-generic: [`System::simulate`] only dispatches.
#[derive(Clone)]
pub enum System {
    /// d = 1.
    Line(Model<1>, InitialLaw<1>),
    /// d = 2.
    Planar(Model<2>, InitialLaw<2>),
    /// d = 3.
    Spatial(Model<3>, InitialLaw<3>),
}

impl System {
    /// The space dimension.
    pub fn dim(&self) -> usize {
        match self {
            System::Line(..) => 1,
            System::Planar(..) => 2,
            System::Spatial(..) => 3,
        }
    }

    /// Simulates the system with `config`, reporting recorded steps to `progress`.
    ///
    /// # Errors
    /// As [`simulate_with_progress`].
    pub fn simulate(
        &self,
        config: &SimulationConfig,
        progress: Progress<'_>,
    ) -> Result<Trajectories, SimError> {
        match self {
            System::Line(model, initial) => simulate_with_progress(model, initial, config, progress),
            System::Planar(model, initial) => simulate_with_progress(model, initial, config, progress),
            System::Spatial(model, initial) => simulate_with_progress(model, initial, config, progress),
        }
    }
}

impl std::fmt::Debug for System {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "System({}D)", self.dim())
    }
}

impl From<(Model<1>, InitialLaw<1>)> for System {
    fn from((model, initial): (Model<1>, InitialLaw<1>)) -> Self {
        System::Line(model, initial)
    }
}

impl From<(Model<2>, InitialLaw<2>)> for System {
    fn from((model, initial): (Model<2>, InitialLaw<2>)) -> Self {
        System::Planar(model, initial)
    }
}

impl From<(Model<3>, InitialLaw<3>)> for System {
    fn from((model, initial): (Model<3>, InitialLaw<3>)) -> Self {
        System::Spatial(model, initial)
    }
}
