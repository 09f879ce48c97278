"""What a generated project runs on: its dependencies for the answered target and
backend, and the KERAS_BACKEND its tests set.

`target` is one of rnnspec's targets (rnnspec/render/targets/) and `backend` one of
`BACKENDS`; both are copier choices, and a value outside them is refused here too,
so no free text reaches pyproject.toml through them.
"""

from __future__ import annotations

from typing import Any

from ..run.verify import BACKENDS  # the Keras 3 backends rnnspec is tested on

_TENSORFLOW = (
    "tensorflow-cpu>=2.18; sys_platform == 'linux'",
    "tensorflow>=2.18; sys_platform != 'linux'",
)
# Keras 3 with one backend: keras and that backend's CPU build, nothing else.
KERAS3 = {
    "tensorflow": ("keras>=3.10", *_TENSORFLOW),
    "jax": ("keras>=3.10", "jax[cpu]>=0.4.34"),
    "torch": ("keras>=3.10", "torch>=2.4"),
}
# Keras 2: tf_keras on TensorFlow. tf_keras' own metadata requires `tensorflow`
# (not tensorflow-cpu), so the project asks for that one too, rather than both.
TF_KERAS = ("tf_keras>=2.16", "tensorflow>=2.16")


def backend_of(target: Any, backend: Any) -> str:
    """The Keras backend the project's tests set: the answer for keras3; tf_keras runs
    on TensorFlow only (it reads no KERAS_BACKEND)."""
    if str(target) == "tf_keras":
        return "tensorflow"
    if str(backend) not in BACKENDS:
        raise ValueError(
            f"backend must be one of {', '.join(BACKENDS)}; got {str(backend)!r}"
        )
    return str(backend)


def dependencies(target: Any, backend: Any) -> list[str]:
    """The project's requirements (PEP 508), numpy last."""
    if str(target) == "tf_keras":
        return [*TF_KERAS, "numpy"]
    if str(target) != "keras3":
        raise ValueError(f"target must be keras3 or tf_keras; got {str(target)!r}")
    return [*KERAS3[backend_of(target, backend)], "numpy"]
