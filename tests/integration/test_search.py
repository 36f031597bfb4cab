"""``q=`` finds the same problems on SQLite and PostgreSQL: case-insensitive
for every script (not only ASCII, as SQLite's LIKE is), and a composed and a
decomposed ``é`` are one letter (``services/read_model/search.py``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.bootstrap import Services
from services.read_model.queries import IssueFilter
from services.read_model.search import search_key
from tests.support import City, report, small_city

TITLES = {
    "abc-upper": "ABC 危房改造未完成",
    "abc-lower": "abc 住房安全",
    "cafe-composed": "Caf\u00e9 旁的危房",
    "cafe-decomposed": "Cafe\u0301 背后的院落",
    "ecole": "\u00c9COLE 校舍",  # É capital: SQLite's lower() leaves it
    "strasse": "Hauptstra\u00dfe 路面",  # ß folds to ss
    "greek": "ΣΟΦΙΑ 村",  # final and medial sigma fold alike
    "percent": "完成率 100% 的村",
    "plain": "饮水安全",
}


@pytest.fixture
def found(services: Services) -> dict[str, str]:
    city: City = small_city(services)
    return {
        name: report(services, city, title=title, description="现场核查") for name, title in TITLES.items()
    }


def search(services: Services, q: str, *, as_of: datetime | None = None) -> set[str]:
    city_admin = services.app.actor_for("admin")
    page = services.queries.list_issues(city_admin, IssueFilter(q=q, per_page=100), as_of=as_of)
    assert page.total == len(page.items)
    return {item.id for item in page.items}


@pytest.mark.parametrize(
    ("q", "names"),
    [
        ("ABC", {"abc-upper", "abc-lower"}),
        ("abc", {"abc-upper", "abc-lower"}),
        ("aBc", {"abc-upper", "abc-lower"}),
        ("危房", {"abc-upper", "cafe-composed"}),
        ("住房", {"abc-lower"}),
        ("caf\u00e9", {"cafe-composed", "cafe-decomposed"}),
        ("cafe\u0301", {"cafe-composed", "cafe-decomposed"}),
        ("CAF\u00c9", {"cafe-composed", "cafe-decomposed"}),
        ("CAFE\u0301", {"cafe-composed", "cafe-decomposed"}),
        ("\u00e9cole", {"ecole"}),
        ("\u00c9cole", {"ecole"}),
        ("STRASSE", {"strasse"}),
        ("stra\u00dfe", {"strasse"}),
        ("σοφια", {"greek"}),
        ("σοφιας", set()),
        ("100%", {"percent"}),
        ("%", {"percent"}),
        ("_", set()),
        ("cafe", set()),  # e is not é
    ],
)
def test_search_is_the_same_on_both_databases(
    services: Services, found: dict[str, str], q: str, names: set[str]
) -> None:
    expected = {found[n] for n in names}
    assert search(services, q) == expected
    later = services.app.now() + timedelta(seconds=1)
    assert search(services, q, as_of=later) == expected


def test_the_description_is_searched_too(services: Services) -> None:
    city = small_city(services)
    issue = report(services, city, title="标题", description="描述里有 ÅBC 字样")
    assert search(services, "åbc") == {issue}


def test_the_search_key() -> None:
    assert search_key("Cafe\u0301") == search_key("CAF\u00c9") == "caf\u00e9"
    assert search_key("Stra\u00dfe") == "strasse"
    assert search_key("ﬁ") == "fi"  # casefold expands the ligature
    assert search_key("危房") == "危房"
