"""The PDF's fonts, colours and paragraph styles. DejaVu Sans is embedded so names in Greek,
Cyrillic or with accents print as themselves."""

from __future__ import annotations

import weakref
from functools import lru_cache
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph

from shared.advisor.safety import escape_paragraph
from shared.rendering import theme

FONT = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
_FONTS = Path(__file__).resolve().parent / "fonts"
_TABLE_FONT_SIZE = 7.5


class _RepeatingTextFont(TTFont):
    """DejaVu with `splitString` remembered per document. Every string drawn goes through it
    (mapping characters to the embedded subset's codes, a Python loop per character), and the
    detailed reports draw the same texts over and over: categories, impacts, resource types,
    the same recommendation for hundreds of resources. Once a text's characters are in the
    document's subsets the answer for that text never changes, so it is kept."""

    _MAX_REMEMBERED = 20_000  # distinct texts per document; the rest are mostly one-offs

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._remembered: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def splitString(self, text, doc, encoding="utf-8"):
        known = self._remembered.get(doc)
        if known is None:
            known = self._remembered[doc] = {}
        found = known.get(text)
        if found is None:
            found = super().splitString(text, doc, encoding)
            if len(known) < self._MAX_REMEMBERED:
                known[text] = found
        return found


@lru_cache(maxsize=1)
def _register_fonts() -> None:
    pdfmetrics.registerFont(_RepeatingTextFont(FONT, str(_FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(_RepeatingTextFont(BOLD, str(_FONTS / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


@lru_cache(maxsize=64)  # the same few colours on every row of every table
def _c(hex_colour: str) -> colors.Color:
    return colors.HexColor(hex_colour)


@lru_cache(maxsize=8)
def _styles(accent: str = theme.ACCENT) -> dict[str, ParagraphStyle]:
    _register_fonts()
    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=13,
                          textColor=_c(theme.INK))
    return {
        "body": base,
        "muted": ParagraphStyle("muted", base, textColor=_c(theme.MUTED)),
        "empty": ParagraphStyle("empty", base, textColor=_c(theme.MUTED), fontSize=9.5),
        "caveat": ParagraphStyle("caveat", base, fontSize=8.5, leading=11.5,
                                 backColor=colors.HexColor("#fff4ce"), borderPadding=5,
                                 borderColor=colors.HexColor("#eaa300"), borderWidth=0.5,
                                 spaceBefore=6, spaceAfter=10),
        "h1": ParagraphStyle("h1", base, fontName=BOLD, fontSize=16, leading=20, spaceBefore=6,
                             spaceAfter=8, textColor=_c(accent)),
        "h2": ParagraphStyle("h2", base, fontName=BOLD, fontSize=11.5, leading=15,
                             spaceBefore=10, spaceAfter=4),
        "caption": ParagraphStyle("caption", base, fontName=BOLD, fontSize=9, spaceBefore=4,
                                  spaceAfter=3),
        "cell": ParagraphStyle("cell", base, fontSize=_TABLE_FONT_SIZE,
                               leading=_TABLE_FONT_SIZE * 1.25),
        "cell_head": ParagraphStyle("cell_head", base, fontName=BOLD,
                                    fontSize=_TABLE_FONT_SIZE, leading=_TABLE_FONT_SIZE * 1.25,
                                    textColor=colors.white),
        "cover_eyebrow": ParagraphStyle("ce", base, fontName=BOLD, fontSize=11,
                                        textColor=_c(accent)),
        "cover_title": ParagraphStyle("ct", base, fontName=BOLD, fontSize=28, leading=34,
                                      spaceBefore=8, spaceAfter=10),
        "cover_purpose": ParagraphStyle("cp", base, fontSize=12, leading=16,
                                        textColor=_c(theme.MUTED), spaceAfter=24),
        "band_title": ParagraphStyle("bt", base, fontName=BOLD, fontSize=18, leading=22,
                                     spaceBefore=2, spaceAfter=2),
        "band_who": ParagraphStyle("bw", base, fontSize=10, leading=13),
        "notes": ParagraphStyle("notes", base, fontSize=10, leading=14, spaceAfter=6),
        "bullet": ParagraphStyle("bullet", base, fontSize=10, leading=14, leftIndent=14,
                                 bulletIndent=3, spaceAfter=3),
        "kpi_label": ParagraphStyle("kl", base, fontSize=8, leading=10,
                                    textColor=_c(theme.MUTED)),
        "kpi_value": ParagraphStyle("kv", base, fontName=BOLD, fontSize=14, leading=17),
        "kpi_note": ParagraphStyle("kn", base, fontSize=7.5, leading=9.5,
                                   textColor=_c(theme.MUTED)),
        "kpi_change": ParagraphStyle("kc", base, fontName=BOLD, fontSize=7.5, leading=9.5,
                                     spaceBefore=2, textColor=_c(theme.MUTED)),
        "kpi_better": ParagraphStyle("kb", base, fontName=BOLD, fontSize=7.5, leading=9.5,
                                     spaceBefore=2, textColor=_c("#107c10")),
        "kpi_worse": ParagraphStyle("kw", base, fontName=BOLD, fontSize=7.5, leading=9.5,
                                    spaceBefore=2, textColor=_c("#c50f1f")),
        "muted_small": ParagraphStyle("ms", base, fontSize=8, leading=10.5, spaceBefore=4,
                                      textColor=_c(theme.MUTED)),
    }


def _p(text: str, style: str, accent: str = theme.ACCENT) -> Paragraph:
    return Paragraph(escape_paragraph(text), _styles(accent)[style])
