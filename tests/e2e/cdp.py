"""A small Chrome DevTools Protocol client: start headless Chromium, drive one page, take screenshots.

No browser-downloading library: Debian's `chromium` is started with `--remote-debugging-port=0`, the port it
picked is read from `DevToolsActivePort` in its profile directory, and the page target is driven over its
WebSocket (https://chromedevtools.github.io/devtools-protocol/).

One Chromium serves a whole test session (`Browser`): each test gets a tab in a browser context of its own
(`Target.createBrowserContext`: cookies, storage and cache of its own, as a fresh profile has), so a test pays for a
new tab, not for starting a browser.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import time
from typing import TYPE_CHECKING, Any

from websockets.asyncio.client import ClientConnection, connect

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path
    from typing import IO

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-dev-shm-usage",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
    "--window-size=1280,900",
]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Page:
    """One browser tab: commands by id, events queued for `wait_for`."""

    def __init__(self, socket: ClientConnection) -> None:
        self._socket = socket
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.errors: list[str] = []  # uncaught exceptions and console/CSP errors, for tests to assert on
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self._socket:
            message = json.loads(raw)
            if "id" in message:
                future = self._pending.pop(message["id"], None)
                if future is not None and not future.done():
                    future.set_result(message)
                continue
            method = message.get("method")
            if method == "Runtime.exceptionThrown":
                self.errors.append(message["params"]["exceptionDetails"].get("text", "exception"))
            elif method == "Log.entryAdded" and message["params"]["entry"]["level"] == "error":
                self.errors.append(message["params"]["entry"]["text"])
            self._events.put_nowait(message)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        command_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[command_id] = future
        await self._socket.send(json.dumps({"id": command_id, "method": method, "params": params}))
        answer = await asyncio.wait_for(future, timeout=30)
        if "error" in answer:
            raise RuntimeError(f"{method} failed: {answer['error']}")
        result: dict[str, Any] = answer.get("result", {})
        return result

    async def wait_for(self, method: str, within: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + within
        while True:
            event = await asyncio.wait_for(self._events.get(), timeout=max(0.01, deadline - time.monotonic()))
            if event.get("method") == method:
                return event

    def _drain(self) -> None:
        while not self._events.empty():
            self._events.get_nowait()

    async def goto(self, url: str) -> None:
        self._drain()
        await self.send("Page.navigate", url=url)
        await self.wait_for("Page.loadEventFired")

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression!r} threw: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def submit(self, selector: str) -> None:
        """Click `selector` (a submit button) and wait for the page it leads to."""
        self._drain()
        await self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")
        await self.wait_for("Page.loadEventFired")

    async def set_files(self, selector: str, paths: list[Path]) -> None:
        document = await self.send("DOM.getDocument")
        node = await self.send("DOM.querySelector", nodeId=document["root"]["nodeId"], selector=selector)
        await self.send("DOM.setFileInputFiles", nodeId=node["nodeId"], files=[str(p) for p in paths])

    async def viewport(self, width: int, height: int, *, mobile: bool = False, scale: float = 1) -> None:
        await self.send(
            "Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=scale, mobile=mobile
        )

    async def screenshot(self, path: Path) -> Path:
        """A PNG of the whole page, not just the viewport."""
        metrics = await self.send("Page.getLayoutMetrics")
        size = metrics["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        shot = await self.send("Page.captureScreenshot", format="png", clip=clip, captureBeyondViewport=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        await self._socket.close()


def _devtools_endpoint(profile: Path, process: subprocess.Popen[bytes], timeout: float = 30) -> tuple[int, str]:
    """The DevTools port and the browser target's WebSocket path, as Chromium writes them in its profile."""
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = marker.read_text().splitlines() if marker.exists() else []
        if len(lines) >= 2:  # the port, then the browser target's path
            return int(lines[0]), lines[1]
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited with status {process.returncode}")
        time.sleep(0.05)
    raise RuntimeError("chromium did not open its DevTools port")


def _start_chromium(chromium: str, profile: Path, log: IO[bytes]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop_chromium(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


class Browser:
    """One headless Chromium for many tests; `new_page` opens a tab in a browser context of its own."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, browser_path: str) -> None:
        self.process = process
        self.port = port
        self.browser_url = f"ws://127.0.0.1:{port}{browser_path}"

    @classmethod
    def start(cls, chromium: str, profile: Path, log: IO[bytes]) -> Browser:
        """Start Chromium in its own session (blocking: call it from a thread or a sync fixture)."""
        process = _start_chromium(chromium, profile, log)
        try:
            port, path = _devtools_endpoint(profile, process)
        except BaseException:
            _stop_chromium(process)
            raise
        return cls(process, port, path)

    def stop(self) -> None:
        _stop_chromium(self.process)

    @contextlib.asynccontextmanager
    async def new_page(self, width: int = 1280, height: int = 900) -> AsyncIterator[Page]:
        """A tab in a new browser context (no cookies, storage or cache shared with any other tab), closed with its
        context afterwards. Its own connection, on the running event loop."""
        if self.process.poll() is not None:
            raise RuntimeError(f"chromium exited with status {self.process.returncode}")
        control = Page(await connect(self.browser_url, max_size=None))
        try:
            context = (await control.send("Target.createBrowserContext", disposeOnDetach=True))["browserContextId"]
            try:
                target = await control.send(
                    "Target.createTarget", url="about:blank", browserContextId=context, width=width, height=height
                )
                socket = await connect(f"ws://127.0.0.1:{self.port}/devtools/page/{target['targetId']}", max_size=None)
                page = Page(socket)
                try:
                    for domain in ("Page", "Runtime", "Log", "DOM"):
                        await page.send(f"{domain}.enable")
                    yield page
                finally:
                    await page.close()
            finally:
                with contextlib.suppress(RuntimeError, OSError, TimeoutError):
                    await control.send("Target.disposeBrowserContext", browserContextId=context)
        finally:
            await control.close()
