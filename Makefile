# The two commands: `make run` renders and smoke-tests every bundled example,
# `make test` runs the test suite. Both set up the virtual environment first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test bench golden clean

$(BIN)/rnnspec: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[keras,test]'
	touch $@

run: $(BIN)/rnnspec
	$(BIN)/rnnspec smoke examples/*.yaml examples/seq2seq/*.yaml

test: $(BIN)/rnnspec
	$(BIN)/python -m pytest

bench: $(BIN)/rnnspec
	$(BIN)/python benchmarks/bench_render.py
	$(BIN)/python benchmarks/bench_smoke.py

# Re-render the golden modules after a reviewed change to the generator.
golden: $(BIN)/rnnspec
	for spec in examples/*.yaml examples/seq2seq/*.yaml; do \
		$(BIN)/rnnspec render $$spec -o tests/golden/$$(basename $$spec .yaml).py; done
	$(BIN)/rnnspec docs examples/*.yaml examples/seq2seq/*.yaml -o docs/examples

clean:
	rm -rf $(VENV) build *.egg-info
