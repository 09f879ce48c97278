"""Hypothesis strategies: rnnspec specs as plain data, their text forms, broken texts.

`specs()` draws specs of both forms (`feedback_specs()`: blocks with feedback) that follow the documented rules (README.md,
docs/long-form.md, shared/spec-format.md), with small sizes so that the generated
modules run in a second. `texts()` writes one as YAML, JSON or TOML in one of several
styles (TOML by our writer or tomli_w's); `mutations()` breaks such a text the ways a
hand edit or a hostile file can; `broken_sections()` breaks a valid spec's attention,
training or decoding.

values: the pools and OMIT; cells, layers, blocks, sections: the parts of a spec;
specs: whole specs; texts: their text forms; broken_texts, broken_sections: breakage.
"""

from .broken_sections import broken_sections
from .broken_texts import mutations
from .feedback import feedback_specs
from .specs import drawn_options, long_specs, short_specs, specs
from .texts import texts, to_json, to_toml, to_yaml
from .values import FORMATS, SUFFIX, Data, Step

__all__ = [
    "FORMATS",
    "SUFFIX",
    "Data",
    "Step",
    "broken_sections",
    "drawn_options",
    "feedback_specs",
    "long_specs",
    "mutations",
    "short_specs",
    "specs",
    "texts",
    "to_json",
    "to_toml",
    "to_yaml",
]
