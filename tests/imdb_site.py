"""A local stand-in for IMDb: the GraphQL API (POST, checked as strictly as the real one) and the
www pages (GET), answering from the fixtures in tests/data/fixtures/imdb/. Also the builders
those fixtures were made with (make_fixtures.py there), which the benchmark reuses."""

from __future__ import annotations

import base64
import html
import json
import random
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.servers import LoopbackServer, QuietHandler

FIXTURES = Path(__file__).parent / "data" / "fixtures" / "imdb"

DISCLAIMER = {
    "disclaimer": (
        "Public, commercial, and/or non-private use of the IMDb data provided by this API is "
        "not allowed. For limited non-commercial use of this API, please see "
        "https://help.imdb.com/article/imdb/general-information/can-i-use-imdb-data-in-my-software/"
        "G5JTRESSHJBBHTGX"
    )
}

# ---- builders ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Title:
    id: str
    text: str
    type: str
    year: int | None

    @property
    def media_type(self) -> str | None:
        if self.type in ("movie", "tvMovie", "short", "video"):
            return "movie"
        if self.type in ("tvSeries", "tvMiniSeries"):
            return "tv"
        return None


REAL = [
    Title("tt0111161", "The Shawshank Redemption", "movie", 1994),
    Title("tt0068646", "The Godfather", "movie", 1972),
    Title("tt0468569", "The Dark Knight", "movie", 2008),
    Title("tt0071562", "The Godfather Part II", "movie", 1974),
    Title("tt0050083", "12 Angry Men", "movie", 1957),
    Title("tt0108052", "Schindler's List", "movie", 1993),
    Title("tt0167260", "The Lord of the Rings: The Return of the King", "movie", 2003),
    Title("tt0110912", "Pulp Fiction", "movie", 1994),
    Title("tt0060196", "The Good, the Bad and the Ugly", "movie", 1966),
    Title("tt0109830", "Forrest Gump", "movie", 1994),
    Title("tt0137523", "Fight Club", "movie", 1999),
    Title("tt1375666", "Inception", "movie", 2010),
    Title("tt0133093", "The Matrix", "movie", 1999),
    Title("tt0099685", "Goodfellas", "movie", 1990),
    Title("tt0114369", "Se7en", "movie", 1995),
    Title("tt0816692", "Interstellar", "movie", 2014),
    Title("tt0245429", "Spirited Away", "movie", 2001),
    Title("tt0211915", "Amélie", "movie", 2001),
    Title("tt0903747", "Breaking Bad", "tvSeries", 2008),
    Title("tt0944947", "Game of Thrones", "tvSeries", 2011),
    Title("tt0185906", "Band of Brothers", "tvMiniSeries", 2001),
    Title("tt7366338", "Chernobyl", "tvMiniSeries", 2019),
    Title("tt0306414", "The Wire", "tvSeries", 2002),
    Title("tt0141842", "The Sopranos", "tvSeries", 1999),
    Title("tt0386676", "The Office", "tvSeries", 2005),
    Title("tt4574334", "Stranger Things", "tvSeries", 2016),
    Title("tt3845232", "Sherlock: The Abominable Bride", "tvMovie", 2016),
    Title("tt5613056", "Piper", "short", 2016),
    Title("tt0120131", "The Lion King II: Simba's Pride", "video", 1998),
    Title("tt9243946", "El Camino: A Breaking Bad Movie", "movie", 2019),
]
# Entries a list can hold that are neither films nor series.
ODD = [
    Title("tt0959621", "Pilot", "tvEpisode", 2008),
    Title("tt2301451", "Ozymandias", "tvEpisode", 2013),
    Title("tt6161168", "Red Dead Redemption II", "videoGame", 2018),
    Title("tt11337908", "Friends: The Reunion", "tvSpecial", 2021),
]

WORDS_A = [
    "Silent",
    "Broken",
    "Golden",
    "Hidden",
    "Last",
    "Crimson",
    "Northern",
    "Endless",
    "Distant",
    "Burning",
    "Frozen",
    "Wild",
    "Lonely",
    "Secret",
    "Electric",
    "Midnight",
    "Scarlet",
    "Hollow",
    "Restless",
    "Fallen",
]
WORDS_B = [
    "Harbor",
    "Kingdom",
    "River",
    "Witness",
    "Summer",
    "Garden",
    "Frontier",
    "Promise",
    "Empire",
    "Mirror",
    "Signal",
    "Orchard",
    "Tide",
    "Station",
    "Machine",
    "Voyage",
    "Letter",
    "Valley",
    "Island",
    "Archive",
]
TYPES = ["movie"] * 12 + ["tvSeries"] * 4 + ["tvMiniSeries", "tvMovie", "short", "video"]


def synthetic_titles(count: int, seed: int, start: int = 1000000) -> list[Title]:
    """`count` plausible titles with unique tt ids (7 or 8 digits), deterministic per seed."""
    rng = random.Random(seed)
    titles = []
    number = start + seed * 100003
    for n in range(count):
        number += rng.randint(1, 9000)
        name = f"The {rng.choice(WORDS_A)} {rng.choice(WORDS_B)}"
        if n % 7 == 3:
            name += f" {rng.choice(['II', 'III', 'Returns', '& Sons', '<Redux>'])}"
        year = rng.randint(1925, 2026) if n % 41 != 5 else None  # some not released yet
        titles.append(Title(f"tt{number:07d}", name, rng.choice(TYPES), year))
    return titles


def api_node(title: Title) -> dict[str, Any]:
    """A title as the API answers it: exactly the fields the query asks for."""
    return {
        "id": title.id,
        "titleText": {"text": title.text},
        "titleType": {"id": title.type},
        "releaseYear": {"year": title.year} if title.year else None,
    }


def page_node(title: Title, rank: int) -> dict[str, Any]:
    """A title as the pages embed it: many more fields, with __typename as urql keeps them."""
    type_text = re.sub(r"(?<!^)([A-Z])", r" \1", title.type).title().replace("Tv ", "TV ")
    return {
        "id": title.id,
        "titleText": {"text": title.text, "__typename": "TitleText"},
        "titleType": {
            "id": title.type,
            "text": type_text,
            "canHaveEpisodes": title.type in ("tvSeries", "tvMiniSeries"),
            "displayableProperty": {"value": {"plainText": type_text}},
            "__typename": "TitleType",
        },
        "originalTitleText": {"text": title.text, "__typename": "TitleText"},
        "primaryImage": {
            "id": f"rm{3000000000 + rank}",
            "width": 1000,
            "height": 1481,
            "url": f"https://m.media-amazon.com/images/M/MV5B{title.id}._V1_.jpg",
            "caption": {"plainText": title.text, "__typename": "Markdown"},
            "__typename": "Image",
        },
        "releaseYear": (
            {"year": title.year, "endYear": None, "__typename": "YearRange"} if title.year else None
        ),
        "ratingsSummary": {
            "aggregateRating": round(9.3 - rank * 0.004, 1),
            "voteCount": 2900000 - rank * 997,
            "__typename": "RatingsSummary",
        },
        "runtime": {"seconds": 5400 + rank % 60 * 60, "__typename": "Runtime"},
        "certificate": {"rating": "PG-13", "__typename": "Certificate"},
        "canRate": {"isRatable": True, "__typename": "CanRate"},
        "__typename": "Title",
    }


def cursor(list_id: str, offset: int, last: Title) -> str:
    token = {"esToken": [str(offset), last.id], "filter": json.dumps({"listId": list_id})}
    return base64.b64encode(json.dumps(token, separators=(",", ":")).encode()).decode()


def paged_answers(
    field: str, ident: str, titles: list[Title], extra: dict[str, Any], page_size: int = 250
) -> list[dict[str, Any]]:
    """The API's answers to a list or watchlist query, one per page of `page_size`."""
    pages = []
    for start in range(0, max(len(titles), 1), page_size):
        chunk = titles[start : start + page_size]
        more = start + page_size < len(titles)
        search = {
            "total": len(titles),
            "pageInfo": {
                "hasNextPage": more,
                "endCursor": cursor(ident, start + len(chunk), chunk[-1]) if chunk else None,
            },
            "edges": [{"title": api_node(t)} for t in chunk],
        }
        pages.append(
            {"data": {field: {**extra, "titleListItemSearch": search}}, "extensions": DISCLAIMER}
        )
    return pages


def list_answers(list_id: str, name: str, titles: list[Title]) -> list[dict[str, Any]]:
    return paged_answers("list", list_id, titles, {"name": {"originalText": name}})


def watchlist_answers(user_id: str, titles: list[Title]) -> list[dict[str, Any]]:
    return paged_answers("predefinedList", user_id, titles, {"visibility": {"id": "PUBLIC"}})


def chart_answer(titles: list[Title]) -> dict[str, Any]:
    edges = [{"currentRank": n, "node": api_node(t)} for n, t in enumerate(titles, start=1)]
    return {
        "data": {"chartTitles": {"total": len(titles), "edges": edges}},
        "extensions": DISCLAIMER,
    }


def box_office_answer(titles: list[Title]) -> dict[str, Any]:
    entries = [{"title": api_node(t)} for t in titles]
    return {"data": {"boxOfficeWeekendChart": {"entries": entries}}, "extensions": DISCLAIMER}


def error_answer(field: str, code: str, message: str) -> dict[str, Any]:
    return {
        "errors": [
            {
                "message": message,
                "locations": [{"line": 2, "column": 3}],
                "path": [field],
                "extensions": {"code": code},
            }
        ],
        "data": {field: None},
        "extensions": DISCLAIMER,
    }


def escape_for_script(text: str) -> str:
    """What Next.js does to the JSON it writes into <script id="__NEXT_DATA__">."""
    return (
        text.replace("&", "\\u0026")
        .replace(">", "\\u003e")
        .replace("<", "\\u003c")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def next_data_page(
    title: str, page: str, query: dict[str, str], page_props: dict[str, Any], canonical: str
) -> str:
    """A page as IMDb's Next.js front end serves it, the data in __NEXT_DATA__."""
    heading = html.escape(title.removesuffix(" - IMDb"))
    title = html.escape(title)
    data = {
        "props": {"pageProps": page_props, "__N_SSP": True},
        "page": page,
        "query": query,
        "buildId": "Yx4qZ1p8oW3nB5vK2mT9s",
        "assetPrefix": "https://dqpnq362acqdi.cloudfront.net",
        "runtimeConfig": {
            "sidecarHost": "https://www.imdb.com",
            "env": "prod",
            "stage": "prod",
            "graphqlUrl": "https://api.graphql.imdb.com/",
        },
        "isFallback": False,
        "isExperimentalCompile": False,
        "gssp": True,
        "locale": "en-US",
        "locales": [
            "en-US",
            "fr-CA",
            "fr-FR",
            "de-DE",
            "es-ES",
            "es-MX",
            "it-IT",
            "pt-BR",
            "hi-IN",
        ],
        "defaultLocale": "en-US",
        "scriptLoader": [],
    }
    blob = escape_for_script(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    chunks = "".join(
        f'<script src="https://dqpnq362acqdi.cloudfront.net/_next/static/chunks/{name}.js" '
        'defer=""></script>'
        for name in ("webpack-4b6a0c0d3b0ad0a5", "framework-9f9b25d4b9e0d0a7", "main-9ab1f6b5a8b2")
    )
    return (
        '<!DOCTYPE html><html lang="en-US" xmlns:og="http://opengraphprotocol.org/schema/" '
        'xmlns:fb="http://www.facebook.com/2008/fbml"><head><meta charSet="utf-8"/>'
        '<meta name="viewport" content="width=device-width"/>'
        "<script>if(typeof uet === 'function'){ uet('bb', 'LoadTitle', {wb: 1}); }</script>"
        f"<title>{title}</title>"
        f'<meta property="og:title" content="{title}"/>'
        '<meta property="og:site_name" content="IMDb"/>'
        f'<link rel="canonical" href="{canonical}"/>'
        '<link rel="preconnect" href="https://m.media-amazon.com"/>'
        '<link rel="preload" href="https://dqpnq362acqdi.cloudfront.net/_next/static/css/'
        'f7b3e2a1.css" as="style"/>'
        f"{chunks}</head>"
        '<body id="styleguide-v2" class="fixed"><div id="__next"><main role="main" '
        'class="ipc-page-wrapper ipc-page-wrapper--base"><section class="ipc-page-section">'
        f'<h1 class="ipc-title__text">{heading}</h1>'
        '<ul class="ipc-metadata-list ipc-metadata-list--dividers-between"></ul></section>'
        "</main></div>"
        f'<script id="__NEXT_DATA__" type="application/json">{blob}</script>'
        "<script>window.__NEXT_P = window.__NEXT_P || [];</script></body></html>"
    )


def list_page_props(field: str, root: dict[str, Any], titles: list[Title], total: int) -> Any:
    edges = [
        {
            "node": {
                "description": None,
                "createdDate": f"2024-03-0{1 + n % 9}T12:00:00Z",
                "absolutePosition": n,
                "__typename": "ListItemNode",
            },
            "listItem": page_node(t, n),
            "__typename": "TitleListItemSearchEdge",
        }
        for n, t in enumerate(titles, start=1)
    ]
    search = {
        "total": total,
        "pageInfo": {"hasNextPage": total > len(titles), "endCursor": "..."},
        "edges": edges,
        "__typename": "TitleListItemSearchConnection",
    }
    return {
        "mainColumnData": {field: {**root, "titleListItemSearch": search}},
        "aboveTheFoldData": {"__typename": "Query"},
        "requestContext": {"pageType": "list", "subPageType": "title", "refTagPrefix": "ls"},
    }


def chart_page_props(titles: list[Title]) -> Any:
    edges = [
        {"currentRank": n, "node": page_node(t, n), "__typename": "ChartTitleEdge"}
        for n, t in enumerate(titles, start=1)
    ]
    return {
        "pageData": {
            "chartTitles": {
                "total": len(titles),
                "pageInfo": {"hasNextPage": False},
                "edges": edges,
                "__typename": "ChartTitleConnection",
            }
        },
        "requestContext": {"pageType": "chart", "subPageType": "top", "refTagPrefix": "chttp"},
    }


# ---- the server ----------------------------------------------------------------------------


@dataclass
class Answer:
    body: bytes
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> Any:
    return json.loads(fixture(name))


def json_answer(data: Any, status: int = 200) -> Answer:
    return Answer(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(), status)


def html_answer(body: str | bytes, status: int = 200) -> Answer:
    raw = body.encode() if isinstance(body, str) else body
    return Answer(raw, status, "text/html; charset=utf-8")


def forbidden_page() -> Answer:
    return Answer(fixture("graphql_403.html"), 403, "text/html")


def waf_challenge() -> Answer:
    return Answer(fixture("waf_challenge_202.html"), 202, "text/html; charset=UTF-8")


def solvable_waf_challenge() -> Answer:
    """The challenge page with its remote challenge.js swapped for a script that does what a
    solved challenge does: set the aws-waf-token cookie and reload. A browser gets through; a
    plain HTTP client does not."""
    body = re.sub(
        rb'<script src="[^"]*challenge\.js"></script>',
        b'<script>document.cookie = "aws-waf-token=solved-in-a-browser; path=/";'
        b"window.location.reload();</script>",
        fixture("waf_challenge_202.html"),
    )
    return Answer(body, 202, "text/html; charset=UTF-8")


def validation_error(message: str) -> Answer:
    return json_answer(
        {"errors": [{"message": message, "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}]},
        status=400,
    )


PAGED = re.compile(r"titleListItemSearch\(first: 250, after: \$after\)")
AFTER_DECLARED = re.compile(r"\$after: String(?![!\w])")


class ImdbSite(LoopbackServer):
    """`graphql` maps an operation key to its answer: "list:<ls id>:<after or ''>",
    "watchlist:<ur id>:<after or ''>", "profile:<p. id>", "chart:<CHART_TYPE>", "boxoffice".
    `pages` maps a path to a GET answer. `block_graphql` / `block_pages` answer every call of
    that kind instead (the latter lets through a browser that solved the challenge)."""

    def __init__(self, latency: float = 0.0) -> None:
        self.graphql: dict[str, Answer] = {}
        self.pages: dict[str, Answer] = {}
        self.block_graphql: Answer | None = None
        self.block_pages: Answer | None = None
        self.latency = latency
        self.posts: list[str] = []  # the operation key of every POST
        self.gets: list[str] = []
        self.refused: list[str] = []  # why POSTs were refused
        site = self

        class Handler(QuietHandler):
            wbufsize = 1 << 16

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                site.gets.append(path)
                blocked = site.block_pages is not None and "aws-waf-token=" not in (
                    self.headers.get("Cookie") or ""
                )
                if blocked and path != "/favicon.ico":
                    self.answer(site.block_pages)
                else:
                    self.answer(site.pages.get(path) or html_answer(fixture("not_found.html"), 404))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                self.answer(site.graphql_answer(self.path, dict(self.headers.items()), raw))

            def answer(self, answer: Answer | None) -> None:
                assert answer is not None
                if site.latency:
                    time.sleep(site.latency)  # the simulated network, not a test wait
                self.reply(answer.status, answer.body, answer.content_type, answer.headers)

        self.serve_with(Handler)

    # What the real API requires, checked on every POST.
    def graphql_answer(self, path: str, headers: dict[str, str], raw: bytes) -> Answer:
        headers = {k.lower(): v for k, v in headers.items()}
        if path != "/":
            return json_answer({"message": "Not Found"}, 404)
        if not headers.get("content-type", "").startswith("application/json"):
            self.refused.append("content-type")
            return json_answer(
                {
                    "errors": [
                        {
                            "message": "This operation has been blocked as a potential "
                            "Cross-Site Request Forgery (CSRF). Please either specify a "
                            "'content-type' header (with a type that is not one of "
                            "application/x-www-form-urlencoded, multipart/form-data, "
                            "text/plain) or provide a non-empty value for one of the "
                            "following headers: x-apollo-operation-name, "
                            "apollo-require-preflight",
                            "extensions": {"code": "BAD_REQUEST"},
                        }
                    ]
                },
                400,
            )
        if headers.get("x-imdb-client-name") != "imdb-web-next":
            self.refused.append("x-imdb-client-name")
            return forbidden_page()
        if self.block_graphql is not None:
            self.posts.append("blocked")
            return self.block_graphql
        try:
            body = json.loads(raw)
            query: str = body["query"]
            variables: dict[str, Any] = body.get("variables") or {}
        except (ValueError, KeyError, TypeError):
            self.refused.append("body")
            return json_answer({"errors": [{"message": "POST body missing."}]}, 400)
        key, problem = operation(query, variables)
        self.posts.append(key or problem)
        if problem:
            self.refused.append(problem)
            return validation_error(problem)
        return self.graphql.get(key) or validation_error(f"no fixture answers {key}")

    def add_paged(self, kind: str, ident: str, answers: list[dict[str, Any]]) -> None:
        """Answers for every page: the first at after = null, each next at the end cursor of
        the one before, as the real API pages."""
        after = ""
        for answer in answers:
            self.graphql[f"{kind}:{ident}:{after}"] = json_answer(answer)
            info = find_page_info(answer)
            after = info.get("endCursor") or ""


def find_page_info(answer: dict[str, Any]) -> dict[str, Any]:
    for root in answer["data"].values():
        return dict(root["titleListItemSearch"]["pageInfo"])
    raise AssertionError("no pageInfo")


def operation(query: str, variables: dict[str, Any]) -> tuple[str, str]:
    """The answer key of a query, or why the real API would reject it."""
    paged = "titleListItemSearch(" in query
    if paged:
        if not AFTER_DECLARED.search(query):
            return "", 'Variable "$after" must be declared as type "String".'
        if not PAGED.search(query) or "pageInfo { hasNextPage endCursor }" not in query:
            return "", "titleListItemSearch must be paged with first: 250, after: $after"
        if "after" not in variables:
            return "", 'Variable "$after" was not provided.'
    after = variables.get("after") or ""
    if re.search(r"\blist\(id: \$id\)", query):
        if not re.search(r"\$id: ID!", query) or not isinstance(variables.get("id"), str):
            return "", 'Variable "$id" of required type "ID!" was not provided.'
        return f"list:{variables['id']}:{after}", ""
    if match := re.search(r'predefinedList\(classType: WATCH_LIST, userId: "([^"]*)"\)', query):
        return f"watchlist:{match.group(1)}:{after}", ""
    if match := re.search(r'userProfile\(input: \{profileId: "([^"]*)"\}\)', query):
        return f"profile:{match.group(1)}", ""
    if match := re.search(r"chartTitles\(chart: \{chartType: ([A-Z_]+)\}, first: 250\)", query):
        return f"chart:{match.group(1)}", ""
    if "boxOfficeWeekendChart(limit: 50)" in query:
        return "boxoffice", ""
    return "", "Cannot query this: no fixture operation matches."


# ---- the standard site -----------------------------------------------------------------------

LIST_ID = "ls012345678"
USER_ID = "ur1234567"
PROFILE_ID = "p.kq3rtw6yzb2mfd7hx4nc5sj8ea"
CHART_FILES = {
    "TOP_RATED_MOVIES": "top",
    "TOP_RATED_TV_SHOWS": "toptv",
    "MOST_POPULAR_MOVIES": "moviemeter",
    "MOST_POPULAR_TV_SHOWS": "tvmeter",
    "LOWEST_RATED_MOVIES": "bottom",
    "TOP_RATED_ENGLISH_MOVIES": "top-english-movies",
}


def standard_site(latency: float = 0.0) -> ImdbSite:
    """Every fixture at the key or path the real site uses."""
    site = ImdbSite(latency)
    site.add_paged(
        "list", LIST_ID, [fixture_json(f"graphql_list_{LIST_ID}_page{n}.json") for n in (1, 2, 3)]
    )
    site.add_paged(
        "watchlist",
        USER_ID,
        [fixture_json(f"graphql_watchlist_{USER_ID}_page{n}.json") for n in (1, 2)],
    )
    site.graphql[f"profile:{PROFILE_ID}"] = Answer(fixture("graphql_profile.json"))
    for chart_type, slug in CHART_FILES.items():
        site.graphql[f"chart:{chart_type}"] = Answer(fixture(f"graphql_chart_{slug}.json"))
    site.graphql["boxoffice"] = Answer(fixture("graphql_chart_boxoffice.json"))
    site.pages[f"/list/{LIST_ID}/"] = html_answer(fixture(f"next_data_list_{LIST_ID}.html"))
    watchlist_page = html_answer(fixture(f"next_data_watchlist_{USER_ID}.html"))
    site.pages[f"/user/{USER_ID}/watchlist/"] = watchlist_page
    site.pages[f"/user/{PROFILE_ID}/watchlist/"] = watchlist_page
    site.pages["/chart/top/"] = html_answer(fixture("next_data_chart_top.html"))
    return site
