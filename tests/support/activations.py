"""Print each activation named on the command line on a grid of inputs, as JSON: the
values, or the error Keras raises for it. Runs under Keras 3 and under tf_keras."""

import json
import sys

import numpy as np

GRID = np.linspace(-6, 6, 49).astype("float32").reshape(1, 49)
try:
    import tensorflow as tf
    import tf_keras as keras  # .venv-tf-keras

    grid = tf.constant(GRID)
except ImportError:
    import keras

    grid = keras.ops.convert_to_tensor(GRID)

values = {}
for name in sys.argv[1].split(","):
    try:
        values[name] = np.asarray(keras.activations.get(name)(grid)).tolist()
    except ValueError as exc:
        values[name] = str(exc)
print(json.dumps(values))
