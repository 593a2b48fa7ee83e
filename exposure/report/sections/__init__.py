"""The report's sections: each is one data function and one template.

A :class:`Section` names its id (the HTML anchor), heading, template (under
``exposure/report/templates/sections/``) and data function. The data function takes the
:class:`~exposure.report.context.Context`, adds the tables behind its figures
(``ctx.add_table``), records the numbers its text quotes (``ctx.fact``) and returns the
values the template needs, or ``None`` to leave the section out of this report (e.g. wages
in a country report). Templates are Jinja2 with autoescape: text from data is escaped
there; figures and tables arrive as trusted HTML (:class:`markupsafe.Markup`).

To add a section: write ``exposure/report/sections/NAME.py`` with ``def data(ctx) -> dict``,
write ``templates/sections/NAME.html``, and add one ``Section(...)`` line to
:data:`SECTIONS` where it should appear. Sections marked ``late`` (the key findings) run
after all the others, so they can read the facts the others recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from exposure.report.context import Context
from exposure.report.html import render
from exposure.report.sections import (
    benchmark,
    citation,
    countries,
    dissolving,
    distribution,
    findings,
    groups,
    headline,
    identity,
    methods,
    quadrant,
    top,
    trend,
    wage,
)


@dataclass(frozen=True)
class Section:
    id: str
    heading: str
    template: str
    data: Callable[[Context], dict[str, Any] | None]
    late: bool = False  # runs after the others (reads their facts)


SECTIONS: list[Section] = [
    Section("findings", "Key findings", "findings.html", findings.data, late=True),
    Section("headline", "How much work is offshorable: a range, not a point", "headline.html", headline.data),
    Section("top", "The occupations with the most exposed workers", "top.html", top.data),
    Section("major-groups", "Exposure by major group", "groups.html", groups.data),
    Section("distribution", "Distribution of each construct", "distribution.html", distribution.data),
    Section("wage", "Exposure and wage", "wage.html", wage.data),
    Section("quadrant", "Skill level and offshorability", "quadrant.html", quadrant.data),
    Section("trend", "Over the years", "trend.html", trend.data),
    Section("identity", "Occupational identity and generic e-skills", "identity.html", identity.data),
    Section("skill-graph", "The skill graph around generic e-skills", "skill_graph.html", identity.graph_data),
    Section("dissolving-history", "Which identities are dissolving, 2008-2025", "dissolving.html", dissolving.data),
    Section("countries", "Country comparison", "countries.html", countries.data),
    Section("telework", "Place-boundness against teleworkability (Dingel & Neiman 2020)", "telework.html",
            benchmark.data),
    Section("methods", "Methods and data", "methods.html", methods.data),
    Section("cite", "How to cite", "citation.html", citation.data),
]


def run(ctx: Context, sections: list[Section] | None = None) -> list[tuple[str, str, str]]:
    """Every section's (id, heading, body HTML), in order; sections whose data is None
    are left out."""
    sections = SECTIONS if sections is None else sections
    values: dict[str, dict[str, Any] | None] = {}
    for s in [s for s in sections if not s.late] + [s for s in sections if s.late]:
        values[s.id] = s.data(ctx)
    out = []
    for s in sections:
        v = values[s.id]
        if v is not None:
            out.append((s.id, s.heading, str(render(f"sections/{s.template}", ctx=ctx, **v))))
    return out
