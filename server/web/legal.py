"""The legal pages every public portal of a German authority carries: legal notice (§ 5 DDG),
privacy notices (Art. 13 DSGVO), accessibility statement (§ 12b BGG, BITV NRW), explanations in
Leichte Sprache and in German Sign Language.

Their words are the city's, not the code's: one Markdown file per page and language
(``impressum.de.md``, ``impressum.en.md``, ...). The package ships defaults for Musterstadt in
``legal/``; a city puts its own files of the same names into ``LEGAL_CONTENT_DIR``. Markdown is
rendered with raw HTML disabled, so a content file can never inject markup or script.

Sign-language videos are configured in ``LEGAL_CONTENT_DIR/gebaerdensprache/videos.json``: a
list of videos, each with its file, WebVTT captions and a Markdown transcript per language, all
in that folder and served by the portal itself (no third-party player, no CDN)::

    [{"file": "portal.mp4",
      "title": {"de": "Das Bürgerportal", "en": "The citizen portal"},
      "captions": {"de": "portal.de.vtt", "en": "portal.en.vtt"},
      "transcript": {"de": "portal.de.md", "en": "portal.en.md"},
      "poster": "portal.jpg"}]

Captions are required, title, transcript and poster optional; only the files named there are
served (``/gebaerdensprache/dateien/<name>``). A broken ``videos.json`` refuses the start.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

PACKAGE_DIR = Path(__file__).resolve().parent / "legal"
SIGN_LANGUAGE_FOLDER = "gebaerdensprache"
SIGN_LANGUAGE_CONFIG = "videos.json"
DEFAULT_LANGUAGE = "de"

#: The content files a page may have, by page; nothing else is ever read from the folders.
PAGES = ("impressum", "datenschutz", "barrierefreiheit", "leichte-sprache", "gebaerdensprache")

#: Files of the sign-language folder the portal serves, by extension.
MEDIA_TYPES = {
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".vtt": "text/vtt",
    ".jpg": "image/jpeg",
    ".png": "image/png",
}
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def _parser() -> MarkdownIt:
    # "commonmark" with html off: raw HTML in a file is shown as text, never as markup;
    # markdown-it refuses javascript:, vbscript: and data: links on its own.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


_MARKDOWN = _parser()


def _decorate(tokens: list[Token]) -> None:
    """Headings start below the page's own h1 (the portal styles plain elements itself)."""
    for token in tokens:
        if token.type in ("heading_open", "heading_close") and token.tag == "h1":
            token.tag = "h2"


def render_markdown(text: str) -> Markup:
    """HTML of ``text``: headings, paragraphs, lists, links, emphasis; raw HTML escaped."""
    tokens = _MARKDOWN.parse(text)
    _decorate(tokens)
    return Markup(_MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {}))  # noqa: S704  # nosec B704  # html off: markdown-it escapes every tag


def _candidates(page: str, language: str, override: str) -> list[Path]:
    """Where a page's text is looked for, first found wins. The city's folder comes first, and
    in it the German file before the package's translation: a city that has written only its
    German legal notice must not show Musterstadt's English one."""
    names = [f"{page}.{language}.md", f"{page}.{DEFAULT_LANGUAGE}.md"]
    folders = [Path(override)] if override else []
    folders.append(PACKAGE_DIR)
    return [folder / name for folder in folders for name in dict.fromkeys(names)]


def page_text(page: str, language: str, override: str = "") -> Markup:
    """The rendered content of ``page`` in ``language`` (German if there is no translation)."""
    if page not in PAGES:
        raise LookupError(page)
    for path in _candidates(page, language, override):
        if path.is_file():
            return render_markdown(path.read_text(encoding="utf-8"))
    raise LookupError(f"no content for {page!r}")


class SignLanguageConfigError(ValueError):
    """``videos.json`` names a file that is missing or not a plain file name: refused at start."""


@dataclass(frozen=True)
class SignLanguageVideo:
    file: str
    titles: dict[str, str]
    captions: dict[str, str]  # language -> .vtt file
    transcripts: dict[str, str]  # language -> .md file
    poster: str | None = None

    def _in(self, table: dict[str, str], language: str) -> str | None:
        return (
            table.get(language) or table.get(DEFAULT_LANGUAGE) or next(iter(table.values()), None)
        )

    def title(self, language: str) -> str:
        return self._in(self.titles, language) or self.file

    def caption_tracks(self) -> list[tuple[str, str]]:
        """(language, file) of every caption track, German first."""
        return sorted(self.captions.items(), key=lambda item: item[0] != DEFAULT_LANGUAGE)

    def transcript_file(self, language: str) -> str | None:
        return self._in(self.transcripts, language)

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[Path(self.file).suffix.lower()]

    def files(self) -> set[str]:
        names = {self.file, *self.captions.values(), *self.transcripts.values()}
        return names | ({self.poster} if self.poster else set())


def _plain(name: Any, folder: Path, suffixes: tuple[str, ...]) -> str:
    if not isinstance(name, str) or not _PLAIN_NAME.match(name) or ".." in name:
        raise SignLanguageConfigError(f"not a plain file name: {name!r}")
    if Path(name).suffix.lower() not in suffixes:
        raise SignLanguageConfigError(f"{name}: expected one of {', '.join(suffixes)}")
    if not (folder / name).is_file():
        raise SignLanguageConfigError(f"{name}: no such file in {folder}")
    return name


def _table(value: Any, folder: Path | None, suffixes: tuple[str, ...]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise SignLanguageConfigError("expected an object of language: value")
    if folder is None:
        return {k: str(v) for k, v in value.items()}
    return {k: _plain(v, folder, suffixes) for k, v in value.items()}


def load_sign_language_videos(override: str) -> tuple[SignLanguageVideo, ...]:
    """The videos the city configured (none without ``LEGAL_CONTENT_DIR`` or ``videos.json``).
    Every video needs captions; every named file must be in the folder."""
    if not override:
        return ()
    folder = Path(override) / SIGN_LANGUAGE_FOLDER
    config = folder / SIGN_LANGUAGE_CONFIG
    if not config.is_file():
        return ()
    try:
        entries = json.loads(config.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise SignLanguageConfigError(f"{config}: {error}") from error
    if not isinstance(entries, list):
        raise SignLanguageConfigError(f"{config}: expected a list of videos")
    videos = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise SignLanguageConfigError(f"{config}: every video is an object")
        video = SignLanguageVideo(
            file=_plain(entry.get("file"), folder, (".mp4", ".webm")),
            titles=_table(entry.get("title"), None, ()),
            captions=_table(entry.get("captions"), folder, (".vtt",)),
            transcripts=_table(entry.get("transcript"), folder, (".md",)),
            poster=(
                _plain(entry["poster"], folder, (".jpg", ".png")) if entry.get("poster") else None
            ),
        )
        if not video.captions:
            raise SignLanguageConfigError(f"{video.file}: a video needs captions (WebVTT)")
        videos.append(video)
    return tuple(videos)


def sign_language_file(override: str, videos: tuple[SignLanguageVideo, ...], name: str) -> Path:
    """The path of a file a configured video names; ``LookupError`` for any other name."""
    if not any(name in video.files() for video in videos):
        raise LookupError(name)
    return Path(override) / SIGN_LANGUAGE_FOLDER / name


def transcript(override: str, video: SignLanguageVideo, language: str) -> Markup | None:
    name = video.transcript_file(language)
    if name is None:
        return None
    path = Path(override) / SIGN_LANGUAGE_FOLDER / name
    return render_markdown(path.read_text(encoding="utf-8"))
