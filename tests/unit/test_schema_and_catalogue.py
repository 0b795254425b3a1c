"""The migrations build exactly the schema the models declare, and every string is translated."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from babel.messages.pofile import read_po

from core.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def test_migrations_match_the_models(app):
    """The test database was built by `flask db upgrade`; models changed without a migration fail here."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], "Run `flask db migrate`, read the script and commit it"


def extract_messages(tmp_path: Path) -> Path:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
         "-k", "lazy_gettext", "--no-location", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    return pot


def test_every_string_is_translated_into_chinese(tmp_path):
    with extract_messages(tmp_path).open("rb") as pot_file:
        template = read_po(pot_file)
    with (ROOT / "translations/zh_Hans_CN/LC_MESSAGES/messages.po").open("rb") as po_file:
        catalogue = read_po(po_file)
    missing = []
    for message in template:
        if not message.id:
            continue
        translated = catalogue.get(message.id, message.context)
        if translated is None or translated.fuzzy or not (
            all(translated.string) if isinstance(translated.string, tuple) else translated.string
        ):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    assert missing == [], f"{len(missing)} strings lack a zh_Hans_CN translation; run scripts/extract-messages.sh"


def test_translations_keep_their_placeholders():
    with (ROOT / "translations/zh_Hans_CN/LC_MESSAGES/messages.po").open("rb") as po_file:
        catalogue = read_po(po_file)
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalogue.check()]
    assert problems == []
