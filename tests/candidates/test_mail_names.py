"""A household's addressee, and the ZIP split, as one pure function each."""

import pytest

from candidates.mail import combine_names, split_zip


@pytest.mark.parametrize(
    ("people", "addressee"),
    [
        ([("John", "Smith", "")], "John Smith"),
        ([("John", "Smith", "Jr")], "John Smith Jr"),
        ([("John", "Smith", ""), ("Mary", "Smith", "")], "John & Mary Smith"),
        ([("John", "Smith", ""), ("Mary", "SMITH", "")], "John & Mary Smith"),
        ([("John", "Smith", ""), ("Mary", "Jones", "")], "John Smith & Mary Jones"),
        ([("John", "Smith", "Sr"), ("John", "Smith", "Jr")], "John Smith Sr & John Smith Jr"),
        ([("John", "Smith", ""), ("Mary", "Smith", ""), ("Ann", "Smith", "")], "The Smith Household"),
        ([("Al", "Jones", ""), ("John", "Smith", ""), ("Mary", "Smith", "")], "The Smith Household"),
        ([("Al", "Jones", ""), ("John", "Smith", ""), ("Mary", "Lee", "")], "The Jones Household"),
    ],
)
def test_names_combine_as_a_mail_house_writes_them(people, addressee):
    assert combine_names(people) == addressee


@pytest.mark.parametrize(
    ("zip_code", "parts"),
    [
        ("64468", ("64468", "")),
        ("64468-1234", ("64468", "1234")),
        ("644681234", ("64468", "1234")),
        ("", ("", "")),
    ],
)
def test_a_zip_splits_into_zip_and_zip4(zip_code, parts):
    assert split_zip(zip_code) == parts
