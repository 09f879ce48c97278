"""A user's own MkDocs site with two rnnspec examples, built by a real `mkdocs build
--strict`: one spec inline (a ```rnnspec block), one a file (`rnnspec: PATH`), run on
TensorFlow at build time and kept in the site's cache folder."""

from __future__ import annotations

import base64
import html
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from rnnspec import load_spec, plan_spec
from rnnspec.run.report import describe_plan

from ..conftest import ROOT

INLINE = """\
name: tiny_gru
description: A GRU of 4 units, inline in the page.
input: {batch_size: 2, timesteps: 3, features: 2}
cells:
  - {type: gru, units: 4}
return_state: true
"""
PAGE = f"""\
# Models

Our encoder:

```rnnspec
{INLINE}```

A file of its own:

rnnspec: specs/lstm.yaml

```yaml
rnnspec: specs/not-an-example.yaml
```
"""
CONFIG = """\
site_name: My models
docs_dir: docs
markdown_extensions:
  - fenced_code
  - rnnspec.docs.extension:
      backend: tensorflow
      base_dir: .
      cache_dir: cache
      timeout: {timeout}
"""


def _site(root: Path, timeout: float = 300) -> Path:
    (root / "docs").mkdir(parents=True, exist_ok=True)
    (root / "specs").mkdir(exist_ok=True)
    (root / "docs" / "index.md").write_text(PAGE, encoding="utf-8")
    (root / "specs" / "lstm.yaml").write_bytes(
        (ROOT / "examples" / "lstm.yaml").read_bytes()
    )
    (root / "mkdocs.yml").write_text(CONFIG.format(timeout=timeout), encoding="utf-8")
    return root


def _build(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _images(page: str) -> list[ET.Element]:
    found = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page)
    return [ET.fromstring(base64.b64decode(data)) for data in found]


def test_a_users_site_shows_both_examples_built_and_run(tmp_path: Path) -> None:
    root = _site(tmp_path / "site")
    built = _build(root)
    assert built.returncode == 0, built.stderr[-3000:]
    page = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert page.count('<div class="rnnspec-example">') == 2
    lstm_file = ROOT / "examples" / "lstm.yaml"
    for text in (INLINE, lstm_file.read_text(encoding="utf-8")):
        assert html.escape(text.rstrip()) in page  # the spec, verbatim
    assert page.count("<details><summary>The generated module") == 2
    assert page.count("def build_model(") == 2
    lstm = describe_plan(plan_spec(load_spec(lstm_file)))
    assert html.escape(lstm) in page  # the check table
    assert page.count("What running the module printed (Keras 3 on TensorFlow)") == 2
    printed = re.findall(r'language-text">(output: .*?)</code>', page, re.S)
    assert printed == [  # what main() printed, as the workers captured it
        "output: (2, 4)\ngru_h: (2, 4)",
        "output: (1, 5, 64)\nlstm_h: (1, 64)\nlstm_c: (1, 64)",
    ]
    assert [svg.tag for svg in _images(page)] == ["{http://www.w3.org/2000/svg}svg"] * 2
    # the code block that only shows the form stays a code block
    assert "rnnspec: specs/not-an-example.yaml\n</code></pre>" in page
    assert len(list((root / "cache" / "docs").iterdir())) == 2

    # built again with a timeout no run could meet: both outputs come from the cache
    _site(root, timeout=0.001)
    again = _build(root)
    assert again.returncode == 0, again.stderr[-3000:]
    dated = re.compile(r"Build Date UTC : .*")
    rebuilt = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert dated.sub("", rebuilt) == dated.sub("", page)


@pytest.mark.parametrize(
    "spec, message",
    [
        ("name: bad\ncells: [{type: lstn, units: 4}]\n", "rnnspec example 1.yaml:"),
        (
            "name: slow\ninput: {timesteps: 3, features: 2}\ncells: [{type: gru, units: 4}]\n",
            "the generated module failed",
        ),
    ],
)
def test_a_bad_spec_or_a_failed_run_stops_the_build(
    spec: str, message: str, tmp_path: Path
) -> None:
    root = _site(tmp_path / "site", timeout=0.001)
    (root / "docs" / "index.md").write_text(
        f"```rnnspec\n{spec}```\n", encoding="utf-8"
    )
    built = _build(root)
    assert built.returncode != 0
    assert message in built.stderr
    assert not (root / "site" / "index.html").exists()
