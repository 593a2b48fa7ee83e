"""The policy analyst report (``exposure report``): a self-contained HTML page with the
headline exposure figures, their distributions, major groups, wages, skill level, the
skill graph around generic e-skills and a country comparison, plus every figure's table
as CSV with a manifest.

Modules follow the data flow: :mod:`~exposure.report.weights` (employment and wages per
occupation), :mod:`~exposure.report.tables` (the table behind each figure),
:mod:`~exposure.report.graphview` (the skill-graph picture), :mod:`~exposure.report.figures`
(matplotlib -> inline SVG), :mod:`~exposure.report.html` (escaping, page) and
:mod:`~exposure.report.build` (options, inputs, atomic writing).
"""

from exposure.report.build import DEFAULT_COUNTRIES, build_report

__all__ = ["DEFAULT_COUNTRIES", "build_report"]
