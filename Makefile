# The two commands: `make run` renders and smoke-tests every bundled example,
# `make test` runs the test suite. Both set up the virtual environment first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-all fuzz bench golden schema release clean mutate docs chromium

# `make run` installs Keras 3 on TensorFlow only; `make test` adds JAX and PyTorch (the
# other backends it is tested on, CPU builds), the test tools and Keras 2.
# torch==2.13.0+cpu (constraints.txt) is on PyTorch's own index, not PyPI: pip looks there
# (TORCH_INDEX_URL) unless PIP_FIND_LINKS names a folder of wheels that holds it, as on
# machines without that index; `make test TORCH_INDEX_URL=` turns the index off.
TORCH_INDEX_URL ?= $(if $(PIP_FIND_LINKS),,https://download.pytorch.org/whl/cpu)

# `make run`: Keras 3 on TensorFlow (CPU build), all that rendering and smoking needs.
$(BIN)/rnnspec: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[tensorflow]'
	touch $@

# `make test` adds the other backends, JAX and PyTorch (CPU builds), and the test tools.
$(VENV)/test-installed: $(BIN)/rnnspec
	$(BIN)/python -m pip install --quiet -c constraints.txt \
		$(if $(TORCH_INDEX_URL),--extra-index-url $(TORCH_INDEX_URL)) \
		-e '.[tensorflow,jax,torch,test]'
	touch $@

# Keras 2 (tf_keras) on TensorFlow in a second environment, for the tf_keras target's
# modules (tests/backends/test_tf_keras.py runs them there). tf_keras' metadata asks for the full
# `tensorflow` wheel, so it comes without its dependencies, after tensorflow-cpu.
TF_KERAS_VENV := .venv-tf-keras

$(TF_KERAS_VENV)/installed: constraints.txt
	$(PYTHON) -m venv $(TF_KERAS_VENV)
	$(TF_KERAS_VENV)/bin/python -m pip install --quiet -c constraints.txt tensorflow-cpu numpy
	$(TF_KERAS_VENV)/bin/python -m pip install --quiet --no-deps tf_keras==2.21.0
	touch $@

run: $(BIN)/rnnspec
	$(BIN)/rnnspec smoke examples/*.yaml examples/seq2seq/*.yaml examples/published/*.yaml

# One pytest-xdist worker per core; a worker takes more tests as it finishes (measured
# faster here than --dist loadfile, which keeps the Keras matrix on one worker). JAX and
# PyTorch run in processes of their own, started by tests/backends/test_backends.py.
# `make test` is the quick run, about three minutes (the tests marked quick: every unit test, the golden
# bytes, every golden module on TensorFlow, a sample on JAX, PyTorch and Keras 2: the
# only tiers with quick tests are collected);
# `make test-all` runs every test (CI's run).
TESTED := $(VENV)/test-installed $(TF_KERAS_VENV)/installed

test: $(TESTED)
	$(BIN)/python -m pytest -n auto --dist worksteal -m quick tests/unit tests/backends

test-all: $(TESTED) chromium
	$(BIN)/python -m pytest -n auto --dist worksteal

# The browser tests/end_to_end/test_site.py drives (through Playwright, which never
# downloads one of its own): Debian's chromium, installed when missing (apt-get as root,
# else through sudo).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
chromium:
	command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq chromium; }

# The docs site: docs/*.md and the gallery (docs/examples/) with mkdocs-material, into
# build/site (mkdocs.yml). Serve it with `.venv/bin/mkdocs serve` or
# `python3 -m http.server -d build/site`.
docs: $(VENV)/test-installed
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# Plant named bugs in a copy of the generator; every one must fail the tests.
mutate: $(TESTED)
	$(BIN)/python tools/mutate.py

# Property-based tests over many random specs, valid and broken (tests/*/test_properties*.py,
# tests/unit/test_section_mutants.py): 1,000 valid specs, 48 of them smoked on Keras 3 and 40
# others on Keras 2 (--target tf_keras), 9,000 broken texts and 10,000 broken sections,
# on two workers; prints the counts, saves one example of each distinct failure in
# build/fuzz/. RNNSPEC_FUZZ_SCALE=0.1 runs a tenth of each.
fuzz: $(TESTED)
	RNNSPEC_FUZZ=1 $(BIN)/python -m pytest tests/keras/test_properties.py \
		tests/backends/test_properties_tf_keras.py tests/unit/test_section_mutants.py \
		-n 2 --dist worksteal -q

bench: $(TESTED)
	$(BIN)/python benchmarks/bench_render.py
	$(BIN)/python benchmarks/bench_smoke.py
	$(BIN)/python benchmarks/bench_training_step.py
	$(BIN)/python benchmarks/bench_decoding.py
	$(BIN)/python benchmarks/bench_suite.py

# Re-render the golden modules after a reviewed change to the generator.
golden: $(BIN)/rnnspec
	for spec in examples/*.yaml examples/seq2seq/*.yaml examples/published/*.yaml; do \
		$(BIN)/rnnspec render $$spec -o tests/golden/$$(basename $$spec .yaml).py; done
	mkdir -p tests/golden/tf_keras
	for spec in examples/*.yaml examples/seq2seq/*.yaml examples/published/*.yaml; do \
		$(BIN)/rnnspec render $$spec --target tf_keras -o tests/golden/tf_keras/$$(basename $$spec .yaml).py; done
	$(BIN)/rnnspec docs --backend tensorflow --docs-url ../ examples/*.yaml examples/seq2seq/*.yaml examples/published/*.yaml -o docs/examples

# Write the JSON Schema file again after a change to the spec models (rnnspec/read/schema.py;
# tests/unit/test_schema.py wants it byte-identical to what `rnnspec schema` prints).
schema: $(BIN)/rnnspec
	$(BIN)/rnnspec schema > schema/rnnspec.schema.json.tmp
	mv schema/rnnspec.schema.json.tmp schema/rnnspec.schema.json

# A release (README.md, "Releases"): CHANGELOG.md must have `## [VERSION] - DATE`, moved
# there from Unreleased; tools/release.py bumps rnnspec.__version__, runs `make golden`,
# commits and tags vVERSION. `make release VERSION=0.2.0`
release: $(BIN)/rnnspec
	@test -n "$(VERSION)" || { echo "usage: make release VERSION=X.Y.Z" >&2; exit 2; }
	$(BIN)/python tools/release.py $(VERSION) --render "$(MAKE) golden"

clean:
	rm -rf $(VENV) $(TF_KERAS_VENV) build *.egg-info
