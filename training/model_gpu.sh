#!/usr/bin/env bash
# The v2 models on one GPU machine (the same steps as `make model`, which runs them on CPU).
# Teacher and student pick CUDA automatically (device "auto" in their configs); the exports,
# evals and cards run on the CPU as everywhere. On a machine with no GPU this is `make model`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
$PY -m training build-dataset --out data/build/dataset
[ -f models/base-e5-small/config.json ] || $PY -m training convert-e5 --out models/base-e5-small
$PY -m training teacher --config training/configs/teacher.json --epochs 8 --out runs/teacher
$PY -m training export-calibrated runs/teacher --out models/accurate --name accurate
$PY -m training distill --teacher models/accurate --config training/configs/student.json --out runs/student
$PY -m training export-calibrated runs/student --out models/default --name default
echo 'next: the eval, model-card, faithfulness and publish steps of make model (Makefile: ship)'
