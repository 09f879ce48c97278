"""Whole drawn specs: the short form (one block) and the long form (inputs, blocks,
hand-overs, outputs), and the options a drawn spec uses."""

from __future__ import annotations

from hypothesis import strategies as st

from rnnspec.spec.values import ACTIVATIONS

from .blocks import recurrent_block
from .cells import Drawn
from .layers import after_head
from .sections import REGRESSION, add_sections, classes_of
from .values import (
    DTYPES,
    OMIT,
    VECTOR_CELLS,
    Data,
    Step,
    descriptions,
    identifiers,
    maybe,
    put,
)


@st.composite
def _step(draw: st.DrawFn) -> Step:
    """Vector features, or a ConvLSTM step of rank 1 to 3: small spatial dims + channels."""
    rank = draw(st.sampled_from((0, 0, 0, 1, 2, 3)))
    if rank == 0:
        return (draw(st.integers(1, 4)),)
    spatial = draw(
        st.lists(st.integers(1, 4 if rank < 3 else 3), min_size=rank, max_size=rank)
    )
    return (*spatial, draw(st.integers(1, 2)))


def _input(draw: st.DrawFn, step: Step, batch_size: int | None, dtype: object) -> Data:
    given: Data = {}
    put(given, "batch_size", batch_size if batch_size else draw(maybe(st.none())))
    put(given, "timesteps", draw(maybe(st.integers(1, 4), null=True, omit=1)))
    if len(step) > 1:
        given["shape"] = list(step)
    elif draw(st.integers(0, 3)) == 0:  # tokens, embedded in as many features
        given["vocabulary"] = draw(st.integers(1, 20))
        given["embedding"] = step[0]
        put(given, "mask_zero", draw(maybe(st.booleans())))
    else:
        given["features"] = step[0]
    put(given, "dtype", dtype if dtype != "float32" else draw(maybe(st.just(dtype))))
    return given


def _head_keys(draw: st.DrawFn, name: str) -> Data:
    spec: Data = {"name": name}
    put(spec, "description", draw(maybe(descriptions)))
    return spec


@st.composite
def short_specs(draw: st.DrawFn) -> Data:
    """A short-form spec: one input, one block."""
    step = draw(_step())
    batch_size = draw(st.sampled_from((None, 1, 2, 3)))
    dtype = draw(st.sampled_from(DTYPES))
    spec = _head_keys(draw, draw(identifiers))
    spec["input"] = _input(draw, step, batch_size, dtype)
    classes = classes_of(spec["input"]) if draw(st.integers(0, 2)) == 0 else None
    # a window model, or one that returns its state: a language model where it
    # returns sequences (docs/decoding.md)
    window = classes is not None and draw(st.booleans())
    block, drawn = draw(
        recurrent_block(
            spec["name"],
            step,
            batch_fixed=batch_size is not None,
            long_form=False,
            timesteps=spec["input"].get("timesteps"),
            classes=classes,
            window=window,
            masked=spec["input"].get("mask_zero") is True,
        )
    )
    spec |= block
    add_sections(draw, spec, {"sequence": spec["input"]}, [spec], [drawn])
    return spec


def _bridges(source: Drawn, step: Step) -> list[str]:
    """The bridges that can hand `source`'s state to a block reading `step`."""
    if source.conv != (len(step) > 1):
        return []
    if source.conv:
        if step != source.step:
            return []
        return ["none", "concat"] if source.bidirectional else ["none"]
    if not source.bidirectional:
        return ["none", "project", "broadcast"]
    return ["none", "project", "concat", "per_layer"]


@st.composite
def long_specs(draw: st.DrawFn, seq2seq: bool = False) -> Data:
    """A long-form spec: one or two inputs, one to three blocks, hand-overs and heads;
    every block feeds an output (Keras drops the rest), as does every head.
    `seq2seq`: an encoder that returns its sequence and state, and a decoder on the
    second input that starts from it, mostly attends over it and scores its classes."""
    n_inputs = 2 if seq2seq else draw(st.integers(1, 2))
    n_blocks = 2 if seq2seq else draw(st.integers(n_inputs, 3))
    names = draw(
        st.lists(
            identifiers,
            min_size=1 + n_inputs + n_blocks,
            max_size=1 + n_inputs + n_blocks,
            unique=True,
        )
    )
    spec = _head_keys(draw, names[0])
    input_names, block_names = names[1 : 1 + n_inputs], names[1 + n_inputs :]
    batch_size = draw(st.sampled_from((None, 1, 2)))
    dtype = draw(st.sampled_from(DTYPES))
    vectors = st.builds(lambda n: (n,), st.integers(1, 4))
    steps = {name: draw(vectors if seq2seq else _step()) for name in input_names}
    spec["inputs"] = {
        name: _input(draw, steps[name], batch_size, dtype) for name in input_names
    }
    blocks: list[Data] = []
    drawn: list[Drawn] = []
    unused = list(input_names)
    for index, name in enumerate(block_names):
        readable = [d for d in drawn if d.output is not None]
        # one vector out (return_sequences false): read repeated, as RepeatVector does
        repeatable = [d for d in drawn if d.output is None and d.width and not d.conv]
        choices = (
            unused
            if len(unused) >= n_blocks - index
            else input_names + [d.name for d in readable + repeatable]
        )
        given = input_names[index] if seq2seq else draw(st.sampled_from(choices))
        if given in unused:
            unused.remove(given)
        repeat = None
        if given in steps:
            step = steps[given]
            timesteps = spec["inputs"][given].get("timesteps")
        elif any(d.name == given for d in readable):
            step = next(d.output for d in readable if d.name == given)
            timesteps = None  # a front above may have changed it
        else:
            step = (next(d.width for d in repeatable if d.name == given),)
            repeat = timesteps = draw(st.integers(1, 4))
        options = [(d, b) for d in drawn if d.return_state for b in _bridges(d, step)]
        handed = st.sampled_from(options) if options else st.nothing()
        source, bridge = draw(
            handed
            if seq2seq and index
            else st.one_of(st.just((None, None)), handed, handed)
        )
        classes = None  # a decoder whose head scores its input's classes
        steer = seq2seq or draw(st.integers(0, 2)) > 0
        if source is not None and given in steps and steer:
            classes = classes_of(spec["inputs"][given])
        memories = tuple(
            d
            for d in drawn
            if d.output is not None
            and d.width is not None
            and not _mask_blocked(spec["inputs"], blocks, d.name)
        )
        block, info = draw(
            recurrent_block(
                name,
                step,
                batch_fixed=batch_size is not None,
                long_form=True,
                timesteps=timesteps,
                source=source,
                bridge=bridge,
                memories=memories,
                classes=classes,
                encoder=seq2seq and not index,
                masked=any(
                    given.get("mask_zero") is True for given in spec["inputs"].values()
                ),
            )
        )
        blocks.append({"name": name, "input": given, **block})
        put(blocks[-1], "repeat", repeat if repeat is not None else OMIT)
        drawn.append(info)
    spec["blocks"] = blocks
    if not seq2seq and draw(st.integers(0, 3)) == 0:
        _start_from_vector(draw, spec, names)
    outputs = st.lists(
        st.sampled_from(block_names), min_size=1, max_size=len(block_names), unique=True
    )
    put(spec, "outputs", draw(maybe(outputs, null=True)))
    missing = _unused(blocks, spec.get("outputs") or [block_names[-1]])
    if missing:  # Keras would drop them: make them outputs
        given = spec.get("outputs") or [block_names[-1]]
        spec["outputs"] = [*given, *(name for name in block_names if name in missing)]
    add_sections(draw, spec, spec["inputs"], blocks, drawn)
    if not seq2seq:
        _time_distribute(spec)
        _mask_an_input(draw, spec)
    if not seq2seq and not {"training", "decoding"} & set(spec):
        _add_node(draw, spec, drawn)
    return spec


def _add_node(draw: st.DrawFn, spec: Data, drawn: list[Drawn]) -> None:
    """Maybe a layer node on the blocks' vector outputs, one more model output: a
    Dense on one, or two concatenated (added where as wide), maybe a Dense after."""
    wrapped = {b["name"] for b in spec["blocks"] if b.get("time_distributed")}
    vectors = [
        d
        for d in drawn
        if d.output is None and d.width and not d.two_outputs and d.name not in wrapped
    ]
    taken = [*spec["inputs"], *(block["name"] for block in spec["blocks"])]
    name = draw(identifiers)
    if not vectors or draw(st.integers(0, 2)) or _prefixed(name, taken):
        return
    picked = st.lists(
        st.sampled_from(range(len(vectors))), min_size=1, max_size=2, unique=True
    )
    read = [vectors[index] for index in draw(picked)]
    node: Data = {"name": name, "input": read[0].name}
    if len(read) == 2:
        node["input"] = [d.name for d in read]
        same = read[0].width == read[1].width
        node["merge"] = draw(
            st.sampled_from(["concatenate", "add"] if same else ["concatenate"])
        )
    if len(read) == 1 or draw(st.booleans()):
        node["layers"] = [{"type": "dense", "units": draw(st.integers(1, 4))}]
    spec["blocks"].append(node)
    outputs = spec.get("outputs") or [spec["blocks"][-2]["name"]]
    spec["outputs"] = [*outputs, name]


def _prefixed(name: str, taken: list[str]) -> bool:
    """Whether one name starts another: the Python names each makes could meet."""
    return any(name.startswith(t) or t.startswith(name) for t in taken)


# front layers that pass a mask on (docs/long-form.md: mask inputs)
MASK_KEEPING = ("dense", "dropout", "batch_normalization", "layer_normalization")


def _mask_an_input(draw: st.DrawFn, spec: Data) -> None:
    """Maybe a mask input (`{masks: <input>}`, docs/long-form.md) for a vector sequence
    input whose readers' fronts keep a mask, where nothing the docs refuse follows: a
    decoder stepped on it, the decoders, a `stacking: cells` block of one cell or with
    no initial state, a memory whose mask a front, repeat or head between would
    change."""
    blocks = spec["blocks"]
    started = ("zeros", "ones", "random", "input")
    if "decoding" in spec or any(  # Keras 3.15: a masked RNN(StackedRNNCells) fails
        block.get("stacking") == "cells"  # without an initial state (blocks.py)
        and (len(block["cells"]) == 1 or block.get("initial_state") not in started)
        for block in blocks
    ):
        return
    candidates = [
        name
        for name, given in spec["inputs"].items()
        if "features" in given
        and given.get("sequence") is not False
        and all(
            not isinstance(block.get("initial_state"), dict)
            and all(layer["type"] in MASK_KEEPING for layer in block.get("front", []))
            for block in blocks
            if block["input"] == name
        )
        and not any(
            block.get("attention")
            and _mask_blocked(spec["inputs"], blocks, block["attention"]["over"], name)
            for block in blocks
        )
    ]
    taken = {*spec["inputs"], *(block["name"] for block in blocks), spec["name"]}
    if not candidates or draw(st.integers(0, 2)) > 0:  # draws only where one fits
        return
    name = f"padmask{draw(st.integers(0, 9))}"
    if name in taken:
        return
    masked = draw(st.sampled_from(candidates))
    mask: Data = {"masks": masked}
    for key in ("timesteps", "batch_size"):  # the masked input's, or left out
        if key in spec["inputs"][masked] and draw(st.booleans()):
            mask[key] = spec["inputs"][masked][key]
    spec["inputs"][name] = mask


def _time_distribute(spec: Data) -> None:
    """Maybe a block that reads an input of features alone, and that nothing reads,
    wrapped in TimeDistributed (`time_distributed: true`): its input's steps become
    sequences of `[steps, features]`. Only where no section was drawn for its output's
    shape, and its head (if any) is a Dense's keys, which take any rank. Chosen from
    the drawn name (a quarter of the names), with no draw of its own: the samples of
    the properties tuned on the strategy's draws (tests/unit/test_schema_mistakes.py)
    stay the ones they were."""
    seed = sum(map(ord, spec["name"]))
    if seed % 4 or spec.get("training") or spec.get("decoding"):
        return
    blocks = spec["blocks"]
    read = [block["input"] for block in blocks]
    read += [block["attention"]["over"] for block in blocks if block.get("attention")]
    read += [
        block["initial_state"]["from"]
        for block in blocks
        if isinstance(block.get("initial_state"), dict)
    ]
    fits = [
        block
        for block in blocks
        if read.count(block["input"]) == 1
        and block["name"] not in read
        and block["input"] in spec["inputs"]
        and "features" in spec["inputs"][block["input"]]
        and spec["inputs"][block["input"]].get("sequence") is not False
        and block["cells"][0]["type"] in VECTOR_CELLS
        and block.get("initial_state") in (None, "none")
        and not any(block.get(key) for key in _UNWRAPPED)
        and block.get("bidirectional") != {"merge_mode": "none"}
        and not isinstance(block.get("head"), list)
    ]
    if not fits:
        return
    block = fits[seed // 4 % len(fits)]
    given = spec["inputs"][block["input"]]
    given["shape"] = [1 + seed % 3, given.pop("features")]
    block["time_distributed"] = True


# keys a time_distributed block refuses (rnnspec/check/wrapped.py)
_UNWRAPPED = ("return_state", "stateful", "attention", "repeat", "front")


def _start_from_vector(draw: st.DrawFn, spec: Data, taken: list[str]) -> None:
    """Maybe an input with no time axis (`sequence: false`) whose Dense projection
    starts a vector block's state, as image captioning's decoder starts from the
    image's features: `initial_state: {from: <input>, bridge: project}`."""
    free = [
        block
        for block in spec["blocks"]
        if block.get("initial_state") in (None, "zeros", "ones", "random", "none")
        and block.get("stateful") is not True
        and block["cells"][0]["type"] in VECTOR_CELLS
        and len({cell["units"] for cell in block["cells"]}) == 1  # one Dense for all
    ]
    name = draw(identifiers)
    if not free or name in taken:
        return
    given: Data = {"features": draw(st.integers(1, 4)), "sequence": False}
    first = next(iter(spec["inputs"].values()))
    put(given, "batch_size", first.get("batch_size", OMIT))
    put(given, "dtype", first.get("dtype", OMIT))
    spec["inputs"][name] = given
    hand_over: Data = {"from": name, "bridge": "project"}
    put(hand_over, "activation", draw(maybe(st.sampled_from(ACTIVATIONS))))
    draw(st.sampled_from(free))["initial_state"] = hand_over


def _mask_blocked(
    inputs: Data, blocks: list[Data], name: str, masked: str | None = None
) -> bool:
    """Whether a block's output cannot be a memory because it comes from a token input
    with mask_zero (or the input `masked`, which gets a mask input) through a front,
    repeat or head, which the mask cannot pass."""
    by_name = {block["name"]: block for block in blocks}
    changed = False
    while name in by_name:
        block = by_name[name]
        changed |= any(block.get(key) for key in ("front", "repeat", "head"))
        name = block["input"]
    return changed and (inputs[name].get("mask_zero") is True or name == masked)


def _unused(blocks: list[Data], outputs: list[str]) -> set[str]:
    """The blocks no output depends on, and those whose head nothing reads."""
    needed = set(outputs)
    for block in reversed(blocks):
        if block["name"] in needed:
            needed.add(block["input"])
            if isinstance(block.get("initial_state"), dict):
                needed.add(block["initial_state"]["from"])
            if block.get("attention"):
                needed.add(block["attention"]["over"])
    read = {block["input"] for block in blocks} | set(outputs)
    read |= {block["attention"]["over"] for block in blocks if block.get("attention")}
    return {
        block["name"]
        for block in blocks
        if block["name"] not in needed
        or (bool(block.get("head")) and block["name"] not in read)
    }


def specs() -> st.SearchStrategy[Data]:
    """Either form (a block that feeds its predictions back: feedback_specs())."""
    return st.one_of(short_specs(), long_specs(), long_specs(seq2seq=True))


def drawn_options(spec: Data) -> set[str]:
    """The layer options and losses a drawn spec uses that the counts report: proof
    that the strategy draws them (`make fuzz` prints `valid with <option>`)."""
    found: set[str] = set()
    blocks = spec.get("blocks") or [spec]
    for block in blocks:
        layers = list(block.get("front") or [])
        head = block.get("head")
        layers += head if isinstance(head, list) else []
        for layer in layers:
            kind = layer["type"]
            if kind in ("conv1d", "conv2d") or kind.endswith("normalization"):
                found.add(kind)
            if kind == "conv1d" and layer.get("padding") == "causal":
                found.add("causal conv1d")
                if layer.get("strides", 1) > 1:
                    found.add("causal conv1d with strides")
        hand_over = block.get("initial_state")
        if isinstance(hand_over, dict):
            found.add(f"bridge {hand_over.get('bridge', 'none')}")
            if hand_over.get("activation"):
                found.add("bridge project with an activation")
        found |= {
            key
            for key in ("repeat", "go_backwards", "time_distributed")
            if block.get(key)
        }
        if "cells" not in block:
            found.add(f"layer node with {block.get('merge', 'layers')}")
        found |= {"feedback"} if block.get("feedback") else set()
    inputs = spec.get("inputs", {}).values()
    found |= {
        "input with sequence: false" for i in inputs if i.get("sequence") is False
    }
    found |= {"mask input" for i in inputs if "masks" in i}
    return found | _regression_heads(spec, blocks)


def _regression_heads(spec: Data, blocks: list[Data]) -> set[str]:
    """`regression loss on a 1-unit head`, `... softmax head`: such heads trained."""
    loss = (spec.get("training") or {}).get("loss")
    if loss is None:
        return set()
    outputs = spec.get("outputs") or [blocks[-1].get("name", spec.get("name"))]
    given = loss if isinstance(loss, dict) else dict.fromkeys(outputs, loss)
    found = set()
    for block in blocks:
        if given.get(block.get("name", spec.get("name"))) not in REGRESSION:
            continue
        head = block.get("head")
        if not head:
            continue
        width, end = after_head(head, 0)
        found |= {"regression loss on a 1-unit head"} if width == 1 else set()
        found |= {"regression loss on a softmax head"} if end == "softmax" else set()
        if width == 1 and end == "softmax":
            found.add("regression loss on a 1-unit softmax head")
    return found
