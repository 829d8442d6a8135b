"""Make text that came from TOPdesk safe to show: no control characters, bounded length.

Room names, operator names and error messages are typed by people at the
customer (or returned by a misbehaving server). Printed raw they could move the
terminal cursor, recolour the screen, reorder text with bidi overrides, or make
a one-page report a hundred pages long. The JSON report keeps the full value;
the HTML and the terminal show it through these functions.
"""

from __future__ import annotations

import re
import unicodedata

ELLIPSIS = "\u2026"

# C0 controls except tab and newline, DEL, C1 controls, and the bidi embedding/override/isolate
# characters (the "Trojan Source" set) that can make a name read differently from what it is.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b-\u200f\u2060\ufeff]")
# Line and paragraph separators are line breaks to many viewers: whitespace, never a forged line.
_WHITESPACE_RUN = re.compile("[\t\n\r\u2028\u2029\x85]+")
_SEPARATORS = re.compile("[\u2028\u2029\x85]")
# What markdown (and most ticket systems' markup) gives meaning to; escaped in text pasted into a ticket.
#: Brackets are enough to stop links and images ("(" only matters after "]"); an underscore only inside a
#: word (``auth.app_password_expiry``) emphasises nothing, so only one at a word's edge is escaped.
_MARKDOWN = re.compile(r"([\\`*\[\]<|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
# Whole terminal escape sequences (CSI such as colour or clear-screen, OSC such as window titles and
# hyperlinks, and the 8-bit CSI), removed before single control characters so no "[31m" debris remains.
_ESCAPE_SEQUENCE = re.compile(r"(\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)?|\x1b[@-Z\\-_]")


def encodable(text: str) -> str:
    """Replace lone surrogates (from a broken decoder upstream) so the text can be written as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def clean_text(value: object, *, single_line: bool = False) -> str:
    """The text of ``value`` without control characters; tabs and newlines become spaces if asked."""
    text = encodable(value if isinstance(value, str) else str(value))
    text = _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))
    if single_line:
        text = _WHITESPACE_RUN.sub(" ", text)
    else:
        text = _SEPARATORS.sub("\n", text)
    return text


def markdown_inert(text: str) -> str:
    """``text`` with markdown's special characters escaped, so a name cannot become a link or a heading."""
    escaped = _MARKDOWN.sub(r"\\\1", text)
    escaped = re.sub(r"^(\s*)([-+=#>])", r"\1\\\2", escaped)
    return re.sub(r"^(\s*)(\d+)\.(\s)", r"\1\2\\.\3", escaped)


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in an ellipsis when it was cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def display(value: object, limit: int, *, single_line: bool = False) -> str:
    """Cleaned and clipped: what a person should see of a value from TOPdesk."""
    return clip(clean_text(value, single_line=single_line), limit)


# --- terminal columns ---------------------------------------------------------------------------

def char_columns(char: str) -> int:
    """How many terminal columns ``char`` takes: 0 for combining marks, 2 for wide (CJK) characters."""
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def columns(text: str) -> int:
    """The width of ``text`` on a terminal, in columns (escape sequences are not counted)."""
    return sum(char_columns(c) for c in _ESCAPE_SEQUENCE.sub("", text))


def _prefix_within(text: str, width: int) -> str:
    used = 0
    for index, char in enumerate(text):
        used += char_columns(char)
        if used > width:
            return text[:index]
    return text


LINE_LIMIT = 400  # a value longer than this on one line is noise; the reports hold it in full


def one_line(value: object, limit: int = LINE_LIMIT) -> str:
    """``value`` as display text on a single line (newlines and separators are spaces), clipped to ``limit``."""
    return display(value, limit, single_line=True)


def clip_words(text: str, width: int) -> str:
    """``text`` fitted to ``width`` terminal columns, cut at a word boundary and ending in an ellipsis.

    A word longer than half the width (a URL, a 10,000-character name) is cut
    where the width ends: nothing else could fit it.
    """
    if columns(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:max(width, 0)]
    kept = _prefix_within(text, width - 1)
    if len(kept) < len(text) and not text[len(kept)].isspace() and not kept[-1:].isspace():
        space = kept.rfind(" ")
        if space >= len(kept) // 2:
            kept = kept[:space]
    return kept.rstrip(" ,;:") + ELLIPSIS
