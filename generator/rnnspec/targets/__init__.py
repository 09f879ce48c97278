"""Targets: what a model plan is rendered for, and what runs its modules; each a
folder here that holds every fact in which it differs.

A target's folder has `templates/` with `module.py.jinja` (the one module template)
and its partials, and an `__init__.py` whose `TARGET` says, as data: what the smoke
worker imports before it runs modules and on which Keras backends (its environment's
KERAS_BACKEND), what a generated project depends on, the spec values its Keras would
refuse or compute differently (refused when the spec is loaded,
rnnspec/check/target_rules.py), and the Keras defaults that differ from Keras 3's
(written out by every module, rnnspec/cells.py). The stages reach a target only
through `get_target`, so a third target is a new folder here, its golden files and
its tests. A target may fall back to another's templates (`Target.base`): its own
folder then holds only the partials that differ. This is the lowest layer: it imports
nothing of rnnspec, and every stage may read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module

DEFAULT = "keras3"
NAMES = ("keras3", "tf_keras")

# Keras class -> argument -> (this target's default, Keras 3's), where they differ.
Defaults = dict[str, dict[str, tuple[object, object]]]


@dataclass(frozen=True)
class Target:
    name: str
    templates: str  # the package whose templates/ folder holds its templates
    preload: tuple[str, ...]  # what the smoke worker imports once, before forking
    backends: tuple[str, ...]  # the Keras backends its modules run on, default first
    # per backend: a generated project's requirements (PEP 508), numpy aside
    dependencies: dict[str, tuple[str, ...]]
    # the backends rnnspec has an extra of that name for (pip install 'rnnspec[jax]');
    # for another, a missing package is named by `dependencies`
    extras: tuple[str, ...] = ()
    # functions the smoke worker calls with True after preload where their package is
    # imported, so that a module's training step runs eagerly: measured cheaper than
    # tracing it, with the same loss (benchmarks/bench_training_step.py)
    eager: tuple[str, ...] = ()
    base: str | None = None  # the package whose templates fill in what this lacks
    # activation name -> why its Keras would refuse it or compute other numbers
    refused_activations: dict[str, str] = field(default_factory=dict)
    # why a stateful ConvLSTM of a dtype other than float32 fails ("": it does not)
    stateful_conv_float32: str = ""
    # the defaults its Keras has that differ from Keras 3's, the spec's meaning
    differing_defaults: Defaults = field(default_factory=dict)

    @property
    def reads_keras_backend(self) -> bool:
        """Whether KERAS_BACKEND picks its backend (Keras 3), or it has one only."""
        return len(self.backends) > 1


def get_target(name: str = DEFAULT) -> Target:
    """The target called `name`: one of NAMES."""
    if name not in NAMES:
        raise ValueError(f"unknown target {name!r}: expected one of {', '.join(NAMES)}")
    return import_module(f".{name}", __name__).TARGET


def differing_defaults() -> Defaults:
    """Every target's Keras defaults that differ from Keras 3's, by class: a module
    writes Keras 3's value, so that its numbers depend on no Keras version."""
    found: Defaults = {}
    for name in NAMES:
        for keras_class, args in get_target(name).differing_defaults.items():
            found.setdefault(keras_class, {}).update(args)
    return found
