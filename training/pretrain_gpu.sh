#!/usr/bin/env bash
# Pretrain candidate bases side by side on one GPU (what produced models/base-zh-*), then
# adapt each on review sentiment (training/sentiment_adapt.py).
# Usage: training/pretrain_gpu.sh OUT_DIR MINUTES NAME...   (NAME: mini | small | tiny)
set -euo pipefail
out=${1:-runs/pretrain}; minutes=${2:-8}; shift 2 || true
names=${*:-mini small}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
for n in $names; do
  case $n in
    mini)  arch="--layers 4 --hidden 256 --heads 4 --intermediate 1024 --lr 1e-3" ;;
    tiny)  arch="--layers 4 --hidden 256 --heads 4 --intermediate 512 --lr 1e-3" ;;
    small) arch="--layers 6 --hidden 384 --heads 6 --intermediate 1536 --lr 7e-4" ;;
    *) echo "unknown base $n" >&2; exit 2 ;;
  esac
  ( python3 -m training pretrain --data data/build/pretrain --out "$out/base-zh-$n" $arch --batch-size 256 \
      --warmup 500 --steps 40000 --eval-every 1000 --save-every 2000 --max-minutes "$minutes" &&
    python3 -m training sentiment-adapt train --base "$out/base-zh-$n" --out "$out/base-zh-$n-sent" --epochs 2
  ) >"$out/$n.log" 2>&1 &
done
wait
