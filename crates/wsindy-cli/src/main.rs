//! The `wsindy` command line: `wsindy demo` simulates one of the paper's examples and
//! identifies its mean-field equation.

mod cli;
mod demo;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "wsindy",
    version,
    about = "Learn mean-field equations of interacting particle systems (WSINDy)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate one of the paper's examples and identify its mean-field equation.
    Demo(demo::DemoArgs),
    /// Identify the mean-field equation of particle data read from a file (.npz, .npy, .csv).
    Identify(cli::identify::IdentifyArgs),
    /// Simulate a particle system described by a TOML config and write it to an .npz file.
    Simulate(cli::simulate::SimulateArgs),
}

fn main() -> std::process::ExitCode {
    let result = match Cli::parse().command {
        Command::Demo(args) => demo::run(&args),
        Command::Identify(args) => cli::identify::run(&args),
        Command::Simulate(args) => cli::simulate::run(&args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // the chain of causes, without a backtrace: the message names the bad value
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
