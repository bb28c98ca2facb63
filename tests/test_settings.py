"""No public fallback secret key: without SECRET_KEY, Cabas starts only in development (DEBUG on)."""

from __future__ import annotations

import os
import subprocess
import sys

SHOW_KEY = "from django.conf import settings; print(settings.SECRET_KEY)"


def run_settings(**env):
    base = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE")}
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'cabas.settings'; django.setup(); " + SHOW_KEY
    return subprocess.run([sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True, check=False)


def test_without_a_key_and_debug_off_cabas_refuses_to_start():
    for env in ({}, {"DEBUG": "0"}, {"DEBUG": "0", "SECRET_KEY": "  "}):
        result = run_settings(**env)
        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY is not set" in result.stderr


def test_the_development_key_only_with_debug_on():
    result = run_settings(DEBUG="1")
    assert result.returncode == 0 and result.stdout.strip().startswith("django-insecure-")


def test_a_given_key_is_used():
    result = run_settings(SECRET_KEY="une-clé-longue-et-aléatoire")
    assert result.returncode == 0 and result.stdout.strip() == "une-clé-longue-et-aléatoire"


def test_the_cabas_command_refuses_too():
    base = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE")}
    cabas = os.path.join(os.path.dirname(sys.executable), "cabas")
    result = subprocess.run([cabas, "check"], env=base, capture_output=True, text=True, check=False)
    assert result.returncode != 0 and "SECRET_KEY is not set" in result.stderr
