"""The consultant's notes: plain text, or a small Markdown subset (paragraphs, "- " or "* "
bullet lists, **bold**). Parsed into runs of text that every renderer escapes itself: no
markup of the notes reaches a report as markup."""

from __future__ import annotations

import re

from shared.rendering.document import Paragraph, Prose, Run

_BULLET = re.compile(r"^\s*[-*•]\s+")
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)


def runs(text: str) -> tuple[Run, ...]:
    """Bold where the text has **…**; an unpaired ** stays as written."""
    out: list[Run] = []
    at = 0
    for match in _BOLD.finditer(text):
        if match.start() > at:
            out.append(Run(text[at:match.start()]))
        out.append(Run(match.group(1), bold=True))
        at = match.end()
    if at < len(text):
        out.append(Run(text[at:]))
    return tuple(out)


def parse_notes(text: str) -> Prose:
    """Blank lines part paragraphs; a line starting with "- ", "* " or "• " is a bullet;
    other lines join the paragraph they are in."""
    paragraphs: list[Paragraph] = []
    lines: list[str] = []
    bullet = False

    def flush() -> None:
        nonlocal lines
        if lines:
            paragraphs.append(Paragraph(runs(" ".join(lines)), bullet))
        lines = []

    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            flush()
            continue
        if _BULLET.match(raw):
            flush()
            bullet = True
            lines.append(_BULLET.sub("", raw).strip())
        else:
            # An indented line continues a bullet; any other line starts a paragraph.
            if bullet and not (lines and raw[:1] in (" ", "\t")):
                flush()
                bullet = False
            lines.append(line)
    flush()
    return Prose(tuple(paragraphs))


def plain(prose: Prose) -> str:
    """The notes as plain lines ("• " before bullets), for cells and slides without styles."""
    return "\n".join(("• " if p.bullet else "") + "".join(r.text for r in p.runs)
                     for p in prose.paragraphs)
