"""The deployment files (docs/deploy.md): gunicorn with deploy/gunicorn.conf.py serves Cabas, and the environment
file lists every variable the settings read."""

from __future__ import annotations

import gzip
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

import brotli

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


def get_with_headers(url: str, headers: dict[str, str]):
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
        return response.status, response.headers, response.read()


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
    for command in ("migrate", "collectstatic"):
        subprocess.run([sys.executable, "-m", "cabas.cli", command, "--noinput"], env=env, cwd=tmp_path, check=True,
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
        # the page names the hashed copy collectstatic wrote; WhiteNoise sends its Brotli or gzip file, kept a year
        css_url = re.search(r'href="(/static/cabas/cabas\.[0-9a-f]{12}\.css)"', page.decode())[1]
        for encoding, decompress in (("br", brotli.decompress), ("gzip", gzip.decompress)):
            status, headers, css = get_with_headers(base + css_url, {**proxied, "Accept-Encoding": encoding})
            assert status == 200 and headers["Content-Encoding"] == encoding and b"body" in decompress(css)
            assert headers["Cache-Control"] == "max-age=31536000, public, immutable"
        status, css = get(base + "/static/cabas/cabas.css", proxied)  # the plain name still answers
        assert status == 200 and b"body" in css
        # the pages themselves are gzipped when the browser accepts it
        status, headers, page = get_with_headers(base + "/connexion/", {**proxied, "Accept-Encoding": "gzip"})
        assert status == 200 and headers["Content-Encoding"] == "gzip" and b"csrfmiddlewaretoken" in gzip.decompress(page)
        assert (tmp_path / "gunicorn.pid").read_text().strip() == str(server.pid)
        assert "/connexion/" in (tmp_path / "access.log").read_text()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
