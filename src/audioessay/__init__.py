"""audioessay: turn written essays into a podcast."""

import os as _os

# audioessay parallelises by itself (worker processes, one thread per episode part); BLAS
# threads on top of that only fight over the same cores. Set before numpy is first imported.
_os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
