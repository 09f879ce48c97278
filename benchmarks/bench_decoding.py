"""Decoder throughput: the generated greedy and beam search (width 4) beside a loop
written by hand and compiled (tf.function on TensorFlow, jax.jit on JAX) on the SAME
weights, for lstm_seq2seq and nmt_attention: tokens/s of each and their ratio.

Each backend runs in a process of its own (Keras fixes its backend at import); the
generated module is rendered from the example by this checkout's generator. The
hand-written loops call the model's own layers (the decoder's cell, its attention with
the keys projected once), with no stop class and float32 scores, as one would write
them. Every figure is the median of REPEATS timed calls after one call that compiles; the
four decoders of a model are timed in turn, REPEATS rounds.

    python benchmarks/bench_decoding.py            # batch 64, 50 steps
    python benchmarks/bench_decoding.py --small    # batch 8, 10 steps (CI)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT

MODELS = {
    "lstm_seq2seq": ROOT / "examples" / "seq2seq" / "lstm_seq2seq.yaml",
    "nmt_attention": ROOT / "examples" / "published" / "nmt_attention.yaml",
}
BACKENDS = ("tensorflow", "jax")
BEAM_WIDTH = 4
SOURCE_STEPS = 20
REPEATS = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="batch 8, 10 steps")
    parser.add_argument("--backend", action="append", choices=BACKENDS)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    batch, steps = (8, 10) if args.small else (64, 50)
    if args.worker:
        for name in MODELS:
            print(json.dumps(measure(name, batch, steps)), flush=True)
        return
    print(f"batch {batch}, {steps} steps, beam width {BEAM_WIDTH}; tokens/s")
    print(f"{'backend':<11}{'model':<15}{'decoder':<8}{'generated':>11}{'by hand':>10}")
    for backend in args.backend or BACKENDS:
        for row in run_worker(backend, args.small):
            for how in ("greedy", "beam"):
                ours, theirs = row[how], row[f"{how}_by_hand"]
                print(
                    f"{backend:<11}{row['model']:<15}{how:<8}{ours:>11,.0f}"
                    f"{theirs:>10,.0f}  {ours / theirs:.2f}x"
                    f"  same classes: {row[f'{how}_same']}"
                )


def run_worker(backend: str, small: bool) -> list[dict]:
    done = subprocess.run(
        [sys.executable, __file__, "--worker", backend] + ["--small"] * small,
        capture_output=True,
        text=True,
        env={**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"},
        check=False,
    )
    if done.returncode:
        sys.exit(f"{backend} failed:\n{done.stderr[-4000:]}")
    return [json.loads(line) for line in done.stdout.splitlines() if line[:1] == "{"]


# -- in the worker: one backend (Keras and the backend are imported here only, after
# KERAS_BACKEND is set: the parent process imports neither) --------------------------


def measure(name: str, batch: int, steps: int) -> dict:
    """tokens/s of the generated and the hand-written greedy and beam decoders."""
    import keras
    import numpy as np

    module = rendered(name)
    keras.utils.set_random_seed(0)
    model = module.build_model()
    rng = np.random.default_rng(0)
    if name == "nmt_attention":
        source = rng.integers(1, 5000, (batch, SOURCE_STEPS)).astype("int32")
    else:
        source = rng.standard_normal((batch, SOURCE_STEPS, 71)).astype("float32")
    by_hand = HAND_WRITTEN[name](model, module, steps)
    runs = {
        "greedy": lambda: module.greedy_decode(
            model, source, max_length=steps, stop=None
        ),
        "beam": lambda: module.beam_search_decode(
            model, source, beam_width=BEAM_WIDTH, max_length=steps, stop=None
        )[0],
        "greedy_by_hand": lambda: by_hand.greedy(source),
        "beam_by_hand": lambda: by_hand.beam(source),
    }
    chosen = {label: np.asarray(run()) for label, run in runs.items()}  # compiles
    times: dict[str, list[float]] = {label: [] for label in runs}
    for _ in range(REPEATS):  # in turn, so a busy moment slows each alike
        for label, run in runs.items():
            times[label].append(timed(run))
    row: dict = {"model": name}
    for label, seconds in times.items():
        row[label] = batch * steps / statistics.median(seconds)
    for how in ("greedy", "beam"):
        row[f"{how}_same"] = bool(np.array_equal(chosen[how], chosen[f"{how}_by_hand"]))
    return row


def timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def rendered(name: str):
    """The module this checkout renders from the example, imported."""
    import importlib.util

    from rnnspec import render_spec

    path = Path(tempfile.mkdtemp()) / f"{name}.py"
    path.write_text(render_spec(MODELS[name]), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class HandWritten:
    """A compiled greedy and beam loop over ``step(classes, state) -> (logits, state)``
    and ``encode(source) -> state`` (a tuple of tensors, batch first)."""

    def __init__(self, encode, step, module, steps: int, moving: int) -> None:
        import keras

        self.encode, self.step, self.steps = encode, step, steps
        self.classes, self.start = module.CLASSES, module.START
        self.moving = moving  # the first entries of the state, which beams reorder
        compile_ = compiler(keras.backend.backend())
        self.greedy_loop, self.beam_loop = compile_(self._greedy), compile_(self._beam)

    def greedy(self, source):
        import keras

        return keras.ops.convert_to_numpy(self.greedy_loop(source))

    def beam(self, source):
        import keras

        return keras.ops.convert_to_numpy(self.beam_loop(source))

    def _greedy(self, source):
        from keras import ops

        state = self.encode(source)
        batch = source.shape[0]
        classes = ops.full((batch,), self.start, "int32")
        chosen = ops.zeros((batch, self.steps), "int32")

        def body(t, carry):
            classes, state, chosen = carry
            logits, state = self.step(classes, state)
            classes = ops.cast(ops.argmax(logits, axis=-1), "int32")
            chosen = ops.where(
                ops.arange(self.steps)[None] == t, classes[:, None], chosen
            )
            return classes, state, chosen

        return ops.fori_loop(0, self.steps, body, (classes, state, chosen))[2]

    def _beam(self, source):
        from keras import ops

        width, batch = BEAM_WIDTH, source.shape[0]
        state = tuple(ops.repeat(s, width, axis=0) for s in self.encode(source))
        rows = batch * width  # example b's beam k: row b * width + k
        classes = ops.full((rows,), self.start, "int32")
        first = ops.convert_to_tensor([0.0] + [-1e9] * (width - 1), "float32")
        scores = ops.tile(first, (batch,))
        chosen = ops.zeros((rows, self.steps), "int32")
        base = ops.repeat(ops.arange(batch) * width, width)

        def body(t, carry):
            classes, state, scores, chosen = carry
            logits, state = self.step(classes, state)
            total = scores[:, None] + ops.log_softmax(logits, axis=-1)
            total = ops.reshape(total, (batch, width * self.classes))
            scores, best = ops.top_k(total, width)
            parent = base + ops.reshape(best // self.classes, (-1,))
            classes = ops.cast(ops.reshape(best % self.classes, (-1,)), "int32")
            moved = tuple(ops.take(s, parent, axis=0) for s in state[: self.moving])
            state = moved + state[self.moving :]
            chosen = ops.take(chosen, parent, axis=0)
            chosen = ops.where(
                ops.arange(self.steps)[None] == t, classes[:, None], chosen
            )
            return classes, state, ops.reshape(scores, (-1,)), chosen

        carry = (classes, state, scores, chosen)
        return ops.fori_loop(0, self.steps, body, carry)[3][::width]


def compiler(backend: str):
    if backend == "tensorflow":
        import tensorflow as tf

        return lambda loop: tf.function(loop, jit_compile=True, autograph=False)
    import jax

    return jax.jit


def lstm_seq2seq(model, module, steps: int) -> HandWritten:
    from keras import ops

    encoder = model.get_layer("encoder_lstm")
    cell = model.get_layer("decoder_lstm").cell
    head = model.get_layer("decoder_head")

    def encode(source):
        _, h, c = encoder(source)
        return (h, c)

    def step(classes, state):
        _, (h, c) = cell(ops.one_hot(classes, module.CLASSES), list(state))
        return ops.log(head(h)), (h, c)  # a softmax head: log-probabilities

    return HandWritten(encode, step, module, steps, moving=2)


def nmt_attention(model, module, steps: int) -> HandWritten:
    layer = model.get_layer

    def encode(source):
        memory, h = layer("encoder_gru")(layer("source_embedding")(source))
        return (h, memory, layer("decoder_attention_key")(memory))  # keys: once

    def step(classes, state):
        h, memory, keys = state
        embedded = layer("target_embedding")(classes)
        h, _ = layer("decoder_gru").cell(embedded, [h])
        query = layer("decoder_attention_query")(h[:, None])
        context = layer("decoder_attention")([query, memory, keys])
        joined = layer("decoder_attention_concat")([context, h[:, None]])
        logits = layer("decoder_head")(layer("decoder_attention_vector")(joined))
        return logits[:, 0], (h, memory, keys)

    return HandWritten(encode, step, module, steps, moving=1)


HAND_WRITTEN = {"lstm_seq2seq": lstm_seq2seq, "nmt_attention": nmt_attention}


if __name__ == "__main__":
    main()
