"""Helpers for tests that start real processes: Python subprocesses, and ports for Ray nodes."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
TINY_CLI = TESTS / "tiny_cli.py"


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


_handed_out: set[int] = set()  # free until their servers start, so only this record keeps them apart


def free_port() -> int:
    """A free port below the kernel's ephemeral range, never one this process handed out before.

    Binding to port 0 and closing would hand on a port the kernel may give the very next
    outgoing connection (Ray opens many); a port below that range is only ever taken on purpose.
    """
    low, _ = _ephemeral_range()
    while True:
        port = random.randint(max(1024, low - 12000), low - 1)
        if port in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for a subprocess: this one's, with the tests folder importable."""
    path = os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH", "")]))
    return {**os.environ, "PYTHONPATH": path, **extra}


def run_python(code: str, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter that can import the tiny task."""
    return subprocess.run(
        [sys.executable, "-c", code], env=subprocess_env(), capture_output=True, text=True, timeout=timeout
    )
