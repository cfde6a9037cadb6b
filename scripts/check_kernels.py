"""Print the BLAS and numba kernels this process computes with, and fail (exit 1) when a kernel
asked for through the environment is not the one in use.

`make test-portable` runs the numerically sensitive tests again under other kernels; this
check proves that each setting really changed the kernel, so that a pass means something:

* ``OPENBLAS_CORETYPE=NAME``: every OpenBLAS loaded (numpy's and scipy's) must report NAME
  through threadpoolctl. Builds without a kernel for an old core fall back to the oldest one
  they have: scipy-openblas has no Prescott kernel and runs Katmai (plain SSE) instead, which
  is accepted for Prescott and Core2.
* ``NUMBA_CPU_NAME=NAME``: numba's code generator must target NAME (``generic``: no CPU
  extension beyond the x86-64 baseline).

Usage: ``python scripts/check_kernels.py`` (prints one line per library).
"""

from __future__ import annotations

import os
import sys

# what an OpenBLAS build may report for a requested core type it has no kernel of its own for
FALLBACKS = {"prescott": {"prescott", "katmai"}, "core2": {"core2", "katmai"}}


def blas_kernels() -> list[tuple[str, str]]:
    """(library, architecture) of every BLAS loaded by numpy and scipy."""
    import numpy  # noqa: F401  (loads its OpenBLAS)
    import scipy.linalg  # noqa: F401  (loads scipy's own OpenBLAS)
    from threadpoolctl import threadpool_info

    return [
        (info["filepath"].rsplit("/", 1)[-1], str(info.get("architecture", "?")))
        for info in threadpool_info()
        if info.get("user_api") == "blas"
    ]


def numba_cpu() -> str:
    """The CPU numba's JIT generates code for."""
    from numba.core.registry import cpu_target

    return str(cpu_target.target_context.codegen()._get_host_cpu_name())


def problems() -> list[str]:
    found = []
    wanted_blas = os.environ.get("OPENBLAS_CORETYPE", "").lower()
    for library, arch in blas_kernels():
        print(f"blas  {library}: {arch}")
        accepted = FALLBACKS.get(wanted_blas, {wanted_blas})
        if wanted_blas and arch.lower() not in accepted:
            found.append(f"{library} runs {arch}, not OPENBLAS_CORETYPE={wanted_blas}")
    cpu = numba_cpu()
    print(f"numba target cpu: {cpu}")
    wanted_cpu = os.environ.get("NUMBA_CPU_NAME", "")
    if wanted_cpu and cpu != wanted_cpu:
        found.append(f"numba targets {cpu}, not NUMBA_CPU_NAME={wanted_cpu}")
    return found


def main() -> int:
    found = problems()
    for line in found:
        print(f"error: {line}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
