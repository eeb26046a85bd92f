"""Serving the sandbox over real HTTP with uvicorn: in the foreground, a thread or a process.

uvicorn is an optional dependency (the ``sandbox`` extra) and is imported only here, lazily.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from starlette.applications import Starlette

from ..errors import ConfigurationError
from .app import ConnectionDropped, create_app
from .config import DEFAULT_TOKEN, SandboxConfig
from .faults import FaultConfig, RateLimit

__all__ = [
    "build_arg_parser",
    "config_from_args",
    "running_server",
    "running_server_process",
    "serve",
]


class _HideDrops(logging.Filter):
    # uvicorn logs a traceback for every injected drop; they are expected, not errors.
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, ConnectionDropped)


def _uvicorn() -> Any:
    try:
        import uvicorn  # deferred: the optional ``sandbox`` extra, needed only to serve over HTTP
    except ImportError:  # pragma: no cover - depends on the environment
        raise ConfigurationError(
            "serving the sandbox over HTTP needs uvicorn: pip install 'truto-frame[sandbox]'"
        ) from None
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _HideDrops) for f in logger.filters):
        logger.addFilter(_HideDrops())
    return uvicorn


def serve(
    host: str = "127.0.0.1",
    port: int = 8787,
    config: SandboxConfig | None = None,
    *,
    log_level: str = "info",
) -> None:
    """Serve the sandbox until interrupted (Ctrl+C).

    Parameters
    ----------
    host : str, default "127.0.0.1"
        Interface to listen on; keep the loopback unless you mean to share it.
    port : int, default 8787
        TCP port.
    config : SandboxConfig, optional
        Sandbox settings.
    log_level : str, default "info"
        uvicorn's log level.
    """
    uvicorn = _uvicorn()
    uvicorn.run(create_app(config), host=host, port=port, log_level=log_level, ws="none")


@contextlib.contextmanager
def running_server(
    config: SandboxConfig | None = None,
    *,
    app: Starlette | None = None,
    host: str = "127.0.0.1",
    startup_timeout: float = 10.0,
) -> Iterator[str]:
    """Run the sandbox with uvicorn in a background thread on a free port.

    Parameters
    ----------
    config : SandboxConfig, optional
        Settings of a new app (ignored when ``app`` is given).
    app : Starlette, optional
        An app from :func:`create_app`, to keep a handle on ``app.state.sandbox``.
    host : str, default "127.0.0.1"
        Interface to listen on.
    startup_timeout : float, default 10.0
        Seconds to wait for the server to accept connections.

    Yields
    ------
    str
        The base URL, e.g. ``"http://127.0.0.1:54321"``. The server stops on exit.
    """
    uvicorn = _uvicorn()
    app = app if app is not None else create_app(config)
    # Bind first, so the port is known before the thread starts and no other process takes it.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server_config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="off",
        ws="none",
        http="h11",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(server_config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="truto-sandbox", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + startup_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.005)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=startup_timeout)
        sock.close()


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def running_server_process(
    args: Sequence[str] = (),
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    startup_timeout: float = 20.0,
) -> Iterator[str]:
    """Run ``python -m truto_frame.sandbox`` in a separate process (for benchmarks).

    Parameters
    ----------
    args : sequence of str
        Extra command-line options, e.g. ``["--latency", "0.2", "--account-limit", "10/2"]``.
    host : str, default "127.0.0.1"
        Interface to listen on.
    port : int, optional
        TCP port; default a free one.
    startup_timeout : float, default 20.0
        Seconds to wait until the port accepts connections.

    Yields
    ------
    str
        The base URL. The process is terminated on exit.
    """
    port = port or _free_port(host)
    command = [sys.executable, "-m", "truto_frame.sandbox", "--host", host, "--port", str(port)]
    command += [*args, "--log-level", "warning"]
    process = subprocess.Popen(command)
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the sandbox process exited with code {process.returncode}")
            with contextlib.suppress(OSError), socket.create_connection((host, port), 0.2):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("the sandbox process did not start in time")
            time.sleep(0.05)
        yield f"http://{host}:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def build_arg_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """Add the sandbox's command-line options to a parser (a new one by default).

    ``truto-frame sandbox`` and ``python -m truto_frame.sandbox`` share these options.
    """
    parser = parser or argparse.ArgumentParser(
        prog="python -m truto_frame.sandbox", description="Serve the truto-frame sandbox."
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    add("--port", type=int, default=8787, help="TCP port (default 8787)")
    add("--token", default=DEFAULT_TOKEN, help="bearer token accepted (default sandbox-token)")
    add("--seed", type=int, default=0, help="seed of the events and the faults")
    add("--account-limit", default="50/10", help="LIMIT/SECONDS per account, or 'none'")
    add("--token-limit", default="500/10", help="LIMIT/SECONDS per token, or 'none'")
    add("--latency", type=float, default=0.0, help="seconds each request takes")
    add("--latency-jitter", type=float, default=0.0, help="extra random seconds, at most")
    add("--error-rate", type=float, default=0.0, help="share of 500/502/504 answers")
    add("--remote-503-rate", type=float, default=0.0, help="share of provider 503 answers")
    add("--remote-429-rate", type=float, default=0.0, help="share of provider 429 answers")
    add("--drop-rate", type=float, default=0.0, help="share of dropped connections")
    add("--drop-after-rate", type=float, default=0.0, help="share stored, then dropped")
    add("--events-per-account", type=int, default=30, help="seeded events per account")
    add("--log-level", default="info", help="uvicorn log level")
    return parser


def _limit(text: str) -> RateLimit | None:
    return None if text.lower() in {"none", "off", "0"} else RateLimit.parse(text)


def config_from_args(namespace: argparse.Namespace) -> SandboxConfig:
    """Build a :class:`SandboxConfig` from options parsed by :func:`build_arg_parser`."""
    faults = FaultConfig(
        error_rate=namespace.error_rate,
        remote_503_rate=namespace.remote_503_rate,
        remote_429_rate=namespace.remote_429_rate,
        drop_rate=namespace.drop_rate,
        drop_after_rate=namespace.drop_after_rate,
        latency=namespace.latency,
        latency_jitter=namespace.latency_jitter,
        seed=namespace.seed,
    )
    return SandboxConfig(
        token=namespace.token,
        seed=namespace.seed,
        events_per_account=namespace.events_per_account,
        account_limit=_limit(namespace.account_limit),
        token_limit=_limit(namespace.token_limit),
        faults=faults,
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``python -m truto_frame.sandbox``."""
    namespace = build_arg_parser().parse_args(argv)
    try:
        config = config_from_args(namespace)
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    serve(namespace.host, namespace.port, config, log_level=namespace.log_level)
