"""Settings come from the environment; bad values stop the app from starting."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "a-production-secret-key-that-is-long-enough-0123456789",
    "DJANGO_ALLOWED_HOSTS": "leaders.example.org",
    "DJANGO_DEBUG": "false",
    "MFA_ENCRYPTION_KEY": "cHJvZHVjdGlvbi1tZmEta2V5LWZvci10aGUtdGVzdHM=",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_", "MFA_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_passes_the_deploy_check_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("DJANGO_DEBUG", "maybe", "is not a boolean"),
        ("DB_CONNECT_TIMEOUT", "soon", "is not an integer"),
        ("DATABASE_URL", "sqlite:///db.sqlite3", "must be a PostgreSQL URL"),
        ("REDIS_URL", "amqp://guest@localhost//", "must be a Redis URL"),
        ("SHARED_DATABASE_URL", "mysql://localhost/ids", "SHARED_DATABASE_URL must be a PostgreSQL URL"),
        (
            "SHARED_READER_DATABASE_URL",
            "sqlite:///ids",
            "SHARED_READER_DATABASE_URL must be a PostgreSQL URL",
        ),
        ("DJANGO_SECRET_KEY", "short", "at least 40 characters"),
        ("TURF_FAIRNESS_FACTOR", "fair", "is not a number"),
        ("DISTANCE_UNITS", "furlongs", "DISTANCE_UNITS must be one of imperial, metric"),
        ("MFA_ENCRYPTION_KEY", "not-a-fernet-key", "MFA_ENCRYPTION_KEY is not a Fernet key"),
        ("MFA_ENCRYPTION_KEY_FALLBACKS", "old-key", "MFA_ENCRYPTION_KEY_FALLBACKS is not a Fernet key"),
    ],
)
def test_it_refuses_to_start_with_a_bad_value(variable, value, message):
    result = run_manage("check", env={**PRODUCTION_ENV, variable: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_it_refuses_a_shared_database_that_is_the_programs_own():
    # Its reader role may SELECT every table there: voters' phones and leaders' notes must not be among them.
    url = "postgres://postgres@127.0.0.1:54329/neighborhood_leader"
    result = run_manage("check", env={**PRODUCTION_ENV, "DATABASE_URL": url, "SHARED_DATABASE_URL": url})
    assert result.returncode != 0
    assert "SHARED_DATABASE_URL must name another database than DATABASE_URL" in result.stderr


def test_it_refuses_the_placeholder_secret_key_of_env_example_even_in_the_deploy_check():
    placeholder = re.search(r"^DJANGO_SECRET_KEY=(\S+)", (ROOT / ".env.example").read_text(), re.M).group(1)
    for command in (["check"], ["check", "--deploy"]):
        result = run_manage(*command, env={**PRODUCTION_ENV, "DJANGO_SECRET_KEY": placeholder})
        assert result.returncode != 0
        assert "DJANGO_SECRET_KEY is a placeholder" in result.stderr


@pytest.mark.parametrize(
    "key, message",
    [
        ("django-insecure-k3v9x2m7q5w8e1r4t6y0u2i4o6p8a1s3d5f7g9h", "is a placeholder"),
        ("our-party-key-CHANGE-ME-before-going-live-4f9a8b7c6d5e", "is a placeholder"),
        ("changeme-" + "7Hq2Lx9Vw4Kp1Zr8Nc5Bt3Md6Fy0GsWe4Rt", "is a placeholder"),
        ("ab-" * 20, "has too few distinct characters"),
        ("0" * 64, "has too few distinct characters"),
    ],
)
def test_it_refuses_a_secret_key_anyone_could_guess(key, message):
    result = run_manage("check", env={**PRODUCTION_ENV, "DJANGO_SECRET_KEY": key})
    assert result.returncode != 0
    assert f"DJANGO_SECRET_KEY {message}" in result.stderr


@pytest.mark.parametrize(
    "key",
    [
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",  # openssl rand -hex 20
        "p8Kx-3vQzL0_mW7rT2bN9cY4hJ6fD1sG5aE8uI0oR3kV7",  # secrets.token_urlsafe
    ],
)
def test_it_accepts_a_random_secret_key(key):
    result = run_manage("check", env={**PRODUCTION_ENV, "DJANGO_SECRET_KEY": key})
    assert result.returncode == 0, result.stderr


def test_it_treats_an_empty_assignment_as_unset():
    result = run_manage("check", env={**PRODUCTION_ENV, "DJANGO_SECRET_KEY": ""})
    assert result.returncode != 0
    assert "Set the environment variable DJANGO_SECRET_KEY" in result.stderr
    result = run_manage("check", env={**PRODUCTION_ENV, "STATIC_ROOT": "", "DB_CONNECT_TIMEOUT": ""})
    assert result.returncode == 0, result.stderr


def test_it_refuses_to_start_in_production_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_it_refuses_to_start_in_production_without_an_mfa_encryption_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "MFA_ENCRYPTION_KEY"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "Set the environment variable MFA_ENCRYPTION_KEY" in result.stderr


def test_it_derives_a_development_mfa_key_from_the_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "MFA_ENCRYPTION_KEY"}
    result = run_manage("shell", "-c", "from django.conf import settings; print(settings.MFA_ENCRYPTION_KEY)",
                        env={**env, "DJANGO_DEBUG": "true"})  # fmt: skip
    assert result.returncode == 0, result.stderr
    again = run_manage("shell", "-c", "from django.conf import settings; print(settings.MFA_ENCRYPTION_KEY)",
                       env={**env, "DJANGO_DEBUG": "true"})  # fmt: skip
    key = result.stdout.strip().splitlines()[-1]
    assert again.stdout.strip().splitlines()[-1] == key and len(key) == 44


def test_every_variable_the_settings_read_is_in_env_example():
    settings_text = (ROOT / "config" / "settings.py").read_text()
    example = (ROOT / ".env.example").read_text()
    names = set(re.findall(r'env_(?:str|bool|int|list|float)\(\s*"([A-Z_]+)"', settings_text))
    missing = sorted(name for name in names if f"{name}=" not in example)
    assert names and not missing, f"Add these to .env.example: {missing}"
