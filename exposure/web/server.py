"""Start the web explorer: check the web packages and the port, warm the caches, serve
with uvicorn until Ctrl-C."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

from exposure.errors import ExposureError, InputError
from exposure.scoring.pipeline import Scores

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def check_packages() -> None:
    """ExposureError (exit 1) when the ``web`` extra is not installed."""
    missing = []
    for module, package in (("fastapi", "fastapi"), ("uvicorn", "uvicorn"), ("jinja2", "jinja2"),
                            ("fastapi_offline", "fastapi-offline")):
        try:
            __import__(module)
        except ImportError:
            missing.append(package)
    if missing:
        raise ExposureError(f"the web explorer needs {', '.join(missing)}; install them with: "
                            "pip install 'exposure[web]'")


def is_local(host: str) -> bool:
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``; InputError (one line) if that is not possible."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise InputError(f"cannot listen on {host}:{port}: unknown host ({exc.strerror})") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def serve(scores: Scores, host: str = "127.0.0.1", port: int = 8000,
          say: Callable[[str], None] = print, progress: Callable[[str], None] | None = None,
          started: Callable[[], None] | None = None) -> None:
    """Warm an :class:`~exposure.web.explorer.Explorer` over ``scores`` and serve it on
    ``host:port`` until interrupted (Ctrl-C or SIGTERM), then return. ``progress`` hears
    what is being warmed, ``started`` is called once warming is done."""
    check_packages()
    import uvicorn

    from exposure.web.app import create_app
    from exposure.web.explorer import Explorer

    sock = bind(host, port)
    # one query at a time is embedded (the tokenizer is not thread-safe); a single torch
    # thread does that fastest, and much faster than two when the cores are busy
    import torch

    torch.set_num_threads(1)
    try:
        explorer = Explorer(scores).warm(progress)
        local = sorted({*LOCAL_HOSTS, "[::1]", host, f"[{host}]" if ":" in host else host})
        app = create_app(explorer, allowed_hosts=local if is_local(host) else None)
        if started:
            started()
        port = sock.getsockname()[1]
        if not is_local(host):
            say(f"Note: listening on {host}, not only on this computer: anyone who can reach "
                f"this machine on port {port} can use the explorer (there is no login).")
        say(f"exposure explorer: {url(host, port)}  (API docs: {url(host, port)}docs; Ctrl-C to stop)")
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                               timeout_graceful_shutdown=5))
        try:
            server.run(sockets=[sock])
        except KeyboardInterrupt:  # uvicorn re-raises the signal once it has shut down
            pass
    finally:
        sock.close()
    say("exposure explorer stopped.")
