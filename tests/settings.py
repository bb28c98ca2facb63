"""The test suite's settings: Cabas' own, run as in production (DEBUG off), with a secret key for tests
only — Cabas refuses to start without one when DEBUG is off (see tests/test_settings.py)."""

import os

os.environ.setdefault("SECRET_KEY", "cabas-test-suite-key-not-a-secret-used-only-by-pytest")

from cabas.settings import *  # noqa: E402,F403

# The `cabas` commands some tests run in a child process read Cabas' own settings (this module is not
# importable there); they inherit the test key above through the environment.
os.environ["DJANGO_SETTINGS_MODULE"] = "cabas.settings"

# Login throttling counts failures across requests: off for the suite, on in tests/test_login_throttling.py.
AXES_ENABLED = False

# Pages name the static files as they are (no staticfiles.json to read): the suite runs without collectstatic.
# Production's storage (hashed, compressed names) is exercised by tests/test_deploy.py and
# tests/browser/test_page_weight.py, which run collectstatic into a temporary directory.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
