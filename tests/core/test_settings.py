"""Settings come from the environment only and fail loudly on bad values."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Not passed on to the settings under test (DJANGO_ALLOW_ASYNC_UNSAFE is set by
# the browser tests when they are collected first).
NOT_INHERITED = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DEBUG", "SECRET_KEY"} | {
    "SITE_URL",
    "CACHE_DIR",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}
BASE_ENV = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}


def load_settings(
    code: str = "print(settings.DEBUG)", **env: str
) -> subprocess.CompletedProcess[str]:
    code = "import django; django.setup(); from django.conf import settings; " + code
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**BASE_ENV, "DJANGO_SETTINGS_MODULE": "app.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_embedded_default_needs_no_variables():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_the_embedded_default_caches_in_files_that_every_process_shares(tmp_path):
    """Not in each process's memory: the worker's and manage.py's changes reach the web
    process's cached pages (tests/public/test_shared_cache.py)."""
    code = "c = settings.CACHES['default']; print(c['BACKEND'], c['LOCATION'])"
    result = load_settings(code, DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    backend, location = result.stdout.split()
    assert backend == "app.core.filecache.SharedFileCache"
    assert location == str(tmp_path.resolve() / "cache")
    elsewhere = tmp_path / "elsewhere"
    result = load_settings(code, DATA_DIR=str(tmp_path), CACHE_DIR=str(elsewhere))
    assert result.stdout.split()[1] == str(elsewhere.resolve())
    result = load_settings(code, REDIS_URL="redis://127.0.0.1:6379/9")
    assert result.stdout.split()[0] == "django.core.cache.backends.redis.RedisCache"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"DATABASE_URL": "mysql://root@localhost/x"}, "DATABASE_URL scheme 'mysql'"),
        ({"REDIS_URL": "http://localhost:6379"}, "REDIS_URL must start with redis://"),
        ({"ARCHIVE_MAX_BYTES": "lots"}, "ARCHIVE_MAX_BYTES='lots' is not an integer"),
        ({"ARCHIVE_MAX_BYTES": "10"}, "ARCHIVE_MAX_BYTES=10 must be at least 1024"),
        ({"ARCHIVE_TOTAL_TIMEOUT": "soon"}, "ARCHIVE_TOTAL_TIMEOUT='soon' is not a number"),
        ({"DEBUG": "0"}, "SECRET_KEY must be set when DEBUG is off"),
        ({"DEBUG": "0", "SECRET_KEY": "short"}, "SECRET_KEY must be at least 50 characters"),
        (
            {"DEBUG": "0", "SECRET_KEY": "k" * 60, "ALLOWED_HOSTS": "t.example"},
            "SITE_URL must be set to the site's https:// address when DEBUG is off, got ''",
        ),
        (
            {
                "DEBUG": "0",
                "SECRET_KEY": "k" * 60,
                "ALLOWED_HOSTS": "t.example",
                "SITE_URL": "http://t.example",
            },
            "SITE_URL must be set to the site's https:// address when DEBUG is off, "
            "got 'http://t.example'",
        ),
        ({"ARCHIVE_STORAGE": "ftp"}, "ARCHIVE_STORAGE must be 'local' or 's3'"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL='LOUD' is not a logging level"),
    ],
)
def test_a_bad_value_stops_the_process_with_a_clear_message(env, message):
    result = load_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_settings_pass_the_deployment_checklist(tmp_path):
    env = {
        **BASE_ENV,
        "DEBUG": "0",
        "SECRET_KEY": "k" * 20 + "production-secret-key-for-the-deploy-check-0123456789",
        "ALLOWED_HOSTS": "trainedon.example",
        "SITE_URL": "https://trainedon.example",
        "DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_every_variable_read_is_listed_in_env_example():
    from app import env

    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    missing = env.READ - listed
    assert env.READ, "settings read no variables through app.env"
    assert missing == set()


@pytest.mark.parametrize(("value", "expected"), [("", "True 5"), ("0", "None None")])
def test_postgres_prepares_statements_unless_told_not_to(value, expected):
    code = (
        "o = settings.DATABASES['default']['OPTIONS']; "
        "print(o.get('server_side_binding'), o.get('prepare_threshold'))"
    )
    env = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x"}
    if value:
        env["DB_PREPARED_STATEMENTS"] = value
    result = load_settings(code, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
