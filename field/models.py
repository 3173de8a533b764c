"""What the sync API keeps for itself: how many requests each token or session made this minute."""

from django.db import connection, models

# One statement counts a request and returns the count: the sync API's hot path can afford one
# query for its rate limit, where the database cache's add-then-incr costs five.
COUNT_REQUEST_SQL = """
    INSERT INTO field_requestcount AS counted (key, window_start, count) VALUES (%(key)s, %(window)s, 1)
    ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN counted.window_start = EXCLUDED.window_start THEN counted.count + 1 ELSE 1 END,
        window_start = EXCLUDED.window_start
    RETURNING count
"""


class RequestCount(models.Model):
    """How many sync requests one API token or session user has made in the current minute.

    Shared by every worker and independent of the broker, like the database cache, but a table of
    its own: one row per token or user, counted in one statement, and never culled with the cache's
    login guards. Unlogged (see the migration): a crash only forgets a minute's counts.
    """

    key = models.CharField(primary_key=True, max_length=80)
    window_start = models.BigIntegerField(help_text="The minute counted, in minutes since the epoch.")
    count = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"

    @staticmethod
    def over_limit(key: str, limit: int, *, now: float) -> int:
        """Count one request for `key`; return the seconds until it may ask again, 0 if within `limit`."""
        window = int(now // 60)
        with connection.cursor() as cursor:
            cursor.execute(COUNT_REQUEST_SQL, {"key": key, "window": window})
            (count,) = cursor.fetchone()
        if count <= limit:
            return 0
        return max(1, (window + 1) * 60 - int(now))
