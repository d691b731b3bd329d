# The pipeline, one target per stage, chained by the files each stage writes:
# a rerun redoes only the stages whose inputs changed. `make -B <stage>` forces one.
SHELL := /bin/bash
NODE ?= node
TRAIN_ARGS ?=
# make all PRESET=study: the longer run (node pipeline/train.js --help lists the presets).
PRESET ?=

DATA     := data/fashion-mnist/manifest.json
TFJS     := models/tfjs/manifest.json
ONNX     := models/manifest.json
PARITY   := reports/parity.json
CODES    := reports/test-codes.npy
TRAIN_CODES := reports/train-codes.npy
METRICS  := reports/metrics.json
LAYOUT   := reports/layout.json
DEMO     := web-demo/dist/index.html
PKG      := packages/tfjs2onnx/dist/index.js
PKG_SOURCES := $(shell find packages/tfjs2onnx/src -name '*.ts' 2>/dev/null) packages/tfjs2onnx/tsconfig.json
TS_SOURCES := $(shell find src pipeline test web-demo/src -name '*.ts' 2>/dev/null) tsconfig.json

.PHONY: all deps build data train export validate encode report layout demo serve bench bench-train triton test lint format clean

all: data train export validate encode report layout demo

deps: node_modules/.package-lock.json
node_modules/.package-lock.json: package.json package-lock.json
	npm ci
	@touch $@

# The converter package (packages/tfjs2onnx, an npm workspace) builds first: the rest imports its dist/.
$(PKG): node_modules/.package-lock.json $(PKG_SOURCES)
	rm -rf packages/tfjs2onnx/dist
	npx tsc -p packages/tfjs2onnx/tsconfig.json
	@chmod +x packages/tfjs2onnx/dist/bin.js
	@touch $@

build: .build-stamp
.build-stamp: $(PKG) $(TS_SOURCES)
	npx tsc -p tsconfig.json
	npx tsc -p web-demo/tsconfig.json
	@chmod +x pipeline/tfjs2onnx.js
	@touch $@

data: $(DATA)
$(DATA): | .build-stamp
	$(NODE) pipeline/fetch.js

train: $(TFJS)
$(TFJS): $(DATA) | .build-stamp
	$(NODE) pipeline/train.js $(if $(PRESET),--preset $(PRESET)) $(TRAIN_ARGS)

export: $(ONNX)
$(ONNX): $(TFJS) | .build-stamp
	$(NODE) pipeline/export.js

validate: $(PARITY)
$(PARITY): $(ONNX) $(DATA) | .build-stamp
	$(NODE) pipeline/validate.js

# The test set is encoded once (codes as .npy for report and demo), the training set once.
encode: $(CODES) $(TRAIN_CODES)
$(CODES): $(ONNX) $(DATA) | .build-stamp
	$(NODE) pipeline/encode.js --onnx models/encoder.onnx --output $(CODES)
$(TRAIN_CODES): $(ONNX) $(DATA) | .build-stamp
	$(NODE) pipeline/encode.js --onnx models/encoder.onnx --input data/fashion-mnist/train-images-idx3-ubyte --output $(TRAIN_CODES)

report: $(METRICS)
$(METRICS): $(ONNX) $(DATA) $(CODES) $(TRAIN_CODES) | .build-stamp
	$(NODE) pipeline/report.js

# The training images' UMAP layout on its own (reused from the cache the layout objective filled).
layout: $(LAYOUT)
$(LAYOUT): $(DATA) | .build-stamp
	$(NODE) pipeline/layout.js

demo: $(DEMO)
$(DEMO): $(ONNX) $(DATA) $(CODES) $(METRICS) $(wildcard web-demo/src/*) web-demo/index.html web-demo/style.css | .build-stamp
	$(NODE) pipeline/demo.js

serve: $(DEMO)
	$(NODE) pipeline/serve.js

bench: $(ONNX) $(DATA) | .build-stamp
	$(NODE) pipeline/bench.js

# models/triton/ with the dynamic batching from the last bench (export writes it with the default).
triton: $(ONNX) | .build-stamp
	$(NODE) pipeline/triton.js $(if $(wildcard reports/bench.json),--bench reports/bench.json)

bench-train: $(DATA) | .build-stamp
	$(NODE) pipeline/bench-train.js

# Lint: the import layers and cycles, typescript-eslint's rules, the format, and both typechecks.
FORMATTED := 'src/**/*.ts' 'pipeline/**/*.ts' 'test/**/*.ts' 'web-demo/src/**/*.ts' 'packages/*/src/**/*.ts' eslint.config.js
lint: $(PKG)
	npx eslint .
	npx prettier --check $(FORMATTED)
	npx tsc -p packages/tfjs2onnx/tsconfig.json --noEmit
	npx tsc -p tsconfig.json --noEmit
	npx tsc -p web-demo/tsconfig.json --noEmit

# Rewrites the sources in the house format, then fixes what eslint can fix by itself.
format: node_modules/.package-lock.json
	npx prettier --write --log-level warn $(FORMATTED)
	npx eslint --fix . || true

test: .build-stamp $(DATA)
	$(NODE) --test --test-concurrency=1 test/*.test.js

clean:
	rm -rf models/tfjs models/*.onnx models/manifest.json reports web-demo/dist .build-stamp packages/tfjs2onnx/dist
	find src pipeline test web-demo/src -name '*.js' -delete
