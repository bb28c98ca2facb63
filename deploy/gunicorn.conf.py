"""Gunicorn's configuration for Cabas (docs/deploy.md): `gunicorn -c deploy/gunicorn.conf.py`.

Everything here can be changed by the environment (the same file as Cabas' settings, /etc/cabas/cabas.env):
GUNICORN_BIND     where to listen; 127.0.0.1:8000 by default: only the reverse proxy on this machine talks to it.
GUNICORN_WORKERS  processes; by default 2 per core plus 1, at most 8 (each one holds a database connection).
GUNICORN_TIMEOUT  seconds before a stuck worker is restarted (PDF documents of a large cycle take a few seconds).
CABAS_LOG_DIR     when set, access.log and error.log are written there (rotated by deploy/logrotate/cabas, which
                  tells gunicorn to reopen them through CABAS_PIDFILE); otherwise both go to standard output
                  and error, that is to the journal under systemd.
CABAS_PIDFILE     gunicorn's pid file (the systemd unit puts it in /run/cabas/).
GUNICORN_CONTROL_SOCKET  a path for gunicorn's control socket; none by default.
"""

import multiprocessing
import os

wsgi_app = "cabas.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("GUNICORN_WORKERS") or min(2 * multiprocessing.cpu_count() + 1, 8))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after about a thousand requests: a slow leak never grows for long.
max_requests = 1000
max_requests_jitter = 100
# Not preloaded: each worker imports Cabas, so `systemctl reload cabas-web` (HUP) starts workers on the new code.
# A settings error (no SECRET_KEY) makes the workers fail to boot and gunicorn stop with the message in error.log.
preload_app = False
# The reverse proxy on this machine sets X-Forwarded-For and X-Forwarded-Proto; trust it (and only it).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proxy_allow_ips = forwarded_allow_ips

pidfile = os.environ.get("CABAS_PIDFILE") or None
# Gunicorn's control socket (`gunicornc`) defaults to the user's home directory, which the systemd unit hides:
# off unless a path is given.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET") or "/nonexistent/gunicorn.ctl"
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
_log_dir = os.environ.get("CABAS_LOG_DIR")
if _log_dir:
    accesslog = os.path.join(_log_dir, "access.log")
    errorlog = os.path.join(_log_dir, "error.log")
    capture_output = True  # Django's log (to standard error) goes to error.log too
else:
    accesslog = "-"
    errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The client's address as the proxy saw it, the time taken (microseconds), no query strings' secrets beyond
# what the proxy logs anyway.
access_log_format = '%({x-forwarded-for}i)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'
