"""A sandbox request server: a small fake of Overseerr, Jellyseerr and Seerr (/api/v1).

It serves the endpoints ListSync uses (status, auth/me, user, search, movie and tv details,
POST request) over real HTTP from a catalogue of titles whose server-side state (never seen,
unknown, pending, processing, partially available, available, deleted, blocklisted, and the
requests made so far) is stored in words and turned into each fork's numbers when answering.

Behaviour copied from the real servers' code (sct/overseerr, fallenbagel/jellyseerr,
seerr-team/seerr), see the comments at each place. Every answer whose status code the fork's
OpenAPI spec documents validates against that spec (tests/openapi_check.py).

Pure standard library: importable without Django settings.

    with SandboxServer(fork="seerr") as server:
        requests.get(f"{server.url}/api/v1/status").json()["version"]  # "3.0.1"
"""

from __future__ import annotations

import copy
import json
import math
import random
import re
import threading
import time
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum, IntEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self
from urllib.parse import unquote, urlsplit

API_PREFIX = "/api/v1"
FORKS = ("overseerr", "jellyseerr", "seerr")
FORK_VERSIONS = {"overseerr": "1.34.0", "jellyseerr": "2.7.3", "seerr": "3.0.1"}
PAGE_SIZE = 20  # TMDB's page size, passed through by the servers
BASE_TIMESTAMP = "2024-01-01T00:00:00.000Z"


# --------------------------------------------------------------------------------------------
# Constants shared by the three forks
# --------------------------------------------------------------------------------------------


class Permission(IntEnum):
    """server/lib/permissions.ts (the bits ListSync cares about)."""

    NONE = 0
    ADMIN = 2
    MANAGE_USERS = 8
    MANAGE_REQUESTS = 16
    REQUEST = 32
    AUTO_APPROVE = 128
    AUTO_APPROVE_MOVIE = 256
    AUTO_APPROVE_TV = 512
    REQUEST_4K = 1024
    REQUEST_4K_MOVIE = 2048
    REQUEST_4K_TV = 4096
    AUTO_APPROVE_4K = 32768
    AUTO_APPROVE_4K_MOVIE = 65536
    AUTO_APPROVE_4K_TV = 131072
    REQUEST_MOVIE = 262144
    REQUEST_TV = 524288


def has_permission(granted: int, wanted: int | Iterable[int], *, any_of: bool = False) -> bool:
    """hasPermission() of the real servers: ADMIN implies everything, 0 asks for nothing;
    a list means all of them, or any of them with `any_of`."""
    if isinstance(wanted, int):
        return wanted == 0 or bool(granted & Permission.ADMIN) or bool(granted & wanted)
    if granted & Permission.ADMIN:
        return True
    checks = [bool(granted & bit) for bit in wanted]
    return any(checks) if any_of else all(checks)


class MediaState(Enum):
    """What the request server knows about a title, in words (`mediaInfo.status`).

    Deliberately not shared with syncing.seerr: the sandbox plays the server from the servers'
    own code, so a misreading in the client cannot hide behind the same misreading here."""

    UNKNOWN = "unknown"  # known to the server, nothing requested
    PENDING = "pending"
    PROCESSING = "processing"
    PARTIALLY_AVAILABLE = "partially_available"
    AVAILABLE = "available"
    DELETED = "deleted"
    BLOCKLISTED = "blocklisted"


_COMMON_NUMBERS = {
    MediaState.UNKNOWN: 1,
    MediaState.PENDING: 2,
    MediaState.PROCESSING: 3,
    MediaState.PARTIALLY_AVAILABLE: 4,
    MediaState.AVAILABLE: 5,
}
# Past 5 the forks differ. Overseerr has no blocklist: a blocklisted title shows as UNKNOWN there.
MEDIA_STATUS_NUMBERS: dict[str, dict[MediaState, int]] = {
    "overseerr": {**_COMMON_NUMBERS, MediaState.DELETED: 6, MediaState.BLOCKLISTED: 1},
    "jellyseerr": {**_COMMON_NUMBERS, MediaState.BLOCKLISTED: 6, MediaState.DELETED: 7},
    "seerr": {**_COMMON_NUMBERS, MediaState.BLOCKLISTED: 6, MediaState.DELETED: 7},
}


def media_status_number(state: MediaState, fork: str) -> int:
    return MEDIA_STATUS_NUMBERS[fork][state]


def has_blocklist(fork: str) -> bool:
    return fork != "overseerr"


class RequestStatus(IntEnum):
    """`MediaRequest.status`, the same numbers on every fork."""

    PENDING = 1
    APPROVED = 2
    DECLINED = 3
    FAILED = 4
    COMPLETED = 5


# Requests in these states neither block a new movie request nor hold their seasons
# (MediaRequest.request(): `status !== DECLINED && status !== COMPLETED`).
_SETTLED_REQUEST_STATUSES = frozenset({RequestStatus.DECLINED, RequestStatus.COMPLETED})


# --------------------------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------------------------


@dataclass
class ExistingRequest:
    """A request the server holds for a title (the sandbox adds one per 201)."""

    status: RequestStatus
    requested_by: int = 1
    is4k: bool = False
    seasons: list[int] = field(default_factory=list)  # shows only
    modified_by: int | None = None
    id: int = 0  # 0: the server numbers it
    created_at: str = BASE_TIMESTAMP


@dataclass
class ServerState:
    """The server's Media row for a title. A title with no ServerState has no `mediaInfo`."""

    status: MediaState = MediaState.UNKNOWN
    status4k: MediaState = MediaState.UNKNOWN
    seasons: dict[int, MediaState] = field(default_factory=dict)  # shows: season -> state
    seasons4k: dict[int, MediaState] = field(default_factory=dict)
    requests: list[ExistingRequest] = field(default_factory=list)
    media_id: int = 0  # 0: the server numbers it

    def status_for(self, is4k: bool) -> MediaState:
        return self.status4k if is4k else self.status

    def set_status(self, is4k: bool, state: MediaState) -> None:
        if is4k:
            self.status4k = state
        else:
            self.status = state

    def season_states(self, is4k: bool) -> dict[int, MediaState]:
        return self.seasons4k if is4k else self.seasons


@dataclass
class Movie:
    tmdb_id: int
    imdb_id: str | None
    title: str
    year: int
    popularity: float = 10.0
    server: ServerState | None = None

    media_type: ClassVar[str] = "movie"

    @property
    def release_date(self) -> str:
        return f"{self.year}-01-01"


@dataclass
class Show:
    tmdb_id: int
    tvdb_id: int | None
    imdb_id: str | None
    title: str
    year: int
    number_of_seasons: int
    popularity: float = 10.0
    has_specials: bool = True  # a season 0 on TMDB
    episodes_per_season: int = 10
    server: ServerState | None = None

    media_type: ClassVar[str] = "tv"

    @property
    def release_date(self) -> str:
        return f"{self.year}-01-01"

    def season_numbers(self, *, with_specials: bool = True) -> list[int]:
        first = 0 if (self.has_specials and with_specials) else 1
        return list(range(first, self.number_of_seasons + 1))


@dataclass
class Person:
    """People share TMDB's id numbers with movies and shows: `tmdb:603` finds all three."""

    tmdb_id: int
    name: str
    imdb_id: str | None = None
    popularity: float = 1.0

    media_type: ClassVar[str] = "person"


Title = Movie | Show


@dataclass
class _Index:
    movies: dict[int, Movie]
    shows: dict[int, Show]
    people: dict[int, Person]
    by_imdb: dict[str, list[Movie | Show | Person]]
    shows_by_tvdb: dict[int, list[Show]]
    searchable: list[tuple[str, Movie | Show | Person]]  # normalised name, entry


@dataclass
class Catalogue:
    """The titles the sandbox knows (its 'TMDB') and their server-side state.

    Lookups go through an index rebuilt when a list changes length; call reindex() after
    editing the ids of an entry in place."""

    movies: list[Movie] = field(default_factory=list)
    shows: list[Show] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    _index: _Index | None = field(default=None, repr=False, compare=False)
    _indexed_sizes: tuple[int, int, int] = field(default=(-1, -1, -1), repr=False, compare=False)

    def titles(self) -> list[Title]:
        return [*self.movies, *self.shows]

    def movie(self, tmdb_id: int) -> Movie | None:
        return self.index().movies.get(tmdb_id)

    def show(self, tmdb_id: int) -> Show | None:
        return self.index().shows.get(tmdb_id)

    def person(self, tmdb_id: int) -> Person | None:
        return self.index().people.get(tmdb_id)

    def title(self, media_type: str, tmdb_id: int) -> Title | None:
        return self.movie(tmdb_id) if media_type == "movie" else self.show(tmdb_id)

    def extend(self, other: Catalogue) -> Self:
        self.movies.extend(other.movies)
        self.shows.extend(other.shows)
        self.people.extend(other.people)
        return self

    def copy(self) -> Catalogue:
        return Catalogue(
            copy.deepcopy(self.movies), copy.deepcopy(self.shows), copy.deepcopy(self.people)
        )

    def reindex(self) -> None:
        self._index = None

    def index(self) -> _Index:
        sizes = (len(self.movies), len(self.shows), len(self.people))
        if self._index is None or sizes != self._indexed_sizes:
            self._index = _build_index(self)
            self._indexed_sizes = sizes
        return self._index


def _build_index(catalogue: Catalogue) -> _Index:
    by_imdb: dict[str, list[Movie | Show | Person]] = {}
    shows_by_tvdb: dict[int, list[Show]] = {}
    entries: list[Movie | Show | Person] = [*catalogue.movies, *catalogue.shows, *catalogue.people]
    for entry in entries:
        if entry.imdb_id:
            by_imdb.setdefault(entry.imdb_id.lower(), []).append(entry)
    for show in catalogue.shows:
        if show.tvdb_id is not None:
            shows_by_tvdb.setdefault(show.tvdb_id, []).append(show)
    return _Index(
        movies={m.tmdb_id: m for m in catalogue.movies},
        shows={s.tmdb_id: s for s in catalogue.shows},
        people={p.tmdb_id: p for p in catalogue.people},
        by_imdb=by_imdb,
        shows_by_tvdb=shows_by_tvdb,
        searchable=[(normalise_words(_display_name(e)), e) for e in entries],
    )


def _display_name(entry: Movie | Show | Person) -> str:
    return entry.name if isinstance(entry, Person) else entry.title


def normalise_words(text: str) -> str:
    """Lower case, accents and apostrophes dropped, other punctuation as spaces, so that
    'Schitt's Creek' is found by 'schitts creek' and 'Amélie' by 'amelie'."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    plain = plain.replace("'", "").replace("\u2019", "")
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


# --------------------------------------------------------------------------------------------
# Demo and synthetic catalogues
# --------------------------------------------------------------------------------------------


def _state(
    status: MediaState,
    *requests: ExistingRequest,
    seasons: dict[int, MediaState] | None = None,
) -> ServerState:
    return ServerState(status=status, seasons=dict(seasons or {}), requests=list(requests))


def _request(
    status: RequestStatus, user: int = 1, seasons: Iterable[int] = (), is4k: bool = False
) -> ExistingRequest:
    approved = status in (
        RequestStatus.APPROVED,
        RequestStatus.COMPLETED,
        RequestStatus.DECLINED,
        RequestStatus.FAILED,
    )
    return ExistingRequest(
        status=status,
        requested_by=user,
        is4k=is4k,
        seasons=list(seasons),
        modified_by=1 if approved else None,
    )


def _all_seasons(count: int, state: MediaState) -> dict[int, MediaState]:
    return dict.fromkeys(range(1, count + 1), state)


def demo_catalogue() -> Catalogue:
    """About 40 well-known titles with their real TMDB / IMDb / TVDB ids, one per case a sync
    meets. A fresh copy each call: tests change the state."""
    s, r = MediaState, RequestStatus
    movies = [
        # Never seen by the server: no mediaInfo at all.
        Movie(603, "tt0133093", "The Matrix", 1999, 82.0),
        Movie(11, "tt0076759", "Star Wars", 1977, 70.0),
        Movie(78, "tt0083658", "Blade Runner", 1982, 45.0),
        Movie(335984, "tt1856101", "Blade Runner 2049", 2017, 60.0),
        Movie(424, "tt0108052", "Schindler's List", 1993, 40.0),
        Movie(813, "tt0080339", "Airplane!", 1980, 20.0),
        Movie(954, "tt0117060", "Mission: Impossible", 1996, 55.0),
        Movie(13804, "tt1013752", "Fast & Furious", 2009, 50.0),
        Movie(194, "tt0211915", "Amélie", 2001, 30.0),
        # A remake pair: same title, different years. Only the 1982 one is in the library.
        Movie(1091, "tt0084787", "The Thing", 1982, 35.0, _state(s.AVAILABLE)),
        Movie(60935, "tt0905372", "The Thing", 2011, 25.0),
        # Known to the server, nothing requested: must still be requested.
        Movie(13, "tt0109830", "Forrest Gump", 1994, 65.0, _state(s.UNKNOWN)),
        Movie(807, "tt0114369", "Se7en", 1995, 50.0, _state(s.UNKNOWN)),
        # In flight.
        Movie(
            27205,
            "tt1375666",
            "Inception",
            2010,
            90.0,
            _state(s.PENDING, _request(r.PENDING, user=2)),
        ),
        Movie(
            155,
            "tt0468569",
            "The Dark Knight",
            2008,
            85.0,
            _state(s.PROCESSING, _request(r.APPROVED)),
        ),
        Movie(
            161,
            "tt0240772",
            "Ocean's Eleven",
            2001,
            45.0,
            _state(s.PROCESSING, _request(r.APPROVED, user=2)),
        ),
        Movie(
            496243, "tt6751668", "Parasite", 2019, 60.0, _state(s.PROCESSING, _request(r.FAILED))
        ),
        # In the library: one found by a scan (no request), one requested first.
        Movie(550, "tt0137523", "Fight Club", 1999, 75.0, _state(s.AVAILABLE)),
        Movie(680, "tt0110912", "Pulp Fiction", 1994, 70.0, _state(s.AVAILABLE)),
        Movie(597, "tt0120338", "Titanic", 1997, 68.0, _state(s.AVAILABLE)),
        Movie(
            671,
            "tt0241527",
            "Harry Potter and the Philosopher's Stone",
            2001,
            72.0,
            _state(s.AVAILABLE, _request(r.APPROVED)),
        ),
        # Declined once: the server lets it be requested again.
        Movie(
            157336,
            "tt0816692",
            "Interstellar",
            2014,
            88.0,
            _state(s.UNKNOWN, _request(r.DECLINED, user=2)),
        ),
        # Deleted from the library after it was watched; may be requested again.
        Movie(
            278,
            "tt0111161",
            "The Shawshank Redemption",
            1994,
            80.0,
            _state(s.DELETED, _request(r.COMPLETED)),
        ),
        # Blocklisted by an admin (Jellyseerr / Seerr; plain UNKNOWN on Overseerr).
        Movie(238, "tt0068646", "The Godfather", 1972, 78.0, _state(s.BLOCKLISTED)),
    ]
    shows = [
        Show(2316, 73244, "tt0386676", "The Office", 2005, 9, 70.0),
        Show(87108, 360893, "tt7366338", "Chernobyl", 2019, 1, 40.0, has_specials=False),
        Show(61662, 287247, "tt3526078", "Schitt's Creek", 2015, 6, 35.0),
        Show(655, 71470, "tt0092455", "Star Trek: The Next Generation", 1987, 7, 38.0),
        Show(1920, 70533, "tt0098936", "Twin Peaks", 1990, 3, 30.0),
        Show(
            82856, 361753, "tt8111088", "The Mandalorian", 2019, 3, 60.0, server=_state(s.UNKNOWN)
        ),
        # Seasons 1-4 in the library, 5-8 missing: "all" asks for 5-8 only.
        Show(
            1399,
            121361,
            "tt0944947",
            "Game of Thrones",
            2011,
            8,
            95.0,
            server=_state(
                s.PARTIALLY_AVAILABLE,
                seasons={
                    **_all_seasons(4, s.AVAILABLE),
                    5: s.UNKNOWN,
                    6: s.UNKNOWN,
                    7: s.UNKNOWN,
                    8: s.UNKNOWN,
                },
            ),
        ),
        # Season 1 available, season 2 requested and processing, season 3 missing.
        Show(
            70523,
            334824,
            "tt5753856",
            "Dark",
            2017,
            3,
            45.0,
            server=_state(
                s.PARTIALLY_AVAILABLE,
                _request(r.APPROVED, seasons=[2]),
                seasons={1: s.AVAILABLE, 2: s.PROCESSING, 3: s.UNKNOWN},
            ),
        ),
        Show(
            1396,
            81189,
            "tt0903747",
            "Breaking Bad",
            2008,
            5,
            90.0,
            server=_state(s.AVAILABLE, seasons=_all_seasons(5, s.AVAILABLE)),
        ),
        Show(
            4613,
            74205,
            "tt0185906",
            "Band of Brothers",
            2001,
            1,
            40.0,
            has_specials=False,
            server=_state(s.AVAILABLE, seasons=_all_seasons(1, s.AVAILABLE)),
        ),
        # Every season already requested: "all" answers 202.
        Show(
            1668,
            79168,
            "tt0108778",
            "Friends",
            1994,
            10,
            75.0,
            server=_state(s.PENDING, _request(r.PENDING, user=2, seasons=range(1, 11))),
        ),
        Show(
            1398,
            75299,
            "tt0141842",
            "The Sopranos",
            1999,
            6,
            55.0,
            server=_state(
                s.PROCESSING,
                _request(r.APPROVED, seasons=range(1, 7)),
                seasons=_all_seasons(6, s.PROCESSING),
            ),
        ),
        Show(
            1438,
            79126,
            "tt0306414",
            "The Wire",
            2002,
            5,
            50.0,
            server=_state(s.UNKNOWN, _request(r.DECLINED, user=2, seasons=range(1, 6))),
        ),
        Show(
            19885,
            176941,
            "tt1475582",
            "Sherlock",
            2010,
            4,
            58.0,
            server=_state(
                s.DELETED,
                _request(r.COMPLETED, seasons=range(1, 5)),
                seasons=_all_seasons(4, s.DELETED),
            ),
        ),
        Show(
            60059,
            273181,
            "tt3032476",
            "Better Call Saul",
            2015,
            6,
            62.0,
            server=_state(s.BLOCKLISTED),
        ),
        # INVENTED, not a real TMDB show: shares the number 550 with the movie Fight Club, as
        # real movies and shows share numbers in their separate id spaces. Clients must key
        # titles by (media type, id). No TVDB or IMDb id, as some real shows.
        Show(550, None, None, "Twin Namespace Show (sandbox)", 2020, 2, 5.0),
    ]
    people = [
        Person(6384, "Keanu Reeves", "nm0000206", 30.0),
        Person(17419, "Bryan Cranston", "nm0186505", 20.0),
        # INVENTED name: on TMDB nearly every small number is also a person's id, so an id
        # search for a movie also returns a person.
        Person(603, "Sandbox Person 603", None, 1.0),
    ]
    return Catalogue(movies, shows, people)


SYNTHETIC_MOVIE_IDS = 8_000_000  # TMDB ids far above real ones, one range per type
SYNTHETIC_SHOW_IDS = 9_000_000
SYNTHETIC_TVDB_IDS = 9_000_000


def synthetic_catalogue(movies: int, shows: int, seed: int = 0) -> Catalogue:
    """Generated titles for benchmarks: unique ids and titles ('Synthetic Movie 0042'), years
    1950-2025, none known to the server. The same arguments give the same catalogue."""
    rng = random.Random(seed)
    width = max(4, len(str(max(movies, shows, 1))))
    generated_movies = [
        Movie(
            tmdb_id=SYNTHETIC_MOVIE_IDS + n,
            imdb_id=f"tt9{n:06d}",
            title=f"Synthetic Movie {n:0{width}d}",
            year=rng.randint(1950, 2025),
            popularity=round(rng.uniform(0.5, 100.0), 3),
        )
        for n in range(movies)
    ]
    generated_shows = [
        Show(
            tmdb_id=SYNTHETIC_SHOW_IDS + n,
            tvdb_id=SYNTHETIC_TVDB_IDS + n,
            imdb_id=f"tt9{500_000 + n:06d}",
            title=f"Synthetic Show {n:0{width}d}",
            year=rng.randint(1950, 2025),
            number_of_seasons=rng.randint(1, 8),
            popularity=round(rng.uniform(0.5, 100.0), 3),
        )
        for n in range(shows)
    ]
    return Catalogue(generated_movies, generated_shows)


# --------------------------------------------------------------------------------------------
# Users and recorded calls
# --------------------------------------------------------------------------------------------


@dataclass
class SandboxUser:
    id: int
    username: str
    permissions: int
    email: str = ""
    user_type: int = 2  # 1 Plex, 2 local, 3 Jellyfin

    def __post_init__(self) -> None:
        if not self.email:
            self.email = f"{self.username}@sandbox.local"


def default_users() -> list[SandboxUser]:
    return [
        SandboxUser(1, "admin", Permission.ADMIN, user_type=1),
        SandboxUser(2, "requester", Permission.REQUEST),
        SandboxUser(3, "viewer", Permission.NONE),
    ]


@dataclass
class SandboxCall:
    """One call the sandbox answered. Header names are lower case."""

    method: str
    path: str
    query: str  # raw, as sent
    headers: dict[str, str]
    body: Any  # parsed JSON body, None if none or not JSON
    status: int
    response: Any  # the JSON answered
    response_headers: dict[str, str] = field(default_factory=dict)


@dataclass
class SandboxReply:
    status: int
    payload: Any
    headers: dict[str, str] = field(default_factory=dict)


class _ApiError(Exception):
    def __init__(self, status: int, payload: dict[str, Any]):
        super().__init__(status, payload)
        self.status = status
        self.payload = payload


def _error(status: int, message: str) -> _ApiError:
    return _ApiError(status, {"message": message})


# The messages below are the real ones; see each raise for where they come from.
NOT_FOUND_MESSAGE = "not found"  # express-openapi-validator, unknown path
NO_KEY_MESSAGE = "cookie 'connect.sid' required"  # express-openapi-validator security check
NO_PERMISSION_MESSAGE = "You do not have permission to access this endpoint"  # isAuthenticated
NOT_ENCODED_MESSAGE = (  # express-openapi-validator, query values with reserved characters
    "Parameter '{name}' must be url encoded. Its value may not contain reserved characters."
)
DUPLICATE_MESSAGE = "Request for this media already exists."
NO_SEASONS_MESSAGE = "No seasons available to request"
BLOCKLISTED_MESSAGE = "This media is blocklisted."
MODIFY_USER_MESSAGE = "You do not have permission to modify the request user."
INTERNAL_ERROR_MESSAGE = "Internal Server Error"
TOO_MANY_REQUESTS_MESSAGE = "Too Many Requests"

_RESERVED_CHARACTERS = re.compile(r"[:/?#\[\]@!$&'()*+,;=]")  # express-openapi-validator's set

# Query parameters each operation declares in the specs; the real server answers 400 to others.
_QUERY_PARAMETERS: dict[str, dict[str, str]] = {
    "/search": {"query": "string", "page": "number", "language": "string"},
    "/user": {"take": "number", "skip": "number", "sort": "string"},
    "/movie": {"language": "string"},
    "/tv": {"language": "string"},
    "/status": {},
    "/auth/me": {},
    "/request": {},
}
_SEERR_USER_PARAMETERS = {"q": "string", "includeIds": "string"}  # seerr-api.yml only


def _now() -> str:
    """JavaScript's Date.toJSON(): milliseconds and a Z."""
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _js_number(text: str) -> float | None:
    """Number() of JavaScript for a query or header value; None for NaN."""
    try:
        value = float(text.strip()) if text.strip() else 0.0
    except ValueError:
        return None
    return None if math.isnan(value) else value


def _is_json_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class SandboxServer:
    """A fake request server on a real socket, in a daemon thread.

    Knobs are plain attributes, read on every call, safe to change while it runs:
    `fork`, `api_key`, `latency` (seconds added to every call), `error_rate` (fraction of calls
    answered 500, drawn from an RNG seeded with `seed`), `burst_429` (while > 0 every call
    answers 429 with `Retry-After: retry_after` and decrements it; it starts at the value given,
    so the first N calls after start are refused; trigger_429_burst() sets it again),
    `retry_after`, `users`, `catalogue`.

    Injected faults (429, 500) come before everything else, even /status."""

    def __init__(
        self,
        catalogue: Catalogue | None = None,
        *,
        fork: str = "overseerr",
        api_key: str = "sandbox-key",
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        error_rate: float = 0.0,
        burst_429: int = 0,
        retry_after: int = 1,
        users: list[SandboxUser] | None = None,
        seed: int = 0,
    ):
        if fork not in FORKS:
            raise ValueError(f"fork must be one of {FORKS}, not {fork!r}")
        self.catalogue = catalogue if catalogue is not None else demo_catalogue()
        self.fork = fork
        self.api_key = api_key
        self.host = host
        self.port = port
        self.latency = latency
        self.error_rate = error_rate
        self.burst_429 = burst_429
        self.retry_after = retry_after
        self.users = users if users is not None else default_users()
        self.calls: list[SandboxCall] = []
        self.in_flight = 0
        self.max_in_flight = 0  # the most calls it answered at once: checks clients' limits
        self._burst_size = burst_429
        self._rng = random.Random(seed)
        self._state_lock = threading.RLock()  # catalogue state and id counters
        self._calls_lock = threading.Lock()  # calls, fault counters, RNG
        self._next_media_id = 1
        self._next_request_id = 1
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._number_existing_rows()

    # ---- lifecycle -------------------------------------------------------------------------

    def start(self) -> Self:
        if self._httpd is not None:
            return self
        httpd = ThreadingHTTPServer((self.host, self.port), _Handler)
        httpd.daemon_threads = True
        httpd.sandbox = self  # type: ignore[attr-defined]
        self._httpd = httpd
        self.port = httpd.server_address[1]
        # stop() waits up to one poll interval.
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.01},
            name=f"sandbox-{self.fork}-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL a user types (the API lives under /api/v1)."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return self.url + API_PREFIX

    # ---- test helpers ----------------------------------------------------------------------

    def trigger_429_burst(self, calls: int | None = None) -> None:
        """Refuse the next `calls` calls (default: the burst_429 given at construction) with 429."""
        with self._calls_lock:
            self.burst_429 = self._burst_size if calls is None else calls

    def reset_calls(self) -> None:
        with self._calls_lock:
            self.calls.clear()

    def count(
        self, method: str | None = None, path_prefix: str | None = None, status: int | None = None
    ) -> int:
        return sum(1 for call in self._matching_calls(method, path_prefix, status))

    def requests_created(self) -> list[SandboxCall]:
        """The POST /api/v1/request calls answered 201: `.body` is what was asked,
        `.response` the MediaRequest created."""
        return list(self._matching_calls("POST", f"{API_PREFIX}/request", 201))

    def _matching_calls(
        self, method: str | None, path_prefix: str | None, status: int | None
    ) -> Iterator[SandboxCall]:
        with self._calls_lock:
            calls = list(self.calls)
        for call in calls:
            if method is not None and call.method != method.upper():
                continue
            if path_prefix is not None and not call.path.startswith(path_prefix):
                continue
            if status is not None and call.status != status:
                continue
            yield call

    # ---- one call --------------------------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes = b""
    ) -> SandboxReply:
        """Answer one call (what the HTTP handler does; usable in-process) and record it."""
        method = method.upper()
        lower_headers = {name.lower(): value for name, value in headers.items()}
        url = urlsplit(target)
        parsed_body, body_error = _parse_body(body)
        with self._calls_lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.latency > 0:
                time.sleep(self.latency)  # the simulated network and TMDB round trip
            reply = self._injected_fault() or self._answer(
                method, url.path, url.query, lower_headers, parsed_body, body_error
            )
        finally:
            with self._calls_lock:
                self.in_flight -= 1
        call = SandboxCall(
            method,
            url.path,
            url.query,
            lower_headers,
            parsed_body,
            reply.status,
            reply.payload,
            dict(reply.headers),
        )
        with self._calls_lock:
            self.calls.append(call)
        return reply

    def _injected_fault(self) -> SandboxReply | None:
        with self._calls_lock:
            if self.burst_429 > 0:
                self.burst_429 -= 1
                return SandboxReply(
                    429,
                    {"message": TOO_MANY_REQUESTS_MESSAGE},
                    {"Retry-After": str(self.retry_after)},
                )
            if self.error_rate > 0 and self._rng.random() < self.error_rate:
                return SandboxReply(500, {"message": INTERNAL_ERROR_MESSAGE})
        return None

    def _answer(
        self,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: Any,
        body_error: str | None,
    ) -> SandboxReply:
        try:
            route, path_id = _route(method, path)
            # The real order: unknown path, then the key's presence (OpenAPI validator), then
            # query and body validation, then the key's value and the user (isAuthenticated).
            if route != "/status":
                _require_key_or_cookie(path, headers)
            params = _check_query(route, query, self.fork)
            if path_id is not None and _js_number(path_id) is None:
                name = "movieId" if route == "/movie" else "tvId"
                raise _error(400, f"request/params/{name} must be number")
            if method == "POST":
                _check_post_body(headers, body, body_error)
            if route == "/status":
                return SandboxReply(200, self._status())
            user = self._acting_user(headers)
            if user is None:
                raise _ApiError(403, {"status": 403, "error": NO_PERMISSION_MESSAGE})
            with self._state_lock:
                return self._dispatch(route, path_id, params, body, user)
        except _ApiError as error:
            return SandboxReply(error.status, error.payload)

    def _dispatch(
        self,
        route: str,
        path_id: str | None,
        params: dict[str, str],
        body: Any,
        user: SandboxUser,
    ) -> SandboxReply:
        if route == "/auth/me":
            return SandboxReply(200, _user_json(user))
        if route == "/user":
            return SandboxReply(200, self._users_page(params))
        if route == "/search":
            return SandboxReply(200, self._search(params))
        if route in ("/movie", "/tv"):
            return SandboxReply(200, self._details(route[1:], path_id or ""))
        return self._create_request(body, user)

    def _acting_user(self, headers: dict[str, str]) -> SandboxUser | None:
        """checkUser: the key acts as user 1, or as the user named by X-API-User."""
        if headers.get("x-api-key") != self.api_key:
            return None
        raw_user = headers.get("x-api-user", "")
        user_id = _js_number(raw_user) if raw_user else 1
        return self._user(user_id) if user_id is not None else None

    def _user(self, user_id: float) -> SandboxUser | None:
        return next((u for u in self.users if u.id == user_id), None)

    # ---- endpoints -------------------------------------------------------------------------

    def _status(self) -> dict[str, Any]:
        return {
            "version": FORK_VERSIONS[self.fork],
            "commitTag": "local",
            "updateAvailable": False,
            "commitsBehind": 0,
            "restartRequired": False,
        }

    def _users_page(self, params: dict[str, str]) -> dict[str, Any]:
        take = _js_number(params["take"]) if params.get("take") else None
        page_size = int(take) if take and take > 0 else 10
        skip = int(_js_number(params.get("skip") or "0") or 0)
        users = sorted(self.users, key=lambda u: u.id)
        query = params.get("q", "").lower()
        if query:
            users = [u for u in users if query in u.username.lower() or query in u.email]
        return {
            "pageInfo": {
                "pages": math.ceil(len(users) / page_size),
                "pageSize": page_size,
                "results": len(users),
                "page": math.ceil(skip / page_size) + 1,
            },
            "results": [_user_json(u) for u in users[skip : skip + page_size]],
        }

    def _search(self, params: dict[str, str]) -> dict[str, Any]:
        query = params.get("query", "")
        found = _find_by_id(self.catalogue, query.lower())
        if found is not None:
            # The id providers answer one page with everything found (server/lib/search.ts).
            return self._results_page(found, page=1, total=len(found))
        page = max(1, int(_js_number(params.get("page") or "1") or 1))
        matches = _text_search(self.catalogue, query)
        start = (page - 1) * PAGE_SIZE
        return self._results_page(matches[start : start + PAGE_SIZE], page=page, total=len(matches))

    def _results_page(
        self, entries: list[Movie | Show | Person], *, page: int, total: int
    ) -> dict[str, Any]:
        return {
            "page": page,
            "totalPages": max(1, math.ceil(total / PAGE_SIZE)),
            "totalResults": total,
            "results": [self._search_result(entry) for entry in entries],
        }

    def _search_result(self, entry: Movie | Show | Person) -> dict[str, Any]:
        if isinstance(entry, Person):
            return {
                "id": entry.tmdb_id,
                "mediaType": "person",
                "name": entry.name,
                "popularity": entry.popularity,
                "adult": False,
                "knownFor": [],
            }
        result = _movie_result(entry) if isinstance(entry, Movie) else _tv_result(entry)
        if entry.server is not None:
            # Search loads Media without its requests (only the eager seasons come along).
            result["mediaInfo"] = self._media_json(entry, with_requests=False)
        return result

    def _details(self, media_type: str, raw_id: str) -> dict[str, Any]:
        tmdb_id = _js_number(raw_id)
        title = None
        if tmdb_id is not None and tmdb_id.is_integer():
            title = self.catalogue.title(media_type, int(tmdb_id))
        if title is None:
            # movie.ts / tv.ts answer 500 to any TMDB failure, a 404 included.
            noun = "movie" if media_type == "movie" else "series"
            raise _error(500, f"Unable to retrieve {noun}.")
        details = _movie_details(title) if isinstance(title, Movie) else _tv_details(title)
        if title.server is not None:
            details["mediaInfo"] = self._media_json(title, with_requests=True)
        return details

    # ---- POST /request ---------------------------------------------------------------------

    def _create_request(self, body: dict[str, Any], user: SandboxUser) -> SandboxReply:
        """MediaRequest.request() of the real servers, step by step."""
        media_type = body["mediaType"]
        is4k = bool(body.get("is4k", False))
        request_user = self._request_user(body, user)
        _check_request_permission(request_user, media_type, is4k)
        media_id = body["mediaId"]
        title = (
            self.catalogue.title(media_type, int(media_id))
            if float(media_id).is_integer()
            else None
        )
        if title is None:
            # The server fetches the title from TMDB first; a 404 there ends in the catch-all 500.
            what = "movie details" if media_type == "movie" else "TV show details"
            raise _error(500, f"[TMDB] Failed to fetch {what}: Request failed with status code 404")
        if (
            title.server is not None
            and title.server.status == MediaState.BLOCKLISTED
            and has_blocklist(self.fork)
        ):
            raise _error(403, BLOCKLISTED_MESSAGE)
        existing = [r for r in (title.server.requests if title.server else []) if r.is4k == is4k]
        # Only the first request decides (`existing[0]` in the real code), for movies only.
        if (
            isinstance(title, Movie)
            and existing
            and existing[0].status not in _SETTLED_REQUEST_STATUSES
        ):
            raise _error(409, DUPLICATE_MESSAGE)
        seasons = self._seasons_to_request(title, body, is4k) if isinstance(title, Show) else []
        return SandboxReply(201, self._save_request(title, user, request_user, is4k, seasons, body))

    def _request_user(self, body: dict[str, Any], user: SandboxUser) -> SandboxUser:
        if not body.get("userId"):
            return user
        if not has_permission(
            user.permissions, [Permission.MANAGE_USERS, Permission.MANAGE_REQUESTS]
        ):
            raise _error(403, MODIFY_USER_MESSAGE)
        target = self._user(body["userId"])
        if target is None:  # findOneOrFail, caught by the route's catch-all
            raise _error(
                500,
                f'Could not find any entity of type "User" matching: '
                f'{{"where": {{"id": {body["userId"]}}}}}',
            )
        return target

    def _seasons_to_request(self, show: Show, body: dict[str, Any], is4k: bool) -> list[int]:
        asked = body.get("seasons")
        if asked == "all":
            requested = show.season_numbers(with_specials=False)
        elif asked is None:
            # `(requestBody.seasons as number[]).filter(...)` on undefined.
            raise _error(500, "Cannot read properties of undefined (reading 'filter')")
        else:
            requested = [int(n) for n in asked]
            if self.fork == "seerr":  # specials off by default: season 0 dropped from lists too
                requested = [n for n in requested if n > 0]
        taken = _seasons_taken(show.server, is4k) if show.server else set()
        remaining = [n for n in requested if n not in taken]
        if not remaining:
            raise _error(202, NO_SEASONS_MESSAGE)
        return remaining

    def _save_request(
        self,
        title: Title,
        user: SandboxUser,
        request_user: SandboxUser,
        is4k: bool,
        seasons: list[int],
        body: dict[str, Any],
    ) -> dict[str, Any]:
        existed = title.server is not None
        state = title.server if title.server is not None else self._new_media(is4k)
        title.server = state
        requestable = {MediaState.UNKNOWN, MediaState.DELETED}
        if not has_blocklist(self.fork):
            requestable.add(MediaState.BLOCKLISTED)  # shown as UNKNOWN there
        if existed and state.status_for(is4k) in requestable:
            state.set_status(is4k, MediaState.PENDING)
        approved = _auto_approves(user, title, is4k)
        record = ExistingRequest(
            status=RequestStatus.APPROVED if approved else RequestStatus.PENDING,
            requested_by=request_user.id,
            is4k=is4k,
            seasons=seasons,
            modified_by=user.id if approved else None,
            id=self._take_request_id(),
            created_at=_now(),
        )
        # The 201 body is the request as built, before the subscriber moves the media on.
        reply = self._request_json(
            title, record, media=self._media_json(title, with_requests=existed)
        )
        reply.update(_request_options(body))
        del reply["seasonCount"]  # a relation count, only there when the request is loaded
        if isinstance(title, Movie):
            del reply["seasons"]
        state.requests.append(record)
        _apply_parent_status(state, record)
        return reply

    def _new_media(self, is4k: bool) -> ServerState:
        return ServerState(
            status=MediaState.UNKNOWN if is4k else MediaState.PENDING,
            status4k=MediaState.PENDING if is4k else MediaState.UNKNOWN,
            media_id=self._take_media_id(),
        )

    # ---- ids and JSON ----------------------------------------------------------------------

    def _number_existing_rows(self) -> None:
        with self._state_lock:
            states = [t.server for t in self.catalogue.titles() if t.server is not None]
            self._next_media_id = max([s.media_id for s in states] + [0]) + 1
            self._next_request_id = max([r.id for s in states for r in s.requests] + [0]) + 1
            for state in states:
                self._ensure_ids(state)

    def _ensure_ids(self, state: ServerState) -> None:
        if not state.media_id:
            state.media_id = self._take_media_id()
        for record in state.requests:
            if not record.id:
                record.id = self._take_request_id()

    def _take_media_id(self) -> int:
        self._next_media_id += 1
        return self._next_media_id - 1

    def _take_request_id(self) -> int:
        self._next_request_id += 1
        return self._next_request_id - 1

    def _media_json(self, title: Title, *, with_requests: bool) -> dict[str, Any]:
        state = title.server
        assert state is not None
        self._ensure_ids(state)
        number = MEDIA_STATUS_NUMBERS[self.fork]
        media: dict[str, Any] = {
            "id": state.media_id,
            "mediaType": title.media_type,
            "tmdbId": title.tmdb_id,
            "tvdbId": title.tvdb_id if isinstance(title, Show) else None,
            "imdbId": None,
            "status": number[state.status],
            "status4k": number[state.status4k],
            "createdAt": BASE_TIMESTAMP,
            "updatedAt": BASE_TIMESTAMP,
            "lastSeasonChange": BASE_TIMESTAMP,
            "mediaAddedAt": BASE_TIMESTAMP,
            "serviceId": None,
            "serviceId4k": None,
            "externalServiceId": None,
            "externalServiceId4k": None,
            "externalServiceSlug": None,
            "externalServiceSlug4k": None,
            "ratingKey": None,
            "ratingKey4k": None,
            "seasons": [
                {
                    "id": state.media_id * 1000 + n,
                    "seasonNumber": n,
                    "status": number[state.seasons.get(n, MediaState.UNKNOWN)],
                    "status4k": number[state.seasons4k.get(n, MediaState.UNKNOWN)],
                    "createdAt": BASE_TIMESTAMP,
                    "updatedAt": BASE_TIMESTAMP,
                }
                for n in sorted(set(state.seasons) | set(state.seasons4k))
            ],
            "downloadStatus": [],
            "downloadStatus4k": [],
        }
        if with_requests:
            media["requests"] = [self._request_json(title, r) for r in state.requests]
            media["issues"] = []
        return media

    def _request_json(
        self, title: Title, record: ExistingRequest, *, media: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        modified_by = (
            self._user_or_placeholder(record.modified_by)
            if record.modified_by is not None
            else None
        )
        request: dict[str, Any] = {
            "id": record.id,
            "status": int(record.status),
            "createdAt": record.created_at,
            "updatedAt": record.created_at,
            "type": title.media_type,
            "is4k": record.is4k,
            "isAutoRequest": False,
            "requestedBy": _user_json(self._user_or_placeholder(record.requested_by)),
            "modifiedBy": _user_json(modified_by) if modified_by else None,
            "seasons": [
                {
                    "id": record.id * 1000 + n,
                    "seasonNumber": n,
                    "status": int(record.status),
                    "createdAt": record.created_at,
                    "updatedAt": record.created_at,
                }
                for n in record.seasons
            ],
            "seasonCount": len(record.seasons),
        }
        if media is not None:
            request["media"] = media
        return request

    def _user_or_placeholder(self, user_id: int) -> SandboxUser:
        return self._user(user_id) or SandboxUser(user_id, f"user{user_id}", Permission.NONE)


# --------------------------------------------------------------------------------------------
# Request checks (what express-openapi-validator and the routes refuse)
# --------------------------------------------------------------------------------------------

_ROUTES = {
    ("GET", "/status"),
    ("GET", "/auth/me"),
    ("GET", "/user"),
    ("GET", "/search"),
    ("POST", "/request"),
}
_DETAILS_PATH = re.compile(r"^/(movie|tv)/([^/]+)$")


def _route(method: str, path: str) -> tuple[str, str | None]:
    """('/search', None), ('/movie', '603')... or 404 for what the sandbox does not serve."""
    if path.startswith(API_PREFIX + "/"):
        route = path[len(API_PREFIX) :]
        if (method, route) in _ROUTES:
            return route, None
        details = _DETAILS_PATH.match(route)
        if method == "GET" and details:
            return "/" + details.group(1), details.group(2)
    raise _ApiError(
        404,
        {"message": NOT_FOUND_MESSAGE, "errors": [{"path": path, "message": NOT_FOUND_MESSAGE}]},
    )


def _require_key_or_cookie(path: str, headers: dict[str, str]) -> None:
    """The OpenAPI validator only checks that a key or a session cookie is there (401); a wrong
    key passes and is refused later by isAuthenticated (403)."""
    if headers.get("x-api-key") or "connect.sid=" in headers.get("cookie", ""):
        return
    raise _ApiError(
        401, {"message": NO_KEY_MESSAGE, "errors": [{"path": path, "message": NO_KEY_MESSAGE}]}
    )


def _check_query(route: str, raw_query: str, fork: str) -> dict[str, str]:
    """Parse the query as the real server does and refuse what it refuses (400)."""
    declared = dict(_QUERY_PARAMETERS[route])
    if route == "/user" and fork != "overseerr":
        declared.update(_SEERR_USER_PARAMETERS)
    params: dict[str, str] = {}
    for pair in filter(None, raw_query.split("&")):
        raw_name, _, raw_value = pair.partition("=")
        name = unquote(raw_name)
        if name not in declared:
            raise _error(400, f"Unknown query parameter '{name}'")
        if _RESERVED_CHARACTERS.search(raw_value):
            raise _error(400, NOT_ENCODED_MESSAGE.format(name=name))
        value = unquote(raw_value)
        if value == "":
            raise _error(400, f"Empty value found for query parameter '{name}'")
        if declared[name] == "number" and _js_number(value) is None:
            raise _error(400, f"request/query/{name} must be number")
        params[name] = value
    if route == "/search" and "query" not in params:
        raise _error(400, "request/query must have required property 'query'")
    return params


def _parse_body(raw: bytes) -> tuple[Any, str | None]:
    if not raw:
        return None, None
    try:
        return json.loads(raw), None
    except (ValueError, UnicodeDecodeError) as error:
        position = getattr(error, "pos", 0)
        return None, f"Unexpected token in JSON at position {position}"


def _check_post_body(headers: dict[str, str], body: Any, body_error: str | None) -> None:
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if body_error is None and body is None:
        raise _error(400, "request/body must be object")
    if content_type != "application/json":
        raise _error(415, f"unsupported media type {content_type or 'undefined'}")
    if body_error is not None:
        raise _error(400, body_error)  # body-parser's SyntaxError
    problem = _request_body_problem(body)
    if problem:
        raise _error(400, problem)


def _request_body_problem(body: Any) -> str | None:
    """The spec's schema for POST /request, with ajv's wording."""
    if not isinstance(body, dict):
        return "request/body must be object"
    for required in ("mediaType", "mediaId"):
        if required not in body:
            return f"request/body must have required property '{required}'"
    if body["mediaType"] not in ("movie", "tv"):
        return "request/body/mediaType must be equal to one of the allowed values: movie, tv"
    for number in ("mediaId", "tvdbId", "serverId", "profileId", "languageProfileId"):
        if number in body and not _is_json_number(body[number]):
            return f"request/body/{number} must be number"
    if "userId" in body and body["userId"] is not None and not _is_json_number(body["userId"]):
        return "request/body/userId must be number"
    if "is4k" in body and not isinstance(body["is4k"], bool):
        return "request/body/is4k must be boolean"
    if "rootFolder" in body and not isinstance(body["rootFolder"], str):
        return "request/body/rootFolder must be string"
    seasons = body.get("seasons")
    if (
        "seasons" in body
        and seasons != "all"
        and not (isinstance(seasons, list) and all(_is_json_number(n) and n >= 0 for n in seasons))
    ):
        return "request/body/seasons must match exactly one schema in oneOf"
    return None


def _check_request_permission(user: SandboxUser, media_type: str, is4k: bool) -> None:
    if media_type == "movie":
        wanted = (
            [Permission.REQUEST_4K, Permission.REQUEST_4K_MOVIE]
            if is4k
            else [Permission.REQUEST, Permission.REQUEST_MOVIE]
        )
        noun = "movie"
    else:
        wanted = (
            [Permission.REQUEST_4K, Permission.REQUEST_4K_TV]
            if is4k
            else [Permission.REQUEST, Permission.REQUEST_TV]
        )
        noun = "series"
    if not has_permission(user.permissions, wanted, any_of=True):
        raise _error(
            403, f"You do not have permission to make {'4K ' if is4k else ''}{noun} requests."
        )


def _auto_approves(user: SandboxUser, title: Title, is4k: bool) -> bool:
    """Decided by the caller's own permissions, even when requesting for someone else."""
    movie = isinstance(title, Movie)
    if is4k:
        specific = Permission.AUTO_APPROVE_4K_MOVIE if movie else Permission.AUTO_APPROVE_4K_TV
        wanted = [Permission.AUTO_APPROVE_4K, specific, Permission.MANAGE_REQUESTS]
    else:
        specific = Permission.AUTO_APPROVE_MOVIE if movie else Permission.AUTO_APPROVE_TV
        wanted = [Permission.AUTO_APPROVE, specific, Permission.MANAGE_REQUESTS]
    return has_permission(user.permissions, wanted, any_of=True)


def _seasons_taken(state: ServerState, is4k: bool) -> set[int]:
    """Seasons a new request may not ask for: held by an open request, or present on the
    server in any state but UNKNOWN and DELETED."""
    held = {
        n
        for r in state.requests
        if r.is4k == is4k and r.status not in _SETTLED_REQUEST_STATUSES
        for n in r.seasons
    }
    present = {
        n
        for n, season_state in state.season_states(is4k).items()
        if season_state not in (MediaState.UNKNOWN, MediaState.DELETED)
    }
    return held | present


def _apply_parent_status(state: ServerState, record: ExistingRequest) -> None:
    """MediaRequestSubscriber.updateParentStatus(): an approved request moves the media to
    PROCESSING unless it is already (partially) available or processing. The sandbox also marks
    the requested seasons, as the next Sonarr sync would."""
    approved = record.status == RequestStatus.APPROVED
    if approved and state.status_for(record.is4k) not in (
        MediaState.AVAILABLE,
        MediaState.PARTIALLY_AVAILABLE,
        MediaState.PROCESSING,
    ):
        state.set_status(record.is4k, MediaState.PROCESSING)
    seasons = state.season_states(record.is4k)
    for number in record.seasons:
        seasons[number] = MediaState.PROCESSING if approved else MediaState.PENDING


def _request_options(body: dict[str, Any]) -> dict[str, Any]:
    """Options echoed in the 201 body; the real server sends null for the missing ones, which
    the spec does not allow, so the sandbox leaves them out."""
    names = ("serverId", "profileId", "rootFolder", "languageProfileId", "tags")
    return {name: body[name] for name in names if body.get(name) is not None}


# --------------------------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------------------------

_TMDB_QUERY = re.compile(r"(?<=tmdb:)\d+")
_IMDB_QUERY = re.compile(r"(?<=imdb:)(tt|nm)\d+")
_TVDB_QUERY = re.compile(r"(?<=tvdb:)\d+")
_YEAR_QUERY = re.compile(r"year:(\d{4})")


def _find_by_id(catalogue: Catalogue, query: str) -> list[Movie | Show | Person] | None:
    """The id search providers of server/lib/search.ts, in their order; None for a text query."""
    index = catalogue.index()
    if match := _TMDB_QUERY.search(query):
        tmdb_id = int(match.group(0))
        found = [index.movies.get(tmdb_id), index.shows.get(tmdb_id), index.people.get(tmdb_id)]
        return [entry for entry in found if entry is not None]
    if match := _IMDB_QUERY.search(query):
        entries = index.by_imdb.get(match.group(0), [])
        return sorted(entries, key=lambda e: ("movie", "tv", "person").index(e.media_type))
    if match := _TVDB_QUERY.search(query):
        return list(index.shows_by_tvdb.get(int(match.group(0)), []))
    return None


def _text_search(catalogue: Catalogue, query: str) -> list[Movie | Show | Person]:
    """Every word of the query in the name, most popular first; `year:1999` filters movies and
    shows by year (people are left out then, as with the real year provider)."""
    year_match = _YEAR_QUERY.search(query.lower())
    year = int(year_match.group(1)) if year_match else None
    words = normalise_words(_YEAR_QUERY.sub(" ", query.lower())).split()
    if not words:
        return []
    matches = [
        entry
        for name, entry in catalogue.index().searchable
        if all(word in name for word in words)
        and (year is None or (not isinstance(entry, Person) and entry.year == year))
    ]
    return sorted(matches, key=lambda e: (-e.popularity, e.media_type, e.tmdb_id))


# --------------------------------------------------------------------------------------------
# JSON shapes (field names of the real answers; nulls the spec forbids are left out)
# --------------------------------------------------------------------------------------------


def _user_json(user: SandboxUser) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "username": user.username,
        "userType": user.user_type,
        "permissions": int(user.permissions),
        "avatar": "/avatarproxy/default",
        "createdAt": BASE_TIMESTAMP,
        "updatedAt": BASE_TIMESTAMP,
        "requestCount": 0,
        "displayName": user.username,
    }


def _movie_result(movie: Movie) -> dict[str, Any]:
    return {
        "id": movie.tmdb_id,
        "mediaType": "movie",
        "adult": False,
        "genreIds": [],
        "originalLanguage": "en",
        "originalTitle": movie.title,
        "overview": "",
        "popularity": movie.popularity,
        "releaseDate": movie.release_date,
        "title": movie.title,
        "video": False,
        "voteAverage": 7.5,
        "voteCount": 1000,
    }


def _tv_result(show: Show) -> dict[str, Any]:
    return {
        "id": show.tmdb_id,
        "mediaType": "tv",
        "firstAirDate": show.release_date,
        "genreIds": [],
        "name": show.title,
        "originCountry": ["US"],
        "originalLanguage": "en",
        "originalName": show.title,
        "overview": "",
        "popularity": show.popularity,
        "voteAverage": 7.5,
        "voteCount": 1000,
    }


def _movie_details(movie: Movie) -> dict[str, Any]:
    details: dict[str, Any] = {
        **_movie_result(movie),
        "budget": 0,
        "genres": [],
        "homepage": "",
        "relatedVideos": [],
        "productionCompanies": [],
        "productionCountries": [],
        "releases": {"results": []},
        "revenue": 0,
        "runtime": 120,
        "spokenLanguages": [],
        "status": "Released",
        "tagline": "",
        "credits": {"cast": [], "crew": []},
        "externalIds": {
            "imdbId": movie.imdb_id,
            "facebookId": None,
            "instagramId": None,
            "twitterId": None,
        },
        "watchProviders": [],
        "keywords": [],
    }
    del details["mediaType"], details["genreIds"]
    if movie.imdb_id:
        details["imdbId"] = movie.imdb_id
    return details


def _tv_details(show: Show) -> dict[str, Any]:
    details: dict[str, Any] = {
        **_tv_result(show),
        "contentRatings": {"results": []},
        "createdBy": [],
        "episodeRunTime": [50],
        "genres": [],
        "homepage": "",
        "inProduction": False,
        "languages": ["en"],
        "lastAirDate": f"{show.year + show.number_of_seasons - 1}-12-31",
        "networks": [],
        "numberOfEpisodes": show.number_of_seasons * show.episodes_per_season,
        # The real field; the spec misspells it `numberOfSeason` (not required there).
        "numberOfSeasons": show.number_of_seasons,
        "productionCompanies": [],
        "productionCountries": [],
        "spokenLanguages": [],
        "seasons": [
            {
                "id": show.tmdb_id * 100 + n,
                "airDate": f"{show.year + max(n - 1, 0)}-01-01",
                "episodeCount": show.episodes_per_season,
                "name": "Specials" if n == 0 else f"Season {n}",
                "overview": "",
                "seasonNumber": n,
            }
            for n in show.season_numbers()
        ],
        "status": "Ended",
        "tagline": "",
        "type": "Scripted",
        "credits": {"cast": [], "crew": []},
        "externalIds": {
            "imdbId": show.imdb_id,
            "tvdbId": show.tvdb_id,
            "facebookId": None,
            "instagramId": None,
            "twitterId": None,
        },
        "keywords": [],
        "watchProviders": [],
    }
    del details["mediaType"], details["genreIds"]
    return details


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: thousands of calls in a benchmark
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stall
    server_version = "ListSyncSandbox/1"

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        sandbox: SandboxServer = self.server.sandbox  # type: ignore[attr-defined]
        reply = sandbox.handle(self.command, self.path, dict(self.headers.items()), raw_body)
        data = json.dumps(reply.payload).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the calls are recorded in SandboxServer.calls."""
