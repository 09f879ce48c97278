"""The copier template copies a project whose model module is byte-identical to
`rnnspec render rnnspec.yaml`: with the defaults, with answers, from a spec file."""

from __future__ import annotations

import copier
import pytest

from ..support.copier_project import (
    EXAMPLES,
    REPO,
    check_project,
    conftest_backend,
    copy,
    git,
    requirements,
    run_project_tests,
)

# every copy commits as a test identity (conftest.py)
pytestmark = pytest.mark.usefixtures("git_identity")


@pytest.mark.filterwarnings("ignore::copier.errors.DirtyLocalWarning")
def test_copy_with_defaults_from_this_repo(tmp_path):
    """`copier copy --trust --defaults . DEST`: no prompt, a project whose tests pass."""
    dest = copy(REPO, tmp_path / "project")
    answers, spec = check_project(dest)
    assert answers["package_name"] == "my_rnn_model"
    assert answers["spec_file"] == ""
    assert spec.name == "my_rnn_model"
    assert [(cell.type, cell.units) for cell in spec.cells] == [("lstm", 64)]
    assert spec.return_state and spec.input.batch_size == 2
    assert answers["target"] == "keras3" and answers["backend"] == "tensorflow"
    assert requirements(dest) == [
        "keras>=3.10",
        "tensorflow-cpu>=2.18; sys_platform == 'linux'",
        "tensorflow>=2.18; sys_platform != 'linux'",
        "numpy",
    ]
    assert conftest_backend(dest) == "tensorflow"
    run_project_tests(dest)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"project_name": "2048 GRU", "cells": "gru", "units": 16},
            {"cells": [("gru", 16)], "stacking": "layers", "name": "model_2048_gru"},
        ),
        (
            {
                "project_name": "Stacked encoder",
                "cells": "lstm,gru",
                "units": "32,16",
                "stacking": "cells",
                "bidirectional": True,
                "initial_state": "random",
            },
            {
                "cells": [("lstm", 32), ("gru", 16)],
                "stacking": "cells",
                "merge_mode": "concat",
                "name": "stacked_encoder",
            },
        ),
        (
            {
                "cells": "[simple_rnn, lstm]",
                "units": 8,
                "bidirectional": True,
                "merge_mode": "ave",
                "batch_size": "none",
                "timesteps": "none",
                "initial_state": "input",
                "return_sequences": False,
            },
            {
                "cells": [("simple_rnn", 8), ("lstm", 8)],
                "stacking": "layers",
                "merge_mode": "ave",
                "input.batch_size": None,
            },
        ),
        (
            {"cells": "lstm", "units": 12, "stateful": True, "batch_size": 4},
            {"cells": [("lstm", 12)], "stateful": True, "initial_state_mode": "none"},
        ),
    ],
    ids=["gru16", "stacked-cells-bidirectional", "layers-any-batch-inputs", "stateful"],
)
def test_copy_with_answers(template_repo, tmp_path, data, expected):
    answers, spec = check_project(copy(template_repo, tmp_path / "project", **data))
    assert [(cell.type, cell.units) for cell in spec.cells] == expected.pop("cells")
    for key, value in expected.items():
        found = spec
        for part in key.split("."):
            found = getattr(found, part)
        assert found == value, key
    assert answers["_commit"] == "v1"


def test_copy_from_a_spec_file(template_repo, tmp_path):
    source = EXAMPLES / "bidirectional_lstm.yaml"
    dest = copy(
        template_repo,
        tmp_path / "project",
        project_name="Encoder",
        spec_file=str(source),
    )
    answers, spec = check_project(dest)
    assert (dest / "rnnspec.yaml").read_bytes() == source.read_bytes()
    assert (dest / "src" / "encoder" / "model.py").read_text() == (
        REPO / "tests/golden/bidirectional_lstm.py"
    ).read_text()
    # The architecture questions were skipped and are not recorded.
    assert {"cells", "units", "bidirectional", "stateful"}.isdisjoint(answers)
    assert answers["spec_file"] == str(source)

    # An update with another answer leaves the spec, a user's own to edit, alone.
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "from the template")
    copier.run_update(
        dest,
        data={"project_name": "Encoder two"},
        defaults=True,
        unsafe=True,
        overwrite=True,
        quiet=True,
    )
    assert (dest / "rnnspec.yaml").read_bytes() == source.read_bytes()
    assert (dest / "README.md").read_text().startswith("# Encoder two\n")
    check_project(dest)
