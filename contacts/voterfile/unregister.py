"""The voters a file leaves out: a preview by county for staff, and unregistering those confirmed."""

from dataclasses import dataclass

from django.conf import settings

from contacts.importing import copy_rows
from contacts.signals import list_impact
from contacts.voterfile.known import Existing
from contacts.voterfile.staging import batched_lines

GONE = "contacts_voter_gone"


@dataclass(frozen=True)
class MissingVoters:
    """What to do with the registered voters of the file's counties whom it leaves out.

    By default nobody is unregistered: the import previews them and staff decide (DESIGN.md
    section 8). A partial extract never unregisters anyone and is not even compared.
    """

    partial: bool = False
    unregister: bool = False  # staff confirmed: counties within the threshold are unregistered...
    full_editions: frozenset[str] = frozenset()  # ...and these counties past it, named full editions
    # The missing voters per county staff saw when they confirmed: a county whose count has changed
    # since is previewed again rather than unregistered.
    expected: dict[str, int] | None = None


PREVIEW_LEADERS = 20


class MissingVotersPreview:
    """The preview and unregistering of the voters a file leaves out (a loader's part)."""

    def _unregister(self, cursor, existing: Existing, missing: MissingVoters) -> int:
        """Preview the registered voters this file leaves out, county by county; mark those of the
        counties staff confirmed no longer registered; return how many were.

        Only the election authorities the file covers are considered, so a file of one county
        never unregisters the rest of the state. Nothing is deleted: contact history stays, and
        so do list entries, which come back into view if a later edition names the voter again.
        """
        if missing.partial:
            return 0
        cursor.execute(f"CREATE UNLOGGED TABLE {GONE} (id bigint)")
        copy_rows(
            cursor.cursor, GONE, ["id"], batched_lines(b"%d\n" % voter_id for voter_id in existing.gone())
        )
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {GONE})")  # noqa: S608 (a constant)
        if not cursor.fetchone()[0]:
            return 0  # a first import, or a full edition that leaves nobody out: nothing to ask
        cursor.execute(f"ANALYZE {GONE}")
        counties = sorted(county.decode("utf-8", "replace") for county in self.counties)
        self.preview = self._preview(cursor, counties, missing)
        chosen = [county["county"] for county in self.preview["counties"] if county["unregistered"]]
        if not chosen:
            return 0
        cursor.execute(
            """
            UPDATE contacts_voter v SET is_registered = false, unregistered_at = now(), updated_at = now()
            FROM contacts_voter_gone g
            WHERE v.id = g.id AND v.is_registered AND v.county = ANY(%s)
            """,
            [chosen],
        )
        return cursor.rowcount

    def _preview(self, cursor, counties: list[str], missing: MissingVoters) -> dict:
        """Return, per county with voters left out, its registered and missing voters, the list
        entries and leaders they would leave, and whether they are unregistered now.

        A county missing more than VOTER_FILE_UNREGISTER_WARN_PERCENT of its registered voters
        looks like a partial extract: it is only unregistered when staff name it a full edition.
        """
        threshold = settings.VOTER_FILE_UNREGISTER_WARN_PERCENT
        cursor.execute(
            f"""
            SELECT v.county, count(*), count(g.id)
            FROM contacts_voter v LEFT JOIN {GONE} g ON g.id = v.id
            WHERE v.is_registered AND v.county = ANY(%s)
            GROUP BY v.county HAVING count(g.id) > 0 ORDER BY v.county
            """,  # noqa: S608 (a constant)
            [counties],
        )
        rows = cursor.fetchall()
        touches = list_impact(
            f"SELECT g.id, v.county FROM {GONE} g JOIN contacts_voter v ON v.id = g.id "  # noqa: S608 (a constant)
            "WHERE v.is_registered AND v.county = ANY(%s)",
            [[county for county, _, _ in rows]],
        )
        preview = []
        for county, registered, gone in rows:
            leaders = sorted(
                ((touch.leader, touch.entries) for touch in touches if touch.county == county),
                key=lambda leader: (-leader[1], leader[0]),
            )
            past = gone * 100 > threshold * registered
            confirmed = missing.expected is None or missing.expected.get(county) == gone
            preview.append(
                {
                    "county": county,
                    "registered": registered,
                    "named": registered - gone,
                    "missing": gone,
                    "percent": round(gone * 100 / registered, 1),
                    "past_threshold": past,
                    "entries": sum(entries for _, entries in leaders),
                    "leader_count": len(leaders),
                    "leaders": [{"name": name, "entries": n} for name, n in leaders[:PREVIEW_LEADERS]],
                    "unregistered": missing.unregister
                    and confirmed
                    and (not past or county in missing.full_editions),
                }
            )
        return {"threshold": threshold, "counties": preview}
