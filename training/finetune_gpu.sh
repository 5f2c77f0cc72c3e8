#!/usr/bin/env bash
# Compare bases on one GPU: {mini, small} x {plain, sentiment-adapted}; what chose models/default.
# Usage: training/finetune_gpu.sh OUT_DIR
set -euo pipefail
out=${1:-runs/gpu}; mkdir -p "$out"
export PYTHONUNBUFFERED=1
for b in mini small; do
  python3 -m training sentiment-adapt train --base models/base-zh-$b --out "$out/base-zh-$b-sent" --epochs 2 >"$out/sent-$b.log" 2>&1 &
done
wait
run() { python3 -m training finetune --config training/configs/default.json --base-model "$1" --out "$2" --epochs 15 >"$2.log" 2>&1; }
run models/base-zh-mini "$out/ft-mini" &
run models/base-zh-small "$out/ft-small" &
run "$out/base-zh-mini-sent" "$out/ft-mini-sent" &
run "$out/base-zh-small-sent" "$out/ft-small-sent" &
wait
