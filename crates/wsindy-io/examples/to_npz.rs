//! Converts particle data to the `.npz` layout wsindy reads back fastest:
//! `cargo run --release -p wsindy-io --example to_npz -- IN OUT.npz [--dt DT | --times T.npy]`,
//! where IN is a `.npz`, `.npy` or long-form `.csv` file. Prints the shape and the read time.

use std::path::PathBuf;
use std::time::Instant;

use wsindy_io::{TimeSource, load_trajectories, read_npy_vector, write_npz};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: to_npz IN OUT.npz [--dt DT | --times T.npy]";
    let (input, output) = match args.as_slice() {
        [input, output, ..] => (PathBuf::from(input), PathBuf::from(output)),
        _ => return Err(usage.into()),
    };
    let times = match args.get(2..).unwrap_or_default() {
        [] => TimeSource::FromFile,
        [flag, value] if flag == "--dt" => TimeSource::Spacing(value.parse()?),
        [flag, value] if flag == "--times" => TimeSource::Array(read_npy_vector(&PathBuf::from(value))?),
        _ => return Err(usage.into()),
    };
    let start = Instant::now();
    let data = load_trajectories(&input, times)?;
    let elapsed = start.elapsed();
    write_npz(&output, &data)?;
    println!(
        "{}: M = {}, L = {}, N = {}, d = {}, dt = {}; read in {:.2} ms; wrote {}",
        input.display(),
        data.experiments(),
        data.time_points(),
        data.particles(),
        data.dim(),
        data.dt(),
        elapsed.as_secs_f64() * 1e3,
        output.display()
    );
    Ok(())
}
