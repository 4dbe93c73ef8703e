"""Whatever a person pastes, the parsers answer with a list reference or a clear error."""

from hypothesis import given
from hypothesis import strategies as st

from providers import ListInputError, ListRef, parse_list
from providers.manual import parse_line

FEED_HOSTS = ["s3.amazonaws.com", "popular-movies-data.stevenlu.com"]

urls = st.builds(
    lambda scheme, host, path, query: f"{scheme}://{host}/{path}{query}",
    st.sampled_from(["http", "https", "ftp", "javascript"]),
    st.sampled_from([*FEED_HOSTS, "example.com", "imdb.com.evil.example"]),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=60),
    st.sampled_from(["", "?x=1", "#frag", "?a=b&c=%20"]),
)


@given(st.one_of(st.text(max_size=200), urls))
def test_parse_list_never_crashes(text):
    try:
        ref = parse_list(text)
    except ListInputError as exc:
        assert str(exc)  # a message a person can read
    else:
        assert isinstance(ref, ListRef) and ref.source


@given(st.text(max_size=200))
def test_a_manual_line_is_an_item_or_a_clear_error(line):
    try:
        item = parse_line(line)
    except ValueError as exc:
        assert str(exc)
    else:
        assert item.imdb_id or item.tmdb_id or item.tvdb_id or item.title
