"""`rnnspec check`'s text: a plan's blocks, layers and state tree with shapes."""

from __future__ import annotations

import sys
from pathlib import Path

from ..plan.layer_rows import layer_rows
from ..plan.model import BlockPlan, Dim, ModelPlan, StateTree, make_plan, resolve_dims
from ..read.load import load_spec, load_stream


def check_report(name: str, stdin_format: str = "yaml") -> str:
    """The report on the spec file `name` (`-`: stdin, read as `stdin_format`);
    SpecError if the spec is wrong."""
    spec = (
        load_stream(sys.stdin.buffer, stdin_format)
        if name == "-"
        else load_spec(Path(name))
    )
    return describe_plan(make_plan(spec)) + "\n"


def concrete(dims: tuple[Dim, ...], plan: ModelPlan) -> tuple[int | None, ...]:
    """A shape with the spec's batch size and timesteps (None where dynamic)."""
    return resolve_dims(dims, plan.batch_size, plan.timesteps)


def describe_plan(plan: ModelPlan) -> str:
    """Per block: layers, STATE_SIZE, the initial state in Keras' flat order and the
    parameters; then what the model returns. Unkeyed (the short form), the one block's
    lines stand alone."""
    if plan.keyed:
        nodes = f", {len(plan.nodes)} layer node(s)" if plan.nodes else ""
        lines = [
            f"{plan.name}: {len(plan.inputs)} input(s), {len(plan.blocks)} block(s)"
            + nodes
        ]
    else:
        lines = [f"{plan.name}: {len(plan.blocks[0].layers)} layer(s)"]
    for block in plan.blocks:
        lines += _block_lines(block, plan)
    lines.append("layers:")
    lines += _table(
        ("#", "layer", "class", "output shape", "parameters"), _layers(plan)
    )
    lines.append("returns:")
    lines += _table(("#", "tensor", "shape"), _rows(plan.returns, plan))
    if plan.decoder:
        lines.append(
            f"build_inference_models(): encoder -> {plan.decoder}'s state, one-step {plan.decoder}"
            + (f"; memories: {', '.join(plan.memories)}" if plan.memories else "")
        )
    embeddings = [(i.embedding_layer, i.params) for i in plan.inputs if i.embedding]
    if plan.keyed:
        parts = embeddings + [
            (entry.name, entry.params)
            for kind, entry in plan.graph
            if entry.name in plan.spec.used and (kind == "block" or entry.params)
        ]
    else:
        parts = embeddings + _param_parts(plan.blocks[0])
    lines.append(_params(plan.params, parts))
    return "\n".join(lines)


def _layers(plan: ModelPlan) -> list[tuple[str, ...]]:
    """Every layer of the model, in the module's order (rnnspec/plan/layer_rows.py)."""
    return [
        (str(i), row.name, row.keras_class, str(concrete(row.shape, plan)))
        + (f"{row.params:,}",)
        for i, row in enumerate(layer_rows(plan))
    ]


def _block_lines(block: BlockPlan, plan: ModelPlan) -> list[str]:
    indent = "  " if plan.keyed else ""
    lines = [f"block {block.name} (input: {block.input}):"] if plan.keyed else []
    lines += [f"  {layer.name}: {layer.summary}" for layer in block.layers]
    if block.attention:
        lines.append(f"  {block.attention.layer}: {block.attention.summary}")
    lines.append(f"{indent}STATE_SIZE = {block.state_size!r}")
    lines.append(
        f"{indent}initial_state ({_source(block)}): {_nested(block.initial_state)}"
    )
    table = _table(("#", "state", "shape"), _rows(block.state_tensors, plan))
    lines += [indent + line for line in table]
    if plan.keyed:
        lines.append(indent + _params(block.params, _param_parts(block)))
    return lines


def _param_parts(block: BlockPlan) -> list[tuple[str, int]]:
    parts = [("front", block.front_params)] if block.front else []
    parts += [(layer.name, layer.params) for layer in block.layers]
    parts += [("attention", block.attention.params)] if block.attention else []
    parts += [("head", block.head_params)] if block.head else []
    parts += [("bridge", block.bridge_params)] if block.bridge_params else []
    return parts


def _params(total: int, parts: list[tuple[str, int]]) -> str:
    """ "parameters: 1,234 (lstm_1 1,000, lstm_2 234)": Keras' count_params()."""
    if len(parts) < 2:
        return f"parameters: {total:,}"
    return f"parameters: {total:,} (" + ", ".join(f"{n} {c:,}" for n, c in parts) + ")"


def _source(block: BlockPlan) -> str:
    if not block.source:
        return block.initial_state_mode
    made = ", ".join(
        f"{b.target.name} <- {' + '.join(s.name for s in b.sources)}"
        for b in block.bridges
    )
    return f"from {block.source}, bridge {block.bridges[0].kind}: {made}"


def _rows(items: tuple, plan: ModelPlan) -> list[tuple[str, ...]]:
    pairs = [
        (item.name, item.batch_shape) if hasattr(item, "batch_shape") else item
        for item in items
    ]
    return [
        (str(i), name, str(concrete(dims, plan)))
        for i, (name, dims) in enumerate(pairs)
    ]


def _nested(tree: StateTree) -> str:
    if isinstance(tree, list):
        return "[" + ", ".join(map(_nested, tree)) + "]"
    return tree.name


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return [
        "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
        for row in [header, *rows]
    ]
