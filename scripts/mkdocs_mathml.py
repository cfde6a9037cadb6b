"""mkdocs hook (mkdocs.yml ``hooks:``): the pages' LaTeX becomes MathML when the site is built.

pymdownx.arithmatex (generic mode) leaves each formula as ``<span class="arithmatex">\\(...\\)
</span>`` (inline) or ``<div class="arithmatex">\\[...\\]</div>`` (display); this hook converts
them with latex2mathml, so the maths render in the browser (MathML Core: Chromium 109+, Firefox,
Safari) with no script and nothing fetched from the network, as the HTML reports do. A formula
latex2mathml cannot read fails the build, naming the page and the formula.
"""

from __future__ import annotations

import html
import re
from typing import Any

_MATH = re.compile(r'<(span|div) class="arithmatex">(.*?)</\1>', re.S)
_DELIMITERS = {"span": ("\\(", "\\)"), "div": ("\\[", "\\]")}


def to_mathml(kind: str, source: str) -> str:
    """One arithmatex element's LaTeX (HTML-escaped, with its delimiters) as MathML."""
    from latex2mathml.converter import convert

    opening, closing = _DELIMITERS[kind]
    tex = html.unescape(source).strip().removeprefix(opening).removesuffix(closing).strip()
    mathml = convert(tex, display="block" if kind == "div" else "inline")
    if "<merror" in mathml:
        raise ValueError(f"latex2mathml cannot read {tex!r}")
    return f'<div class="math">{mathml}</div>' if kind == "div" else mathml


def on_page_content(html_text: str, page: Any, **_: Any) -> str:
    def replace(m: re.Match[str]) -> str:
        try:
            return to_mathml(m.group(1), m.group(2))
        except Exception as error:  # any failure of the converter: name the page and formula
            raise ValueError(f"{page.file.src_path}: {error}") from error

    return _MATH.sub(replace, html_text)
