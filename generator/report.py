"""`rnnspec check`'s text: a plan's layers and state tree with shapes."""

from __future__ import annotations

from .plan import Dim, Plan


def concrete(dims: tuple[Dim, ...], plan: Plan) -> tuple[int | None, ...]:
    """A shape with the spec's batch size and timesteps (None where dynamic)."""
    sizes = {"batch_size": plan.batch_size, "timesteps": plan.timesteps}
    return tuple(sizes[dim] if isinstance(dim, str) else dim for dim in dims)


def describe_plan(plan: Plan) -> str:
    """Layers, STATE_SIZE, the initial state in Keras' flat order, and what comes back."""
    lines = [f"{plan.name}: {len(plan.layers)} layer(s)"]
    lines += [f"  {layer.name}: {layer.summary}" for layer in plan.layers]
    lines.append(f"STATE_SIZE = {plan.state_size!r}")
    lines.append(f"initial_state ({plan.initial_state_mode}): {_nested(plan.initial_state)}")
    rows = [(str(i), s.name, str(concrete(s.batch_shape, plan))) for i, s in enumerate(plan.state_tensors)]
    lines += _table(("#", "state", "shape"), rows)
    lines.append("returns:")
    lines += _table(("#", "tensor", "shape"), [(str(i), name, str(concrete(shape, plan))) for i, (name, shape) in enumerate(plan.returns)])
    return "\n".join(lines)


def _nested(tree: object) -> str:
    if isinstance(tree, list):
        return "[" + ", ".join(map(_nested, tree)) + "]"
    return tree.name  # type: ignore[attr-defined]


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return ["  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in [header, *rows]]
