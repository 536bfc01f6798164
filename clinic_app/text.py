"""What text may hold. Every form field and every text the API reads is cleaned of control
characters; one-line text (names, subjects, anything but a text area) holds no line break."""

from __future__ import annotations

import re

# NUL and other control characters (C0, DEL and C1) have no place in any text we are sent, and
# PostgreSQL refuses NUL outright; tabs and line breaks stay for text areas (U+0085 "next line" too).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")
# Everything str.splitlines() breaks a line at: CR, LF, VT, FF, the file/group/record separators,
# NEL and the Unicode line and paragraph separators. A one-line field holds none of them: its
# text can reach an e-mail header (a clinic's name in a Subject), where one breaks the message.
LINE_SEPARATORS = re.compile(r"[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_LINE_BREAKS_AND_TABS = re.compile(r"[\t\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")


def clean_text(value):
    """Text without control characters (tabs and line breaks kept)."""
    return CONTROL_CHARACTERS.sub("", value) if isinstance(value, str) else value


def one_line(value):
    """Text on one line: each run of line breaks and tabs becomes one space, and control
    characters go. A browser's one-line box cannot hold a line break, but a pasted U+2028 or a
    hand-made request can."""
    return clean_text(_LINE_BREAKS_AND_TABS.sub(" ", value)) if isinstance(value, str) else value
