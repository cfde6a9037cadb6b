"""Loading: (A) a 1,000,000-row CSV, `load_series` against a bare `pandas.read_csv` +
`to_datetime`; (B) a long panel (CSV and Parquet), `forecast.data.load` against a plain
`pyarrow` read and a plain `pandas` read of the same file.

Usage: python bench/bench_load.py [single] [panel [SERIES [ROUNDS [BASELINE_SRC]]]]
(no argument: both parts; panel defaults: 100,000 series x 100 points = 10M rows, 3 rounds).
BASELINE_SRC: a ``src`` folder of another version of the tool (e.g. ``git archive HEAD~1 src``
unpacked), measured as one more reader in the same rounds (``PYTHONPATH`` set to it).

Part A: wall time and peak resident memory of fresh processes, best of 3. Part B: every
measurement is a fresh process that imports its libraries first, then times the read alone:
CPU time (``time.process_time``, all threads), wall time, and the peak resident memory the read
added (``VmHWM`` after it, less the resident size before it). The rounds are interleaved
(pyarrow, pandas, ours; CSV then Parquet, in every round) and the median of the rounds is
reported, with the ratio to pyarrow's and the Arrow table's own size (``Table.nbytes``).
Three files: the CSV and the Parquet of ``bench_panel.py`` (text ids and dates), and "typed",
the Parquet of ``bench_million.py`` (typed timestamps, row groups of 100,000 series).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

import numpy as np
import pandas as pd
from _util import PYTHON, WORK, machine, run_timed

ROWS = 1_000_000

LOAD = "from forecast.data import load_series; s = load_series({path!r}); assert len(s.y) == {n}"
BARE = (
    "import pandas as pd; f = pd.read_csv({path!r}); "
    "f['timestamp'] = pd.to_datetime(f['timestamp']); assert len(f) == {n}"
)
IMPORTS = "import pandas, numpy"


def make_file() -> str:
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"hourly_{ROWS}.csv"
    if not path.exists():
        rng = np.random.default_rng(0)
        index = pd.date_range("1900-01-01", periods=ROWS, freq="h")
        frame = pd.DataFrame(
            {
                "timestamp": index.strftime("%Y-%m-%d %H:%M:%S"),
                "load_mw": np.round(rng.normal(100, 10, ROWS).cumsum() / 100, 3),
            }
        )
        frame.to_csv(path, index=False)
    return str(path)


def single() -> None:
    path = make_file()
    size_mb = os.path.getsize(path) / 1e6
    print(f"# A: load {ROWS:,} rows ({size_mb:.1f} MB) ({machine()}), best of 3")
    results = {}
    for label, code in (
        ("imports only (pandas, numpy)", IMPORTS),
        ("pandas read_csv + to_datetime", BARE),
        ("forecast load_series", LOAD),
    ):
        runs = [run_timed([PYTHON, "-c", code.format(path=path, n=ROWS)]) for _ in range(3)]
        results[label] = (min(r[0] for r in runs), max(r[1] for r in runs) / 1024)
    ref_time, ref_mem = results["pandas read_csv + to_datetime"]
    for label, (seconds, mib) in results.items():
        print(
            f"{label:32s} {seconds:6.2f} s {seconds / ref_time:5.2f}x   peak {mib:6.0f} MiB "
            f"{mib / ref_mem:5.2f}x"
        )


# Part B: one child process per measurement; it prints one JSON line.
CHILD = """
import json, resource, sys, time
{imports}
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()
path = sys.argv[1]
before = rss()
cpu, wall = time.process_time(), time.perf_counter()
{read}
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
with open("/proc/self/status") as f:  # VmHWM: this process's own peak (ru_maxrss is not:
    # Linux carries the parent's peak over fork and exec)
    peak = next(int(x.split()[1]) for x in f if x.startswith("VmHWM")) * 1024
print(json.dumps({{"cpu": cpu, "wall": wall, "peak": peak - before, "extra": extra}}))
"""
READERS = {
    ("pyarrow", "csv"): ("import pyarrow.csv", "t = pyarrow.csv.read_csv(path); extra = t.nbytes"),
    ("pyarrow", "parquet"): (
        "import pyarrow.parquet",
        "t = pyarrow.parquet.read_table(path); extra = t.nbytes",
    ),
    ("pandas", "csv"): ("import pandas", "f = pandas.read_csv(path); extra = len(f)"),
    ("pandas", "parquet"): ("import pandas", "f = pandas.read_parquet(path); extra = len(f)"),
    ("forecast.data.load", "csv"): (
        "import forecast.data, pandas, pyarrow.csv",
        "p = forecast.data.load(path); extra = len(p)",
    ),
    ("forecast.data.load", "parquet"): (
        "import forecast.data, pandas, pyarrow.parquet",
        "p = forecast.data.load(path); extra = len(p)",
    ),
}
for _reader in ("pyarrow", "pandas", "forecast.data.load"):
    READERS[(_reader, "typed")] = READERS[(_reader, "parquet")]
KINDS = ("csv", "parquet", "typed")


def panel_files(n_series: int) -> dict[str, str]:
    """The long panel (unique_id, ds, y) of bench_panel.py, as CSV and as Parquet."""
    from bench_panel import monthly_panel

    WORK.mkdir(parents=True, exist_ok=True)
    from bench_million import write_panel

    WORK.mkdir(parents=True, exist_ok=True)
    paths = {"csv": WORK / f"big_{n_series}.csv", "parquet": WORK / f"big_{n_series}.parquet"}
    if not all(p.exists() for p in paths.values()):
        frame = monthly_panel(n_series, 100, seed=2)
        frame.to_csv(paths["csv"], index=False)
        frame.to_parquet(paths["parquet"], index=False)
    typed = WORK / ("million.parquet" if n_series == 1_000_000 else f"panel_{n_series}.parquet")
    if not typed.exists():
        write_panel(typed, n_series)
    paths["typed"] = typed
    return {k: str(v) for k, v in paths.items()}


def measure(reader: str, kind: str, path: str, src: str | None = None) -> dict[str, float]:
    imports, read = READERS[(reader, kind)]
    code = CHILD.format(imports=imports, read=read)
    env = {**os.environ, "PYTHONPATH": src} if src else None
    proc = subprocess.run([PYTHON, "-c", code, path], capture_output=True, check=False, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"{reader} {kind} failed: {proc.stderr.decode()[-800:]}")
    result: dict[str, float] = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    return result


def panel(n_series: int, rounds: int, baseline: str | None = None) -> None:
    paths = panel_files(n_series)
    sizes = ", ".join(f"{k} {os.path.getsize(p) / 1e6:.0f} MB" for k, p in paths.items())
    print(f"\n# B: {n_series:,} series x 100 = {n_series * 100:,} rows ({sizes}) ({machine()})")
    print(f"# load average before: {os.getloadavg()[0]:.2f}; {rounds} interleaved rounds")
    readers = ["pyarrow", "pandas", "forecast.data.load"] + (["baseline"] if baseline else [])
    runs: dict[tuple[str, str], list[dict[str, float]]] = {
        (r, k): [] for r in readers for k in KINDS
    }
    for _ in range(rounds):
        for kind in KINDS:
            for reader in readers:
                src = baseline if reader == "baseline" else None
                name = "forecast.data.load" if src else reader
                runs[(reader, kind)].append(measure(name, kind, paths[kind], src))
    print(f"# load average after: {os.getloadavg()[0]:.2f}; medians of the rounds")
    print(
        "what                            CPU s  vs pyarrow   wall s   peak MiB  vs pyarrow"
        "  vs Arrow table"
    )
    if baseline:
        print(f"# baseline: forecast.data.load with PYTHONPATH={baseline}")
    for kind in KINDS:
        med = {
            r: {
                m: statistics.median(x[m] for x in runs[(r, kind)]) for m in ("cpu", "wall", "peak")
            }
            for r in readers
        }
        table_bytes = runs[("pyarrow", kind)][0]["extra"]
        ref = med["pyarrow"]
        for reader, m in med.items():
            print(
                f"{reader + ' (' + kind + ')':30s} {m['cpu']:6.2f}  {m['cpu'] / ref['cpu']:8.2f}x"
                f"  {m['wall']:7.2f}  {m['peak'] / 2**20:9.0f}  {m['peak'] / ref['peak']:8.2f}x"
                f"  {m['peak'] / table_bytes:12.2f}x"
            )
        print(f"  (Arrow table of the {kind}: {table_bytes / 2**20:.0f} MiB)")


def main() -> None:
    args = sys.argv[1:]
    if not args or args[0] == "single":
        single()
    if not args or args[0] == "panel":
        n_series = int(args[1]) if len(args) > 1 else 100_000
        rounds = int(args[2]) if len(args) > 2 else 3
        panel(n_series, rounds, args[3] if len(args) > 3 else None)


if __name__ == "__main__":
    main()
