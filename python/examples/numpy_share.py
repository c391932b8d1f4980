#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The Python half of the README's example: examples/numpy_share.c fills an
array of 1000 doubles in shared memory and sets an event; this process
views the array with numpy, squares it in place and sets the other event.
Either may start first."""

import numpy as np

import shmap

to_py = shmap.Event("numpy_share.to_py")  # auto-reset, created or opened
to_c = shmap.Event("numpy_share.to_c")
if not to_py.wait(timeout=30):
    raise SystemExit("Python: the C side did not fill the array")

shm = shmap.SharedMemory("numpy_share.array")
a = np.ndarray((1000,), dtype=np.float64, buffer=shm.buf)
print("Python: a[:4] =", a[:4])
a **= 2
to_c.set()

del a  # no view may outlive close()
shm.close()
to_py.close()
to_c.close()
