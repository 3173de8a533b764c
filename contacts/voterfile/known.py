"""What the database already holds that a file is read against: voters' line hashes, elections."""

import re
import sys
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from datetime import date

from contacts.importing import server_side_rows

_HISTORY_CELL = re.compile(rb"^(\d{2})/(\d{2})/(\d{4}) +(\S.{0,99}?)\s*$")


class Existing:
    """The voters already in the database, as two sorted arrays: 16 bytes a voter, no Python objects.

    Each voter's hash is that of their line in the last file written, so a re-import recognises an
    unchanged row while reading and never stages it. A voter no longer registered loads as 0, which
    no line hashes to, so their line is written again and brings them back.
    """

    def __init__(self, ids: array, hashes: array) -> None:
        self.ids, self.hashes = ids, hashes
        self.count = len(ids)
        self._index_buckets()
        # 0 unseen, 1 unchanged, 2 staged, 3 only on a rejected line (kept registered, not written)
        self.seen = bytearray(self.count)
        self.first_line = array("i", bytes(4 * self.count))

    @classmethod
    def load(cls) -> "Existing":
        """Load every voter's id and hash in id order: one sequential scan and one sort, in chunks.

        Each chunk (a range of ids) arrives as one bytea of big-endian pairs, so 4.3 million voters
        cost a few dozen Python objects, not millions.
        """
        ids, hashes = array("q"), array("q")
        rows = server_side_rows(
            """
            SELECT id >> 22, string_agg(int8send(id) || int8send(hash), ''::bytea ORDER BY id)
            FROM (SELECT id, CASE WHEN is_registered THEN coalesce(row_hash, 2) ELSE 0 END AS hash
                  FROM contacts_voter) AS voter
            GROUP BY 1 ORDER BY 1
            """,
            name="existing_voters",
            batch=1,
        )
        for _, data in rows:
            pairs = array("q")
            pairs.frombytes(data)
            if sys.byteorder == "little":
                pairs.byteswap()  # int8send is big-endian
            ids.extend(pairs[0::2])
            hashes.extend(pairs[1::2])
        return cls(ids, hashes)

    def _index_buckets(self) -> None:
        """Note where each range of 2**shift ids starts, so a lookup bisects a dozen ids, not millions."""
        ids, count = self.ids, self.count
        top = ids[-1] if count else 0
        # About sixteen voters a bucket: building it costs one bisect per bucket.
        self.shift = max(0, top.bit_length() - max(1, (count // 16).bit_length()))
        buckets = (top >> self.shift) + 2
        self.starts = array("i", (bisect_left(ids, bucket << self.shift) for bucket in range(buckets)))

    def locate(self, voter_id: int) -> int:
        """Return the voter's index in the arrays, or -1."""
        key = voter_id >> self.shift
        if key + 1 >= len(self.starts):
            return -1
        index = bisect_left(self.ids, voter_id, self.starts[key], self.starts[key + 1])
        return index if index < self.count and self.ids[index] == voter_id else -1

    find = locate

    def gone(self) -> Iterator[int]:
        """Yield registered voters no line of this file named."""
        seen, hashes, ids = self.seen, self.hashes, self.ids
        index = seen.find(0)
        while index != -1:
            if hashes[index]:
                yield ids[index]
            index = seen.find(0, index + 1)


class Elections(dict):
    """History cell (b"11/05/2024 General") -> election id as bytes; a new election gets the next id.

    Ids are handed out here, while the COPY holds the connection; the import lock means no one
    else adds elections meanwhile, and the new rows are inserted once the COPY ends.
    """

    INVALID = b""

    def __init__(self, cursor) -> None:
        super().__init__()
        cursor.execute("SELECT id, date, name FROM contacts_election")
        self.by_date_name = {(day, name): pk for pk, day, name in cursor.fetchall()}
        for (day, name), pk in self.by_date_name.items():
            self[f"{day:%m/%d/%Y} {name}".encode()] = str(pk).encode()
        self.next_id = max(self.by_date_name.values(), default=0) + 1
        self.new: list[tuple[int, date, str]] = []

    def __missing__(self, cell: bytes) -> bytes:
        match = _HISTORY_CELL.match(cell)
        pk = None
        if match:
            month, day, year, name = match.groups()
            try:
                key = (date(int(year), int(month), int(day)), name.decode())
            except ValueError:
                key = None
            if key and (pk := self.by_date_name.get(key)) is None:
                pk = self.by_date_name[key] = self.next_id
                self.next_id += 1
                self.new.append((pk, *key))
        value = str(pk).encode() if pk else self.INVALID
        self[cell] = value
        return value
