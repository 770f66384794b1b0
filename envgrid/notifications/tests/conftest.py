import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone


class Clock:
    """A settable ``timezone.now`` for the back-off tests."""

    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs) -> None:
        self.now += dt.timedelta(**kwargs)


@pytest.fixture
def clock(monkeypatch):
    fake = Clock(dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC))
    monkeypatch.setattr(timezone, "now", fake)
    return fake


class WebhookReceiver:
    """A real HTTP server on 127.0.0.1 standing in for an SMS gateway relay or a WeChat Work bot."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []  # answers for the next requests, in order; then 200
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "json": json.loads(body)})
                if receiver.delay:
                    threading.Event().wait(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook(settings):
    with WebhookReceiver() as receiver:
        settings.ENVGRID_NOTIFY_WEBHOOK_URL = receiver.url
        settings.ENVGRID_NOTIFY_WEBHOOK_TOKEN = "s3cret"
        yield receiver
