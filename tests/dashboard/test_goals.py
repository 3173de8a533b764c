"""The goal arithmetic: pace needed, projection, milestone dates and their status. No database."""

from datetime import date, timedelta

from dashboard.goals import (
    BEHIND,
    MET,
    MET_LATE,
    MISSED,
    ON_TRACK,
    Activity,
    Milestone,
    apportion,
    goal_on,
    outlook,
    pace_needed,
    projected_date,
    weekly_growth,
    weeks,
)

TODAY = date(2028, 5, 1)
JUNE, SEPTEMBER, OCTOBER = (
    Milestone(date(2028, 6, 1), 10),
    Milestone(date(2028, 9, 1), 30),
    Milestone(date(2028, 10, 1), 60),
)


def every_day(first: date, count: int, step_days: int = 1) -> list[date]:
    return [first + timedelta(days=step_days * n) for n in range(count)]


def test_it_counts_the_leaders_active_by_the_end_of_a_day():
    series = Activity([date(2028, 4, 1), date(2028, 4, 1), date(2028, 4, 3)], [date(2028, 4, 20)])
    assert series.active_on(date(2028, 3, 31)) == 0
    assert series.active_on(date(2028, 4, 1)) == 2
    assert series.active_on(date(2028, 4, 19)) == 3
    assert series.active_on(date(2028, 4, 20)) == 2  # one stopped that day


def test_leaders_who_stopped_count_against_the_growth():
    # 8 became active in the last 28 days and 4 stopped: a net 1 a week.
    series = Activity(
        every_day(TODAY - timedelta(days=27), 8, step_days=3), every_day(TODAY - timedelta(days=5), 4)
    )
    assert weekly_growth(series, TODAY) == 1.0


def test_it_measures_growth_over_the_last_four_weeks():
    # 8 leaders became active in the last 28 days, 5 before that: 2 a week.
    dates = every_day(date(2028, 1, 1), 5) + every_day(TODAY - timedelta(days=27), 8, step_days=3)
    assert weekly_growth(Activity(dates), TODAY) == 2.0


def test_the_pace_needed_spreads_what_is_missing_over_the_weeks_left():
    # 31 days to June 1, 6 missing: 6 / (31/7) a week.
    assert pace_needed(4, JUNE, TODAY) == 6 / (31 / 7)
    assert pace_needed(10, JUNE, TODAY) == 0.0
    assert pace_needed(4, JUNE, date(2028, 6, 2)) is None


def test_the_projection_is_a_straight_line_from_today():
    # 6 missing at 2 a week: 3 weeks.
    assert projected_date(4, 10, 2.0, TODAY) == TODAY + timedelta(days=21)
    # 5 missing at 2 a week: 2.5 weeks, rounded up to a whole day.
    assert projected_date(5, 10, 2.0, TODAY) == TODAY + timedelta(days=18)
    assert projected_date(4, 10, 0.0, TODAY) is None
    assert projected_date(10, 10, 2.0, TODAY) is None


def test_a_program_growing_fast_enough_is_on_track_for_each_milestone():
    # 8 active, 2 a week over the last 4 weeks: 10 by May 8; 30 by Jul 17; 60 only by Oct 30 (late).
    dates = every_day(TODAY - timedelta(days=27), 8, step_days=3)
    seen = outlook(Activity(dates), [OCTOBER, JUNE, SEPTEMBER], TODAY)
    assert seen.active == 8 and seen.weekly_growth == 2.0
    assert [m.milestone for m in seen.milestones] == [JUNE, SEPTEMBER, OCTOBER]
    june, september, october = seen.milestones
    assert (june.status, june.projected_on) == (ON_TRACK, TODAY + timedelta(days=7))
    assert (september.status, september.projected_on) == (ON_TRACK, TODAY + timedelta(days=77))
    assert (october.status, october.projected_on) == (BEHIND, TODAY + timedelta(days=182))
    assert seen.next is june
    assert seen.on_track is False  # one milestone ahead is behind


def test_a_projection_past_a_year_after_the_last_milestone_is_no_date():
    # 2 active, one new leader in the last four weeks: 0.25 a week. The 10 of June would be reached
    # in 32 weeks, still inside the horizon; the 60 of October only in 2033, which is no date to print.
    dates = [TODAY - timedelta(days=60), TODAY - timedelta(days=3)]
    june, october = outlook(Activity(dates), [JUNE, OCTOBER], TODAY).milestones
    assert june.projected_on == TODAY + timedelta(days=224)
    assert (october.status, october.projected_on) == (BEHIND, None)


def test_a_goal_already_met_says_when_and_needs_no_pace():
    dates = every_day(date(2028, 4, 1), 12)  # the tenth leader became active on April 10
    june = outlook(Activity(dates), [JUNE], TODAY).milestones[0]
    assert (june.status, june.met_on, june.weekly_pace_needed, june.projected_on) == (
        MET,
        date(2028, 4, 10),
        0.0,
        None,
    )


def test_a_goal_met_after_its_date_is_met_late():
    dates = every_day(date(2028, 5, 20), 12)  # the tenth on May 29...
    june = outlook(Activity(dates), [Milestone(date(2028, 5, 25), 10)], date(2028, 6, 15)).milestones[0]
    assert (june.status, june.met_on) == (MET_LATE, date(2028, 5, 29))


def test_a_goal_missed_stays_missed_and_the_next_one_is_what_counts():
    dates = every_day(date(2028, 5, 1), 5)
    seen = outlook(Activity(dates), [JUNE, SEPTEMBER], date(2028, 6, 10))
    june, september = seen.milestones
    assert (june.status, june.weekly_pace_needed) == (MISSED, None)
    assert seen.next is september
    assert september.status == BEHIND  # no growth in the last four weeks


def test_with_no_data_yet_everything_ahead_is_behind_and_the_pace_is_the_whole_goal():
    seen = outlook(Activity([]), [JUNE, SEPTEMBER], TODAY)
    assert (seen.active, seen.weekly_growth) == (0, 0.0)
    june = seen.milestones[0]
    assert (june.status, june.projected_on, june.met_on) == (BEHIND, None, None)
    assert june.weekly_pace_needed == 10 / (31 / 7)
    assert seen.on_track is False


def test_with_no_milestones_nothing_is_ahead():
    seen = outlook(Activity(every_day(TODAY, 1)), [], TODAY)
    assert seen.next is None and seen.on_track is None


def test_the_goal_line_runs_from_zero_through_each_milestone():
    start = date(2028, 5, 2)  # 30 days before June 1
    assert goal_on([JUNE, SEPTEMBER], start, start) == 0
    assert goal_on([JUNE, SEPTEMBER], start, date(2028, 5, 17)) == 5
    assert goal_on([JUNE, SEPTEMBER], start, JUNE.due) == 10
    assert goal_on([JUNE, SEPTEMBER], start, date(2028, 12, 1)) == 30


def test_weeks_step_by_seven_days_and_end_on_the_last_day():
    assert weeks(date(2028, 5, 1), date(2028, 5, 17)) == [
        date(2028, 5, 1),
        date(2028, 5, 8),
        date(2028, 5, 15),
        date(2028, 5, 17),
    ]
    assert weeks(date(2028, 5, 1), date(2028, 5, 1)) == [date(2028, 5, 1)]


def test_a_countys_share_of_a_goal_follows_its_registered_voters_rounded_up():
    assert apportion(1000, 16_000, 4_300_000) == 4
    assert apportion(1000, 0, 4_300_000) == 0
    assert apportion(1000, 10, 0) == 0
