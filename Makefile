# qtool — build, test, benchmark. `make` builds the release binary and runs a short demo;
# `make test` runs the unit tests and the interop tests against onnx/onnxruntime.

SWIFT       ?= swift
PYTHON      ?= python3
VENV        := .venv
VPY         := $(VENV)/bin/python
RELEASE_BIN := .build/release/qtool
SHARED      ?= $(abspath ../shared/models)
DEMO_MODEL  := Fixtures/models/small_cnn.onnx
DEMO_OUT    := .build/demo

NODE_TESTS  := Fixtures/node-tests

.PHONY: all build debug test unit-test interop-test chromium bench venv fixtures node-tests loc clean demo fuzz replay-malformed

all: build demo

build:
	$(SWIFT) build -c release --product qtool

debug:
	$(SWIFT) build

demo: build
	@mkdir -p $(DEMO_OUT)
	@echo "== qtool inspect $(DEMO_MODEL)"
	@$(RELEASE_BIN) inspect $(DEMO_MODEL)
	@echo "== qtool convert (lossless round trip through the IR)"
	@$(RELEASE_BIN) convert --input $(DEMO_MODEL) --output $(DEMO_OUT)/small_cnn.onnx --timings
	@cmp $(DEMO_MODEL) $(DEMO_OUT)/small_cnn.onnx && echo "round trip: byte-identical"
	@echo "== qtool run (qtool's own CPU interpreter)"
	@$(RELEASE_BIN) run --model $(DEMO_MODEL) --inputs Fixtures/inputs/small_cnn --benchmark 100
	@echo "== qtool preprocess (shape inference and graph clean-up)"
	@$(RELEASE_BIN) preprocess --input $(DEMO_MODEL) --output $(DEMO_OUT)/small_cnn.pre.onnx --verbose
	@echo "== qtool quantize-static (calibrated on Fixtures/demo-calibration, QDQ int8, per channel)"
	@$(RELEASE_BIN) quantize-static --input $(DEMO_OUT)/small_cnn.pre.onnx --output $(DEMO_OUT)/small_cnn.int8.onnx \
		--calibrate-dataset Fixtures/demo-calibration/small_cnn --report $(DEMO_OUT)/small_cnn.int8.json
	@echo "== float vs quantized on Fixtures/inputs/small_cnn"
	@$(RELEASE_BIN) run --model $(DEMO_MODEL) --inputs Fixtures/inputs/small_cnn --output-dir $(DEMO_OUT)/float | sed 's/^/float:     /'
	@$(RELEASE_BIN) run --model $(DEMO_OUT)/small_cnn.int8.onnx --inputs Fixtures/inputs/small_cnn --output-dir $(DEMO_OUT)/int8 | sed 's/^/quantized: /'

# The reference oracle: pinned onnx and onnxruntime in a git-ignored venv.
$(VENV)/.installed: requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
	touch $@

venv: $(VENV)/.installed

# The ONNX backend node tests, generated from the pinned onnx package (git-ignored).
$(NODE_TESTS)/.generated: $(VENV)/.installed
	rm -rf $(NODE_TESTS) && mkdir -p $(NODE_TESTS)/node
	$(VPY) -m onnx.backend.test.cmd_tools generate-data -o $(NODE_TESTS) > /dev/null 2>&1
	touch $@

node-tests: $(NODE_TESTS)/.generated

unit-test: node-tests
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(MAKE) replay-malformed

# Every committed hostile input and fuzzer crasher, through the loader fuzz target (replay build).
replay-malformed:
	$(SWIFT) build --product qtool-fuzz
	.build/debug/qtool-fuzz Fixtures/malformed

# Headless Chromium renders `qtool debug --format html` in the interop tests (Debian's package;
# CI starts from a fresh machine as root). No install possible: stop here, loudly.
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
		{ apt-get update && apt-get install -y chromium; } || \
		{ echo "error: chromium is required by Tests/Interop/test_debug.py and could not be installed (apt-get install -y chromium)" >&2; exit 1; }

interop-test: build venv chromium
	QTOOL=$(abspath $(RELEASE_BIN)) QTOOL_SHARED_MODELS=$(SHARED) $(VPY) -m pytest -q Tests/Interop

test: loc unit-test interop-test

bench: build venv
	QTOOL=$(abspath $(RELEASE_BIN)) $(VPY) Bench/bench_io.py
	QTOOL=$(abspath $(RELEASE_BIN)) QTOOL_SHARED_MODELS=$(SHARED) $(VPY) Bench/bench_runtime.py
	QTOOL=$(abspath $(RELEASE_BIN)) QTOOL_SHARED_MODELS=$(SHARED) $(VPY) Bench/bench_preprocess.py
	QTOOL=$(abspath $(RELEASE_BIN)) QTOOL_SHARED_MODELS=$(SHARED) $(VPY) Bench/bench_quantize.py
	QTOOL=$(abspath $(RELEASE_BIN)) QTOOL_SHARED_MODELS=$(SHARED) $(VPY) Bench/bench_debug.py
	QTOOL=$(abspath $(RELEASE_BIN)) $(VPY) Bench/bench_large.py

# libFuzzer over the model loader, seeded with every fixture and shared model. A crash stops
# the campaign and leaves its input in $(FUZZ_DIR)/artifacts: fix it, then commit the input
# to Fixtures/malformed so `make test` replays it. FUZZ_SECONDS sets the campaign's length.
FUZZ_SECONDS ?= 300
FUZZ_DIR     := .build-fuzz
FUZZ_FLAGS   := -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld

fuzz:
	$(SWIFT) build -c release --product qtool-fuzz --scratch-path $(FUZZ_DIR) $(FUZZ_FLAGS)
	mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/artifacts
	cp Fixtures/models/*.onnx Fixtures/malformed/* $(FUZZ_DIR)/corpus/
	-cp $(SHARED)/*.onnx $(FUZZ_DIR)/corpus/ 2>/dev/null
	$(FUZZ_DIR)/release/qtool-fuzz $(FUZZ_DIR)/corpus -max_total_time=$(FUZZ_SECONDS) -max_len=262144 \
		-rss_limit_mb=2048 -timeout=10 -artifact_prefix=$(FUZZ_DIR)/artifacts/ -print_final_stats=1

fixtures: venv
	$(VPY) Fixtures/gen/make_fixtures.py
	$(VPY) Fixtures/gen/make_demo_calibration.py
	$(VPY) Fixtures/gen/make_calibration_golden.py
	$(VPY) Fixtures/gen/make_quant_golden.py
	$(VPY) Fixtures/gen/make_calibration_fixtures.py
	$(VPY) Fixtures/gen/make_malformed.py

# Line budget: no hand-written Swift file over 600 lines.
loc:
	@over=$$(find Sources Tests -name '*.swift' -exec wc -l {} + | awk '$$2 != "total" && $$1 > 600 {print $$2 " (" $$1 " lines)"}'); \
	if [ -n "$$over" ]; then echo "files over 600 lines:"; echo "$$over"; exit 1; fi; \
	echo "loc: $$(cat $$(find Sources -name '*.swift') | wc -l) lines in Sources, no file over 600"

clean:
	rm -rf .build $(VENV) .bench
