"""Helpers for the `planner serve` tests: a copy of the project, the app, a live server."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TOKEN = "test-token"
LINE = re.compile(r"^Partnership Planner at (http://127\.0\.0\.1:(\d+)/\?token=(\S+))$")


def copy_project(dest: Path) -> Path:
    """models/ and inputs/ copied, so saves land in the test's folder, not the repository."""
    for name in ("models", "inputs"):
        shutil.copytree(REPO / name, dest / name)
    return dest


def client(root: Path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from planner.web.app import create_app

    app = create_app(root, token=TOKEN)
    return TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"}), app


class Server:
    """`planner serve --no-browser` in `root`, as a user starts it; stopped with Ctrl-C (SIGINT)."""

    def __init__(self, root: Path):
        env = dict(os.environ, PYTHONPATH=str(REPO))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "planner", "serve", "--no-browser"],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.line = self.proc.stdout.readline().rstrip("\n")
        m = LINE.match(self.line)
        if not m:
            self.proc.kill()
            raise AssertionError(f"unexpected first line {self.line!r}: {self.proc.stderr.read()}")
        self.url, self.port, self.token = m.group(1), int(m.group(2)), m.group(3)
        self.base = f"http://127.0.0.1:{self.port}"

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
