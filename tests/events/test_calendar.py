"""The .ics builder: escaped text, folded lines, UTC times, PUBLISH or CANCEL."""

from datetime import UTC, datetime

from events.calendar import CalendarEvent, ics

NOW = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
EVENT = CalendarEvent(
    uid="abc@neighborhood-leader", sequence=3, starts_at=datetime(2030, 3, 10, 0, 0, tzinfo=UTC),
    ends_at=datetime(2030, 3, 10, 1, 30, tzinfo=UTC), summary="House meeting",
    location="Lions Club, 1 Main St; back door", description="Line one\nLine two, with ümlauts " + "x" * 80,
)  # fmt: skip


def test_it_escapes_text_and_uses_utc():
    text = ics(EVENT, now=NOW)
    assert "DTSTART:20300310T000000Z\r\n" in text and "DTEND:20300310T013000Z\r\n" in text
    assert "LOCATION:Lions Club\\, 1 Main St\\; back door\r\n" in text
    assert "DESCRIPTION:Line one\\nLine two\\, with" in text
    assert (
        "UID:abc@neighborhood-leader\r\n" in text
        and "SEQUENCE:3\r\n" in text
        and "METHOD:PUBLISH\r\n" in text
    )


def test_it_folds_long_lines_at_75_octets_without_splitting_a_character():
    for line in ics(EVENT, now=NOW).split("\r\n"):
        assert len(line.encode()) <= 75
    unfolded = ics(EVENT, now=NOW).replace("\r\n ", "")
    assert "Line two\\, with ümlauts " + "x" * 80 in unfolded


def test_a_cancelled_event_is_a_cancel_with_status_cancelled():
    text = ics(CalendarEvent(**{**EVENT.__dict__, "cancelled": True}), now=NOW)
    assert "METHOD:CANCEL\r\n" in text and "STATUS:CANCELLED\r\n" in text
