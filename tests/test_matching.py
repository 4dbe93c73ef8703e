from syncing.matching import normalise_title, pick_by_id, pick_by_title
from syncing.seerr import Media


def movie(tmdb_id: int, title: str, year: int | None) -> Media:
    return Media("movie", tmdb_id, title, year)


def show(tmdb_id: int, title: str, year: int | None) -> Media:
    return Media("tv", tmdb_id, title, year)


THE_THINGS = [movie(60935, "The Thing", 2011), movie(1091, "The Thing", 1982)]


def test_the_year_picks_the_original_not_the_remake():
    assert pick_by_title(THE_THINGS, "The Thing", 1982, "movie").tmdb_id == 1091
    assert pick_by_title(THE_THINGS, "The Thing", 2011, "movie").tmdb_id == 60935


def test_never_a_title_from_another_year():
    assert pick_by_title(THE_THINGS, "The Thing", 1995, "movie") is None


def test_one_year_off_is_accepted_only_when_unambiguous():
    assert pick_by_title(THE_THINGS, "The Thing", 1983, "movie").tmdb_id == 1091
    twins = [movie(1, "Twin", 2000), movie(2, "Twin", 2002)]
    assert pick_by_title(twins, "Twin", 2001, "movie") is None


def test_the_media_type_filters_same_name_shows():
    results = [show(1, "Shogun", 1980), movie(2, "Shogun", 1980)]
    assert pick_by_title(results, "Shōgun", 1980, "movie").tmdb_id == 2
    assert pick_by_title(results, "Shogun", 1980, "tv").tmdb_id == 1


def test_punctuation_case_and_articles_do_not_matter():
    assert normalise_title("The Lord of the Rings: The Return of the King!") == normalise_title(
        "lord of the rings the return of the king"
    )
    assert normalise_title("Fast & Furious") == normalise_title("Fast and Furious")


def test_a_subtitle_matches_within_the_same_year():
    results = [movie(11, "Star Wars: Episode IV - A New Hope", 1977)]
    assert pick_by_title(results, "Star Wars", 1977, "movie").tmdb_id == 11
    assert pick_by_title(results, "Star Wars", 1999, "movie") is None


def test_without_a_year_only_an_exact_title_matches():
    results = [movie(5, "Heat Wave", 1990), movie(6, "Heat", 1995)]
    assert pick_by_title(results, "Heat", None, None).tmdb_id == 6
    assert pick_by_title(results, "Hea", None, None) is None


def test_an_id_search_keeps_the_wanted_type_and_drops_people():
    results = [show(603, "Some Show", 2001), movie(603, "The Matrix", 1999)]
    assert pick_by_id(results, "movie").media_type == "movie"
    assert pick_by_id(results, None).media_type == "tv"
    assert pick_by_id([], "movie") is None
