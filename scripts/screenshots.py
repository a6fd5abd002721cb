"""Screenshots of Odoo pages for the docs, through Chromium's DevTools
protocol, logged in as admin on a running `make run` server.

Usage: .venv/bin/python scripts/screenshots.py http://localhost:8069 sla_demo \
           /odoo/sla-realtime=docs/queue.png ...

SLA_SHOT_LOGIN / SLA_SHOT_PASSWORD log in as another user (a portal
customer); SLA_SHOT_PHONE=1 takes them at a phone's size.
"""

import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket

base, db, outputs = sys.argv[1], sys.argv[2], sys.argv[3:]
# log in
req = urllib.request.Request(
    base + "/web/session/authenticate",
    data=json.dumps(
        {
            "jsonrpc": "2.0",
            "params": {
                "db": db,
                "login": os.environ.get("SLA_SHOT_LOGIN", "admin"),
                "password": os.environ.get("SLA_SHOT_PASSWORD", "admin"),
            },
        }
    ).encode(),
    headers={"Content-Type": "application/json"},
)
resp = urllib.request.urlopen(req)
cookie = next(
    c for c in resp.headers.get_all("Set-Cookie") if c.startswith("session_id=")
)
sid = cookie.split(";")[0].split("=", 1)[1]
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
proc = subprocess.Popen(
    [
        "chromium",
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        f"--remote-debugging-port={port}",
        "--window-size=1600,1000",
        f"--user-data-dir={tempfile.mkdtemp()}",
        "about:blank",
    ],
    stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL,
)
try:
    for _ in range(50):
        try:
            tabs = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json"))
            page = next(t for t in tabs if t["type"] == "page")
            break
        except Exception:
            time.sleep(0.2)
    ws = websocket.create_connection(page["webSocketDebuggerUrl"], suppress_origin=True)
    n = [0]

    def call(method, **params):
        n[0] += 1
        ws.send(json.dumps({"id": n[0], "method": method, "params": params}))
        while True:
            msg = json.loads(ws.recv())
            if msg.get("id") == n[0]:
                return msg.get("result")

    call("Network.enable")
    host = base.split("//")[1].split(":")[0]
    call("Network.setCookie", name="session_id", value=sid, domain=host, path="/")
    phone = bool(os.environ.get("SLA_SHOT_PHONE"))
    call(
        "Emulation.setDeviceMetricsOverride",
        width=390 if phone else 1600,
        height=844 if phone else 1000,
        deviceScaleFactor=2 if phone else 1,
        mobile=phone,
    )
    call("Emulation.setTimezoneOverride", timezoneId="Europe/Brussels")
    for item in outputs:
        path, out = item.rsplit("=", 1)
        call("Page.navigate", url=base + path)
        time.sleep(7)
        data = call("Page.captureScreenshot", format="png")["data"]
        open(out, "wb").write(base64.b64decode(data))
        print("saved", out)
finally:
    proc.terminate()
