"""The copier template (`copier.yml`, `template/`): real copier, real git, real pytest.

The model module of a generated project must be byte-identical to `rnnspec render
rnnspec.yaml`; the project's own tests run once on a fresh copy, once after a
`copier update` and once for a hostile project name; every validator is fed a bad
answer; answers that look like code stay text in every file.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import copier
import pytest
import yaml
from markdown_it import MarkdownIt

from rnnspec import load_spec, project, render_spec
from rnnspec.spec.limits import MAX_SIZE

from ..support.shared_smoke import run_alone

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

# Project names that are code, escapes or markup in some file's language: each must stay
# text in every file. INJECTION ran `touch PWNED` on import through a raw docstring.
SENTINEL = "PWNED"
INJECTION = f'"""; import os; os.system(\'touch {SENTINEL}\'); """'
HOSTILE_NAMES = [
    INJECTION,
    "\\N{bogus} \\x41 \\u00e9 \\ ' \" ''' \"\"\" ends in a backslash \\",
    "$(touch PWNED) `touch PWNED` {{ 7 * 7 }} {% if true %}x{% endif %} {# c #} "
    "{{ project_name }} {% raw %}",
    "<b>&amp;</b> <script>x</script> [a](https://example.invalid) ![i](x) *b* _c_ "
    "~~d~~ | $e$ #",
    "😀 Ünïcode 中文 👨\u200d👩\u200d👧 \u00a0 ﷽",
    "!!python/object/apply:os.system [touch PWNED] &a *a {x: y} - null: ~ # yaml",
]

GIT_ENV = {
    "GIT_AUTHOR_NAME": "rnnspec tests",
    "GIT_AUTHOR_EMAIL": "tests@rnnspec.invalid",
    "GIT_COMMITTER_NAME": "rnnspec tests",
    "GIT_COMMITTER_EMAIL": "tests@rnnspec.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,  # no user or system settings (signing, hooks, ...)
    "GIT_CONFIG_NOSYSTEM": "1",
}


@pytest.fixture(scope="module", autouse=True)
def git_identity():
    """Git (ours and copier's) commits as a test identity, set here and not globally."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in GIT_ENV.items():
            patch.setenv(key, value)
        yield


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory, git_identity) -> Path:
    """The template alone in a git repo tagged v1, as copier update needs.

    The Jinja extension is imported from the installed rnnspec (rnnspec.project), so
    `copier.yml` and `template/` are all the repo needs.
    """
    repo = tmp_path_factory.mktemp("template")
    shutil.copy2(REPO / "copier.yml", repo / "copier.yml")
    shutil.copytree(REPO / "template", repo / "template")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "template v1")
    git(repo, "tag", "v1")
    return repo


def copy(src: Path, dest: Path, **data) -> Path:
    copier.run_copy(str(src), dest, data=data, defaults=True, unsafe=True, quiet=True)
    return dest


def check_project(dest: Path, spec_name: str = "rnnspec.yaml") -> tuple[dict, str]:
    """The generated project's files, its spec (`spec_name`, the one spec file) valid
    and its model byte-identical to `rnnspec render SPEC_NAME`."""
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text(encoding="utf-8"))
    package = answers["package_name"]
    assert [path.name for path in dest.glob("rnnspec.*")] == [spec_name]
    assert "spec_name" not in answers  # computed, never recorded
    for path in (
        "pyproject.toml",
        "README.md",
        "tests/test_model.py",
        f"src/{package}/__init__.py",
    ):
        assert (dest / path).is_file(), path
    spec = load_spec(dest / spec_name)  # raises SpecError on an invalid spec
    model = (dest / "src" / package / "model.py").read_text(encoding="utf-8")
    assert model == render_spec(dest / spec_name, answers.get("target", "keras3"))
    readme = (dest / "README.md").read_text(encoding="utf-8")
    assert f"rnnspec render {spec_name} -o src/{package}/model.py" in readme
    for file in (readme, (dest / "tests" / "test_model.py").read_text("utf-8")):
        assert spec_name in file and (spec_name == "rnnspec.yaml") == (
            "rnnspec.yaml" in file
        )
    return answers, spec


# `python -m pytest -q -p no:cacheprovider` in the project's folder, as a script.
RUN_PROJECT_TESTS = """
import os, sys
import pytest
os.chdir(DEST)
sys.path.insert(0, DEST)  # what -m puts first
sys.exit(int(pytest.main(["-q", "-p", "no:cacheprovider"])))
"""


def run_project_tests(dest: Path) -> None:
    """The generated project's own test suite, with this interpreter (it has keras), in
    a process forked from the session's smoke worker (keras imported once)."""
    runner = dest.parent / "run_project_tests.py"
    runner.write_text(f"DEST = {str(dest)!r}\n{RUN_PROJECT_TESTS}", encoding="utf-8")
    done = run_alone(runner, timeout=300)
    assert done.ok, f"{done.error}\n{done.output}"
    assert "4 passed" in done.output  # the backend's, the smoke test's, two on states


def requirements(dest: Path) -> list[str]:
    """pyproject.toml's dependencies, as TOML reads them."""
    meta = tomllib.loads((dest / "pyproject.toml").read_text(encoding="utf-8"))
    return meta["project"]["dependencies"]


def conftest_backend(dest: Path) -> str:
    """The KERAS_BACKEND that the project's tests/conftest.py sets (its BACKEND)."""
    tree = ast.parse((dest / "tests" / "conftest.py").read_text(encoding="utf-8"))
    (value,) = [
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "BACKEND"
    ]
    return ast.literal_eval(value)


# The project's tests in a fresh interpreter where TensorFlow (and tf_keras) cannot be
# imported, as if not installed, with KERAS_BACKEND=tensorflow in the environment: the
# project's conftest must choose its backend, and nothing may reach for TensorFlow.
RUN_WITHOUT_TENSORFLOW = """
import os, sys

class NoTensorFlow:
    # wraps a finder: it finds nothing of TensorFlow, as if it were not installed
    def __init__(self, finder):
        self.finder = finder
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("tensorflow", "tf_keras"):
            return None
        return self.finder.find_spec(name, path, target)
    def __getattr__(self, attribute):
        return getattr(self.finder, attribute)

sys.meta_path[:] = [NoTensorFlow(finder) for finder in sys.meta_path]
try:
    import tensorflow
    sys.exit("tensorflow imported")
except ModuleNotFoundError:
    pass
import pytest
os.chdir(DEST)
sys.path.insert(0, DEST)
code = int(pytest.main(["-q", "-p", "no:cacheprovider"]))
import keras
print("backend:", keras.backend.backend())
print("tensorflow imported:", any(m.partition(".")[0] == "tensorflow" for m in sys.modules))
sys.exit(code)
"""


def run_without_tensorflow(dest: Path) -> str:
    runner = dest.parent / "run_without_tensorflow.py"
    runner.write_text(f"DEST = {str(dest)!r}\n{RUN_WITHOUT_TENSORFLOW}", "utf-8")
    env = {
        **os.environ,
        "KERAS_BACKEND": "tensorflow",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    done = subprocess.run(
        [sys.executable, str(runner)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    return output


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


# A spec that YAML cannot read (a tab may not start a YAML token), in each format that
# is not YAML; the TOML one's comment shows the file is the user's, byte for byte.
GRU_JSON = (EXAMPLES / "gru.yaml").read_text("utf-8")
GRU_TOML = """# My GRU, in TOML: copied as is, this comment included.
name = "gru"
description = "A GRU spec written in TOML."
return_sequences = false
return_state = true
initial_state = "random"

[input]
batch_size = 2
features = 16

[[cells]]
type = "gru"
units = 8
"""


def spec_file_text(kind: str) -> str:
    """A valid spec in `kind` (json: tab-indented, which YAML refuses)."""
    if kind == "toml":
        return GRU_TOML
    return json.dumps(yaml.safe_load(GRU_JSON), indent="\t") + "\n"


@pytest.mark.parametrize("kind", ["json", "toml"])
def test_a_json_or_toml_spec_file_keeps_its_format(template_repo, tmp_path, kind):
    """The spec is copied byte for byte as rnnspec.json (.toml), read as such by the
    extension and named so in every file; the project's own tests pass."""
    source = tmp_path / f"my_spec.{kind}"
    source.write_text(spec_file_text(kind), encoding="utf-8")
    dest = copy(template_repo, tmp_path / "project", spec_file=str(source))
    name = f"rnnspec.{kind}"
    answers, spec = check_project(dest, name)
    assert (dest / name).read_bytes() == source.read_bytes()
    assert spec.cells[0].type == "gru" and answers["spec_file"] == str(source)
    assert f"rendered by rnnspec from {name}" in (dest / "pyproject.toml").read_text()
    run_project_tests(dest)


def test_an_update_keeps_a_toml_spec_file(template_repo, tmp_path):
    source = tmp_path / "my_spec.toml"
    source.write_text(GRU_TOML, encoding="utf-8")
    dest = copy(template_repo, tmp_path / "project", spec_file=str(source))
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "from the template")
    copier.run_update(
        dest,
        data={"project_name": "GRU two"},
        defaults=True,
        unsafe=True,
        overwrite=True,
        quiet=True,
    )
    check_project(dest, "rnnspec.toml")
    assert (dest / "rnnspec.toml").read_bytes() == source.read_bytes()
    assert (dest / "README.md").read_text().startswith("# GRU two\n")


def test_a_spec_file_is_checked_for_the_answered_target(template_repo, tmp_path):
    """A spec that Keras 3 takes but tf_keras refuses is refused by spec_file's
    validator, at its key, not by a render error after files were written."""
    source = tmp_path / "hard_sigmoid.yaml"
    source.write_text(
        (EXAMPLES / "gru.yaml")
        .read_text()
        .replace("reset_after: true", "reset_after: true, activation: hard_sigmoid")
    )
    assert render_spec(source)  # valid for keras3
    with pytest.raises(ValueError) as error:
        copy(template_repo, tmp_path / "p", target="tf_keras", spec_file=str(source))
    assert str(error.value).startswith(
        "Validation error for question 'spec_file': spec_file is not a valid rnnspec "
        f"spec for tf_keras: {source}:7:"
    )
    assert "cells[0].activation: activation hard_sigmoid on target tf_keras" in str(
        error.value
    )
    assert not (tmp_path / "p").exists()


def test_update_regenerates_the_model_and_keeps_user_edits(template_repo, tmp_path):
    dest = copy(template_repo, tmp_path / "project", units=64)
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "from the template")
    readme = dest / "README.md"
    readme.write_text(readme.read_text() + "\nA note of mine, kept by copier update.\n")
    spec_file = dest / "rnnspec.yaml"
    spec_file.write_text(
        "# My comment, merged by copier update.\n" + spec_file.read_text()
    )
    (dest / "NOTES.md").write_text("my own file\n")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "my edits")
    model = dest / "src" / "my_rnn_model" / "model.py"
    before = model.read_text()

    def update(**data):
        copier.run_update(
            dest, data=data, defaults=True, unsafe=True, overwrite=True, quiet=True
        )
        answers, spec = check_project(dest)  # the model re-rendered, byte for byte
        assert "A note of mine, kept by copier update." in readme.read_text()
        assert (dest / "NOTES.md").read_text() == "my own file\n"
        assert spec_file.read_text().startswith(
            "# My comment, merged by copier update.\n"
        )
        assert not list(dest.rglob("*.rej"))
        git(dest, "add", "-A")
        git(dest, "commit", "-q", "-m", f"update {data}")
        return answers, spec

    answers, spec = update(units="128")
    assert answers["units"] == "128"
    assert [(cell.type, cell.units) for cell in spec.cells] == [("lstm", 128)]
    assert model.read_text() != before
    assert "keras.layers.LSTM(128" in model.read_text()

    answers, spec = update(cells="lstm,gru", units="128,32")
    assert [(cell.type, cell.units) for cell in spec.cells] == [
        ("lstm", 128),
        ("gru", 32),
    ]
    run_project_tests(dest)


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_a_backend_project_needs_no_tensorflow(template_repo, tmp_path, backend):
    """backend=jax (torch): keras and that backend only; its tests pass with
    TensorFlow impossible to import, on the backend its conftest sets."""
    dest = copy(template_repo, tmp_path / "project", backend=backend, units="8")
    answers, _ = check_project(dest)
    assert answers["backend"] == backend
    assert requirements(dest) == project.dependencies("keras3", backend)
    assert requirements(dest)[0] == "keras>=3.10"
    assert not [r for r in requirements(dest) if r.startswith("tensorflow")]
    assert any(r.startswith(backend) for r in requirements(dest))
    assert conftest_backend(dest) == backend
    assert f"KERAS_BACKEND={backend}" in (dest / "README.md").read_text("utf-8")
    output = run_without_tensorflow(dest)
    assert "4 passed" in output, output[-4000:]
    assert f"backend: {backend}" in output
    assert "tensorflow imported: False" in output


def test_a_tf_keras_project_runs_on_keras_2(template_repo, tmp_path):
    """target=tf_keras: the tf_keras module, tf_keras and TensorFlow as dependencies,
    no backend question; its smoke test runs in .venv-tf-keras (Keras 2)."""
    dest = copy(template_repo, tmp_path / "project", target="tf_keras", units="8")
    answers, _ = check_project(dest)  # the module is `rnnspec render --target tf_keras`
    assert answers["target"] == "tf_keras" and "backend" not in answers
    assert requirements(dest) == ["tf_keras>=2.16", "tensorflow>=2.16", "numpy"]
    model = (dest / "src" / "my_rnn_model" / "model.py").read_text("utf-8")
    assert "import tf_keras as keras" in model
    test_file = (dest / "tests" / "test_model.py").read_text("utf-8")
    assert "import keras" not in test_file and "keras.backend" not in test_file
    python = REPO / ".venv-tf-keras" / "bin" / "python"
    assert python.is_file(), "build .venv-tf-keras first (make .venv-tf-keras)"
    done = subprocess.run(
        [str(python), "-m", "my_rnn_model.model"],
        cwd=dest,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(dest / "src"), "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert done.returncode == 0, done.stderr[-4000:]
    names = [line.split(":")[0] for line in done.stdout.splitlines()]
    assert names[:3] == ["output", "lstm_h", "lstm_c"]


def test_backend_and_target_answers_are_checked_choices():
    assert project.target_error("keras3") == project.target_error("tf_keras") == ""
    assert "target must be one of" in project.target_error("keras4")
    for bad in ("cntk", "jax; import os", ""):
        with pytest.raises(ValueError, match="backend must be one of"):
            project.dependencies("keras3", bad)
    with pytest.raises(ValueError, match="target must be keras3 or tf_keras"):
        project.dependencies("theano", "jax")
    assert project.backend_of("tf_keras", "jax") == "tensorflow"


@pytest.mark.parametrize(
    ("data", "question", "message"),
    [
        ({"project_name": "  "}, "project_name", "must not be empty"),
        ({"package_name": "My-Model"}, "package_name", "must be a Python identifier"),
        ({"package_name": "2model"}, "package_name", "not starting with a digit"),
        ({"package_name": "class"}, "package_name", "not a Python keyword"),
        (
            {"spec_file": "no/such/spec.yaml"},
            "spec_file",
            "must be an existing spec file",
        ),
        (
            {"spec_file": str(REPO / "README.md")},
            "spec_file",
            "must be a .yaml, .yml, .json or .toml",
        ),
        ({"spec_name": "../rnnspec.yaml"}, "spec_name", "is not asked"),
        ({"package_name": "conftest"}, "package_name", "must not shadow a module"),
        ({"package_name": "test_model"}, "package_name", "project's tests"),
        (
            {"batch_size": "0"},
            "batch_size",
            "batch_size must be an integer >= 1, or none",
        ),
        (
            {"timesteps": "five"},
            "timesteps",
            "timesteps must be an integer >= 1, or none",
        ),
        ({"features": 0}, "features", "features must be an integer >= 1"),
        (
            {"cells": "lstm,transformer"},
            "cells",
            "cells must be one or more of simple_rnn, gru, lstm",
        ),
        ({"units": "64x"}, "units", "units must be positive integers"),
        ({"units": 0}, "units", "units must be positive integers"),
        ({"cells": "lstm,gru", "units": "1,2,3"}, "units", "got 3 values for 2 cells"),
        (
            {"stateful": True, "batch_size": "none"},
            "stateful",
            "stateful: true needs a fixed batch_size",
        ),
        (
            {"stateful": True, "initial_state": "zeros"},
            "initial_state",
            "initial_state must be none when stateful",
        ),
        (
            {"cells": "gru,gru", "bidirectional": True, "merge_mode": "none"},
            "merge_mode",
            "merge_mode: none returns two outputs",
        ),
        (
            {"project_name": "My\nmodel"},
            "project_name",
            "must be printable text on one line",
        ),
        ({"package_name": "keras"}, "package_name", "must not shadow a module"),
        ({"package_name": "tests"}, "package_name", "must not shadow a module"),
        ({"batch_size": "²"}, "batch_size", "ASCII digits 0-9"),
        ({"units": "٦٤"}, "units", "ASCII digits 0-9"),
        ({"features": "１２"}, "features", "ASCII digits 0-9"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_validators_refuse_bad_answers(
    template_repo, tmp_path, data, question, message
):
    with pytest.raises(
        ValueError, match=f"Validation error for question '{question}'"
    ) as error:
        copy(template_repo, tmp_path / "project", **data)
    assert message in str(error.value)
    assert not (tmp_path / "project" / "rnnspec.yaml").exists()


def test_a_bad_spec_file_is_refused_with_its_place(template_repo, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (EXAMPLES / "gru.yaml").read_text().replace("units: 32", "units: 32x")
    )
    with pytest.raises(
        ValueError, match="spec_file is not a valid rnnspec spec"
    ) as error:
        copy(template_repo, tmp_path / "project", spec_file=str(bad))
    assert "cells[0].units: must be an integer >= 1" in str(error.value)


def copier_cli(template: Path, dest: Path, *data: str) -> subprocess.CompletedProcess:
    """`copier copy --trust --defaults --data ... TEMPLATE DEST`, the real command."""
    options = [arg for item in data for arg in ("--data", item)]
    return subprocess.run(
        [sys.executable, "-m", "copier", "copy", "--trust", "--defaults", *options]
        + [str(template), str(dest)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
    )


def test_a_refused_answer_is_one_line_without_a_traceback(template_repo, tmp_path):
    """copier's CLI lets a validator's ValueError through as a 40-line traceback; the
    extension prints it as one line: the question, what it must be, what it got."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (EXAMPLES / "gru.yaml")
        .read_text()
        .replace("units: 32", "units: 32x")
        .replace("features: 16", "features: 0")
    )
    cases = {
        "package_name=conftest": "Validation error for question 'package_name': "
        "package_name must not shadow a module the project imports: 'conftest' is a "
        "module of the generated project's tests",
        f"spec_file={bad}": "Validation error for question 'spec_file': spec_file is "
        f"not a valid rnnspec spec for keras3: {bad}:",
    }
    for answer, expected in cases.items():
        done = copier_cli(template_repo, tmp_path / "project", answer)
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stdout + done.stderr
        (line,) = done.stderr.splitlines()
        assert line.startswith(expected), line
        assert not (tmp_path / "project").exists()
    assert "(and 1 more: rnnspec check" in line  # every problem of the spec: one line
    done = copier_cli(template_repo, tmp_path / "project", "package_name=conftest_ok")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "project" / "src" / "conftest_ok" / "model.py").is_file()


def test_every_test_module_of_the_template_is_refused_as_a_package_name():
    """pytest imports the project's tests/ by their file names: a package of one of
    those names cannot be imported by its tests."""
    names = {path.name.split(".")[0] for path in (REPO / "template/tests").iterdir()}
    assert names == project.TEST_MODULES
    for name in names:
        assert "the generated project's tests" in project.package_name_error(name)


# --- hostile answers: text stays text in every file ----------------------------------


def no_sentinel(*folders: Path) -> None:
    for folder in folders:
        assert not list(folder.rglob(SENTINEL)), f"{SENTINEL} created under {folder}"


def heading_text(readme: str) -> str:
    """The README's first heading as CommonMark (+ GitHub's tables and strikethrough)
    reads it: its text, which must be nothing but text."""
    markdown = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    tokens = markdown.parse(readme.splitlines()[0] + "\n")
    assert [token.type for token in tokens] == [
        "heading_open",
        "inline",
        "heading_close",
    ]
    children = tokens[1].children or []
    assert {child.type for child in children} <= {"text"}, children
    return "".join(child.content for child in children)


def check_hostile_project(dest: Path, name: str) -> str:
    """Every file parses in its own language and holds `name` as the text it is."""
    answers, spec = check_project(dest)  # rnnspec.yaml and .copier-answers.yml: YAML
    package = answers["package_name"]
    assert answers["project_name"] == name
    assert spec.description.startswith(f"{name}: ")
    for file in dest.rglob("*.py"):
        ast.parse(file.read_text(encoding="utf-8"), str(file))
    init = ast.parse((dest / "src" / package / "__init__.py").read_text("utf-8"))
    assert len(init.body) == 1, "the package runs more than its docstring"
    assert ast.get_docstring(init, clean=False) == (
        f"{name}: the recurrent model is in `model.py`, rendered by rnnspec from "
        "rnnspec.yaml."
    )
    model = ast.parse((dest / "src" / package / "model.py").read_text("utf-8"))
    assert ast.get_docstring(model, clean=False) == spec.description
    meta = tomllib.loads((dest / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["name"] == package.replace("_", "-")
    assert meta["project"]["description"] == (
        f"{name}: a Keras recurrent model rendered by rnnspec from rnnspec.yaml"
    )
    assert heading_text((dest / "README.md").read_text(encoding="utf-8")) == name
    no_sentinel(dest)
    return package


@pytest.mark.parametrize(
    ("name", "data"),
    [(name, {}) for name in HOSTILE_NAMES[1:]]
    + [("Keras", {}), ("tests", {}), ("null", {"package_name": "null"})],
    ids=[
        "backslashes",
        "shell-jinja",
        "markup",
        "unicode",
        "yaml",
        "keras",
        "tests",
        "null",
    ],
)
def test_hostile_answers_stay_text(template_repo, tmp_path, name, data):
    dest = copy(template_repo, tmp_path / "project", project_name=name, **data)
    package = check_hostile_project(dest, name)
    assert package == data.get("package_name", project.package_name(name))
    assert project.package_name_error(package) == ""
    no_sentinel(tmp_path, Path.cwd())


def test_an_injected_name_never_runs_and_the_project_passes(template_repo, tmp_path):
    """The one full run: the project imports its package in its own tests, after a
    copy and after an update that renames it to Jinja syntax."""
    dest = copy(template_repo, tmp_path / "project", project_name=INJECTION)
    check_hostile_project(dest, INJECTION)
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "from the template")
    renamed = HOSTILE_NAMES[2] + " " + INJECTION
    copier.run_update(
        dest,
        data={"project_name": renamed, "units": "32"},
        defaults=True,
        unsafe=True,
        overwrite=True,
        quiet=True,
    )
    assert not list(dest.rglob("*.rej"))
    check_hostile_project(dest, renamed)
    run_project_tests(dest)
    no_sentinel(tmp_path, Path.cwd())


# --- the validators and escaping filters themselves ----------------------------------


@pytest.mark.parametrize("text", ["²", "٦٤", "１２", "-1", "0", "1e3", "+4", "9" * 19])
def test_numbers_are_ascii_digits_only(text):
    for message in (
        project.size_error(text, "batch_size"),
        project.size_error(text, "features", allow_none=False),
        project.units_error(text),
        project.units_error(f"8,{text}", "lstm,gru"),
    ):
        assert "ASCII digits 0-9" in message and text in message
    for key in ("batch_size", "timesteps", "features"):
        with pytest.raises(ValueError, match="ASCII digits 0-9"):
            project.spec_from_answers({key: text})
    assert project.stateful_error(True, text) == ""  # batch_size's own check says why


def test_numbers_in_ascii_digits_are_read_as_ints():
    answers = {"batch_size": "007", "timesteps": "none", "features": "12"}
    spec = yaml.safe_load(
        project.spec_from_answers({**answers, "cells": "lstm,gru", "units": "8,4"})
    )
    assert spec["input"] == {"batch_size": 7, "timesteps": None, "features": 12}
    assert [cell["units"] for cell in spec["cells"]] == [8, 4]
    assert project.size_error(str(MAX_SIZE), "batch_size") == ""
    assert "65536" in project.size_error(str(MAX_SIZE + 1), "batch_size")


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("keras", "a module that the generated project or rnnspec imports"),
        ("numpy", "a module that the generated project or rnnspec imports"),
        ("tensorflow", "a module that the generated project or rnnspec imports"),
        ("pytest", "a module that the generated project or rnnspec imports"),
        ("tests", "a module that the generated project or rnnspec imports"),
        ("yaml", "a module that the generated project or rnnspec imports"),
        ("generator", "a module that the generated project or rnnspec imports"),
        ("absl", "a module of one of the generated project's dependencies"),
        ("conftest", "a module of the generated project's tests"),
        ("test_model", "a module of the generated project's tests"),
        ("sitecustomize", "a module that Python loads at startup"),
        ("pip", "installs the project with"),
        ("os", "a standard-library module"),
        ("json", "a standard-library module"),
        ("typing", "a standard-library module"),
        ("class", "not a Python keyword"),
        ("none", ""),
        ("_model", "must start and end with a letter or digit"),
        ("model_", "must start and end with a letter or digit"),
    ],
)
def test_package_name_refuses_what_it_would_shadow(name, why):
    message = project.package_name_error(name)
    if not why:  # a lowercase word that is a keyword only when capitalised
        assert message == ""
        return
    assert why in message and repr(name) in message
    derived = project.package_name(name)
    assert derived != name and project.package_name_error(derived) == ""


def test_soft_keywords_are_good_package_names():
    """`match`, `case` and `type` are keywords only in their statements; `import
    match` and `from match import model` parse."""
    for name in ("match", "case", "type"):
        assert project.package_name_error(name) == ""
        ast.parse(f"import {name}\nfrom {name} import model\n")


@pytest.mark.parametrize(
    ("project_name", "expected"),
    [
        ("My RNN model", "my_rnn_model"),
        ("Keras", "keras_model"),
        ("NumPy", "numpy_model"),
        ("tests", "tests_model"),
        ("JSON", "json_model"),
        ("class", "class_model"),
        ("2048 GRU", "model_2048_gru"),
        ("Ünïcode model", "unicode_model"),
        ("😀", "model"),
        ("__main__", "main"),
        ("x" * 300, "x" * 52),
        *((name, None) for name in HOSTILE_NAMES),
    ],
)
def test_the_derived_package_name_is_never_refused(project_name, expected):
    derived = project.package_name(project_name)
    assert project.package_name_error(derived) == ""
    if expected is not None:
        assert derived == expected


@pytest.mark.parametrize(
    "char",
    ["\n", "\r", "\t", "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\u2029", "\u202e"]
    + ["\u2066", "\ud800", "\u0378"],
)
def test_project_name_refuses_control_characters(char):
    message = project.project_name_error(f"My{char}model")
    assert "must be printable text on one line" in message
    assert f"U+{ord(char):04X}" in message


def test_project_name_takes_printable_text_up_to_200_characters():
    for name in HOSTILE_NAMES + ["x" * 200]:
        assert project.project_name_error(name) == "", name
    assert "must not be empty" in project.project_name_error(" ")
    assert "at most 200 characters; got 201" in project.project_name_error("x" * 201)


ESCAPED_TEXTS = HOSTILE_NAMES + [
    "".join(map(chr, range(0x20))) + "\x7f\x85\u2028",
    "\\u0041 \\U00000041 \\x41 \\/ \\n \\",
    "\U0001f600\ufeff\ufffd",
]


@pytest.mark.parametrize("text", ESCAPED_TEXTS)
def test_toml_and_python_strings_round_trip(text):
    assert tomllib.loads(f"key = {project.toml_str(text)}\n")["key"] == text
    assert ast.literal_eval(project.python_str(text)) == text


@pytest.mark.parametrize("text", HOSTILE_NAMES)
def test_markdown_text_is_read_back_as_the_text(text):
    assert heading_text(f"# {project.markdown_text(text)}\n") == text


@pytest.mark.parametrize("text", ESCAPED_TEXTS)
def test_the_spec_from_answers_holds_the_name_as_text(text):
    spec = yaml.safe_load(project.spec_from_answers({"project_name": text}))
    assert spec["description"].startswith(f"{text}: ")


def test_a_package_name_that_yaml_reads_as_null_stays_a_name():
    spec = yaml.safe_load(project.spec_from_answers({"package_name": "null"}))
    assert spec["name"] == "null"
