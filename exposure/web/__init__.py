"""``exposure serve``: a local web explorer for career advisers and analysts.

Modules, in request order: :mod:`~exposure.web.server` (start-up: check the data, warm the
caches, listen), :mod:`~exposure.web.app` (the FastAPI application, errors, security
headers), :mod:`~exposure.web.pages` (HTML pages and CSV downloads) and
:mod:`~exposure.web.api` (the JSON API), both thin over
:mod:`~exposure.web.explorer` (what is shown, as plain data from the library functions
the CLI uses). Templates and static assets ship in ``templates/`` and ``static/``.

Needs the ``web`` extra: ``pip install 'exposure[web]'``.
"""

from __future__ import annotations

__all__ = ["Explorer", "create_app", "serve"]


def __getattr__(name: str):
    """Import on first use, so that ``import exposure.web`` stays cheap."""
    if name == "Explorer":
        from exposure.web.explorer import Explorer

        return Explorer
    if name == "create_app":
        from exposure.web.app import create_app

        return create_app
    if name == "serve":
        from exposure.web.server import serve

        return serve
    raise AttributeError(f"module 'exposure.web' has no attribute {name!r}")
