#!/usr/bin/env bash
# One-shot GPU checks for a lent CUDA machine (see issue 3): embedder throughput on CUDA fp16 vs CPU
# and CUDA/CPU agreement, Deep SORT on the CUDA path (fidelity file + the λ-sweep cost with a deep
# embedder).  Expects the project's Python dependencies to be importable (wheels in .whl/ are
# installed into /tmp/site when present) and a data folder laid out like ../shared (default .gpu/shared).
set -uo pipefail
SHARED=${1:-.gpu/shared}
OUT=${OUT:-/tmp/gpu-out}
mkdir -p "$OUT"
if [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site:$PWD
else
  export PYTHONPATH=$PWD
fi
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg TRACKBENCH_CACHE=/tmp/tb-cache
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
python3 -c "import torch, numpy, cv2; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'numpy', numpy.__version__, 'cv2', cv2.__version__)"
echo "== embedders: CUDA fp16 vs CPU"
python3 benchmarks/gpu_embedders.py --shared "$SHARED" 2>&1 | tee "$OUT/gpu_embedders.txt"
echo "== Deep SORT: fidelity + sweep cost on the GPU"
python3 benchmarks/gpu_deepsort.py --shared "$SHARED/data" --device cuda 2>&1 | tee "$OUT/gpu_deepsort.txt"
