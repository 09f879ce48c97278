"""The Python names a long-form module writes, and the check that a spec's names make
each one once.

Input names become Python variables (and Keras layer names) as they are; block names
are the prefix of every name a block makes: its layers, outputs and states, their
state inputs, its head and its bridges. A name that is also one of the module's own
(`keras`, `model`, `main`, ...) or that another input or block makes would shadow it,
and the module would fail when run; such a spec is refused at load time instead.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..spec.limits import Path, RuleError
from .shapes import input_mask, input_tensor

if TYPE_CHECKING:
    from ..spec.models import LongForm
    from .shapes import BlockShape

# Every name graph.py.jinja writes itself: module constants, functions and classes,
# the parameters and locals of its functions, and the builtins they call.
# The module's functions in which the spec's names are variables; RESERVED holds their
# names and the module level's, never a local of another function, which cannot clash.
SPEC_SCOPES = frozenset(
    {
        "recurrent_part", "build_model", "build_inference_models", "check_returned",
        "make_initial_state", "main", "decode_step",
    }
)  # fmt: skip
RESERVED = frozenset(
    {
        # module level
        "keras", "np", "NAME", "BATCH_SIZE", "TIMESTEPS", "STEP_SHAPES", "DTYPE",
        "ARRAY_DTYPE", "SEED", "STATE_SIZE", "RETURNED", "RepeatOverBatch",
        "make_initial_state", "check_shape", "check_returned", "build_model",
        "recurrent_part", "outputs", "build_inference_models", "greedy_decode",
        "main", "__name__", "load_model",
        # parameters and locals of the functions where the spec's names are variables
        # (a local of any other function cannot meet them)
        "batch_size", "classes", "decoder_model", "encoder_inputs", "encoder_model",
        "initial_state", "kwargs", "model", "name", "returned", "rng", "self",
        "sequence", "sequence_shape", "state", "states", "step", "tensor", "timesteps",
        "__init__", "call", "compute_output_shape", "get_config",
        # stateful modules (stateful.jinja, smoke.jinja)
        "STATEFUL_LAYERS", "reset_states", "fresh", "again", "before", "after",
        # training (training.jinja, training_smoke.jinja)
        "TRAINED", "build_training_model", "compile_model", "teacher_forcing",
        "ctc_loss", "ctc_loss_from_logits", "training_model", "forced_targets",
        "predicted", "finite", "shapes", "targets", "weights", "weight", "old", "loss",
        # decoding (decoding.jinja, smoke.jinja)
        "CLASSES", "START", "STOP", "MAX_LENGTH", "log_probabilities", "start_decoding",
        "decode_step", "decode_with", "with_temperature", "sample_decode",
        "beam_search_decode", "carried", "scores", "SCORES", "DECODING", "weakref",
        "compile_loop", "compiled", "weights_of", "inference_models", "step_model_of",
        "encode", "chosen_at", "decode_loop", "greedy_choice", "sample_choice",
        "beam_loop", "best_of", "output",
        # builtins
        "all", "any", "max", "print", "super", "tuple", "zip",
    }
)  # fmt: skip
# Keras names a layer that is given no name after its class: RepeatOverBatch's.
AUTO_NAMED = re.compile(r"repeat_over_batch(_\d+)?")


def block_names(block: BlockShape) -> dict[str, str]:
    """The Python names a block makes, each with what it is."""
    names: dict[str, str] = {}
    if block.repeated:
        names[block.repeat_layer] = "RepeatVector layer"
        names[block.input] = "repeated input"
    for layer in block.layers:
        names[layer.name] = "layer"
        names |= {name: "output" for name, _ in layer.outputs}
        if layer.dropout:
            names[layer.dropout_layer] = "Dropout layer"
            names[layer.feeds] = "dropped output"
        for state in layer.states:
            names[state.name] = "state"
            names[f"initial_{state.name}"] = "state input"
    names[block.output[0]] = "output"
    for where, layers in (("front", block.front), ("head", block.head)):
        for layer in layers:  # the old single Dense head is "its head"
            names[layer.name] = where if layer.path == ("head",) else f"{where} layer"
            names.setdefault(layer.output, f"{where} output")
    for bridge in block.bridges:
        if not bridge.direct:
            names[bridge.variable] = "bridged state"
        if bridge.concat_layer:
            names[bridge.concat_layer] = "concat bridge"
        if bridge.dense_layer:
            names[bridge.dense_layer] = "project bridge"
    if block.attention:
        for name, what in block.attention.names.items():
            names.setdefault(name, what)
    return names


def _own(name: str) -> str | None:
    """Why the module has this name itself, or None."""
    if name in RESERVED:
        return f"the generated module uses the name {name} itself"
    if AUTO_NAMED.fullmatch(name):
        return f"Keras names the module's RepeatOverBatch layers {name} and alike"
    return None


def check_names(spec: LongForm, blocks: list[BlockShape]) -> None:
    """Refuse an input or block name that makes a name the module already has."""
    taken: dict[str, tuple[Path, str]] = {}  # name -> its owner's path, and who
    for name in spec.inputs:
        path = ("inputs", name)
        if why := _own(name):
            raise RuleError(
                path, f'{why}; expected another input name, got "{name}"', at_key=True
            )
        taken[name] = (path, f"input {name}")
    for name, given in spec.inputs.items():
        if given.embedding is None:
            continue
        mask = (input_mask(name),) if given.mask_zero else ()
        for made in (f"{name}_embedding", input_tensor(name, given), *mask):
            path = ("inputs", name)
            clash = _own(made) or (
                f"which is also {taken[made][1]}" if made in taken else None
            )
            if clash:
                raise RuleError(
                    path,
                    f"input {name} would make the Python name {made} for its "
                    f"embedding, {clash}; expected another input name, "
                    f'got "{name}"',
                    at_key=True,
                )
            taken[made] = (path, f"input {name}'s embedding")
    for index, block in enumerate(blocks):
        path = ("blocks", index, "name")
        for name, what in block_names(block).items():
            made = f"block {block.name} would make the Python name {name} (its {what})"
            if _own(name):
                raise RuleError(
                    path,
                    f"{made}, which the generated module uses itself; expected another "
                    f'block name, got "{block.name}"',
                )
            if name not in taken:
                taken[name] = (path, f"block {block.name}'s {what}")
                continue
            owner, who = taken[name]
            if owner[0] == "inputs":  # the input took a block's name: blame the input
                raise RuleError(
                    owner,
                    f"{who} is also the Python name of block {block.name}'s {what}"
                    f'; expected another input name, got "{owner[1]}"',
                    at_key=True,
                )
            raise RuleError(
                path,
                f"{made}, which is also {who}; expected another block name, "
                f'got "{block.name}"',
            )
