"""A local stand-in for Twilio's REST API (the real one is outside and unreachable from here):
the one call we make, POST /2010-04-01/Accounts/{AccountSid}/Messages.json, answered as
Twilio documents it (201 with the message's JSON; errors as {"code", "message", "status"}).
It records what it was sent, and answers with the statuses a test queues up first."""

from __future__ import annotations

import base64
import json
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class TwilioStandIn:
    def __init__(self, account_sid: str, auth_token: str):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.received: list[dict[str, str]] = []  # the form of each accepted message
        self.refusals: deque[int] = deque()  # HTTP statuses to answer with first, in order
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> TwilioStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def refuse_next(self, *statuses: int) -> None:
        self.refusals.extend(statuses)

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", 0))
                form = {key: values[0] for key, values in parse_qs(self.rfile.read(length).decode()).items()}
                expected = f"/2010-04-01/Accounts/{standin.account_sid}/Messages.json"
                credentials = base64.b64encode(f"{standin.account_sid}:{standin.auth_token}".encode()).decode()
                if self.headers.get("Authorization") != f"Basic {credentials}":
                    return self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
                if self.path != expected:
                    return self._answer(404, {"code": 20404, "message": "Not found", "status": 404})
                if standin.refusals:
                    status = standin.refusals.popleft()
                    return self._answer(status, {"code": 21211 if status == 400 else 20500 + status % 100,
                                                 "message": "refused by the stand-in", "status": status})
                standin.received.append(form)
                sid = f"SM{len(standin.received):032x}"
                return self._answer(201, {"sid": sid, "account_sid": standin.account_sid, "to": form.get("To"),
                                          "from": form.get("From"), "body": form.get("Body"), "status": "queued",
                                          "num_segments": "1", "direction": "outbound-api"})

            def _answer(self, status: int, payload: dict) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:  # quiet
                pass

        return Handler
