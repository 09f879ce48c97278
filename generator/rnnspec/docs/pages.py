"""A model's page and the index, rendered from rnnspec/docs/templates/.

Python gathers the values (rnnspec/docs/page_data.py and block_rows.py for a page,
`IndexRow`s here for the index); the templates lay out the words. The index has two
tables: short-form specs (an unkeyed plan: one block, names without its prefix) and
long-form ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..plan.model import BlockPlan, ModelPlan
from .environment import environment
from .page_data import page_data
from .svg import bridge_word


@dataclass(frozen=True)
class IndexBlock:
    name: str
    layers: list[str]  # each layer's Keras summary
    initial_state: str
    source: str | None  # the block whose final state starts it
    bridge: str | None  # the hand-over's kind


@dataclass(frozen=True)
class IndexRow:
    name: str
    description: str
    blocks: list[IndexBlock]
    returns: list[str]


def render_page(
    plan: ModelPlan,
    spec_file: str,
    spec_text: str,
    module: str,
    output: str,
    links: str | None = None,
) -> str:
    """A spec's page (either form: one plan). Shapes in its text come from `output` only;
    links into rnnspec's own docs start with `links` (none without it)."""
    page = page_data(plan, spec_file, spec_text, module, output, links)
    return environment().get_template("page.md.jinja").render(page=page)


def render_index(
    plans: Sequence[ModelPlan], backend: str, links: str | None = None
) -> str:
    """The index: the short-form specs' table, then the long-form specs' (if any); the
    output was printed on `backend` (its display name), links as render_page's."""
    rows = [_row(plan) for plan in plans]
    short = [row for row, plan in zip(rows, plans) if not plan.keyed]
    graphs = [row for row, plan in zip(rows, plans) if plan.keyed]
    template = environment().get_template("index.md.jinja")
    return template.render(short=short, graphs=graphs, backend=backend, links=links)


def _row(plan: ModelPlan) -> IndexRow:
    blocks = [_index_block(block) for block in plan.blocks]
    returns = [name for name, _ in plan.returns]
    return IndexRow(plan.name, plan.description, blocks, returns)


def _index_block(block: BlockPlan) -> IndexBlock:
    return IndexBlock(
        block.name,
        [layer.summary for layer in block.layers],
        block.initial_state_mode,
        block.source,
        bridge_word(block) if block.source else None,
    )
