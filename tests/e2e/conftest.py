"""Fixtures of the end-to-end tests. Run them through .ci/e2e (Xvfb + a private D-Bus session);
each test gets fresh data dirs, its own fake provider(s) and app launches, all stopped at the end."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from pathlib import Path

import pytest

from harness import APP, ARTIFACTS, FAKE, TAURI_DRIVER, App, FakeProvider, NotificationMonitor


def _terminate(signum, frame):
    # `timeout` sends SIGTERM: stop like on Ctrl+C (pytest ends the session, and the fixtures'
    # finalizers stop our processes).
    raise KeyboardInterrupt(f"e2e: terminated by signal {signum}")


signal.signal(signal.SIGTERM, _terminate)


def pytest_sessionstart(session):
    missing = [str(p) for p in (APP, FAKE) if not Path(p).is_file()]
    if not Path(TAURI_DRIVER).is_file():
        missing.append(f"tauri-driver ({TAURI_DRIVER})")
    if missing:
        raise pytest.UsageError("e2e: missing " + ", ".join(missing) + " (.ci/e2e builds and installs them)")
    if not os.environ.get("DISPLAY"):
        raise pytest.UsageError("e2e: no DISPLAY; run through .ci/e2e (xvfb-run + dbus-run-session)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture
def workdir(request) -> Path:
    """A fresh folder per test for data dirs and logs; the logs are copied to the artifacts,
    then the folder is removed."""
    d = Path(tempfile.mkdtemp(prefix=f"deckmedia-e2e-{request.node.name}-"))
    yield d
    logs = ARTIFACTS / "logs" / request.node.name
    logs.mkdir(parents=True, exist_ok=True)
    for f in d.glob("*.log"):
        (logs / f.name).write_bytes(f.read_bytes())
    for f in (d / "data" / "logs").glob("*") if (d / "data" / "logs").is_dir() else []:
        (logs / f"app-{f.name}").write_bytes(f.read_bytes())
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def notifications(workdir):
    mon = NotificationMonitor(workdir / "dbus-monitor.log")
    yield mon
    mon.close()


@pytest.fixture
def fake_provider(workdir):
    started = []

    def start(latency_ms: int) -> FakeProvider:
        fake = FakeProvider(latency_ms, workdir / f"fake-provider-{len(started)}.log")
        started.append(fake)
        return fake

    yield start
    _close_all(started)


@pytest.fixture
def launch(workdir):
    """launch(data_dir, env) -> App; every launch is closed at the end of the test."""
    apps = []

    def start(data_dir: Path, env: dict[str, str]) -> App:
        app = App(data_dir, env, workdir / f"tauri-driver-{len(apps)}.log")
        apps.append(app)
        return app

    yield start
    _close_all(apps)


def _close_all(things) -> None:
    """Closes every one, even when an earlier one fails; then raises the first failure."""
    errors = []
    for thing in things:
        try:
            thing.close()
        except Exception as e:  # noqa: BLE001 - re-raised below
            errors.append(e)
    if errors:
        raise errors[0]


def provider_env(fake: FakeProvider, concurrency: int = 1) -> dict[str, str]:
    """The app's configuration for the fake: both kinds on it, one request at a time each."""
    return {
        "DECKMEDIA_IMAGE_PROVIDER": "openai",
        "DECKMEDIA_IMAGE_BASE_URL": fake.base_url,
        "DECKMEDIA_IMAGE_MAX_CONCURRENCY": str(concurrency),
        "DECKMEDIA_AUDIO_PROVIDER": "openai",
        "DECKMEDIA_AUDIO_BASE_URL": fake.base_url,
        "DECKMEDIA_AUDIO_MAX_CONCURRENCY": str(concurrency),
        "DECKMEDIA_API_KEY": "test-key",
        "DECKMEDIA_KEYSTORE": "file",
        "DECKMEDIA_LOG": "info",
    }
