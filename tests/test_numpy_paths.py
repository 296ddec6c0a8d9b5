"""Reproducible on every machine: numpy runs without AVX-512 kernels when ptce_sim comes first.

On a CPU with AVX-512, numpy's other kernels (its sort among them) change the runs from the first
tie, and the reference digests fail; ``ptce_sim/__init__.py`` switches them off when it is
imported before numpy, and every run records which kernels it had (``versions.numpy_avx512``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import ptce_sim

PROBE = (
    "import json, os, {first}; import ptce_sim, numpy; "
    "print(json.dumps([os.environ.get('NPY_DISABLE_CPU_FEATURES'), ptce_sim.numpy_paths_pinned(), "
    "__import__('ptce_sim.runs.results', fromlist=['x']).package_versions()['numpy_avx512']]))"
)


def _probe(first: str = "sys", **env: str) -> list:
    clean = {k: v for k, v in os.environ.items() if k != "NPY_DISABLE_CPU_FEATURES"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(first=first)],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_imported_first_the_package_switches_avx512_off_and_records_it():
    """Imported before numpy, ptce_sim asks numpy for its AVX2 paths; runs record 'off'."""
    assert _probe() == [ptce_sim.NUMPY_CPU_FEATURES_OFF, True, "off"]


def test_a_users_own_setting_is_kept():
    """An explicit NPY_DISABLE_CPU_FEATURES is the user's choice, not overwritten."""
    setting, _pinned, recorded = _probe(NPY_DISABLE_CPU_FEATURES="AVX512_SPR")
    assert setting == "AVX512_SPR"
    assert recorded in ("on", "off")


def test_numpy_imported_first_is_recorded_as_it_ran():
    """When numpy came first, the record says whether AVX-512 kernels ran (as on this CPU)."""
    from numpy._core._multiarray_umath import __cpu_features__

    has_avx512 = any(__cpu_features__.get(n) for n in ("AVX512F", "AVX512_SKX", "X86_V4"))
    setting, pinned, recorded = _probe(first="numpy")
    assert setting == ""  # too late for this process: its workers follow its paths
    assert recorded == ("on" if has_avx512 else "off")
    assert pinned == (not has_avx512)


def test_workers_follow_the_paths_of_the_process_that_starts_them(tmp_path):
    """With numpy imported first, a worker process (importing ptce_sim first) takes the same paths.

    Otherwise a run in the process and the same run in a worker could differ on an AVX-512 CPU.
    """
    script = tmp_path / "probe.py"
    script.write_text(
        "import numpy, ptce_sim, json, multiprocessing as mp\n"
        "def pinned(_):\n"
        "    import ptce_sim\n"
        "    return ptce_sim.numpy_paths_pinned()\n"
        "if __name__ == '__main__':\n"
        "    with mp.get_context('spawn').Pool(1) as pool:\n"
        "        print(json.dumps([ptce_sim.numpy_paths_pinned(), pool.map(pinned, [0])[0]]))\n",
        encoding="utf-8",
    )
    clean = {k: v for k, v in os.environ.items() if k != "NPY_DISABLE_CPU_FEATURES"}
    out = subprocess.run(
        [sys.executable, str(script)], env=clean, capture_output=True, text=True, check=True,
        timeout=120,
    )  # fmt: skip
    here, worker = json.loads(out.stdout)
    assert here == worker
