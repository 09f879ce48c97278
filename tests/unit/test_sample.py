"""The sample that `make test` runs on every other backend covers every feature family,
read from the specs of its golden modules."""

from __future__ import annotations

from collections.abc import Callable

from rnnspec import load_spec
from rnnspec.spec.normalise import ModelSpec, normalise

from ..conftest import ALL_EXAMPLES, GOLDEN
from ..support.sample import SAMPLE

FAMILIES: dict[str, Callable[[ModelSpec], bool]] = {
    "plain": lambda m: any(len(b.cells) == 1 and not b.bidirectional for b in m.blocks),
    "stacked": lambda m: any(len(b.cells) > 1 for b in m.blocks),
    "bidirectional": lambda m: any(b.bidirectional for b in m.blocks),
    "conv": lambda m: any(c.type.startswith("conv") for b in m.blocks for c in b.cells),
    "graph": lambda m: len(m.blocks) > 1,
    "attention": lambda m: any(getattr(b, "attention", None) for b in m.blocks),
    "training": lambda m: m.training is not None,
    "decoding": lambda m: m.decoding is not None,
    "stateful": lambda m: any(b.stateful for b in m.blocks),
    "mask input": lambda m: any(i.masks for i in m.inputs.values()),
    "time_distributed": lambda m: any(b.time_distributed for b in m.blocks),
    "layer nodes": lambda m: bool(m.nodes),
}


def test_the_sample_is_of_golden_modules() -> None:
    assert all((GOLDEN / f"{name}.py").is_file() for name in SAMPLE)


def test_the_sample_covers_every_feature_family() -> None:
    specs = {path.stem: path for path in ALL_EXAMPLES}
    models = [normalise(load_spec(specs[name])) for name in SAMPLE]
    missing = [f for f, has in FAMILIES.items() if not any(map(has, models))]
    assert not missing, f"no module of the sample is {', '.join(missing)}"
    every = [normalise(load_spec(path)) for path in ALL_EXAMPLES]
    assert all(any(map(has, every)) for has in FAMILIES.values())
