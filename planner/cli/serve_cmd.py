from __future__ import annotations

import click

from planner.cli.common import DEFAULT_SCENARIO, handle_errors


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False), required=False, default=None)
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="Port (0: any free port).")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind; loopback unless you say otherwise (the token is then all that protects it).",
)
@click.option("--no-browser", is_flag=True, help="Do not open the page in a browser.")
@handle_errors
def serve(scenario: str | None, port: int, host: str, no_browser: bool) -> None:
    """Open the planning workbench in the browser: what-ifs re-solved live, on a JSON API.

    Prints one line, `Partnership Planner at http://HOST:PORT/?token=TOKEN`, once the port
    accepts connections, and serves until Ctrl-C. Every request needs the token (the page keeps it in a cookie; API clients send
    `Authorization: Bearer TOKEN`); the API is described at /docs and /openapi.json.
    Files are read and written only inside the project folder (the folder holding models/).

    \b
    Examples:
      planner serve
      planner serve models/budget-cut-30.yaml --port 8765 --no-browser
    """
    import secrets
    import socket
    import sys
    import threading
    import webbrowser
    from pathlib import Path

    import uvicorn

    from planner.api import load_scenario
    from planner.inputs.read import project_root
    from planner.web.app import allowed_hosts, create_app

    path = Path(scenario or DEFAULT_SCENARIO)
    load_scenario(path)  # a bad scenario is reported now, as by every command, not in the page
    root = project_root(path)
    default = path.resolve().relative_to(root).as_posix()
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}; pick another --port") from None
    sock.listen(2048)  # connections queue from now on: the printed URL answers as soon as it is read
    port = sock.getsockname()[1]
    token = secrets.token_urlsafe(24)
    app = create_app(root, default, token=token, hosts=allowed_hosts(host, port))
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/?token={token}"
    click.echo(f"Partnership Planner at {url}")
    sys.stdout.flush()
    if host in ("0.0.0.0", "::"):
        click.echo(
            "warning: bound to every address; any Host header is accepted, the token is the only guard", err=True
        )
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    if not no_browser:
        threading.Timer(0.5, webbrowser.open, (url,)).start()
    server.run(sockets=[sock])
