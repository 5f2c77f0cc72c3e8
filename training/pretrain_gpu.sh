#!/usr/bin/env bash
# Pretrain the two candidate bases side by side on one GPU (what produced models/base-*).
# Usage: training/pretrain_gpu.sh OUT_DIR MINUTES
set -euo pipefail
out=${1:-runs/pretrain}; minutes=${2:-8}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
python3 -m training.pretrain --data data/build/pretrain --out "$out/base-zh-mini" \
  --layers 4 --hidden 256 --heads 4 --intermediate 1024 --batch-size 256 --lr 1e-3 --warmup 500 \
  --steps 40000 --eval-every 1000 --save-every 2000 --max-minutes "$minutes" >"$out/mini.log" 2>&1 &
python3 -m training.pretrain --data data/build/pretrain --out "$out/base-zh-small" \
  --layers 6 --hidden 384 --heads 6 --intermediate 1536 --batch-size 256 --lr 7e-4 --warmup 500 \
  --steps 40000 --eval-every 1000 --save-every 2000 --max-minutes "$minutes" >"$out/small.log" 2>&1 &
wait
