"""docker-compose.yml cannot run here (no Docker engine); check what it promises instead."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_it_runs_postgres_redis_web_worker_and_beat_each_with_a_healthcheck():
    services = COMPOSE["services"]
    assert set(services) == {"db", "redis", "web", "worker", "beat"}
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_it_keeps_queued_tasks_when_redis_is_killed():
    assert "--appendonly" in COMPOSE["services"]["redis"]["command"]
    assert (
        COMPOSE["services"]["redis"]["command"][
            COMPOSE["services"]["redis"]["command"].index("--appendonly") + 1
        ]
        == "yes"
    )


def test_it_points_the_app_at_the_compose_database_and_broker():
    for name in ("web", "worker", "beat"):
        environment = COMPOSE["services"][name]["environment"]
        assert (
            environment["DATABASE_URL"].startswith("postgres://")
            and "@db:5432/" in environment["DATABASE_URL"]
        )
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
        assert COMPOSE["services"][name]["depends_on"]["db"]["condition"] == "service_healthy"


def test_the_database_password_comes_from_env_and_compose_refuses_to_start_without_one():
    # A password written in the file is the same for every party that deploys it.
    password = COMPOSE["services"]["db"]["environment"]["POSTGRES_PASSWORD"]
    assert password.startswith("${POSTGRES_PASSWORD:?")
    assert "${POSTGRES_PASSWORD}@db:5432/" in COMPOSE["services"]["web"]["environment"]["DATABASE_URL"]
    example = (ROOT / ".env.example").read_text()
    assert "\nPOSTGRES_PASSWORD=\n" in example or "\nPOSTGRES_PASSWORD= " in example


def test_it_serves_the_web_app_with_gunicorn_after_migrating():
    command = COMPOSE["services"]["web"]["command"]
    assert "migrate" in command and "gunicorn config.wsgi" in command


def test_it_stops_gunicorn_cleanly_when_the_container_stops():
    # Without exec, sh stays PID 1, drops the SIGTERM of `docker compose stop`, and requests in
    # flight are killed ten seconds later instead of finishing.
    assert "exec gunicorn config.wsgi" in COMPOSE["services"]["web"]["command"]


def test_it_starts_the_worker_and_beat_once_the_web_service_has_migrated():
    for name in ("worker", "beat"):
        depends_on = COMPOSE["services"][name]["depends_on"]
        assert depends_on["web"]["condition"] == "service_healthy", name
        assert depends_on["redis"]["condition"] == "service_healthy", name


def test_it_builds_static_files_into_the_image_and_keeps_secrets_and_local_data_out():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "manage.py collectstatic --noinput" in dockerfile
    ignored = {line.strip().strip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()}
    # .env holds the production secrets; var/ a developer's embedded database, voter files included.
    assert {".env", "var", ".venv", ".git"} <= ignored


def test_it_creates_the_shared_id_database_and_migrates_it_before_gunicorn():
    volumes = COMPOSE["services"]["db"]["volumes"]
    (init,) = [volume for volume in volumes if volume.endswith(":/docker-entrypoint-initdb.d:ro")]
    scripts = list((ROOT / init.split(":")[0]).glob("*.sql"))
    assert any("CREATE DATABASE neighborhood_leader_shared;" in path.read_text() for path in scripts)
    command = COMPOSE["services"]["web"]["command"]
    assert command.index("migrate --database shared") < command.index("exec gunicorn")
    for name in ("web", "worker", "beat"):
        environment = COMPOSE["services"][name]["environment"]
        assert environment["SHARED_DATABASE_URL"].endswith("@db:5432/neighborhood_leader_shared")
        reader = environment["SHARED_READER_DATABASE_URL"]
        assert reader.startswith("postgres://nl_shared_reader:${SHARED_READER_PASSWORD:?")
