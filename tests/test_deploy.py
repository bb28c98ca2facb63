"""The deployment files (docs/deploy.md): gunicorn with deploy/gunicorn.conf.py serves Cabas, and the environment
file lists every variable the settings read."""

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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def read_by_settings() -> set[str]:
    source = (ROOT / "src" / "cabas" / "settings.py").read_text(encoding="utf-8")
    pattern = r"""(?:os\.environ\.get|os\.environ|env_bool|env_list)[\(\[]\s*["']([A-Z_]+)["']"""
    return set(re.findall(pattern, source))


def test_the_environment_file_lists_every_setting():
    listed = set(re.findall(r"^([A-Z_]+)=", (DEPLOY / "cabas.env.example").read_text(encoding="utf-8"), re.M))
    names = read_by_settings()
    assert {"SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "CABAS_SECURE", "CABAS_BACKUP_DIR"} <= names
    assert names - listed == set()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_gunicorn_with_the_deploy_configuration_serves_cabas(tmp_path):
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}  # SQLite under tmp_path
    env.update({
        "DJANGO_SETTINGS_MODULE": "cabas.settings", "PYTHONPATH": str(ROOT / "src"), "CABAS_HOME": str(tmp_path),
        "SECRET_KEY": "a-test-key-for-the-deployment-test-only-0123456789", "DEBUG": "0", "CABAS_SECURE": "1",
        "ALLOWED_HOSTS": "127.0.0.1", "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1",
        "CABAS_LOG_DIR": str(tmp_path), "CABAS_PIDFILE": str(tmp_path / "gunicorn.pid"),
    })
    (tmp_path / "var").mkdir()
    subprocess.run([sys.executable, "-m", "cabas.cli", "migrate", "--noinput"], env=env, cwd=tmp_path, check=True,
                   capture_output=True)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", str(DEPLOY / "gunicorn.conf.py")],
                              env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base, proxied = f"http://127.0.0.1:{port}", {"X-Forwarded-Proto": "https"}
        for _ in range(100):
            try:
                status, page = get(base + "/connexion/", proxied)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError("gunicorn did not answer: " + (tmp_path / "error.log").read_text())
        assert status == 200 and "connexion" in page.decode().lower()
        status, css = get(base + "/static/cabas/cabas.css", proxied)  # WhiteNoise
        assert status == 200 and b"body" in css
        assert (tmp_path / "gunicorn.pid").read_text().strip() == str(server.pid)
        assert "/connexion/" in (tmp_path / "access.log").read_text()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
