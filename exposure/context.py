"""One run context: the data folder and the embedding model every step of a run uses.

Pass a :class:`RunContext` explicitly (``ctx=`` keyword) or make it current for a block
with :func:`use`; a function that is given no model (``model_path=None``) takes the current
context's. So ``exposure run --model DIR`` scores, builds the graphs, writes the report and
warms the lookup caches all with the same model and data folder.

>>> from exposure.context import RunContext, current, use
>>> with use(RunContext(model_path="/models/tiny")):
...     current().model_path
'/models/tiny'
>>> current().model_path is None
True
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path

from taxonomies.base import DATA_DIR, data_dir


@dataclass(frozen=True)
class RunContext:
    """Where the data lives and which model embeds text. ``None`` means the default: the
    data folder from :func:`exposure.config.data_dir`, the bundled all-MiniLM-L6-v2."""

    data_dir: Path | None = None
    model_path: str | None = None

    def resolved(self) -> RunContext:
        """The same context with the data folder fixed now and the model path absolute."""
        model = str(Path(self.model_path).expanduser().resolve()) if self.model_path else None
        return replace(self, data_dir=Path(self.data_dir).resolve() if self.data_dir else data_dir(),
                       model_path=model)


_CURRENT: ContextVar[RunContext] = ContextVar("exposure_run_context", default=RunContext())


def current() -> RunContext:
    """The run context in force (the default one outside :func:`use`)."""
    return _CURRENT.get()


@contextmanager
def use(ctx: RunContext) -> Iterator[RunContext]:
    """Make ``ctx`` current for the block: its data folder and model become the defaults."""
    token = _CURRENT.set(ctx)
    data_token = DATA_DIR.set(Path(ctx.data_dir).resolve() if ctx.data_dir else None)
    try:
        yield ctx
    finally:
        DATA_DIR.reset(data_token)
        _CURRENT.reset(token)


def model_path(explicit: str | None = None, ctx: RunContext | None = None) -> str | None:
    """The model to use: ``explicit`` if given, else the context's (``ctx`` or the current)."""
    if explicit is not None:
        return explicit
    return (ctx or current()).model_path
