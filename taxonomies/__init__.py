"""The data layer: pinned releases of O*NET, ISCO-08, ESCO, crosswalks and employment,
turned into canonical polars tables (see :mod:`taxonomies.schemas`).

>>> from taxonomies import load
>>> load("tasks", only="isco08").height  # doctest: +SKIP
3265
"""

from taxonomies.registry import TABLES, build_all, load

__all__ = ["TABLES", "build_all", "load"]
