"""Writes the numpy-made fixtures read by tests/formats.rs (run with numpy installed:
`python make_fixtures.py` in this folder). Values are simple formulas so the tests can check them."""
import numpy as np

# float32 positions (M, L, N, d) = (2, 3, 4, 1), value = 0.1 * flat index; float64 times
positions = (0.1 * np.arange(2 * 3 * 4)).astype(np.float32).reshape(2, 3, 4, 1)
np.savez("numpy_savez.npz", positions=positions, t=np.array([0.0, 0.5, 1.0]))

# compressed, (L, N, d) = (3, 5, 2) float64 positions, integer times under the key `times`
positions = np.arange(3 * 5 * 2, dtype=np.float64).reshape(3, 5, 2) / 8
np.savez_compressed("numpy_savez_compressed.npz", positions=positions, times=np.arange(3))

# big-endian float64 in Fortran order, (M, L, N, d) = (2, 3, 4, 2), value = flat C index
positions = np.asfortranarray(np.arange(2 * 3 * 4 * 2, dtype=">f8").reshape(2, 3, 4, 2))
np.save("numpy_fortran_big_endian.npy", positions)
