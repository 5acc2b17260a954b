"""Processes and helpers for the end-to-end tests: the fake provider, tauri-driver + the app,
the D-Bus notification monitor. Every process started here is stopped by its owner (fixtures
and `finally` blocks); nothing waits by sleeping: waits poll a real condition."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Callable

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.client_config import ClientConfig
from selenium.webdriver.remote.remote_connection import RemoteConnection
from selenium.webdriver.support.ui import WebDriverWait

REPO = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/deckmedia/target"))
APP = Path(os.environ.get("DECKMEDIA_E2E_APP", TARGET / "debug/deckmedia-app")).resolve()
FAKE = Path(os.environ.get("DECKMEDIA_E2E_FAKE", TARGET / "debug/fake-provider")).resolve()
ARTIFACTS = Path(os.environ.get("DECKMEDIA_E2E_ARTIFACTS", REPO / ".ci/artifacts/e2e"))
TAURI_DRIVER = os.environ.get("TAURI_DRIVER") or shutil.which("tauri-driver") or str(REPO / ".ci/tools/bin/tauri-driver")


def wait_until(what: str, condition: Callable[[], object], timeout: float = 30.0, interval: float = 0.1):
    """Polls `condition` until it returns something truthy; returns it, or fails naming `what`."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = condition()
            if value:
                return value
        except Exception as e:  # noqa: BLE001 - reported below if it never succeeds
            last_error = e
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}" + (f" (last error: {last_error!r})" if last_error else ""))
        time.sleep(interval)  # a poll interval, not a synchronisation


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen | None, timeout: float = 5.0) -> None:
    """Terminates a process we started (by its pid), then kills it if it lingers."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)


class FakeProvider:
    """src-tauri/testkit/src/bin/fake-provider.rs as a child process; stdin commands change it."""

    def __init__(self, latency_ms: int, log: Path):
        self.log = open(log, "w")
        self.proc = subprocess.Popen(
            [str(FAKE), "--latency-ms", str(latency_ms)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True, bufsize=1,
        )
        line = self.proc.stdout.readline().strip()  # the first line: the base URL, once it listens
        if not line.startswith("http://127.0.0.1:"):
            self.close()
            raise RuntimeError(f"fake-provider did not start (first line {line!r}); see {log}")
        self.base_url = line

    def command(self, line: str) -> str:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        if answer.startswith("error"):
            raise RuntimeError(f"fake-provider: {answer}")
        return answer

    def stats(self) -> dict:
        return json.loads(self.command("stats"))

    def close(self) -> None:
        if self.proc.stdin:
            try:
                self.proc.stdin.close()  # the fake exits when its stdin closes
            except OSError:
                pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            stop(self.proc)
        self.log.close()


class NotificationMonitor:
    """`dbus-monitor` on the session bus, watching org.freedesktop.Notifications calls."""

    def __init__(self, log: Path):
        if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            raise RuntimeError("no session bus: run the tests inside dbus-run-session (see .ci/e2e)")
        self.path = log
        self.file = open(log, "w")
        self.proc = subprocess.Popen(
            ["dbus-monitor", "--session", "interface='org.freedesktop.Notifications'"],
            stdout=self.file, stderr=subprocess.STDOUT,
        )
        # Connected once it has printed its own NameAcquired signal.
        wait_until("dbus-monitor to connect", lambda: "NameAcquired" in self.text(), timeout=10)

    def text(self) -> str:
        return self.path.read_text(errors="replace")

    def notifications(self) -> list[list[str]]:
        """The string arguments of every Notify call so far: [app, icon, summary, body, …]."""
        calls = re.split(r"\n(?=method call )", self.text())
        out = []
        for call in calls:
            if "member=Notify" in call.split("\n", 1)[0]:
                out.append(re.findall(r'^\s*string "(.*)"$', call, re.M))
        return out

    def wait_for(self, what: str, match: Callable[[list[str]], bool], timeout: float) -> list[str]:
        def found():
            return next((n for n in self.notifications() if match(n)), None)

        return wait_until(f"a notification: {what}", found, timeout=timeout)

    def close(self) -> None:
        stop(self.proc)
        self.file.close()


TRAY_MENU_PATH = "/org/ayatana/NotificationItem/tray_icon_tray_app_main/Menu"


def _dbus(*args: str) -> str:
    """One D-Bus call; its printed reply, or "" (error, or no reply within 3 s: some of the
    app's connections never answer calls)."""
    try:
        return subprocess.run(["dbus-send", "--session", "--print-reply", "--reply-timeout=3000", *args],
                              capture_output=True, text=True, timeout=10).stdout
    except subprocess.TimeoutExpired:
        return ""


_tray_owner: dict[int, str] = {}


def tray_menu_labels(pid: int) -> list[str]:
    """The labels of the tray menu that process `pid` exports on the session bus
    (libayatana-appindicator's com.canonical.dbusmenu), in menu order; [] if none."""
    names = re.findall(r'string "(:[0-9.]+)"', _dbus("--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames"))
    # The connection that answered last time first.
    names.sort(key=lambda n: n != _tray_owner.get(pid))
    for name in names:
        owner = _dbus("--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.GetConnectionUnixProcessID", f"string:{name}")
        if not re.search(rf"uint32 {pid}\b", owner):
            continue
        layout = _dbus(f"--dest={name}", TRAY_MENU_PATH, "com.canonical.dbusmenu.GetLayout", "int32:0", "int32:-1", "array:string:label")
        labels = re.findall(r'string "label"\s*\n\s*variant\s+string "(.*)"', layout)
        if labels:
            _tray_owner[pid] = name
            return labels[1:]  # the first is the root item's ("Label Empty")
    return []


SINGLE_INSTANCE_NAME = "app.deckmedia.desktop.SingleInstance"


def single_instance_free() -> bool:
    """Whether no process owns the app's single-instance name on the session bus."""
    reply = _dbus("--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner",
                  f"string:{SINGLE_INSTANCE_NAME}")
    return "boolean false" in reply


def app_pids(data_dir: Path) -> list[int]:
    """PIDs of app processes whose DECKMEDIA_DATA_DIR is `data_dir` (ours, not others')."""
    needle = f"DECKMEDIA_DATA_DIR={data_dir}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.readlink(entry / "exe").split(" (deleted)")[0] != str(APP):
                continue
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def app_env(data_dir: Path, env: dict[str, str]) -> dict[str, str]:
    """Our environment without DECKMEDIA_* settings, plus `env` and the data dir."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("DECKMEDIA_")}
    full.update(env)
    full["DECKMEDIA_DATA_DIR"] = str(data_dir)
    return full


class App:
    """One launch of the app: its own tauri-driver (which passes its environment through
    WebKitWebDriver to the app) and one WebDriver session."""

    def __init__(self, data_dir: Path, env: dict[str, str], log: Path):
        self.data_dir = data_dir
        port, native = free_port(), free_port()
        full_env = app_env(data_dir, env)
        self.log = open(log, "w")
        self.driver_proc = subprocess.Popen(
            [TAURI_DRIVER, "--port", str(port), "--native-port", str(native)],
            env=full_env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.driver = None
        self.pid = None
        self.closed = False
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until("tauri-driver to listen", lambda: urllib.request.urlopen(url + "/status", timeout=2).status == 200, timeout=20)
            opts = ArgOptions()
            opts.set_capability("browserName", "wry")
            opts.set_capability("tauri:options", {"application": str(APP)})
            # A bounded HTTP timeout: a command that hangs (e.g. a screenshot of a hidden window)
            # fails the test instead of stalling it for selenium's default 120 s.
            config = ClientConfig(remote_server_addr=url, timeout=60)
            self.driver = webdriver.Remote(command_executor=RemoteConnection(client_config=config), options=opts)
            self.pid = wait_until("the app process", lambda: (app_pids(data_dir) or [None])[0], timeout=10)
        except BaseException:
            self.close()
            raise

    # --- page helpers -------------------------------------------------------------------

    def wait(self, what: str, condition: Callable[[webdriver.Remote], object], timeout: float = 20.0):
        return WebDriverWait(self.driver, timeout, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,)).until(
            condition, message=f"waiting for {what}"
        )

    def el(self, css: str, timeout: float = 20.0):
        """The first element matching `css` once it is displayed."""
        def find(d):
            found = [e for e in d.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()]
            return found[0] if found else False

        return self.wait(f"a visible {css}", find, timeout)

    def all(self, css: str):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def invoke(self, command: str, args: dict | None = None):
        """Calls one IPC command of docs/ipc.md through Tauri's internals (read-backs, setup)."""
        result = self.driver.execute_async_script(
            "const [cmd, args, done] = arguments;"
            "window.__TAURI_INTERNALS__.invoke(cmd, args)"
            "  .then(v => done({ok: v}), e => done({err: e}));",
            command, args or {},
        )
        if "err" in result:
            raise RuntimeError(f"{command} failed: {result['err']}")
        return result["ok"]

    def badge(self) -> tuple[str, str]:
        b = self.driver.find_element(By.ID, "badge")
        return b.get_attribute("data-mode"), b.text

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def screen(self, name: str) -> Path | None:
        """The whole X screen (with ImageMagick's `import`, when present): shows what WebDriver
        cannot, e.g. that the window is gone."""
        if not shutil.which("import") or not os.environ.get("DISPLAY"):
            return None
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        subprocess.run(["import", "-window", "root", str(path)], check=False, timeout=20, capture_output=True)
        return path

    # --- ending ----------------------------------------------------------------------

    def close(self) -> None:
        """Ends the WebDriver session (WebKitWebDriver ends the app) and tauri-driver; waits
        until the app process is gone, so a relaunch is not taken for a second instance.
        Calling it again does nothing."""
        if self.closed:
            return
        self.closed = True
        try:
            if self.driver is not None:
                try:
                    self.driver.quit()
                except WebDriverException:
                    pass
                self.driver = None
        finally:
            # tauri-driver runs in its own process group with WebKitWebDriver: end the group.
            if self.driver_proc.poll() is None:
                try:
                    os.killpg(self.driver_proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            stop(self.driver_proc)
            try:
                wait_until("the app to exit", lambda: self.pid not in app_pids(self.data_dir), timeout=15)
            except AssertionError:
                os.kill(self.pid, signal.SIGKILL)  # ours: matched by exe, data dir and launch
                raise
            finally:
                self.log.close()
            # The bus drops a dead process's names a moment later; a relaunch before that would
            # find the single-instance name taken, hand over to nobody and exit.
            wait_until("the single-instance D-Bus name to be released", single_instance_free, timeout=15)
