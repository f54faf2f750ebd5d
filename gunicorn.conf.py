"""gunicorn settings for Notebank: `gunicorn` run from the checkout picks this file up.

Everything comes from the environment, as the app's settings do (see docs/README-deploy.md).
"""

from __future__ import annotations

import os

wsgi_app = "quiz.wsgi:application"
bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
# Sync workers: each request is short (a page or an answer). Two per CPU core is a sound start;
# the study loop is database-bound, so more workers help until PostgreSQL's connections run out.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# Recycle workers now and then, so a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
# No gunicorn access log: quiz.middleware.request_log already writes one line per request
# (method, path, status, time, user) through Django's logging to stderr; a second line per
# request from gunicorn would only duplicate it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The TLS proxy in front sets X-Forwarded-*; Django reads X-Forwarded-Proto through
# BEHIND_TLS_PROXY, so gunicorn needs no trust of its own here.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
