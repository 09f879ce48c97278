"""The two forms of a spec, checked: their keys (rnnspec/spec/models.py), then the rules
across keys and blocks (rnnspec/check/rules.py), training's and decoding's, as the
models' validators, so that a loaded spec is a valid one. A rule that fails raises
`RuleError` with the key path it is about, so the loader can point at it.
"""

from __future__ import annotations

from pydantic import model_validator

from . import rules
from .decoding import check_decoding
from ..spec.models import LongForm, ShortForm
from .training import check_training


class Spec(ShortForm):
    """One recurrent block: the short form of `shared/spec-format.md`."""

    @model_validator(mode="after")
    def _rules(self) -> Spec:
        shapes = rules.check_spec(self)
        check_training(self, shapes)
        check_decoding(self, shapes)
        return self


class GraphSpec(LongForm):
    """The long form: named inputs and recurrent blocks that hand state to each other."""

    @model_validator(mode="after")
    def _rules(self) -> GraphSpec:
        shapes = rules.check_graph(self)
        check_training(self, shapes)
        check_decoding(self, shapes)
        return self
