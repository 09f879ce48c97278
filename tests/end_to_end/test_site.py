"""The docs site (`make docs`: mkdocs.yml, docs/ and the gallery) built by a real
`mkdocs build --strict` and opened in headless Chromium (Debian's `chromium`, driven by
Playwright with its executable path: `make test-all` installs both): every page loads
with no console error, every diagram renders with a size, every internal link and
anchor resolves."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from playwright.sync_api import sync_playwright

from ..conftest import ALL_EXAMPLES, ROOT

DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(site))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_address[1]}/"
        server.shutdown()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def _nav_pages(nav: list) -> list[str]:
    found = []
    for item in nav:
        values = item.values() if isinstance(item, dict) else [item]
        for value in values:
            found += _nav_pages(value) if isinstance(value, list) else [value]
    return found


def test_the_nav_holds_every_docs_page_and_every_example() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    pages = {path.relative_to(DOCS).as_posix() for path in DOCS.rglob("*.md")}
    assert sorted(_nav_pages(config["nav"])) == sorted(pages)
    examples = [page for page in pages if page.startswith("examples/")]
    assert len(examples) == len(ALL_EXAMPLES) + 1  # and the gallery's index


def test_every_page_loads_renders_its_diagrams_and_links_resolve(
    site: Path, served: str
) -> None:
    pages = sorted(path.relative_to(site).as_posix() for path in site.rglob("*.html"))
    assert len(pages) >= 35
    chromium = shutil.which("chromium")
    assert chromium, "no chromium: `make test-all` installs Debian's package"
    errors, diagrams, links = [], 0, set()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox"]
        )
        tab = browser.new_page()
        tab.on(
            "console",
            lambda m: m.type == "error" and errors.append(f"{tab.url}: {m.text}"),
        )
        tab.on("pageerror", lambda e: errors.append(f"{tab.url}: {e}"))
        tab.on("requestfailed", lambda r: errors.append(f"{tab.url}: failed {r.url}"))
        for page in pages:
            response = tab.goto(served + page, wait_until="networkidle")
            assert response is not None and response.ok, page
            sizes = tab.eval_on_selector_all(
                "article img[src$='.svg'], article svg.rnnspec, article img[src^='data:image/svg']",
                "els => els.map(e => [e.complete !== false && (e.naturalWidth ?? 1) > 0,"
                " e.getBoundingClientRect().width, e.getBoundingClientRect().height])",
            )
            for loaded, width, height in sizes:
                assert loaded and width > 0 and height > 0, (page, sizes)
            diagrams += len(sizes)
            hrefs = tab.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
            links |= {(page, href) for href in hrefs if href.startswith(served)}
        browser.close()
    assert errors == []
    assert diagrams == len(ALL_EXAMPLES)  # one per example page
    broken = [
        (page, href)
        for page, href in sorted(links)
        if not _resolves(site, served, href)
    ]
    assert broken == []
    assert len(links) > 100


def _resolves(site: Path, served: str, href: str) -> bool:
    """The page (or file) a link names exists in the site, and so does its anchor."""
    parts = urlsplit(href)
    path = site / unquote(parts.path).lstrip("/")
    if path.is_dir():
        path = path / "index.html"
    if not path.is_file():
        return False
    if not parts.fragment or path.suffix != ".html":
        return True
    ids = re.findall(r'\sid="([^"]+)"', path.read_text(encoding="utf-8"))
    return unquote(parts.fragment) in ids
