"""Both catalogues translate every string the code and templates use, and the compiled
French catalogue is the one the pages are rendered with.

The strings are extracted the way `make messages` does (the same `pybabel extract`
command, read from the Makefile), but into a temporary file: after changing a string,
run `make messages` and translate what this test lists."""

import contextlib
import os
import re
import shlex
import string
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
LANGUAGES = ("fr", "en")

# conftest's autouse `rate_limits_off_again` needs the limiter set up by an app, even in
# the tests here that read only the catalogues.
pytestmark = pytest.mark.usefixtures("app")

# A %-placeholder as Python's `%` operator reads it: `%(name)s`, `%(delta)+d`, `%d`...
PERCENT_PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrs%]"
)


def po_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def read_catalog(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=language)


def makefile_extract_command(output: Path) -> list[str]:
    """The Makefile's `pybabel extract ...` arguments, writing to `output` instead."""
    for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines():
        words = shlex.split(line, comments=True)
        if len(words) > 1 and words[0].endswith("pybabel") and words[1] == "extract":
            arguments = words[1:]
            break
    else:
        pytest.fail("The Makefile has no `pybabel extract` command to extract the messages.")
    for flag in ("-o", "--output-file", "--output"):
        if flag in arguments:
            arguments[arguments.index(flag) + 1] = str(output)
            return arguments
    pytest.fail("The Makefile's `pybabel extract` command names no output file (-o).")


@pytest.fixture(scope="session")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    pot = tmp_path_factory.mktemp("messages") / "messages.pot"
    with contextlib.chdir(ROOT):
        CommandLineInterface().run(["pybabel", "--quiet", *makefile_extract_command(pot)])
    catalog = read_catalog(pot)
    assert len(catalog) > 0, "Extracting the messages found none."
    return catalog


def message_id(message: Message) -> str:
    return message.id[0] if isinstance(message.id, tuple | list) else message.id


def forms(value: Any) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, tuple | list) else (value,)


def placeholders(text: str, message: Message) -> set[str]:
    """The placeholders of `text`, for the formats the message is flagged with."""
    found = []
    if "python-format" in message.flags:
        found += [m.group(0) for m in PERCENT_PLACEHOLDER.finditer(text) if m.group(0) != "%%"]
    if "python-brace-format" in message.flags:
        found += [
            "{" + field + (f"!{conversion}" if conversion else "") + "}"
            for _, field, _, conversion in string.Formatter().parse(text)
            if field is not None
        ]
    return set(found)


def problems_with(catalog: Catalog, extracted: Catalog, language: str) -> list[str]:
    missing, empty, fuzzy, wrong_placeholders = [], [], [], []
    for wanted in extracted:
        if not wanted.id:
            continue
        msgid = message_id(wanted)
        message = catalog.get(msgid, context=wanted.context)
        if message is None:
            missing.append(msgid)
            continue
        if message.fuzzy:
            fuzzy.append(msgid)
        translations = forms(message.string)
        if wanted.pluralizable and len(translations) != catalog.num_plurals:
            empty.append(f"{msgid} ({len(translations)} of {catalog.num_plurals} plural forms)")
        elif not all(translations):
            empty.append(msgid)
            continue
        expected = set().union(*(placeholders(source, message) for source in forms(message.id)))
        for translation in translations:
            if placeholders(translation, message) != expected:
                wrong_placeholders.append(f"{msgid} -> {translation} (expected {sorted(expected)})")
    for message, errors in catalog.check():
        wrong_placeholders += [f"{message_id(message)}: {error}" for error in errors]

    problems = []
    for title, ids in (
        ("not in the catalogue (run `make messages`)", missing),
        ("without a translation", empty),
        ("marked fuzzy (check the translation, then remove the flag)", fuzzy),
        ("whose placeholders differ from the English", wrong_placeholders),
    ):
        if ids:
            listed = "\n".join(f"  {msgid!r}" for msgid in dict.fromkeys(ids))
            problems.append(f"{len(ids)} message(s) {title}:\n{listed}")
    if problems:
        problems.insert(0, f"In {po_path(language).relative_to(ROOT)}:")
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(extracted: Catalog, language: str) -> None:
    catalog = read_catalog(po_path(language), language)
    problems = problems_with(catalog, extracted, language)
    assert not problems, "\n".join(problems)


# GNU gettext's plural rules, with the two forms the catalogues are written in (Babel
# 2.19's newer CLDR data gives French a third form, for millions).
GETTEXT_PLURAL_FORMS = {
    "en": "nplurals=2; plural=(n != 1);",
    "fr": "nplurals=2; plural=(n > 1);",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_header_is_usable(language: str) -> None:
    catalog = read_catalog(po_path(language), language)
    # `pybabel compile` skips a catalogue whose header is fuzzy: nothing would be translated.
    assert not catalog.fuzzy, f"The header of {po_path(language)} is marked fuzzy."
    expected = GETTEXT_PLURAL_FORMS[language]
    assert catalog.plural_forms == expected, (
        f"{po_path(language)} has Plural-Forms {catalog.plural_forms!r}, expected {expected!r}."
    )


def compile_if_stale(language: str) -> None:
    """What `pybabel compile` does for one catalogue, when its .mo is missing or older."""
    po = po_path(language)
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        return
    catalog = read_catalog(po, language)
    # Written aside then moved into place, so a parallel test worker never reads half a file.
    descriptor, partial = tempfile.mkstemp(dir=mo.parent, suffix=".mo.part")
    try:
        with os.fdopen(descriptor, "wb") as file:
            write_mo(file, catalog)
        os.chmod(partial, 0o644)
        os.replace(partial, mo)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


@pytest.fixture(scope="session")
def compiled_catalogues() -> None:
    for language in LANGUAGES:
        compile_if_stale(language)


@pytest.fixture
def translated_client(app: Flask, client: FlaskClient, compiled_catalogues: None) -> Iterator[Any]:
    """A client whose pages use the .mo files as they are now: Flask-Babel keeps the
    translations it loaded, so forget any loaded before they were compiled."""
    translations = app.extensions["babel"].instance.domain_instance.cache
    translations.clear()
    yield client
    translations.clear()


def test_pages_are_rendered_in_the_browsers_language(translated_client: FlaskClient) -> None:
    french = read_catalog(po_path("fr"), "fr")["Sign in"].string
    assert french and french != "Sign in"

    page = translated_client.get("/login", headers={"Accept-Language": "fr"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert f"<h1>{escape(french)}</h1>" in html, "The French catalogue is not used."

    page = translated_client.get("/login", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "<h1>Sign in</h1>" in html and escape(french) not in html


# French puts a non-breaking space (or a narrow one) before : ; ? ! and between an amount
# and its € sign. Left out of the check: addresses (https://..., /give?fund=...), times
# (14:32) and placeholders (%(name)s, {name}).
FRENCH_SPACES = "\u00a0\u202f"
NOT_PROSE = re.compile(r"\S*://\S*|(?<!\S)/\S*|\d{1,2}:\d{2}|" + PERCENT_PLACEHOLDER.pattern)
SIGN_WITHOUT_ITS_SPACE = re.compile(rf"(?<![{FRENCH_SPACES}:;?!])[:;?!]|(?<![{FRENCH_SPACES}(])€")


def typography_slips(text: str) -> list[str]:
    prose = NOT_PROSE.sub("x", text)
    return [
        prose[max(0, found.start() - 12) : found.end() + 1]
        for found in SIGN_WITHOUT_ITS_SPACE.finditer(prose)
    ]


def test_the_french_catalogue_has_french_typography() -> None:
    slips = [
        f"{message_id(message)!r}: {slip!r}"
        for message in read_catalog(po_path("fr"), "fr")
        if message.id
        for text in forms(message.string)
        for slip in typography_slips(text)
    ]
    assert not slips, (
        f"{len(slips)} French message(s) without a non-breaking space before : ; ? ! or €:\n"
        + "\n".join(slips)
    )
