"""HTML building blocks for the report: escaping, number formats, tables, the page.

Every text that comes from data or from the user goes through :func:`esc`
(``html.escape`` with quotes). The page is self-contained: inline CSS, inline SVG
figures, no script, no external resource.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from html import escape

import polars as pl

Formatter = Callable[[object], str]


def esc(value: object) -> str:
    """``value`` as HTML text, every <, >, &, " and ' escaped."""
    return escape("" if value is None else str(value), quote=True)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def pct(value: object, digits: int = 0) -> str:
    return "&ndash;" if _missing(value) else f"{float(value):.{digits}%}"


def num(value: object, digits: int = 0) -> str:
    return "&ndash;" if _missing(value) else f"{float(value):,.{digits}f}"


def score(value: object) -> str:
    return num(value, 2)


def text(value: object) -> str:
    return esc(value)


def interval(v: object, lo: object, hi: object, fmt: Formatter = pct) -> str:
    """``v (lo-hi)`` with an en dash."""
    return f"{fmt(v)} <span class=\"iv\">({fmt(lo)}&ndash;{fmt(hi)})</span>"


def table(df: pl.DataFrame, columns: Sequence[tuple[str, str, Formatter]], caption: str | None = None,
          numeric: Iterable[str] = ()) -> str:
    """An HTML table of ``df``: ``columns`` are (column, header, formatter); the
    formatter's output is trusted HTML, so text formatters must escape (:func:`text`)."""
    numeric = set(numeric) | {c for c, _, f in columns if f is not text}
    cls = {c: ' class="n"' if c in numeric else "" for c, _, _ in columns}
    head = "".join(f"<th{cls[c]}>{esc(h)}</th>" for c, h, _ in columns)
    rows = []
    for r in df.iter_rows(named=True):
        cells = "".join(f"<td{cls[c]}>{f(r[c])}</td>" for c, _, f in columns)
        rows.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>\n"


def figure(fig_id: str, svg: str, caption: str, csv: Sequence[str]) -> str:
    """A figure block: inline SVG, caption (trusted HTML) and links to its CSV tables."""
    links = ", ".join(f'<a href="{esc(name)}">{esc(name)}</a>' for name in csv)
    return (
        f'<figure id="{esc(fig_id)}" class="fig">\n{svg}<figcaption>{caption}'
        f' <span class="data">Data: {links}</span></figcaption>\n</figure>\n'
    )


def note(message: str) -> str:
    return f'<p class="note">{message}</p>\n'


CSS = """
:root { --ink: #1c2833; --muted: #5d6d7e; --line: #d5d8dc; --accent: #b03a2e; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
       color: var(--ink); background: #fff; }
main { max-width: 62rem; margin: 0 auto; padding: 1.5rem 1.25rem 4rem; }
header.top { border-bottom: 3px solid var(--accent); margin-bottom: 1.5rem; }
h1 { font-size: 1.7rem; margin: 0 0 .3rem; }
h2 { font-size: 1.3rem; margin: 2.4rem 0 .6rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
p.lede { color: var(--muted); margin: .2rem 0 1rem; }
nav.toc ol { columns: 2; margin: .4rem 0 0; padding-left: 1.3rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: .8rem; margin: 1rem 0; }
.card { border: 1px solid var(--line); border-left: 4px solid var(--accent); padding: .6rem .8rem; }
.card .big { font-size: 1.6rem; font-weight: 700; }
.card .what { color: var(--muted); font-size: .9rem; }
figure.fig { margin: 1rem 0 1.6rem; }
figure.fig svg.chart { width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: .9rem; margin-top: .3rem; }
figcaption .data { display: block; font-size: .82rem; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0 1.2rem; font-size: .86rem; }
caption { text-align: left; font-weight: 600; padding: .2rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .4rem; text-align: left; vertical-align: top; }
th { background: #f4f6f7; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.iv { color: var(--muted); font-size: .85em; }
p.note { background: #fef9e7; border-left: 4px solid #f1c40f; padding: .5rem .8rem; }
code { font-size: .88em; background: #f4f6f7; padding: 0 .2em; word-break: break-all; }
footer { margin-top: 3rem; color: var(--muted); font-size: .85rem; border-top: 1px solid var(--line); }
@media print { nav.toc { display: none; } h2 { break-before: auto; } figure { break-inside: avoid; } }
"""


def page(title: str, lede: str, sections: Sequence[tuple[str, str, str]], footer: str) -> str:
    """The whole document. ``sections`` are (id, heading, trusted body HTML); ``title``
    is escaped here, ``lede`` and ``footer`` are trusted HTML."""
    toc = "".join(f'<li><a href="#{esc(sid)}">{esc(h)}</a></li>' for sid, h, _ in sections)
    body = "".join(f'<section id="{esc(sid)}">\n<h2>{esc(h)}</h2>\n{html}</section>\n' for sid, h, html in sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">\n"
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        f'<header class="top"><h1>{esc(title)}</h1>\n<p class="lede">{lede}</p></header>\n'
        f'<nav class="toc" aria-label="Contents"><strong>Contents</strong><ol>{toc}</ol></nav>\n'
        f"{body}<footer>{footer}</footer>\n</main>\n</body>\n</html>\n"
    )
