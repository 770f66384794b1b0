"""Running a receiver: the event loop (uvloop when installed: it costs less per read and write than asyncio's
own, ``bench/monitoring_receiver.py``) and ``manage.py hj212 serve``."""

from __future__ import annotations

import asyncio

from envgrid.monitoring.receiver.server import Receiver

LOOPS = ("auto", "uvloop", "asyncio")


def loop_factory(kind: str = "auto"):
    """A new-event-loop function for ``asyncio.Runner``: uvloop when asked for (``auto``: when installed)."""
    if kind not in LOOPS:
        raise ValueError(f"event loop {kind!r} is not one of {', '.join(LOOPS)}")
    if kind != "asyncio":
        try:
            import uvloop
        except ImportError:
            if kind == "uvloop":
                raise
        else:
            return uvloop.new_event_loop
    return asyncio.new_event_loop


def serve(host: str, port: int, *, loop: str = "auto", **options) -> None:
    """Run a receiver in this thread until SIGTERM or SIGINT."""
    with asyncio.Runner(loop_factory=loop_factory(loop)) as runner:
        runner.run(Receiver(host, port, **options).run(handle_signals=True))


# --- ``manage.py hj212 serve`` ------------------------------------------------------------------------


def add_serve_arguments(parser) -> None:
    from django.conf import settings

    parser.add_argument("--host", default=settings.HJ212_HOST, help="Address to listen on (default: HJ212_HOST).")
    parser.add_argument("--port", type=int, default=settings.HJ212_PORT, help="TCP port (default: HJ212_PORT).")
    parser.add_argument(
        "--batch-size", type=int, default=settings.HJ212_BATCH_SIZE, help="Most packets stored per transaction."
    )
    parser.add_argument(
        "--loop", choices=LOOPS, default="auto", help="Event loop: uvloop if installed (auto), or asyncio's own."
    )


def serve_from_options(stdout, *, host: str, port: int, batch_size: int, loop: str = "auto", **options) -> None:
    stdout.write(f"HJ 212 receiver on {host}:{port} (Ctrl-C or SIGTERM stops it after storing what it took).")
    stdout.flush()
    serve(host, port, batch_size=batch_size, loop=loop)
