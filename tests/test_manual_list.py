import pytest

from lists.services import add_list
from providers import ListInputError, parse_list
from providers.manual import parse_line, parse_lines


def test_each_accepted_form():
    assert parse_line("tt0133093").imdb_id == "tt0133093"
    assert parse_line("https://www.imdb.com/title/tt0133093/").imdb_id == "tt0133093"
    movie = parse_line("tmdb:movie:603")
    assert (movie.media_type, movie.tmdb_id) == ("movie", 603)
    show = parse_line("TMDB:tv:1399")
    assert (show.media_type, show.tmdb_id) == ("tv", 1399)
    assert parse_line("tvdb:81189").tvdb_id == 81189
    titled = parse_line("  The Thing (1982) ")
    assert (titled.title, titled.year, titled.media_type) == ("The Thing", 1982, None)
    assert parse_line("Amélie").title == "Amélie"


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("tmdb:603", "not a valid id"),
        ("tmdb:film:603", "not a valid id"),
        ("tt12", "not a valid id"),
        ("The Thing (82)", r"write the year as Title \(Year\)"),
        ("Metropolis (1027)", "not a plausible year"),
    ],
)
def test_a_malformed_line_is_named_with_what_to_write(line, problem):
    with pytest.raises(ValueError, match=problem):
        parse_line(line)


def test_bad_lines_are_reported_by_number_and_the_rest_kept():
    items, errors = parse_lines("tt0133093\n\n# a comment\ntmdb:603\nHeat (1995)\n")
    assert [i.identity for i in items] == ["imdb:tt0133093", "title:any:heat:1995"]
    assert errors == [
        "line 4: 'tmdb:603' is not a valid id: use an IMDb id (tt0133093), "
        "tmdb:movie:603, tmdb:tv:1399, tvdb:81189 or Title (Year)"
    ]


@pytest.mark.django_db
def test_adding_a_manual_list_warns_about_the_lines_left_out():
    followed, warnings = add_list("manual", name="Mine", manual_items="tt0133093\ntmdb:x:1")
    assert followed.source == "manual" and followed.name == "Mine"
    assert len(warnings) == 1 and warnings[0].startswith("line 2:")


@pytest.mark.django_db
def test_a_manual_list_with_no_readable_line_is_refused():
    with pytest.raises(ListInputError, match="cannot be saved: line 1"):
        add_list("manual", manual_items="tmdb:1\n")


def test_unknown_input_lists_the_accepted_forms():
    with pytest.raises(ListInputError) as caught:
        parse_list("https://example.com/my-list")
    assert "Steven Lu popular movies: stevenlu" in str(caught.value)
    assert "Manual list: manual" in str(caught.value)
