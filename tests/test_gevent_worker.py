"""The websocket worker of a prefork server starts and serves.

A server run with ``--workers N`` spawns ``odoo gevent`` for the bus (live
SLA badges, the queue, breach toasts). It is a process of its own, started
from the same virtualenv: when it cannot start, the master spawns it again
and again, and live updates never arrive, while every HTTP page still works.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ODOO_BIN = str(Path(sys.executable).with_name("odoo"))


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gevent_worker_serves():
    conf = os.environ.get("ODOO_RC")
    if not conf or not Path(conf).exists():
        pytest.fail("ODOO_RC must name the Odoo config written by scripts/test.sh")
    port = _free_port()
    worker = subprocess.Popen(
        [
            ODOO_BIN,
            "gevent",
            "-c",
            conf,
            "--gevent-port",
            str(port),
            "--http-interface",
            "127.0.0.1",
            "--logfile",
            "/dev/null",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and worker.poll() is None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/web/health", timeout=5
                ) as response:
                    status = response.status
                    break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        if worker.poll() is not None:
            output = worker.stdout.read()
            pytest.fail(
                f"odoo gevent exited with {worker.returncode}:\n{output[-3000:]}"
            )
        assert status == 200
    finally:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
