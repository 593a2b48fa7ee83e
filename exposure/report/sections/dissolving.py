"""Which identities are dissolving, 2008-2025: O*NET occupations whose task content moved
most toward generic screen work across 14 O*NET releases (:mod:`exposure.history`)."""

from __future__ import annotations

from exposure.report.context import Context


def data(ctx: Context) -> dict:
    from exposure.history.section import section_data

    return section_data(ctx)
