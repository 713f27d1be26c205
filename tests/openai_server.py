"""A small real OpenAI-compatible HTTP server on loopback, for tests (standard library only).

    GET  /v1/models            -> the served model names
    POST /v1/chat/completions  -> the canned answer of the model named in the request
    POST /v1/completions       -> the same, as text

It checks the `Authorization` header when given a key (401 otherwise), answers 404 for a model it
does not serve, can be told to refuse every request (503), and records each request it saw. It runs
in a thread of the test process: the game's client reaches it over a real TCP socket.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class FakeServer:
    """What the server serves and what it saw."""

    answers: dict[str, str]
    """Served model name -> the raw answer text it always gives."""
    key: str | None = None
    """The API key every request must carry as `Bearer KEY` (None: any or none)."""
    refuse: bool = False
    """Answer every request with 503."""
    seen: list[dict] = field(default_factory=list)
    """One record per request: method, path, authorization header, model asked for."""
    port: int = 0
    """The port it listens on (set when started)."""

    @property
    def url(self) -> str:
        """The base URL a client is given (with /v1)."""
        return f"http://127.0.0.1:{self.port}/v1"


def _handler(fake: FakeServer):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def _reply(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _gate(self, model: str | None) -> bool:
            auth = self.headers.get("Authorization")
            fake.seen.append({"method": self.command, "path": self.path, "authorization": auth, "model": model})
            if fake.refuse:
                self._reply(503, {"error": {"message": "refusing on purpose", "type": "unavailable"}})
                return False
            if fake.key is not None and auth != f"Bearer {fake.key}":
                self._reply(401, {"error": {"message": "invalid api key", "type": "invalid_request_error"}})
                return False
            return True

        def do_GET(self) -> None:
            if not self._gate(None):
                return
            if self.path.rstrip("/") != "/v1/models":
                self._reply(404, {"error": {"message": f"no route {self.path}"}})
                return
            self._reply(200, {"object": "list", "data": [{"id": m, "object": "model", "owned_by": "test"}
                                                         for m in fake.answers]})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            model = body.get("model")
            if not self._gate(model):
                return
            if model not in fake.answers:
                self._reply(404, {"error": {"message": f"model {model!r} not found"}})
                return
            text = fake.answers[model]
            usage = {"prompt_tokens": 10, "completion_tokens": 7, "total_tokens": 17}
            if self.path == "/v1/chat/completions":
                self._reply(200, {"id": "c1", "object": "chat.completion", "created": 0, "model": model,
                                  "choices": [{"index": 0, "finish_reason": "stop",
                                               "message": {"role": "assistant", "content": text}}],
                                  "usage": usage})
            elif self.path == "/v1/completions":
                self._reply(200, {"id": "c1", "object": "text_completion", "created": 0, "model": model,
                                  "choices": [{"index": 0, "finish_reason": "stop", "text": text}], "usage": usage})
            else:
                self._reply(404, {"error": {"message": f"no route {self.path}"}})

    return Handler


class running:
    """`with running(FakeServer(...)) as fake:` serves on a free loopback port until the block ends."""

    def __init__(self, fake: FakeServer) -> None:
        self.fake = fake
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
        self.httpd.daemon_threads = True
        fake.port = self.httpd.server_address[1]

    def __enter__(self) -> FakeServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self.fake

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
