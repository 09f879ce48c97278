"""What a generated project runs on: its dependencies for the answered target and
backend (each target's own data, rnnspec/targets/NAME/), and the KERAS_BACKEND its
tests set.

`target` is one of rnnspec's targets (rnnspec/targets/) and `backend` one of
`BACKENDS`; both are copier choices, and a value outside them is refused here too,
so no free text reaches pyproject.toml through them.
"""

from __future__ import annotations

from typing import Any

from ..run.verify import BACKENDS  # the Keras 3 backends rnnspec is tested on
from ..targets import NAMES, get_target


def backend_of(target: Any, backend: Any) -> str:
    """The Keras backend the project's tests set: the answer, for a target whose
    backend KERAS_BACKEND picks (keras3); else the one it runs on (tf_keras)."""
    if str(target) in NAMES:
        found = get_target(str(target))
        if not found.reads_keras_backend:
            return found.backends[0]
    if str(backend) not in BACKENDS:
        raise ValueError(
            f"backend must be one of {', '.join(BACKENDS)}; got {str(backend)!r}"
        )
    return str(backend)


def dependencies(target: Any, backend: Any) -> list[str]:
    """The project's requirements (PEP 508), numpy last: the target's own
    (rnnspec/targets/NAME/) for the backend its tests set."""
    if str(target) not in NAMES:
        raise ValueError(f"target must be {' or '.join(NAMES)}; got {str(target)!r}")
    found = get_target(str(target))
    return [*found.dependencies[backend_of(target, backend)], "numpy"]
