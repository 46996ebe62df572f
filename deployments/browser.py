"""Debian's headless Chromium on the Prefect UI: a page as a PNG, a run form submitted as a person would."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from websockets.sync.client import connect
from websockets.sync.connection import Connection

FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
CLICK_SUBMIT = """(() => {
  const button = [...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'Submit');
  if (!button) return false;
  button.click();
  return true;
})()"""


def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        raise SystemExit("chromium is not installed: apt-get install -y chromium (Debian's package)")
    return found


def shoot(path: Path, url: str, height: int = 900) -> None:
    """`url` as a 1400-wide PNG; the UI gets 30 s of virtual time to fetch and draw."""
    command = [chromium(), *FLAGS, "--virtual-time-budget=30000", "--run-all-compositor-stages-before-draw",
               f"--window-size=1400,{height}", f"--screenshot={path}", url]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def submit_form(url: str, port: int = 9333) -> str:
    """Open a run form (`.../run?parameters=...`), press Submit; returns the page the UI went to after."""
    with tempfile.TemporaryDirectory() as profile:
        command = [chromium(), *FLAGS, f"--remote-debugging-port={port}", f"--user-data-dir={profile}",
                   "--window-size=1400,1100", "about:blank"]  # fmt: skip
        browser = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            with connect(_page_socket(port), max_size=None) as page:
                ids = itertools.count(1)
                _call(page, ids, "Page.navigate", url=url)
                time.sleep(8)  # the form loads the deployment and its schema
                if not _value(
                    _call(page, ids, "Runtime.evaluate", expression=CLICK_SUBMIT, returnByValue=True)
                ):
                    raise SystemExit(f"no Submit button on {url}")
                time.sleep(4)
                return str(_value(_call(page, ids, "Runtime.evaluate", expression="location.href")))
        finally:
            browser.terminate()
            browser.wait()


def _page_socket(port: int) -> str:
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json") as answer:
                tabs = json.load(answer)
            return str(next(t for t in tabs if t["type"] == "page")["webSocketDebuggerUrl"])
        except (OSError, StopIteration):
            time.sleep(0.2)
    raise SystemExit("chromium's debugging port did not open")


def _call(page: Connection, ids: itertools.count[int], method: str, **params: Any) -> dict[str, Any]:
    number = next(ids)
    page.send(json.dumps({"id": number, "method": method, "params": params}))
    while True:
        message: dict[str, Any] = json.loads(page.recv())
        if message.get("id") == number:
            return message


def _value(message: dict[str, Any]) -> Any:
    return message.get("result", {}).get("result", {}).get("value")
