# The two set-up commands (see README):
#   make demo    library-only install (no torch), then the main job on the shipped model:
#                tag sample feedback -> precision report -> score demo shops
#   make test    dev environment (torch CPU + train/eval/dev extras), then the default test suite
# Maintainer targets (need the dev environment and ../shared):
#   make dataset     join annotations with the corpora -> data/build/dataset (+ data card)
#   make model       dataset -> finetune -> export (int8, parity gate) -> eval on test -> model card
#                    -> publish into feedback_nlp/models/$(MODEL_NAME)/ (package data)
#   make eval        regenerate eval/reports/<name>/ for every shipped model (test split)
#   make pretrain    MLM corpus -> tokenizer -> pretraining of the compact base (CPU: hours; see README for GPU)
#   make benchmark   tagger, scoring and HTTP-service speed benchmarks -> benchmarks/results/
#
# Training runs through one CLI: `python -m training --help`.
# VENV is overridable, e.g. `make demo VENV=.venv-demo` proves the library runs without torch.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TORCH_VERSION := 2.13.0
CONFIG ?= training/configs/default.json
CHECKPOINT ?= runs/finetune-tiny-sent
MODEL_NAME ?= default
MODEL ?= models/$(MODEL_NAME)
OUT ?= out
EVAL_OUT ?= runs/eval-test
DATASET ?= data/build/dataset

.PHONY: test demo dataset model eval pretrain benchmark clean-stamps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

# Stamps: reinstall only when pyproject.toml changes.
$(VENV)/.stamp-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install torch==$(TORCH_VERSION)
	$(BIN)/pip install -e '.[train,eval,dev,serve]'
	touch $@

$(VENV)/.stamp-lib: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e '.[eval]'
	touch $@

test: $(VENV)/.stamp-dev
	$(BIN)/python -m pytest

demo: $(VENV)/.stamp-lib
	mkdir -p $(OUT)
	$(BIN)/feedback-nlp info
	$(BIN)/feedback-nlp tag examples/sample_feedback.jsonl --output $(OUT)/tags.jsonl
	$(BIN)/python -m eval audit-sample --out $(OUT)/audit_sample.jsonl
	$(BIN)/feedback-nlp eval $(OUT)/audit_sample.jsonl --out $(OUT)/eval
	$(BIN)/feedback-nlp demo-data --out $(OUT)/demo/data --orders 20000
	$(BIN)/feedback-nlp score --data $(OUT)/demo/data --as-of 2024-06-30 --out $(OUT)/demo/scores --what-if
	@echo "demo done: $(OUT)/tags.jsonl, $(OUT)/eval/report.html, $(OUT)/demo/scores/shop_scores.csv"

dataset: $(VENV)/.stamp-dev
	$(BIN)/python -m training build-dataset --out $(DATASET)

# Training writes models/$(MODEL_NAME); `publish` copies the checked directory into the package.
model: dataset
	$(BIN)/python -m training finetune --config $(CONFIG) --out $(CHECKPOINT)
	$(BIN)/python -m training export $(CHECKPOINT) --out $(MODEL) --dev $(DATASET)/dev.jsonl --keep-fp32
	$(BIN)/feedback-nlp eval $(DATASET)/test.jsonl --model $(MODEL) --out $(EVAL_OUT)
	$(BIN)/python -m training model-card $(MODEL) --report $(EVAL_OUT)/report.json \
		--checkpoint $(CHECKPOINT) --data-card $(DATASET)/data_card.json
	$(BIN)/python -m training publish $(MODEL) --name $(MODEL_NAME)

eval: $(VENV)/.stamp-dev
	$(BIN)/python -m eval reports --data $(DATASET)/test.jsonl --out eval/reports

pretrain: $(VENV)/.stamp-dev
	$(BIN)/python -m training build-mlm-corpus --out data/build/mlm_corpus.txt
	$(BIN)/python -m training prepare-pretraining --corpus data/build/mlm_corpus.txt --out data/build/pretrain
	$(BIN)/python -m training sentiment-adapt prepare --out data/build/sentiment.jsonl.gz
	$(BIN)/python -m training pretrain --data data/build/pretrain --out models/base-zh-tiny \
		--layers 4 --hidden 256 --heads 4 --intermediate 512 --lr 1e-3 --batch-size 64 --steps 20000
	$(BIN)/python -m training sentiment-adapt train --base models/base-zh-tiny --out models/base-zh-tiny-sent

benchmark: $(VENV)/.stamp-dev
	$(BIN)/python benchmarks/tagger_benchmark.py --model $(MODEL) --checkpoint $(CHECKPOINT)
	$(BIN)/python benchmarks/scoring_benchmark.py
	$(BIN)/python benchmarks/serve_benchmark.py --data $(DATASET)/test.jsonl

clean-stamps:
	rm -f $(VENV)/.stamp-dev $(VENV)/.stamp-lib
