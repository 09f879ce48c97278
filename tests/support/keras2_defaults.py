"""Keras 2's defaults, recorded from tf_keras 2.21.0 (inspect.signature of each class
that a generated module builds): `{class: {argument: repr(default)}}`.

tests/backends/test_keras_defaults.py compares them with Keras 3's own signatures, and checks
this record against tf_keras in `.venv-tf-keras` (`python tests/support/keras2_defaults.py`
in that environment prints it again).
"""

from __future__ import annotations

import inspect
import json

# fmt: off
KERAS2_DEFAULTS: dict[str, dict[str, str]] = {
    'Activation': {
    },
    'AdditiveAttention': {
        'use_scale': 'True',
    },
    'Attention': {
        'use_scale': 'False', 'score_mode': "'dot'",
    },
    'AveragePooling1D': {
        'pool_size': '2', 'strides': 'None', 'padding': "'valid'",
        'data_format': "'channels_last'",
    },
    'AveragePooling2D': {
        'pool_size': '(2, 2)', 'strides': 'None', 'padding': "'valid'",
        'data_format': 'None',
    },
    'AveragePooling3D': {
        'pool_size': '(2, 2, 2)', 'strides': 'None', 'padding': "'valid'",
        'data_format': 'None',
    },
    'BatchNormalization': {
        'axis': '-1', 'momentum': '0.99', 'epsilon': '0.001', 'center': 'True',
        'scale': 'True', 'beta_initializer': "'zeros'", 'gamma_initializer': "'ones'",
        'moving_mean_initializer': "'zeros'", 'moving_variance_initializer': "'ones'",
        'beta_regularizer': 'None', 'gamma_regularizer': 'None',
        'beta_constraint': 'None', 'gamma_constraint': 'None', 'synchronized': 'False',
    },
    'Bidirectional': {
        'merge_mode': "'concat'", 'weights': 'None', 'backward_layer': 'None',
    },
    'Concatenate': {
        'axis': '-1',
    },
    'Conv1D': {
        'strides': '1', 'padding': "'valid'", 'data_format': "'channels_last'",
        'dilation_rate': '1', 'groups': '1', 'activation': 'None', 'use_bias': 'True',
        'kernel_initializer': "'glorot_uniform'", 'bias_initializer': "'zeros'",
        'kernel_regularizer': 'None', 'bias_regularizer': 'None',
        'activity_regularizer': 'None', 'kernel_constraint': 'None',
        'bias_constraint': 'None',
    },
    'Conv2D': {
        'strides': '(1, 1)', 'padding': "'valid'", 'data_format': 'None',
        'dilation_rate': '(1, 1)', 'groups': '1', 'activation': 'None',
        'use_bias': 'True', 'kernel_initializer': "'glorot_uniform'",
        'bias_initializer': "'zeros'", 'kernel_regularizer': 'None',
        'bias_regularizer': 'None', 'activity_regularizer': 'None',
        'kernel_constraint': 'None', 'bias_constraint': 'None',
    },
    'Conv3D': {
        'strides': '(1, 1, 1)', 'padding': "'valid'", 'data_format': 'None',
        'dilation_rate': '(1, 1, 1)', 'groups': '1', 'activation': 'None',
        'use_bias': 'True', 'kernel_initializer': "'glorot_uniform'",
        'bias_initializer': "'zeros'", 'kernel_regularizer': 'None',
        'bias_regularizer': 'None', 'activity_regularizer': 'None',
        'kernel_constraint': 'None', 'bias_constraint': 'None',
    },
    'ConvLSTM1D': {
        'strides': '1', 'padding': "'valid'", 'data_format': 'None',
        'dilation_rate': '1', 'activation': "'tanh'",
        'recurrent_activation': "'hard_sigmoid'", 'use_bias': 'True',
        'kernel_initializer': "'glorot_uniform'",
        'recurrent_initializer': "'orthogonal'", 'bias_initializer': "'zeros'",
        'unit_forget_bias': 'True', 'kernel_regularizer': 'None',
        'recurrent_regularizer': 'None', 'bias_regularizer': 'None',
        'activity_regularizer': 'None', 'kernel_constraint': 'None',
        'recurrent_constraint': 'None', 'bias_constraint': 'None',
        'return_sequences': 'False', 'return_state': 'False', 'go_backwards': 'False',
        'stateful': 'False', 'dropout': '0.0', 'recurrent_dropout': '0.0',
    },
    'ConvLSTM2D': {
        'strides': '(1, 1)', 'padding': "'valid'", 'data_format': 'None',
        'dilation_rate': '(1, 1)', 'activation': "'tanh'",
        'recurrent_activation': "'hard_sigmoid'", 'use_bias': 'True',
        'kernel_initializer': "'glorot_uniform'",
        'recurrent_initializer': "'orthogonal'", 'bias_initializer': "'zeros'",
        'unit_forget_bias': 'True', 'kernel_regularizer': 'None',
        'recurrent_regularizer': 'None', 'bias_regularizer': 'None',
        'activity_regularizer': 'None', 'kernel_constraint': 'None',
        'recurrent_constraint': 'None', 'bias_constraint': 'None',
        'return_sequences': 'False', 'return_state': 'False', 'go_backwards': 'False',
        'stateful': 'False', 'dropout': '0.0', 'recurrent_dropout': '0.0',
    },
    'ConvLSTM3D': {
        'strides': '(1, 1, 1)', 'padding': "'valid'", 'data_format': 'None',
        'dilation_rate': '(1, 1, 1)', 'activation': "'tanh'",
        'recurrent_activation': "'hard_sigmoid'", 'use_bias': 'True',
        'kernel_initializer': "'glorot_uniform'",
        'recurrent_initializer': "'orthogonal'", 'bias_initializer': "'zeros'",
        'unit_forget_bias': 'True', 'kernel_regularizer': 'None',
        'recurrent_regularizer': 'None', 'bias_regularizer': 'None',
        'activity_regularizer': 'None', 'kernel_constraint': 'None',
        'recurrent_constraint': 'None', 'bias_constraint': 'None',
        'return_sequences': 'False', 'return_state': 'False', 'go_backwards': 'False',
        'stateful': 'False', 'dropout': '0.0', 'recurrent_dropout': '0.0',
    },
    'Dense': {
        'activation': 'None', 'use_bias': 'True',
        'kernel_initializer': "'glorot_uniform'", 'bias_initializer': "'zeros'",
        'kernel_regularizer': 'None', 'bias_regularizer': 'None',
        'activity_regularizer': 'None', 'kernel_constraint': 'None',
        'bias_constraint': 'None',
    },
    'Dropout': {
        'noise_shape': 'None', 'seed': 'None',
    },
    'Embedding': {
        'embeddings_initializer': "'uniform'", 'embeddings_regularizer': 'None',
        'activity_regularizer': 'None', 'embeddings_constraint': 'None',
        'mask_zero': 'False', 'input_length': 'None', 'sparse': 'False',
    },
    'Flatten': {
        'data_format': 'None',
    },
    'GRU': {
        'activation': "'tanh'", 'recurrent_activation': "'sigmoid'", 'use_bias': 'True',
        'kernel_initializer': "'glorot_uniform'",
        'recurrent_initializer': "'orthogonal'", 'bias_initializer': "'zeros'",
        'kernel_regularizer': 'None', 'recurrent_regularizer': 'None',
        'bias_regularizer': 'None', 'activity_regularizer': 'None',
        'kernel_constraint': 'None', 'recurrent_constraint': 'None',
        'bias_constraint': 'None', 'dropout': '0.0', 'recurrent_dropout': '0.0',
        'return_sequences': 'False', 'return_state': 'False', 'go_backwards': 'False',
        'stateful': 'False', 'unroll': 'False', 'time_major': 'False',
        'reset_after': 'True',
    },
    'GRUCell': {
        'activation': "'tanh'", 'recurrent_activation': "'sigmoid'", 'use_bias': 'True',
        'kernel_initializer': "'glorot_uniform'",
        'recurrent_initializer': "'orthogonal'", 'bias_initializer': "'zeros'",
        'kernel_regularizer': 'None', 'recurrent_regularizer': 'None',
        'bias_regularizer': 'None', 'kernel_constraint': 'None',
        'recurrent_constraint': 'None', 'bias_constraint': 'None', 'dropout': '0.0',
        'recurrent_dropout': '0.0', 'reset_after': 'True',
    },
    'GlobalAveragePooling1D': {
        'data_format': "'channels_last'",
    },
    'GlobalAveragePooling2D': {
        'data_format': 'None', 'keepdims': 'False',
    },
    'GlobalAveragePooling3D': {
        'data_format': 'None', 'keepdims': 'False',
    },
    'GlobalMaxPooling1D': {
        'data_format': "'channels_last'", 'keepdims': 'False',
    },
    'GlobalMaxPooling2D': {
        'data_format': 'None', 'keepdims': 'False',
    },
    'GlobalMaxPooling3D': {
        'data_format': 'None', 'keepdims': 'False',
    },
    'Input': {
        'shape': 'None', 'batch_size': 'None', 'name': 'None', 'dtype': 'None',
        'sparse': 'None', 'tensor': 'None', 'ragged': 'None', 'type_spec': 'None',
        'optional': 'False',
    },
    'LSTM': {
        'activation': "'tanh'", 'recurrent_activation': "'sigmoid'", 'use_bias': 'True',
        'kernel_initializer': "'glorot_uniform'",
        'recurrent_initializer': "'orthogonal'", 'bias_initializer': "'zeros'",
        'unit_forget_bias': 'True', 'kernel_regularizer': 'None',
        'recurrent_regularizer': 'None', 'bias_regularizer': 'None',
        'activity_regularizer': 'None', 'kernel_constraint': 'None',
        'recurrent_constraint': 'None', 'bias_constraint': 'None', 'dropout': '0.0',
        'recurrent_dropout': '0.0', 'return_sequences': 'False',
        'return_state': 'False', 'go_backwards': 'False', 'stateful': 'False',
        'time_major': 'False', 'unroll': 'False',
    },
    'LSTMCell': {
        'activation': "'tanh'", 'recurrent_activation': "'sigmoid'", 'use_bias': 'True',
        'kernel_initializer': "'glorot_uniform'",
        'recurrent_initializer': "'orthogonal'", 'bias_initializer': "'zeros'",
        'unit_forget_bias': 'True', 'kernel_regularizer': 'None',
        'recurrent_regularizer': 'None', 'bias_regularizer': 'None',
        'kernel_constraint': 'None', 'recurrent_constraint': 'None',
        'bias_constraint': 'None', 'dropout': '0.0', 'recurrent_dropout': '0.0',
    },
    'LayerNormalization': {
        'axis': '-1', 'epsilon': '0.001', 'center': 'True', 'scale': 'True',
        'beta_initializer': "'zeros'", 'gamma_initializer': "'ones'",
        'beta_regularizer': 'None', 'gamma_regularizer': 'None',
        'beta_constraint': 'None', 'gamma_constraint': 'None',
    },
    'Masking': {
        'mask_value': '0.0',
    },
    'MaxPooling1D': {
        'pool_size': '2', 'strides': 'None', 'padding': "'valid'",
        'data_format': "'channels_last'",
    },
    'MaxPooling2D': {
        'pool_size': '(2, 2)', 'strides': 'None', 'padding': "'valid'",
        'data_format': 'None',
    },
    'MaxPooling3D': {
        'pool_size': '(2, 2, 2)', 'strides': 'None', 'padding': "'valid'",
        'data_format': 'None',
    },
    'Permute': {
    },
    'RNN': {
        'return_sequences': 'False', 'return_state': 'False', 'go_backwards': 'False',
        'stateful': 'False', 'unroll': 'False', 'time_major': 'False',
    },
    'RepeatVector': {
    },
    'Reshape': {
    },
    'SimpleRNN': {
        'activation': "'tanh'", 'use_bias': 'True',
        'kernel_initializer': "'glorot_uniform'",
        'recurrent_initializer': "'orthogonal'", 'bias_initializer': "'zeros'",
        'kernel_regularizer': 'None', 'recurrent_regularizer': 'None',
        'bias_regularizer': 'None', 'activity_regularizer': 'None',
        'kernel_constraint': 'None', 'recurrent_constraint': 'None',
        'bias_constraint': 'None', 'dropout': '0.0', 'recurrent_dropout': '0.0',
        'return_sequences': 'False', 'return_state': 'False', 'go_backwards': 'False',
        'stateful': 'False', 'unroll': 'False',
    },
    'SimpleRNNCell': {
        'activation': "'tanh'", 'use_bias': 'True',
        'kernel_initializer': "'glorot_uniform'",
        'recurrent_initializer': "'orthogonal'", 'bias_initializer': "'zeros'",
        'kernel_regularizer': 'None', 'recurrent_regularizer': 'None',
        'bias_regularizer': 'None', 'kernel_constraint': 'None',
        'recurrent_constraint': 'None', 'bias_constraint': 'None', 'dropout': '0.0',
        'recurrent_dropout': '0.0',
    },
    'SpatialDropout1D': {
    },
    'StackedRNNCells': {
    },
    'TimeDistributed': {
    },
}
# fmt: on


def recorded(keras) -> dict[str, dict[str, str]]:  # noqa: ANN001 - a keras module
    """The defaults of `KERAS2_DEFAULTS`' classes in this `keras` module."""
    found = {}
    for name in KERAS2_DEFAULTS:
        parameters = inspect.signature(getattr(keras.layers, name)).parameters.values()
        found[name] = {
            p.name: repr(p.default) for p in parameters if p.default is not p.empty
        }
    return found


if __name__ == "__main__":  # in .venv-tf-keras
    import tf_keras

    print(json.dumps(recorded(tf_keras)))
