# The two commands: `make run` renders and smoke-tests every bundled example,
# `make test` runs the test suite. Both set up the virtual environment first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test fuzz bench golden clean mutate

$(BIN)/rnnspec: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[keras,test]'
	touch $@

run: $(BIN)/rnnspec
	$(BIN)/rnnspec smoke examples/*.yaml examples/seq2seq/*.yaml examples/published/*.yaml

# One pytest-xdist worker per core; a worker takes more tests as it finishes (measured
# faster here than --dist loadfile, which keeps the Keras matrix on one worker).
test: $(BIN)/rnnspec
	$(BIN)/python -m pytest -n auto --dist worksteal

# Plant named bugs in a copy of the generator; every one must fail the tests.
mutate: $(BIN)/rnnspec
	$(BIN)/python tools/mutate.py

# Property-based tests over many random specs, valid and broken (tests/test_properties.py):
# over 10,000 in about 13 minutes on 2 cores; prints the counts, saves one example of
# each distinct failure in build/fuzz/.
fuzz: $(BIN)/rnnspec
	RNNSPEC_FUZZ=1 $(BIN)/python -m pytest tests/test_properties.py -s -q

bench: $(BIN)/rnnspec
	$(BIN)/python benchmarks/bench_render.py
	$(BIN)/python benchmarks/bench_smoke.py
	$(BIN)/python benchmarks/bench_suite.py

# Re-render the golden modules after a reviewed change to the generator.
golden: $(BIN)/rnnspec
	for spec in examples/*.yaml examples/seq2seq/*.yaml examples/published/*.yaml; do \
		$(BIN)/rnnspec render $$spec -o tests/golden/$$(basename $$spec .yaml).py; done
	$(BIN)/rnnspec docs examples/*.yaml examples/seq2seq/*.yaml examples/published/*.yaml -o docs/examples

clean:
	rm -rf $(VENV) build *.egg-info
