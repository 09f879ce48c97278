"""The module's own Python names that a spec's names could shadow, and what the module
calls each of them instead where one does.

A spec's input and block names are Python variables in a few of the module's
functions (`SPEC_SCOPES`); every name such a function writes besides them (its
parameters and locals, the module-level names and builtins it reads) is listed in
`OWN_NAMES`. The spec keeps its names: where one of them is also one of these, the
module renames its own, `name_` (another underscore until the name is free), at its
definition and at every use. A builtin the module renames gets a module-level alias,
and so does a renamed function or constant, under its own name, at the end: the
module's interface (build_model, main, ...) stays as it is.
"""

from __future__ import annotations

from collections.abc import Iterable

# The functions in which the spec's names are variables (decode_step: the decoder's;
# window generation's holds none, and its locals keep their names).
SPEC_SCOPES = frozenset(
    {
        "recurrent_part", "build_model", "build_inference_models", "check_returned",
        "make_initial_state", "main", "decode_step", "build_step_model",
    }
)  # fmt: skip
# Module-level names those functions read: imports, constants, functions, classes.
MODULE_NAMES = (
    "keras", "np", "tf", "NAME", "BATCH_SIZE", "TIMESTEPS", "STEP_SHAPE",
    "STEP_SHAPES", "DTYPE", "ARRAY_DTYPE", "SEED", "RETURNED", "CLASSES",
    "RepeatOverBatch", "InputFeeding", "FeedBack", "make_initial_state", "check_shape",
    "check_returned",
    "recurrent_part", "build_model", "build_inference_models", "reset_states",
    "build_training_model", "compile_model", "teacher_forcing",
    "decode_step", "greedy_decode", "sample_decode", "beam_search_decode", "main",
    "build_step_model",
)  # fmt: skip
# Their parameters and locals (lambda and comprehension variables included).
LOCAL_NAMES = (
    "batch_size", "timesteps", "rng", "initial_state", "state", "states", "cell",
    "returned", "outputs", "name", "tensor", "model", "encoder_model",
    "decoder_model", "encoder_inputs", "prefix", "carried", "classes", "scores",
    "step", "fresh", "again", "before", "after", "training_model", "sequence",
    "forced_targets", "predicted", "shapes", "finite", "targets", "weights",
    "weight", "old", "loss", "output", "step_model",
)  # fmt: skip
# The builtins they call.
BUILTINS = ("all", "any", "len", "max", "print", "tuple", "zip")
OWN_NAMES = (*MODULE_NAMES, *LOCAL_NAMES, *BUILTINS)


def own_names(spec_names: Iterable[str]) -> dict[str, str]:
    """Each of the module's own names, mapped to itself or, where the spec makes the
    same name, to a free one: the name followed by underscores."""
    taken = set(spec_names)
    used = taken | set(OWN_NAMES)
    names = {}
    for name in OWN_NAMES:
        free = name
        while free in taken or (free != name and free in used):
            free += "_"
        used.add(free)
        names[name] = free
    return names


def public_aliases(names: dict[str, str]) -> list[tuple[str, str]]:
    """(name, renamed) for each module-level name the module renames, but its imports:
    `build_model = build_model_` at the end keeps the module's interface."""
    imports = ("keras", "np", "tf")
    return [
        (name, names[name])
        for name in MODULE_NAMES
        if name not in imports and names[name] != name
    ]


def builtin_aliases(names: dict[str, str]) -> list[tuple[str, str]]:
    """(alias, builtin) for each builtin the module renames: `print_ = print`."""
    return [(names[b], b) for b in BUILTINS if names[b] != b]
