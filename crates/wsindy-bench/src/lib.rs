//! Benchmarks of the wsindy pipeline stages live in `benches/` (run `cargo bench -p wsindy-bench`).
