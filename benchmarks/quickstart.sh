#!/usr/bin/env bash
# README's first command on a fresh clone, measured: install time, environment size, first and second `bench run`.
#
#   bash benchmarks/quickstart.sh [REV] [INSTALL]     # defaults: HEAD, 'pip install -e .'
#   bash benchmarks/quickstart.sh 624338d 'pip install -e ".[deep]"'   # an older revision with its own command
#
# The clone, its virtual environment and the run folders go to a temporary folder that is removed at the end.
# The first run starts with an empty numba cache (the clone is fresh), so it includes compiling the trackers'
# kernels once; the second loads them from the cache.  pip's own download cache is left as it is: on a machine
# that has installed the same wheels before, the install time is mostly unpacking, not downloading (say so when
# reporting).  The machine's load average is printed before each step, since these are wall-clock times.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
rev=${1:-HEAD}
install=${2:-pip install -e .}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

git clone -q "$repo" "$work/clone"
cd "$work/clone"
git checkout -q "$rev"
echo "revision: $(git log -1 --format='%h %s' | cut -c1-100)"
python3 -m venv "$work/venv"
# shellcheck disable=SC1091
source "$work/venv/bin/activate"
python -m pip install -q --upgrade pip

seconds() { python3 -c 'import sys, time; print(f"{time.time() - float(sys.argv[1]):.1f}")' "$1"; }

echo "load before install: $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s.%N)
bash -c "$install" > "$work/install.log" 2>&1 || { tail -20 "$work/install.log"; exit 1; }
echo "install ($install): $(seconds "$start") s"
echo "environment: $(du -sm "$work/venv" | cut -f1) MB"
if python -c "import torch" 2>/dev/null; then echo "torch: installed"; else echo "torch: not installed"; fi

for i in 1 2; do
  echo "load before run $i: $(cut -d' ' -f1-3 /proc/loadavg)"
  start=$(date +%s.%N)
  bench run --results "$work/results" --name "run$i" > "$work/run$i.log" 2>&1 || { tail -20 "$work/run$i.log"; exit 1; }
  echo "bench run $i: $(seconds "$start") s"
done
grep -E "^│" "$work/run2.log" | head -20
