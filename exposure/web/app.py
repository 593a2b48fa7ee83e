"""The ASGI application: FastAPI with Jinja2 pages, a JSON API and local assets.

:func:`create_app` takes a warmed :class:`~exposure.web.explorer.Explorer` (every request
reads it, none rebuilds it). Pages (:mod:`exposure.web.pages`) and the JSON API
(:mod:`exposure.web.api`) are thin routers over the explorer. Every asset is served from
the package (the API docs at ``/docs`` use the Swagger UI files that ``fastapi-offline``
ships); a Content-Security-Policy of ``'self'`` makes the browser refuse anything else.
Library errors become a page (or JSON under ``/api``) with one line: 400 for unusable input,
404 for an unknown occupation or address, 500 for a failure of the work.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from exposure import __version__
from exposure.errors import ExposureError, InputError
from exposure.web.explorer import CONSTRUCTS_ORDER, LABELS, TAXONOMY_NAMES, Explorer, NotFound

HERE = Path(__file__).parent
STATIC_URL = "/static"
API_DOCS_STATIC = "/static/api-docs"
log = logging.getLogger("exposure.web")

# pages: nothing from elsewhere, no inline script; the API docs need Swagger UI's inline
# start-up script; the reports are self-contained pages with inline styles and SVG (and may
# carry an inline script with their own, stricter, Content-Security-Policy naming its hash:
# the browser enforces both, so this one must not block it)
_CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
CSP = {
    "page": f"{_CSP}; form-action 'self'",
    "docs": f"{_CSP}; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'",
    "report": f"{_CSP}; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'",
}


def templates() -> Jinja2Templates:
    """The page templates; autoescaping is on for every template (Jinja2Templates' default,
    asserted here so that it cannot be lost)."""
    t = Jinja2Templates(directory=str(HERE / "templates"))
    assert t.env.autoescape is True or callable(t.env.autoescape)
    t.env.filters.update(num=_num, thousands=_thousands, label=_label)
    t.env.globals.update(taxonomies=TAXONOMY_NAMES, labels=LABELS, version=__version__, construct_order=CONSTRUCTS_ORDER)
    return t


def _num(value, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _thousands(value) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def _label(column: str) -> str:
    return LABELS.get(column, column.replace("_", " ").capitalize())


def create_app(explorer: Explorer, allowed_hosts: list[str] | None = None) -> FastAPI:
    """The web explorer over a warmed ``explorer``. ``allowed_hosts``: the host names a
    request may address (others get 400), e.g. only ``127.0.0.1`` and ``localhost`` for a
    local server, so that a web page elsewhere cannot reach it through DNS rebinding;
    ``None`` for any.

    >>> from fastapi.testclient import TestClient  # doctest: +SKIP
    >>> TestClient(create_app(Explorer(scores()).warm())).get("/api/search?q=roofer").json()  # doctest: +SKIP
    """
    from fastapi_offline import FastAPIOffline

    from exposure.web import api, pages

    app = FastAPIOffline(
        title="exposure explorer",
        version=__version__,
        description="The JSON API behind the exposure web explorer: search occupations, read an "
                    "occupation's scores, tasks, skills and safer moves, compare two occupations, and "
                    "list a taxonomy's occupations. Every page of the explorer is built from these "
                    "same calls. See docs/web.md.",
        docs_url="/docs",
        redoc_url=None,
        static_url=API_DOCS_STATIC,
        favicon_url=f"{STATIC_URL}/favicon.svg",
        swagger_ui_parameters={"validatorUrl": None},
    )
    if allowed_hosts:
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)
    app.state.explorer = explorer
    app.state.templates = templates()
    app.mount(STATIC_URL, StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    _document_400(app)

    @app.middleware("http")
    async def headers(request: Request, call_next):
        response = await call_next(request)
        path = request.url.path
        kind = "docs" if path == "/docs" else "report" if path.startswith("/reports/") else "page"
        response.headers.setdefault("Content-Security-Policy", CSP[kind])
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    @app.exception_handler(ExposureError)
    async def library_error(request: Request, exc: ExposureError):
        status = 404 if isinstance(exc, NotFound) else 400 if isinstance(exc, InputError) else 500
        return error_response(request, status, str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "request"
        return error_response(request, 400, f"{where}: {first.get('msg', 'invalid value')}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = "there is nothing at this address" if exc.status_code == 404 else str(exc.detail)
        return error_response(request, exc.status_code, message)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception):
        log.exception("internal error on %s", request.url.path)
        return error_response(request, 500, f"internal error ({type(exc).__name__}); the server log has the details")

    return app


def _document_400(app: FastAPI) -> None:
    """Bad parameters are answered with 400 (see the handlers above), not FastAPI's 422:
    say so in the OpenAPI description too."""
    generate = app.openapi

    def openapi() -> dict:
        schema = generate()
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                operation.get("responses", {}).pop("422", None)
        for name in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(name, None)
        if not schema.get("components", {}).get("schemas", True):
            schema["components"].pop("schemas")
        return schema

    app.openapi = openapi


def error_response(request: Request, status: int, message: str):
    """One line of error as JSON (under /api) or as a page that offers a search."""
    if request.url.path.startswith("/api"):
        return JSONResponse({"error": message, "status": status}, status_code=status)
    query = request.query_params.get("q", "") if status != 400 else ""
    return request.app.state.templates.TemplateResponse(
        request, "error.html", {"status": status, "message": message, "q": query}, status_code=status,
        headers={"Content-Security-Policy": CSP["page"]},
    )


__all__ = ["create_app"]
