"""ptce-sim: agent-based simulation of territorial economic cooperation poles (PTCE) on Mesa 3.

Results are bit-identical from one x86-64 machine to another only if numpy takes the same code
paths. numpy picks its SIMD kernels at import time from the CPU; on a CPU with AVX-512 it uses
other kernels (its default sort puts equal keys in another order, its ``exp`` and ``log`` differ
in the last digit) and the runs drift from the reference digests (``tests/reference/``) from the
first difference. So the package, imported before numpy, asks numpy not to dispatch to AVX-512
(:data:`NUMPY_CPU_FEATURES_OFF`), which keeps every AVX2 machine on the same paths. A user who
sets ``NPY_DISABLE_CPU_FEATURES`` keeps their choice; when numpy was imported first with AVX-512
on, :func:`numpy_paths_pinned` says so (every run's ``run.json`` records it, in
``versions.numpy_avx512``), results may differ from the reference, and the worker processes of a
batch follow the importing process's paths, so that the number of workers never matters.
"""

import os
import sys

__version__ = "0.1.0"

NUMPY_CPU_FEATURES_OFF = "X86_V4 AVX512_ICL AVX512_SPR"
"""numpy's AVX-512 dispatch targets (numpy 2.x names), switched off for reproducible results."""

# Imported before numpy: the reference's paths. After it: too late for this process, so the
# worker processes it starts (which import ptce_sim first) are told to take the same paths as it
# (an empty setting), and a run gives the same results whatever the number of workers.
os.environ.setdefault(
    "NPY_DISABLE_CPU_FEATURES", "" if "numpy" in sys.modules else NUMPY_CPU_FEATURES_OFF
)


def numpy_paths_pinned() -> bool:
    """Whether numpy runs without AVX-512 kernels (those the reference digests were made with)."""
    from numpy._core._multiarray_umath import __cpu_features__

    return not any(__cpu_features__.get(name, False) for name in NUMPY_CPU_FEATURES_OFF.split())
