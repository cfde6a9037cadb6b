"""The documentation site builds with `mkdocs build --strict` (a broken link, a missing section
or a page left out of the nav fails it) and every page opens in headless Chromium with its
title, its text, every image decoded and its maths as MathML.

One Chromium process checks every page: a probe page served with the site on 127.0.0.1 loads
each page in turn in a same-origin iframe and reports what it found."""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

PROBE = """<!doctype html><meta charset="utf-8"><title>probe</title><pre id="result"></pre>
<script>
const pages = %s;
const results = {};
function check(page) {
  return new Promise((resolve) => {
    const frame = document.createElement("iframe");
    frame.sandbox = "allow-same-origin";  // the page's HTML and images, not its scripts
    frame.onload = () => {
      const doc = frame.contentDocument;
      const article = doc.querySelector("article");
      const images = [...doc.querySelectorAll("article img")];
      results[page] = {
        h1: (doc.querySelector("article h1") || {}).textContent || "",
        text: article ? article.textContent.length : 0,
        images: images.length,
        decoded: images.filter((i) => i.complete && i.naturalWidth > 0).length,
        math: doc.querySelectorAll("article math").length,
        tex: article ? /\\\\[()[\\]]/.test(article.textContent) : false,
      };
      frame.remove();
      resolve();
    };
    frame.src = page;
    document.body.appendChild(frame);
  });
}
(async () => {
  for (const page of pages) await check(page);
  document.getElementById("result").textContent = JSON.stringify(results);
})();
</script>"""


def _pages() -> dict[str, Path]:
    """Built page (relative URL) -> its Markdown source, for every page under docs/."""
    return {md.relative_to(DOCS).with_suffix(".html").as_posix(): md for md in DOCS.rglob("*.md")}


def _title(md: Path) -> str:
    """The page's first heading as the browser shows it (no backticks, no permalink sign)."""
    first = next(line for line in md.read_text("utf-8").splitlines() if line.startswith("# "))
    return first[2:].replace("`", "").strip()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
         str(ROOT / "mkdocs.yml"), "--site-dir", str(out)],
        capture_output=True, text=True, timeout=300, check=False,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    return out


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_every_page_is_built_with_its_images(site: Path) -> None:
    for page, md in _pages().items():
        html = (site / page).read_text("utf-8")
        assert "<h1" in html, page
        for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md.read_text("utf-8")):
            assert (site / page).parent.joinpath(image).resolve().is_file(), (page, image)
    assert (site / "search" / "search_index.json").is_file()
    # the generated catalogue is in the site with every model
    catalogue = (site / "models" / "catalogue.html").read_text("utf-8")
    assert catalogue.count('<h2 id="') >= 30


@pytest.mark.slow
@pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it with apt)"
)
def test_every_page_and_its_images_load_in_headless_chromium(
    site: Path, served: str, tmp_path: Path
) -> None:
    pages = _pages()
    (site / "probe.html").write_text(PROBE % json.dumps(sorted(pages)), "utf-8")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        # nothing but the local server resolves: the MathJax script from the CDN fails at once
        # instead of holding the virtual clock while a DNS lookup hangs (no network here)
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    dom = subprocess.run(
        [CHROMIUM, *flags, "--virtual-time-budget=30000", "--dump-dom", served + "probe.html"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    found = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
    assert found and found.group(1), dom[-2000:]
    results = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert sorted(results) == sorted(pages)
    for page, md in pages.items():
        seen = results[page]
        shown_images = len(re.findall(r"!\[[^\]]*\]\(", md.read_text("utf-8")))
        assert seen["h1"].rstrip("¶").strip() == _title(md), page
        assert seen["text"] > 300, (page, seen)  # the page's text is there, not an error page
        assert seen["images"] == shown_images and seen["decoded"] == shown_images, (page, seen)
    assert sum(r["images"] for r in results.values()) >= 2
    # the maths are MathML elements the browser lays out (scripts/mkdocs_mathml.py), never TeX
    # source left between \( \) or \[ \] delimiters
    assert [page for page, seen in results.items() if seen["tex"]] == []
    assert results["trust.html"]["math"] >= 40 and results["models/index.html"]["math"] >= 20


def test_the_readme_links_to_pages_that_exist() -> None:
    # README.md is not part of the site (mkdocs --strict does not read it): its links to the
    # pages, and the sections they name, are checked here
    readme = (ROOT / "README.md").read_text("utf-8")
    links = re.findall(r"\]\((docs/[^)#]+)(?:#([^)]+))?\)", readme)
    assert len(links) >= 15
    for path, anchor in links:
        page = ROOT / path
        assert page.is_file(), path
        if anchor:
            headings = re.findall(r"^#+ (.+)$", page.read_text("utf-8"), re.M)
            slugs = {re.sub(r"[^\w\- ]", "", h.lower()).strip().replace(" ", "-") for h in headings}
            assert anchor in slugs, (path, anchor)
