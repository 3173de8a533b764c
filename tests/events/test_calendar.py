"""The .ics builder: UTC times, escaped text, CRLF and lines folded at 75 octets."""

from datetime import UTC, datetime

from events.calendar import CalendarEvent, ics


def event(**fields):
    base = dict(uid="gathering-1@example", sequence=3, starts_at=datetime(2026, 3, 8, 7, 30, tzinfo=UTC),
                ends_at=datetime(2026, 3, 8, 9, 0, tzinfo=UTC), summary="House meeting")  # fmt: skip
    return CalendarEvent(**(base | fields))


def test_it_writes_one_event_in_utc_with_crlf():
    text = ics(event())
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert text.endswith("END:VEVENT\r\nEND:VCALENDAR\r\n")
    assert "\r\nDTSTART:20260308T073000Z\r\nDTEND:20260308T090000Z\r\n" in text
    assert "\r\nUID:gathering-1@example\r\nSEQUENCE:3\r\n" in text
    assert "\n" not in text.replace("\r\n", "")


def test_it_escapes_commas_semicolons_backslashes_and_newlines():
    text = ics(event(location="Lions Club, Hall B; back door \\ ramp\nPark behind"))
    assert "LOCATION:Lions Club\\, Hall B\\; back door \\\\ ramp\\nPark behind\r\n" in text


def test_it_folds_long_lines_at_75_octets_without_splitting_a_character():
    text = ics(event(description="Café " * 40))
    lines = text.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    assert "DESCRIPTION:" + "Café " * 40 in text.replace("\r\n ", "")
