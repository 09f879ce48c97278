"""A copied project's own tests pass: after a `copier update` that keeps user edits,
on JAX and PyTorch without TensorFlow, and on Keras 2 (tf_keras)."""

from __future__ import annotations

import subprocess

import copier
import pytest

from rnnspec import project

from ..support.copier_project import (
    REPO,
    check_project,
    conftest_backend,
    copy,
    git,
    requirements,
    run_project_tests,
    run_without_tensorflow,
)

# every copy commits as a test identity (conftest.py)
pytestmark = pytest.mark.usefixtures("git_identity")


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
