"""The guard in front of every request (a plain ASGI middleware).

1. Host: the `Host` header must name the bound address (DNS-rebinding defence) → 400.
2. Token: `Authorization: Bearer TOKEN`, or the `planner_token` cookie the page gets when it
   is opened with `/?token=TOKEN` (then redirected to `/`, so the token leaves the address
   bar) → 401 otherwise.
3. CSRF: a state-changing request (POST, PUT, PATCH, DELETE) authenticated by the cookie
   must also carry `X-Planner-CSRF` with the value the page was served; a custom header
   cannot be sent cross-site without a CORS preflight, which this app never grants → 403.
4. Body size: more than `max_body` bytes → 413, whether announced or streamed.
"""
from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

COOKIE = "planner_token"
CSRF_HEADER = b"x-planner-csrf"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Guard:
    token: str
    csrf: str
    allowed_hosts: frozenset[str] | None  # None: any Host (bound to a wildcard address)
    max_body: int


def _send_json(status: int, body: dict, headers: list | None = None):
    data = json.dumps(body).encode()

    async def send_it(send):
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                                (b"cache-control", b"no-store"), *(headers or [])]})
        await send({"type": "http.response.body", "body": data})
    return send_it


def _problem(message: str, key: str = "request") -> dict:
    return {"problems": [{"file": "request", "key": key, "row": None, "column": None, "value": None, "message": message}]}


class GuardMiddleware:
    def __init__(self, app, guard: Guard):
        self.app = app
        self.guard = guard

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        g = self.guard
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        host = headers.get(b"host", b"").decode("latin-1").lower()
        if g.allowed_hosts is not None and host not in g.allowed_hosts:
            return await _send_json(400, _problem(f"Host {host!r} is not this server's address "
                                                  f"({', '.join(sorted(g.allowed_hosts))})", "Host"))(send)
        path = scope.get("path", "")
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if path == "/" and "token" in query:  # the printed link: set the cookie, drop the token from the URL
            if not hmac.compare_digest(query["token"][0], g.token):
                return await _send_json(401, _problem("wrong token; use the link `planner serve` printed", "token"))(send)
            cookie = f"{COOKIE}={g.token}; Path=/; HttpOnly; SameSite=Strict".encode()
            await send({"type": "http.response.start", "status": 303,
                        "headers": [(b"location", b"/"), (b"set-cookie", cookie), (b"content-length", b"0")]})
            return await send({"type": "http.response.body", "body": b""})
        bearer = headers.get(b"authorization", b"").decode("latin-1")
        by_header = bearer.startswith("Bearer ") and hmac.compare_digest(bearer[7:].strip(), g.token)
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get(b"cookie", b"").decode("latin-1"))
        except Exception:  # noqa: BLE001 - a malformed cookie header is no cookie
            cookie = SimpleCookie()
        by_cookie = COOKIE in cookie and hmac.compare_digest(cookie[COOKIE].value, g.token)
        if not (by_header or by_cookie):
            return await _send_json(401, _problem("missing or wrong session token: open the link `planner serve` "
                                                  "printed, or send Authorization: Bearer TOKEN", "Authorization"),
                                    [(b"www-authenticate", b"Bearer")])(send)
        if scope["method"] not in SAFE_METHODS and not by_header:
            csrf = headers.get(CSRF_HEADER, b"").decode("latin-1")
            if not hmac.compare_digest(csrf, g.csrf):
                return await _send_json(403, _problem("cross-site request refused: a change needs the page's "
                                                      "X-Planner-CSRF header", "X-Planner-CSRF"))(send)
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > g.max_body:
            return await _send_json(413, _problem(f"request body over {g.max_body:,} bytes", "body"))(send)
        seen = 0

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > g.max_body:
                    raise BodyTooLarge
            return message

        try:
            return await self.app(scope, limited_receive, send)
        except BodyTooLarge:
            return await _send_json(413, _problem(f"request body over {g.max_body:,} bytes", "body"))(send)


class BodyTooLarge(Exception):
    pass
