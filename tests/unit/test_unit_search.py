"""Type-ahead for a unit: Chinese, code, pinyin initials, full pinyin."""

from __future__ import annotations

from services.unit_search import search_units, spellings

UNITS = [
    {"code": "YC", "name": "运城市", "kind": "city", "path": ["YC"], "depth": 1, "active": True},
    {"code": "YH", "name": "盐湖区", "kind": "county", "path": ["YC", "YH"], "depth": 2, "active": True},
    {"code": "YJ", "name": "永济市", "kind": "county", "path": ["YC", "YJ"], "depth": 2, "active": True},
    {"code": "YH01", "name": "北城街道", "kind": "township", "path": ["YC", "YH", "YH01"], "depth": 3},
    {
        "code": "YH0101",
        "name": "盐湖村",
        "kind": "village",
        "path": ["YC", "YH", "YH01", "YH0101"],
        "depth": 4,
    },
    {
        "code": "OLD",
        "name": "盐湖旧镇",
        "kind": "township",
        "path": ["YC", "OLD"],
        "depth": 2,
        "active": False,
    },
]


def codes(text: str, **kw: object) -> list[str]:
    return [m.code for m in search_units(UNITS, text, **kw)]  # type: ignore[arg-type]


def test_pinyin_initials_and_full_pinyin() -> None:
    assert spellings("盐湖区") == ("yhq", "yanhuqu")
    assert codes("yhq") == ["YH"]
    assert codes("YHQ") == ["YH"]
    assert codes("yanhu") == ["YH", "YH0101"]


def test_chinese_and_codes_best_match_first_closed_units_left_out() -> None:
    assert codes("盐湖区") == ["YH"]
    assert codes("盐湖") == ["YH", "YH0101"]  # higher in the tree first; the closed 盐湖旧镇 never
    assert codes("yh01") == ["YH01", "YH0101"]
    assert codes("城") == ["YC", "YH01"]  # 运城市 and 北城街道 contain it
    assert codes("") == []


def test_paths_and_the_allowed_units() -> None:
    [village] = search_units(UNITS, "盐湖村")
    assert village.path == "盐湖区 / 北城街道 / 盐湖村"
    assert codes("盐湖", allowed=lambda code: code.startswith("YH0")) == ["YH0101"]
