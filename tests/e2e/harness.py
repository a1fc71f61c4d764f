"""The journey harness: a real ``streamlit run app.py`` and Debian's Chromium driven by Playwright.

A journey does what a planner does and asserts what a planner sees. This module holds the parts every
journey shares, so a journey module reads like the planner's steps:

- :func:`serve_app` starts the app on a free loopback port with its own workspace (and any extra
  environment, e.g. a PostGIS URL or a users file), waits on ``/_stcore/health`` and always kills it.
- :class:`Planner` wraps one Playwright page in its own browser context (its own cookies and session),
  offline (every request to a host other than the app's is aborted and recorded), at a chosen viewport:
  ``open(path)``, ``idle()``, ``map()`` (the Leaflet frame), ``click_map(lat, lon)`` (a click on the map
  at a geographic position, as a planner clicks inside the district), ``download(button)`` (the file a
  download button gives, saved to disk for the journey to open), ``upload(label, file)`` (through the
  page's own uploader), ``check_page()`` (no exception element, no traceback, no script error, no
  visible English UI word).
- On failure the journey's screenshot and the server log's tail land in ``$RENEWAL_E2E_ARTIFACTS`` (default
  ``test-artifacts/e2e/``) and in the failure message.

Journeys are marked ``browser``: skipped only where no Chromium is installed, a failure in CI
(``RENEWAL_REQUIRE_BROWSER=1``, set by ``.ci/run``).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
APP_HOSTS = {"127.0.0.1", "localhost"}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
#: Give-up limits (not assertions about speed): a cold start on a slow, loaded 2-core machine.
SERVER_START_LIMIT_S = 180
PAGE_LIMIT_MS = 120_000
MAP_IFRAME = 'iframe[src*="streamlit_folium"]'
#: 汇报模式's presentation (layers/presentation.py), embedded in the page's main area (the sidebar may hold
#: another frame: the sign-in cookie's); its slides' maps are frames inside it.
PRESENTATION_IFRAME = '[data-testid="stMain"] iframe[data-testid="stIFrame"]'
#: The two screens a planner works at (office monitor, laptop / meeting-room projector).
WIDE = {"width": 1920, "height": 1080}
LAPTOP = {"width": 1366, "height": 768}

#: English UI words and raw codes a planner must never see on a page (whole words, case-sensitive where a
#: code's case matters). Streamlit's own widget texts, our field and status codes, CRS names in English.
ENGLISH_UI_WORDS = (
    "Select all",
    "Upload",
    "Browse files",
    "Drag and drop",
    "per file",
    "Choose an option",
    "No options",
    "empty",
    "files are not allowed",
    "Error",
    "Traceback",
    "Exception",
    "site_type",
    "site_id",
    "location_confidence",
    "precision",
    "planned",
    "approximate",
    "schematic",
    "placeholder",
    "Amap",
    "Tencent",
    "None",
    "nan",
    "NaN",
    "undefined",
    "null",
    "Download",
    "Running",
    "Loading",
)

ARTIFACTS = Path(os.environ.get("RENEWAL_E2E_ARTIFACTS", ROOT / "test-artifacts" / "e2e"))
#: ``sitecustomize`` hooks a journey's server can load (faults, stretched work): see :func:`fault_env`.
FAULTS = Path(__file__).resolve().parent / "faults"


def fault_env(**extra: str) -> dict:
    """A server environment that loads the fault hooks of :data:`FAULTS`, with ``extra`` variables."""
    path = os.pathsep.join(p for p in (str(FAULTS), str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return {"PYTHONPATH": path, **extra}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_tail(path: Path, chars: int = 6000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return ""


def is_app_url(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("data", "blob", "about") or parsed.hostname in APP_HOSTS


def is_local_file_url(url: str) -> bool:
    """Requests a file opened from disk may make: its own file and inline data."""
    return urlparse(url).scheme in ("file", "data", "blob", "about")


def _wait_healthy(proc: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_LIMIT_S
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200 and resp.read().strip() == b"ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"streamlit did not become healthy at {url}:\n{log_tail(log)}")
        try:  # a wait on the process: it ends at once if the server dies
            proc.wait(timeout=0.25)
        except subprocess.TimeoutExpired:
            continue
        raise AssertionError(f"streamlit exited with code {proc.returncode}:\n{log_tail(log)}")


def _kill_group(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)
    except ProcessLookupError:
        pass


@dataclass(frozen=True)
class App:
    """A running app: its base URL (ending in /), its server log and its workspace folder."""

    url: str
    log: Path
    workspace: Path
    env: dict = field(default_factory=dict)
    pid: int = 0  # the server process (benchmarks read its CPU time from /proc)


@contextmanager
def serve_app(
    tmp: Path, env: dict | None = None, workspace: Path | None = None, script: str = "app.py"
) -> Iterator[App]:
    """``streamlit run app.py`` on a free loopback port (own process group, always killed).

    ``workspace`` defaults to an empty ``tmp/workspace``; ``env`` adds environment variables
    (``RENEWAL_DATABASE_URL``, ``RENEWAL_USERS_FILE`` …); ``script`` is another page to serve instead
    (a path relative to the project, e.g. the benchmarks' bare floor page)."""
    tmp.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = tmp / "streamlit.log"
    ws = workspace or tmp / "workspace"
    ws.mkdir(parents=True, exist_ok=True)
    extra = dict(env or {})
    full_env = {**os.environ, "RENEWAL_WORKSPACE": str(ws), "PYTHONUNBUFFERED": "1", **extra}
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        script,
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        _wait_healthy(proc, f"http://127.0.0.1:{port}/_stcore/health", log)
        yield App(f"http://127.0.0.1:{port}/", log, ws, extra, proc.pid)
    finally:
        _kill_group(proc)


def english_words_in(text: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """The English UI words of :data:`ENGLISH_UI_WORDS` that ``text`` shows (whole words only)."""
    found = []
    for word in ENGLISH_UI_WORDS:
        if word in allowed:
            continue
        if re.search(rf"(?<![A-Za-z_]){re.escape(word)}(?![A-Za-z_])", text):
            found.append(word)
    return found


#: A position's pixel in a map frame: evaluated in the frame with [lat, lon] (display coordinates).
POINT_JS = """([lat, lon]) => {
  const el = document.querySelector('.leaflet-container');
  const map = Object.values(window).find(v => v && v._container === el && v.latLngToContainerPoint);
  const p = map.latLngToContainerPoint([lat, lon]);
  return [p.x, p.y];
}"""


class Planner:
    """One planner's browser tab: an offline Playwright page on the app, with the journey's records."""

    def __init__(self, context, app: App | None, name: str = "planner"):
        self.context = context
        self.app = app
        self.name = name
        self.page = context.new_page()
        self.page.set_default_timeout(PAGE_LIMIT_MS)
        self.errors: list[str] = []
        self.blocked: list[str] = []
        self.failed: list[str] = []
        #: what the page sent the server, in order: each BackMsg's kind (``rerun_script``,
        #: ``backend_operation_request`` …), read from the page's websocket frames
        self.sent: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("websocket", self._watch_socket)
        context.on("requestfailed", lambda req: self.failed.append(f"{req.url} ({req.failure})"))

    def _watch_socket(self, ws) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        def sent(payload) -> None:
            if isinstance(payload, bytes):
                self.sent.append(BackMsg.FromString(payload).WhichOneof("type") or "")

        ws.on("framesent", sent)

    # --- navigation -------------------------------------------------------------------------
    def open(self, path: str = "") -> Planner:
        """Open a page of the app (``""`` is 总体布局, ``"sites?site=RS-035"`` a deep link) and wait
        until its script has run."""
        assert self.app is not None, "this planner has no app"
        self.page.goto(self.app.url + path.lstrip("/"), wait_until="domcontentloaded")
        self.idle()
        return self

    def idle(self, settle_ms: int = 300) -> None:
        """Wait until the page's script has finished running (and a rerun it started, too)."""
        locator = self.page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
        locator.wait_for(timeout=PAGE_LIMIT_MS)
        self.page.wait_for_timeout(settle_ms)
        locator.wait_for(timeout=PAGE_LIMIT_MS)

    def main_text(self) -> str:
        return self.page.locator('[data-testid="stMain"]').inner_text()

    def tab(self, label: str) -> None:
        """Click the tab ``label`` (a page draws only its open tab: the click reruns the part of the page it
        is in) and wait until it is selected and the page is idle."""
        tab = self.page.get_by_role("tab", name=label, exact=True).first
        tab.scroll_into_view_if_needed()
        tab.click()
        self.page.get_by_role("tab", name=label, exact=True, selected=True).first.wait_for()
        self.idle()

    def visible_text(self) -> str:
        """Everything the planner can read: the page and the sidebar (not the maps' frames)."""
        return self.page.locator("body").inner_text()

    def sign_in(self, name: str, password: str) -> None:
        """Sign in on the page's form and wait until the sidebar names the person."""
        self.page.get_by_label("用户名").fill(name)
        self.page.get_by_label("密码").fill(password)
        self.page.get_by_role("button", name="登录").click()
        self.page.get_by_text(f"当前用户：{name}").wait_for()
        self.idle()

    # --- maps -------------------------------------------------------------------------------
    def map(self, index: int = 0):
        """The Leaflet map's frame (the ``index``-th map on the page), once its layer control is drawn."""
        frame = self.page.frame_locator(MAP_IFRAME).nth(index)
        frame.locator(".leaflet-container").wait_for(state="visible")
        return frame

    def map_frame(self, index: int = 0):
        """The ``index``-th map as a Playwright Frame (for evaluating script inside it)."""
        handle = self.page.locator(MAP_IFRAME).nth(index).element_handle()
        return handle.content_frame()

    def map_point(self, lat: float, lon: float, index: int = 0) -> tuple[float, float]:
        """Page coordinates of a geographic position on the ``index``-th map (scrolled into view)."""
        iframe = self.page.locator(MAP_IFRAME).nth(index)
        iframe.scroll_into_view_if_needed()
        frame = self.map_frame(index)
        xy = frame.evaluate(POINT_JS, [lat, lon])
        box = iframe.bounding_box()
        return box["x"] + xy[0], box["y"] + xy[1]

    def click_map(self, lat: float, lon: float, index: int = 0) -> None:
        """Click the map where a planner would click at this position (a real mouse click)."""
        x, y = self.map_point(lat, lon, index)
        self.page.mouse.click(x, y)

    # --- files ------------------------------------------------------------------------------
    def download(self, button_label: str, folder: Path, exact: bool = False) -> Path:
        """Click a download button by its label; the file it gives, saved in ``folder``."""
        self.idle()
        button = self.page.get_by_role("button", name=button_label, exact=exact).first
        button.scroll_into_view_if_needed()
        with self.page.expect_download(timeout=PAGE_LIMIT_MS) as info:
            button.click()
            # A rerun that started between drawing the button and the click drops the run's deferred
            # file ("Deferred file … not found"): the button is ready again and nothing comes, so the
            # planner clicks again. A file still being built keeps the button busy: then only wait.
            for _ in range(PAGE_LIMIT_MS // 2000):
                self.page.wait_for_timeout(2000)
                if info.is_done():
                    break
                if button.is_enabled() and button.get_attribute("disabled") is None:
                    self.page.wait_for_timeout(3000)
                    if not info.is_done() and button.is_enabled():
                        button.click()
        dl = info.value
        target = folder / dl.suggested_filename
        dl.save_as(target)
        return target

    def upload(self, files: Path | list[Path], within=None) -> None:
        """Give files to the page's own uploader (the first, or the one inside ``within``)."""
        scope = within if within is not None else self.page
        scope.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(
            [str(f) for f in files] if isinstance(files, list) else str(files)
        )
        self.idle()

    # --- what a planner must never see --------------------------------------------------------
    def exceptions(self) -> list[str]:
        return [e.inner_text() for e in self.page.locator('[data-testid="stException"]').all()]

    def check_page(self, allowed_english: tuple[str, ...] = ()) -> None:
        """No exception element, no traceback text, no script error, no English UI word on screen."""
        assert not self.exceptions(), f"exception on the page: {self.exceptions()}"
        text = self.visible_text()
        assert "Traceback" not in text, text[:2000]
        assert not self.errors, f"script errors: {self.errors}"
        words = english_words_in(text, allowed_english)
        assert not words, f"English on the page: {words}\n{text[:3000]}"
        values = "\n".join(
            self.page.locator("input[type=text]:visible, textarea:visible").evaluate_all(
                "els => els.map(e => e.value)"
            )
        )  # what the page prefills (e.g. 导入人) is read too
        words = english_words_in(values, allowed_english) + [
            w for w in ("root", "web-", "ws:") if w in values
        ]
        assert not words, f"English in the page's fields: {words}\n{values[:2000]}"

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=False)
        return path


@contextmanager
def browser(chromium_path: str):
    """One headless Chromium (Debian's) for a module's journeys."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@contextmanager
def planner(
    chromium, app: App | None, name: str, viewport: dict | None = None, allow=is_app_url
) -> Iterator[Planner]:
    """A planner in a fresh browser context (own cookies), offline, accepting downloads.

    On failure the screenshot and the server log's tail go to :data:`ARTIFACTS` and into the message."""
    context = chromium.new_context(
        viewport=viewport or WIDE, service_workers="block", accept_downloads=True, locale="zh-CN"
    )
    who = Planner(context, app, name)

    def route(r):
        if allow(r.request.url):
            r.continue_()
        else:
            who.blocked.append(r.request.url)
            r.abort("internetdisconnected")

    context.route("**/*", route)
    try:
        yield who
    except BaseException as exc:
        safe = re.sub(r"[^\w.-]+", "_", name)
        notes = []
        try:
            notes.append(f"screenshot: {who.screenshot(safe + '-failure')}")
        except Exception as shot_exc:  # noqa: BLE001 - the original failure matters more
            notes.append(f"(no screenshot: {shot_exc})")
        if app is not None:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            tail = log_tail(app.log, 20000)
            (ARTIFACTS / f"{safe}-server.log").write_text(tail, encoding="utf-8")
            notes.append(f"server log (tail):\n{tail[-4000:]}")
        notes.append(f"script errors: {who.errors}\nfailed requests: {who.failed[:20]}")
        raise AssertionError(f"{exc}\n" + "\n".join(notes)) from exc
    finally:
        context.close()
