"""The text a person is found by: username, name and, for Chinese names, their pinyin and initials.

``person_search_text("张三 Zhang San", "agent")`` →
``"agent 张三 zhang san zhangsan zhang san zs"``: typing ``zs``, ``zhang``, ``zhangsan``, ``张``,
``san`` or ``agent`` finds the person with one ``LIKE '%...%'`` on a stored column.
"""
from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin, pinyin

HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
MAX_LENGTH = 1000


def _readings_of_first(run: str) -> list[str]:
    """Every reading of a run's first character: a surname is often read otherwise (曾 zeng, 单 shan)."""
    readings = pinyin(run[0], style=Style.NORMAL, heteronym=True)[0]
    return list(dict.fromkeys(readings))


def _pinyin_terms(run: str) -> list[str]:
    syllables = lazy_pinyin(run, style=Style.NORMAL)
    terms = ["".join(syllables), " ".join(syllables), "".join(s[0] for s in syllables if s)]
    for first in _readings_of_first(run)[:4]:
        if first != syllables[0]:
            variant = [first, *syllables[1:]]
            terms += ["".join(variant), "".join(s[0] for s in variant if s)]
    # ü is written v by pinyin input methods and u by most people (吕 lv / lu).
    terms += [term.replace("v", "u") for term in terms if "v" in term]
    return terms


def person_search_text(name: str, username: str) -> str:
    """The lower-case search text of a person (stored in ``Person.search_text``)."""
    name = " ".join((name or "").split()).lower()
    terms = [(username or "").strip().lower(), name]
    for run in HAN_RUN.findall(name):
        terms += _pinyin_terms(run)
    return " ".join(dict.fromkeys(t for t in terms if t))[:MAX_LENGTH]


def search_terms(q: str | None) -> list[str]:
    """The words of a search, lower-case; each must appear in a match (in any order)."""
    return [word for word in " ".join((q or "").split()).lower().split(" ") if word][:5]
