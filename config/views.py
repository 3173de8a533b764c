"""Project-wide views that belong to no single app."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from redis import Redis
from redis.exceptions import RedisError

from contacts.rollup import rollup_status


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_ok() -> bool:
    client = Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except RedisError:
        return False
    finally:
        client.close()


def _id_rollup() -> str:
    """Say whether the shared ID database is within ROLLUP_MAX_LAG_MINUTES of the program's."""
    try:
        return "behind" if rollup_status()["behind"] else "ok"
    except Exception:
        return "unavailable"


@never_cache
@require_GET
def healthz(request):
    """Report database, broker and ID rollup; a broker outage or a late rollup degrades, a database outage fails."""
    database = _database_ok()
    broker = _broker_ok()
    rollup = _id_rollup()
    if not database:
        status, code = "down", 503
    elif not broker or rollup != "ok":
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return JsonResponse(
        {
            "status": status,
            "database": "ok" if database else "unavailable",
            "broker": "ok" if broker else "unavailable",
            "id_rollup": rollup,
        },
        status=code,
    )
