"""What every report section reads: the inputs, the options, the employment weights and
the occupation frame, plus the tables (CSV files) and facts (numbers quoted in the text)
the sections add as they run.

A section's data function takes a :class:`Context`, registers the tables behind its
figures with :meth:`Context.add_table`, records every number its text quotes with
:meth:`Context.fact` (so tests can check the text against the code), and returns the
values its template needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from exposure.report import tables as tb
from exposure.report.weights import Weights, ilostat_years, weights

if TYPE_CHECKING:  # pragma: no cover
    from exposure.report.build import Inputs, Options

REPORT_TAXONOMIES = {"onet": "O*NET 29.2 occupations", "isco08": "ISCO-08 unit groups"}
# SOC 2018 major group 55 (military) has no OEWS row to take its title from
_SOC_MILITARY = {"55": "Military Specific Occupations"}


@dataclass
class Context:
    inputs: Inputs
    options: Options
    weights: Weights
    df: pl.DataFrame  # one row per scored occupation (exposure.report.tables.occupation_frame)
    majors: dict[str, str]
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def taxonomy(self) -> str:
        return self.options.taxonomy

    @property
    def threshold(self) -> float:
        return self.options.threshold

    @property
    def wages(self) -> bool:
        """Wages exist only for US (OEWS) employment; a country report shows none."""
        return self.options.employment == "oews"

    def add_table(self, name: str, frame: pl.DataFrame) -> str:
        """Keep ``frame`` to be written as ``name`` (CSV with a manifest); returns the name."""
        self.tables[name] = frame
        return name

    def fact(self, key: str, value: Any) -> Any:
        """Record a number the text quotes (in the manifest and for the tests); returns it."""
        self.facts[key] = value
        return value

    def weights_for(self, source: str, country: str | None, year: int | None) -> Weights:
        return weights_of(self.inputs, self.options.taxonomy, source, country, year)

    def frame_for(self, w: Weights) -> pl.DataFrame:
        return tb.occupation_frame(self.inputs.occupation_scores, self.inputs.occupations, w.frame,
                                   self.options.taxonomy, self.majors)


def major_titles(inputs: Inputs, taxonomy: str) -> dict[str, str]:
    if taxonomy == "onet":
        majors = inputs.employment_us.filter(pl.col("o_group") == "major")
        out = {code[:2]: title for code, title in majors.select("soc_code", "title").iter_rows()}
        return {**_SOC_MILITARY, **out}
    groups = inputs.isco08_groups.filter(pl.col("level") == 1)
    return dict(groups.select("code", "title").iter_rows())


def codes(inputs: Inputs) -> dict[str, pl.Series]:
    occ = inputs.occupation_scores
    return {t: occ.filter(pl.col("taxonomy") == t)["occupation_code"].sort() for t in ("onet", "isco08")}


def weights_of(inputs: Inputs, taxonomy: str, source: str, country: str | None, year: int | None) -> Weights:
    return weights(taxonomy, source, codes(inputs), inputs.employment_us, inputs.crosswalk,
                   inputs.ilostat, country, year)


def country_years(inputs: Inputs, options: Options) -> list[tuple[str, int]]:
    """Each comparison country with its year: ``options.year`` when given and available,
    else the latest year every chosen country has, else the country's latest year."""
    available = {c: ilostat_years(inputs.ilostat, c) for c in options.countries}  # checked by resolve_years
    common = set.intersection(*(set(v) for v in available.values())) if available else set()
    out = []
    for c, years in available.items():
        if options.year in years:
            out.append((c, options.year))
        elif common:
            out.append((c, max(common)))
        else:
            out.append((c, years[-1]))
    return out


def make_context(inputs: Inputs, options: Options) -> Context:
    w = weights_of(inputs, options.taxonomy, options.employment, options.country, options.year)
    majors = major_titles(inputs, options.taxonomy)
    df = tb.occupation_frame(inputs.occupation_scores, inputs.occupations, w.frame, options.taxonomy, majors)
    return Context(inputs, options, w, df, majors)
