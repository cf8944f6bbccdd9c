"""The guard in front of every request (a plain ASGI middleware).

1. Host: the `Host` header must name the bound address (DNS-rebinding defence) → 400.
2. Token: `Authorization: Bearer TOKEN`, or the `planner_token` cookie the page gets when it
   is opened with `/?token=TOKEN` (then redirected to `/`, so the token leaves the address
   bar) → 401 otherwise.
3. CSRF: a state-changing request (POST, PUT, PATCH, DELETE) authenticated by the cookie
   must also carry `X-Planner-CSRF` with the value the page was served; a custom header
   cannot be sent cross-site without a CORS preflight, which this app never grants → 403.
4. Body size: more than `max_body` bytes → 413, whether announced or streamed (chunked): the
   body is read here, whole, before the app sees it; JSON that Python cannot read as numbers
   (an integer of more than 4,300 digits, nesting too deep) → 422.

Every response, the guard's own included, carries SECURITY_HEADERS (the Content-Security-Policy
of the HTML report: nothing from the network, no inline script). Header, cookie and query
values are compared as bytes, so a non-ASCII value is a wrong value (401/403), not an error.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from planner.io.numbers import json_text

Responder = Callable[[Send], Awaitable[None]]  # sends one whole response

# As the HTML report's: nothing from the network, no inline script.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
    "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
)
COOKIE = "planner_token"
CSRF_HEADER = b"x-planner-csrf"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Guard:
    token: str
    csrf: str
    allowed_hosts: frozenset[str] | None  # None: any Host (bound to a wildcard address)
    max_body: int


def _send_json(status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]] | None = None) -> Responder:
    data = json_text(body, indent=None).encode()

    async def send_it(send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(data)).encode()),
                    *(headers or []),
                ],
            }
        )
        await send({"type": "http.response.body", "body": data})

    return send_it


def _same(given: str, secret: str) -> bool:
    """Constant-time equality of a value from the request and a secret, any characters allowed."""
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), secret.encode("utf-8"))


def _with_headers(send: Send) -> Send:
    """`send` adding SECURITY_HEADERS (where the response did not set them) to every response."""

    async def send_secure(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {k.lower() for k, _ in message.get("headers", [])}
            message = {
                **message,
                "headers": [*message.get("headers", []), *((k, v) for k, v in SECURITY_HEADERS if k not in present)],
            }
        await send(message)

    return send_secure


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None once it passes `limit` bytes (announced or not)."""
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            return bytes(body)
        body += message.get("body", b"")
        if len(body) > limit:
            return None
        if not message.get("more_body", False):
            return bytes(body)


def _unreadable_json(body: bytes, content_type: bytes) -> str | None:
    """Why Python cannot read this JSON body (a number too long, nesting too deep), or None:
    syntax errors are left to the app, which names the place."""
    if not body or b"json" not in content_type.lower():
        return None
    try:
        json.loads(body)
    except json.JSONDecodeError:
        return None
    except (ValueError, RecursionError) as exc:
        return f"the JSON body cannot be read: {exc}"
    return None


def _problem(message: str, key: str = "request") -> dict[str, Any]:
    return {
        "problems": [{"file": "request", "key": key, "row": None, "column": None, "value": None, "message": message}]
    }


class GuardMiddleware:
    def __init__(self, app: ASGIApp, guard: Guard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        send = _with_headers(send)
        refusal = self._refusal(scope)
        if refusal is not None:
            return await refusal(send)
        g = self.guard
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        path = scope.get("path", "")
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if path == "/" and "token" in query:  # the printed link: set the cookie, drop the token from the URL
            cookie = f"{COOKIE}={g.token}; Path=/; HttpOnly; SameSite=Strict".encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 303,
                    "headers": [(b"location", b"/"), (b"set-cookie", cookie), (b"content-length", b"0")],
                }
            )
            return await send({"type": "http.response.body", "body": b""})
        declared = headers.get(b"content-length")
        too_large = _send_json(413, _problem(f"request body over {g.max_body:,} bytes", "body"))
        if declared is not None and declared.isdigit() and int(declared) > g.max_body:
            return await too_large(send)
        body = await _read_body(receive, g.max_body)
        if body is None:
            return await too_large(send)
        unreadable = _unreadable_json(body, headers.get(b"content-type", b""))
        if unreadable:
            return await _send_json(422, _problem(unreadable, "body"))(send)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the client to go away

        return await self.app(scope, replay, send)

    def _refusal(self, scope: Scope) -> Responder | None:
        """The response refusing this request (wrong Host, token or CSRF value), or None."""
        g = self.guard
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        host = headers.get(b"host", b"").decode("latin-1").lower()
        if g.allowed_hosts is not None and host not in g.allowed_hosts:
            return _send_json(
                400,
                _problem(f"Host {host!r} is not this server's address ({', '.join(sorted(g.allowed_hosts))})", "Host"),
            )
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if scope.get("path", "") == "/" and "token" in query:
            if not _same(query["token"][0], g.token):
                return _send_json(401, _problem("wrong token; use the link `planner serve` printed", "token"))
            return None
        bearer = headers.get(b"authorization", b"").decode("latin-1")
        by_header = bearer.startswith("Bearer ") and _same(bearer[7:].strip(), g.token)
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get(b"cookie", b"").decode("latin-1"))
        except Exception:  # noqa: BLE001 - a malformed cookie header is no cookie
            cookie = SimpleCookie()
        by_cookie = COOKIE in cookie and _same(cookie[COOKIE].value, g.token)
        if not (by_header or by_cookie):
            return _send_json(
                401,
                _problem(
                    "missing or wrong session token: open the link `planner serve` "
                    "printed, or send Authorization: Bearer TOKEN",
                    "Authorization",
                ),
                [(b"www-authenticate", b"Bearer")],
            )
        if scope["method"] not in SAFE_METHODS and not by_header:
            if not _same(headers.get(CSRF_HEADER, b"").decode("latin-1"), g.csrf):
                return _send_json(
                    403,
                    _problem(
                        "cross-site request refused: a change needs the page's X-Planner-CSRF header", "X-Planner-CSRF"
                    ),
                )
        return None
