"""The spec's JSON Schema (draft 2020-12), made from the spec models: what `rnnspec
schema` prints and what schema/rnnspec.schema.json holds (tests/unit/test_schema.py keeps
the two byte-identical; `make schema` writes the file).

Editors find it by a spec's `$schema` key (JSON, YAML, TOML: the loader accepts a string
there and ignores it, rnnspec/read/load.py) or, in YAML, by the comment line
`# yaml-language-server: $schema=URL`. SCHEMA_ID is the file's stable address: the
file on the main branch of the repository, served as it is.
"""

from __future__ import annotations

import json
from typing import Any, Union

from pydantic import TypeAdapter

from ..check.checked import GraphSpec, Spec

SCHEMA_ID = (
    "https://raw.githubusercontent.com/rnnspec/rnnspec/main/schema/rnnspec.schema.json"
)
SCHEMA_FILE = "schema/rnnspec.schema.json"  # in the repository
EDITOR_KEY = "$schema"  # a spec's key for editors: a string, ignored by the loader
MODELINE = f"# yaml-language-server: $schema={SCHEMA_ID}"  # a YAML spec's first line
_EDITOR_PROPERTY = {
    "type": "string",
    "description": "the JSON Schema this spec follows, for editors; rnnspec ignores it",
}


def spec_schema() -> dict[str, Any]:
    """Either form: the short (one block) or the long (inputs and blocks), each also
    taking the editors' `$schema` key."""
    schema = TypeAdapter(Union[Spec, GraphSpec]).json_schema()
    for form in ("Spec", "GraphSpec"):
        properties = schema["$defs"][form]["properties"]
        schema["$defs"][form]["properties"] = {
            EDITOR_KEY: _EDITOR_PROPERTY,
            **properties,
        }
    _names_match_their_pattern(schema)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "rnnspec spec",
        **schema,
    }


def _names_match_their_pattern(node: object) -> None:
    """A mapping keyed by identifiers: pydantic writes the key's pattern as
    `patternProperties`, which only checks the values of keys that match; the keys must
    match too (`propertyNames`), as the loader refuses any other."""
    if isinstance(node, dict):
        patterns = list(node.get("patternProperties", {}))
        if len(patterns) == 1:
            node["propertyNames"] = {
                "pattern": patterns[0],
                **node.get("propertyNames", {}),
            }
        for value in node.values():
            _names_match_their_pattern(value)
    elif isinstance(node, list):
        for value in node:
            _names_match_their_pattern(value)


def schema_text() -> str:
    """The schema as `rnnspec schema` prints it and the file holds it."""
    return json.dumps(spec_schema(), indent=2) + "\n"
