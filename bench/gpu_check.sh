#!/usr/bin/env bash
# The GPU checks of issue #14, in one short run on a machine with CUDA (about 5 minutes):
#   1. the CUDA tests that are skipped elsewhere (global and per-series neural models);
#   2. the global GRU throughput benchmark at batch 1024 on CUDA, float32 and AMP, each against
#      a bare PyTorch loop over the same batches, and the same on the CPU for the ratio;
#   3. the cost of --deterministic on CUDA (a seeded global fit with and without).
# Usage: bash bench/gpu_check.sh [PYTHON]   (run from the repository root; output on stdout)
set -u
PY=${1:-python}
export PYTHONPATH=src${PYTHONPATH:+:$PYTHONPATH}
echo "== $(date -u +%FT%TZ) $(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null)"
echo "== load: $(uptime)"
$PY -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
echo "== 1. CUDA tests"
$PY -m pytest -q -rs tests/models/neural/test_global_model.py tests/models/neural/test_device.py \
  -k "cuda" 2>&1 | tail -5
echo "== 2. throughput at batch 1024"
$PY bench/bench_global_neural.py throughput --device cuda --batch 1024 --epochs 3 --series 200 --points 500 2>&1 | tail -4
$PY bench/bench_global_neural.py throughput --device cuda --batch 1024 --epochs 3 --series 200 --points 500 --amp 2>&1 | tail -4
$PY bench/bench_global_neural.py throughput --device cpu --batch 1024 --epochs 1 --series 200 --points 500 --rounds 1 2>&1 | tail -4
echo "== 3. --deterministic on CUDA"
$PY - <<'PY'
import sys
import time

sys.path.insert(0, "bench")
from bench_global_neural import _simulated
from forecast.models.neural.global_model import GlobalForecaster

series = _simulated(200, 500)  # a larger panel: the GPU has the work
params = {"window": 96, "horizon": 48, "period": 48, "epochs": 3, "patience": 100,
          "batch_size": 1024, "device": "cuda"}
GlobalForecaster("gru", params).fit(series)  # warm-up: the first CUDA fit pays for the context
for deterministic in (True, False, True, False):
    start = time.perf_counter()
    model = GlobalForecaster("gru", params, deterministic=deterministic).fit(series)
    seconds = time.perf_counter() - start
    first = next(iter(model.net_.state_dict().values())).flatten()[:3].tolist()
    print(f"deterministic={deterministic}: {seconds:.2f} s, first weights {first}")
PY
echo "== 4. the CLI on CUDA, end to end (a per-series LSTM fitted on CUDA, predicted on the CPU)"
T=$(mktemp -d)
$PY -m forecast fit sample_data/airpassengers.csv -m lstm -H 12 --seed 0 --device cuda \
  -p epochs=20 --save "$T/lstm.fcm" --format csv > "$T/lstm_cuda.csv"; echo "fit lstm --device cuda: exit $?"
$PY -m forecast predict "$T/lstm.fcm" -H 12 --device cpu --format csv > "$T/lstm_cpu.csv"; echo "predict on cpu: exit $?"
paste -d, "$T/lstm_cuda.csv" "$T/lstm_cpu.csv" | head -4
