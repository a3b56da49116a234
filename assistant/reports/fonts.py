"""The CJK font every rendered report uses: WenQuanYi Micro Hei (文泉驿微米黑), from PyPI.

The font ships in the pinned wheel ``paperang-p2-fonts-cjk`` (a TrueType collection,
Apache-2.0 per the font's own name table), so nothing is installed by hand: the PDF
embeds a subset of it (reportlab ``TTFont``), the map figure draws its legend with it
(matplotlib ``font_manager.addfont``) and the DOCX names it as its East Asian font and
carries a subset of it (LibreOffice and Word use embedded fonts).  Nothing is read at
import time; a different TrueType font can be passed as ``path``.

Examples
--------
>>> cjk_font().family
'WenQuanYi Micro Hei'
>>> covers("审查意见书 ≤ m²")
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

FONT_PACKAGE = "paperang_p2_fonts_cjk"
FONT_FILE = "fonts/wqy-microhei.ttc"
INSTALL_HINT = "pip install paperang-p2-fonts-cjk==0.1.0"


class FontError(RuntimeError):
    """No usable CJK font."""


@dataclass(frozen=True)
class CJKFont:
    path: Path
    index: int  # face index inside a .ttc collection
    family: str  # the family name in the font's name table

    @property
    def reportlab_name(self) -> str:
        return "CJK-" + "".join(ch for ch in self.family if ch.isalnum())


@lru_cache(maxsize=4)
def cjk_font(path: str | None = None, index: int = 0) -> CJKFont:
    """The CJK font: ``path`` (a .ttf or .ttc with TrueType outlines) or the packaged one.

    Raises
    ------
    FontError
        The packaged font is not installed, or ``path`` is missing or not a TrueType font.
    """
    if path is None:
        try:
            file = Path(str(resources.files(FONT_PACKAGE).joinpath(FONT_FILE)))
        except ModuleNotFoundError:
            raise FontError(f"the CJK font package is not installed; {INSTALL_HINT}") from None
    else:
        file = Path(path)
    if not file.is_file():
        raise FontError(f"CJK font {file} not found; {INSTALL_HINT}")
    from fontTools.ttLib import TTFont, TTLibError

    try:
        face = TTFont(str(file), fontNumber=index, lazy=True)
        family = face["name"].getDebugName(1) or file.stem
        truetype = "glyf" in face
        face.close()
    except (TTLibError, OSError) as exc:
        raise FontError(f"{file} is not a readable font ({exc})") from None
    if not truetype:
        raise FontError(f"{file} has PostScript (CFF) outlines, which reportlab cannot embed; use a TrueType font")
    return CJKFont(path=file, index=index, family=family)


@lru_cache(maxsize=4)
def _cmap(path: Path, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    face = TTFont(str(path), fontNumber=index, lazy=True)
    codes = frozenset(face.getBestCmap())
    face.close()
    return codes


def covers(text: str, font: CJKFont | None = None) -> bool:
    """Every visible character of ``text`` has a glyph in the font."""
    return not missing_glyphs(text, font)


def missing_glyphs(text: str, font: CJKFont | None = None) -> set[str]:
    font = font or cjk_font()
    cmap = _cmap(font.path, font.index)
    return {ch for ch in text if not ch.isspace() and ord(ch) not in cmap}


def subset_ttf(text: str, font: CJKFont | None = None) -> bytes:
    """A TrueType font with only the glyphs ``text`` needs (plus ASCII), for embedding in a DOCX."""
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = font or cjk_font()
    face = TTFont(str(font.path), fontNumber=font.index)
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.layout_features = ["*"]
    options.drop_tables += ["FFTM"]  # FontForge timestamps: nothing to render
    sub = subset.Subsetter(options)
    sub.populate(text="".join(sorted(set(text) | {chr(c) for c in range(0x20, 0x7F)})))
    sub.subset(face)
    buf = io.BytesIO()
    face.save(buf)
    return buf.getvalue()


def matplotlib_font(font: CJKFont | None = None):
    """``FontProperties`` for the CJK font, registered with matplotlib's font manager (once)."""
    from matplotlib import font_manager

    font = font or cjk_font()
    _register_matplotlib(str(font.path))
    return font_manager.FontProperties(fname=str(font.path))


@lru_cache(maxsize=4)
def _register_matplotlib(path: str) -> None:
    from matplotlib import font_manager

    font_manager.fontManager.addfont(path)


def reportlab_font(font: CJKFont | None = None) -> str:
    """Register the CJK font with reportlab (embedded as a subset in every PDF) and return its name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    font = font or cjk_font()
    name = font.reportlab_name
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, str(font.path), subfontIndex=font.index))
    return name
