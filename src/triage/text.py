"""Text normalisation shared by every parser: whitespace, entities, URLs and stable title keys."""

from __future__ import annotations

import hashlib
import html
import os
import re
import unicodedata

# Unicode spaces (NBSP, thin space, ideographic space...) and line/paragraph separators.
_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+")
# Characters a terminal, spreadsheet or viewer acts on instead of showing: C0/C1 controls (ESC
# included), zero-width and bidi controls, line/paragraph separators, the BOM, lone surrogates.
_INVISIBLE = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff\ud800-\udfff"
UNSAFE_CHARS = re.compile(f"[\t\n\r{_INVISIBLE}]")
UNSAFE_BUT_WHITESPACE = re.compile(f"[{_INVISIBLE}]")  # keeps tab, newline and CR
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'`]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?'\"*>]"
_ARXIV_ID = re.compile(r"^(?:arxiv:)?\s*([a-z\-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})(?:v\d+)?$", re.I)


def utf8_name(name: str | os.PathLike[str]) -> str:
    """A file name or argument with its bytes that are not UTF-8 as U+FFFD: Python holds them as
    lone surrogates, which SQLite and every UTF-8 writer refuse."""
    return os.fsencode(name).decode("utf-8", errors="replace")


def clean_text(text: str) -> str:
    """Decode HTML entities, drop control characters and collapse all whitespace to single spaces."""
    if "&" in text:
        text = html.unescape(text)
    text = " ".join(text.split())  # str.split knows Unicode spaces (NBSP too) and is fast
    if text.isprintable():  # the common case: nothing else to remove
        return text
    text = UNSAFE_BUT_WHITESPACE.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def strip_url(url: str) -> str:
    """Remove trailing punctuation and unbalanced closing brackets that prose glued to a URL."""
    while url:
        last = url[-1]
        if (
            last in _URL_TRAILING
            or (last == ")" and url.count("(") < url.count(")"))
            or (last == "}" and url.count("{") < url.count("}"))
        ):
            url = url[:-1]
        else:
            break
    return url


def extract_urls(text: str) -> list[str]:
    """Every URL in the text, cleaned, in order of appearance, without duplicates.

    LaTeX leaves `\\url{...}` and `link{link}` wrappers in scraped abstracts; the braces split
    one raw match into its parts so `.../main{https://.../main}.` yields the URL once.
    """
    found: list[str] = []
    if "://" not in text and "www." not in text.lower():
        return found
    for raw in _URL.findall(text):
        for part in re.split(r"[{}]", raw):
            url = strip_url(part)
            if not re.match(r"(?:https?://|www\.)[^/.]+\.", url, re.I):
                continue
            if url.lower().startswith("www."):
                url = "https://" + url
            if url not in found:
                found.append(url)
    return found


def title_key(title: str) -> str:
    """A key equal for titles that differ only in case, accents, punctuation, dashes or spacing."""
    text = html.unescape(title) if "&" in title else title
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold()
    text = re.sub(r"[\W_]+", " ", text)
    return " ".join(text.split())


def normalise_arxiv_id(raw: str | None) -> str | None:
    """`arXiv:2401.01234v2` -> `2401.01234`; None for anything that is not an arXiv id."""
    if not raw:
        return None
    match = _ARXIV_ID.match(raw.strip())
    return match.group(1) if match else None


def paper_id(arxiv_id: str | None, title: str) -> str:
    """The stable id: the arXiv id when known, else a short hash of the normalised title."""
    if arxiv_id:
        return arxiv_id
    digest = hashlib.blake2b(title_key(title).encode(), digest_size=6).hexdigest()
    return f"t{digest}"
