"""HTML building blocks for the report: escaping, number formats, tables, the page.

Every text that comes from data or from the user goes through :func:`esc`
(``html.escape`` with quotes); the templates (``templates/``, Jinja2) autoescape. The
page is self-contained: inline CSS, inline SVG figures, one small inline script allowed by
its SHA-256 in the Content-Security-Policy, no external resource.
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from html import escape
from pathlib import Path

import jinja2
import polars as pl
from markupsafe import Markup

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


def approx(value: object) -> str:
    """A count of workers rounded to what employment estimates support: millions with
    one decimal, otherwise two significant figures (``154.2 million``, ``110,000``)."""
    if _missing(value):
        return "&ndash;"
    v = float(value)
    if v >= 1e6:
        return f"{v / 1e6:,.1f} million"
    if v < 1:
        return "0"
    digits = max(int(math.floor(math.log10(v))) - 1, 0)
    return f"{round(v, -digits):,.0f}"


def _sort_value(value: object) -> str:
    """The raw value a reader's sort uses (numbers only; text sorts by what it shows);
    a struct (value with its bounds) sorts by its first field."""
    if isinstance(value, dict):
        value = next(iter(value.values()), None)
    if isinstance(value, bool) or _missing(value):
        return ""
    if isinstance(value, (int, float)):
        return repr(float(value))
    return ""


def _kind(df: pl.DataFrame, column: str) -> str:
    """CSS class of a column: ``n`` numbers (right-aligned), ``k`` codes (kept on one
    line), ``w`` titles and other long text (given room), else none."""
    dt = df.schema[column]
    if dt.is_numeric() or (isinstance(dt, pl.Struct) and all(f.dtype.is_numeric() for f in dt.fields)):
        return "n"
    if column.endswith("code") or column in ("unit", "skill_id", "country"):
        return "k"
    if "title" in column or column in ("label", "occupations", "largest_occupations", "attribution", "rationale",
                                       "reference", "value", "name"):
        return "w"
    return ""


def table(df: pl.DataFrame, columns: Sequence[tuple[str, str, Formatter]], caption: str | None = None,
          numeric: Iterable[str] = (), label: str | None = None) -> str:
    """An HTML table of ``df``: ``columns`` are (column, header, formatter); the
    formatter's output is trusted HTML, so text formatters must escape (:func:`text`).

    Numeric cells carry their raw value in ``data-v`` so that the page's script sorts by
    number, not by the rounded text; ``label`` names the table for the filter box."""
    kinds = {c: _kind(df, c) for c, _, _ in columns}
    kinds.update({c: "n" for c in numeric})
    cls = {c: f' class="{k}"' if k else "" for c, k in kinds.items()}
    head = "".join(f'<th scope="col"{cls[c]}>{esc(h)}</th>' for c, h, _ in columns)
    rows = []
    for r in df.iter_rows(named=True):
        cells = []
        for c, _, f in columns:
            v = _sort_value(r[c])
            attr = f' data-v="{v}"' if v else ""
            cells.append(f"<td{cls[c]}{attr}>{f(r[c])}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    name = f' data-label="{esc(label or caption or "")}"'
    return (f'<div class="tbl"><table class="data"{name}>{cap}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>\n")


def figure(fig_id: str, svg: str, caption: str, csv: Sequence[str]) -> str:
    """A figure block: inline SVG, caption (trusted HTML) and links to its CSV tables."""
    links = ", ".join(f'<a href="{esc(name)}">{esc(name)}</a>' for name in csv)
    return (
        f'<figure id="{esc(fig_id)}" class="fig">\n{svg}<figcaption>{caption}'
        f' <span class="data">Data: {links}</span></figcaption>\n</figure>\n'
    )


def note(message: str) -> str:
    return f'<p class="note">{message}</p>\n'


TEMPLATES = Path(__file__).with_name("templates")


@cache
def environment() -> jinja2.Environment:
    """The report's templates: autoescaped, undefined names an error, the number formats
    as filters (they return trusted HTML)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    for name, f in {"pct": pct, "num": num, "score": score, "approx": approx}.items():
        env.filters[name] = lambda v, *a, _f=f: Markup(_f(v, *a))
    env.filters["interval"] = lambda v, lo, hi: Markup(interval(v, lo, hi))
    env.globals["m"] = env.get_template("macros.html").module  # {% call m.figure(...) %} in every template
    return env


def render(template: str, **values: object) -> Markup:
    """A template rendered with ``values``; the result is trusted HTML."""
    return Markup(environment().get_template(template).render(**values))


def script() -> str:
    """The page's one inline script (sorting, filtering and searching the tables)."""
    return (TEMPLATES / "tables.js").read_text(encoding="utf-8")


def csp_hash(code: str) -> str:
    """The Content-Security-Policy source that allows exactly this inline script."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode() + "'"


def page(title: str, lede: str, sections: Sequence[tuple[str, str, str]], footer: str) -> str:
    """The whole document. ``sections`` are (id, heading, trusted body HTML); ``title``
    is escaped here, ``lede`` and ``footer`` are trusted HTML."""
    code = script()
    return render("page.html", title=title, lede=Markup(lede), footer=Markup(footer),
                  sections=[(sid, h, Markup(body)) for sid, h, body in sections],
                  css=Markup((TEMPLATES / "report.css").read_text(encoding="utf-8")),
                  script=Markup(code), script_hash=Markup(csp_hash(code)))
