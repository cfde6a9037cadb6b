"""Loading a 1,000,000-row CSV: `load_series` against a bare `pandas.read_csv` + `to_datetime`.

Both run in fresh processes on the same file; wall time and peak resident memory are reported,
and the ratio to the bare pandas reference. The file: hourly timestamps, one float column.
"""

from __future__ import annotations

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


def main() -> None:
    path = make_file()
    size_mb = __import__("os").path.getsize(path) / 1e6
    print(f"# load {ROWS:,} rows ({size_mb:.1f} MB) ({machine()}), best of 3")
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


if __name__ == "__main__":
    main()
