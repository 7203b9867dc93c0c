"""reportlab's PDF document, written into its file object by object.

reportlab's PDFDocument.format collects every object's bytes in a list and joins them, and
SaveToFile writes the joined bytes: at the end of a long report the file is in memory twice
over on top of the objects themselves (for 200,000 rows, two copies of an 80 MB file).
`StreamingDocument` saves as GetPDFData and format do (reportlab 5.1, pdfbase/pdfdoc.py), but
each object goes to the file as soon as it is formatted. The bytes are the same as
reportlab's own save (tests/unit/test_rendering.py holds it to that).

And objects that are finished when they are made (a page's deflated content, a link) can be
written at once with `write_now`, before the save: reportlab would keep every one of them, and
its names and numbers, until the end (for 200,000 rows, some 150 MB of links). The file then
holds its objects in another order, which PDF allows: the cross-reference table says where
each one is.
"""

from __future__ import annotations

from array import array
from typing import BinaryIO

from reportlab import rl_config
from reportlab.pdfbase import pdfdoc

_XREF_PIECE = 10_000  # cross-reference lines written at a time


class _FileWriter(pdfdoc.PDFFile):
    """PDFFile's offsets and encoding, writing into a file instead of a list."""

    def __init__(self, out: BinaryIO, version) -> None:
        super().__init__(version)  # the header goes to self.strings
        out.writelines(self.strings)
        self.strings = []
        self.write = out.write


class _Reserved(pdfdoc.PDFObject):
    """An object number taken for an object made later (see write_page_now)."""

    def format(self, document) -> bytes:
        raise ValueError("an object reserved for a page's form was never made")


class StreamingDocument(pdfdoc.PDFDocument):
    _file: _FileWriter | None = None  # set by begin(): the file is written from the start
    _early: array  # where each object written by write_now starts (0: not written early)

    def begin(self, out: object) -> None:
        """Start the file now, so finished objects can go into it before the save (when `out`
        is a file object and nothing is encrypted; otherwise everything waits for the save)."""
        if callable(getattr(out, "write", None)) \
                and isinstance(self.encrypt, pdfdoc.NoEncryption):
            self._file = _FileWriter(out, self._pdfVersion)
            self._out = out
        self._early = array("q", [0])

    def write_now(self, content: object) -> bytes:
        """Give `content` (finished: it must not change) the next object number and write it
        into the file now; returns the reference that points at it ("12 0 R")."""
        if self._file is None:  # no file yet: registered for the save like any other object
            name = f"Final.{self.objectcounter + 1}"
            self.Reference(content, name)
            return b"%d %d R" % self.idToObjectNumberAndVersion[name]
        self.objectcounter += 1
        number = self.objectcounter
        body = pdfdoc.format(content, self, toplevel=1)
        self._early.extend([0] * (number + 1 - len(self._early)))
        self._early[number] = self._file.add(
            b"%d 0 obj\n" % number + body + (b"" if body.endswith(b"\n") else b"\n")
            + b"endobj\n")
        return b"%d 0 R" % number

    def write_page_now(self) -> None:
        """Write the page just added (its content written already) into the file now, keeping
        only its name and number: reportlab keeps every page object until the save, with its
        own copy of the resources and graphics states, about 1.8 KB a page (measured at 50,000
        rows; some 130 MB for the 75,000 pages of 1,000,000). Forms the page draws that are
        made only at the save (the page count, the contents) get their object numbers now, for
        the save to fill."""
        if self._file is None:
            return
        pages = self.Pages.pages
        page = pages[-1]
        name = page.__InternalName__
        for ref in (page.XObjects.dict.values() if page.XObjects else ()):
            if ref.name not in self.idToObject:
                self.Reference(_Reserved(), ref.name)
        number, _ = self.idToObjectNumberAndVersion[name]
        self._early.extend([0] * (number + 1 - len(self._early)))
        self._early[number] = self._file.add(pdfdoc.PDFIndirectObject(name, page).format(self))
        pages[-1] = pdfdoc.PDFObjectReference(name)  # the page tree's kid, by number
        del self.idToObject[name]  # everything else refers to pages by name

    def addForm(self, name: str, form) -> None:
        """As reportlab's, filling a number that write_page_now reserved for the form."""
        internal = pdfdoc.xObjectName(name)
        if isinstance(self.idToObject.get(internal), _Reserved):
            self.idToObject[internal] = form
            form.__InternalName__ = internal
            self.inObject = None
            return
        super().addForm(name, form)

    def SaveToFile(self, filename, canvas) -> None:
        if self._file is not None and filename is not self._out:
            raise ValueError("the PDF was begun in another file")
        if self._file is None and (not callable(getattr(filename, "write", None))
                                   or getattr(self, "_digiSigs", None)):
            super().SaveToFile(filename, canvas)  # a path, or signatures over the whole file
            return
        if getattr(self, "_savedToFile", False):
            raise RuntimeError("a PDF document can only be saved once")
        self._savedToFile = True
        # GetPDFData's preparation, then format's loop with the file as the collector.
        for font in self.delayedFonts:
            font.addObjects(self)
        self.info.invariant = self.invariant
        self.info.digest(self.signature)
        self.Reference(self.Catalog)
        self.Reference(self.info)
        self.Outlines.prepare(self, canvas)
        if self.Outlines.ready < 0:
            self.Catalog.Outlines = None
        self._write_objects(filename)

    def _write_objects(self, out: BinaryIO) -> None:
        self.encrypt.prepare(self)
        catalog, info = self.Catalog, self.info
        self.Reference(catalog)
        self.Reference(info)
        encrypt_info = self.encrypt.info()
        encrypt_ref = self.Reference(encrypt_info) if encrypt_info else None
        file = self._file or _FileWriter(out, self._pdfVersion)
        early = getattr(self, "_early", array("q", [0]))
        offsets = array("q")  # 8 bytes an object; a list held 36 (a million links: 36 MB)
        counter = 0
        while True:  # formatting may register new objects: until the numbers run out
            counter += 1
            if counter < len(early) and early[counter]:
                offsets.append(early[counter])
                continue
            if counter not in self.numberToId:
                break
            oid = self.numberToId[counter]
            obj = self.idToObject[oid]
            formatted = pdfdoc.PDFIndirectObject(oid, obj).format(self)
            if not rl_config.invariant and rl_config.pdfComments:
                file.add(f"% {oid!a}: class {type(obj).__name__[:50]} \n")
            offsets.append(file.add(formatted))
        if counter - 1 != self.objectcounter:
            raise ValueError(f"object {counter} of {self.objectcounter} is missing")
        # The cross-reference table as PDFCrossReferenceTable formats one section from 0,
        # written a piece at a time: whole, it was some 200 MB of lines and copies for the
        # 1,150,000 objects of a 1,000,000-row report.
        xref_offset = file.add(f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n"
                               .encode("ascii"))
        for start in range(0, len(offsets), _XREF_PIECE):
            file.add("".join([f"{offset:010d} 00000 n \n"
                              for offset in offsets[start:start + _XREF_PIECE]])
                     .encode("ascii"))
        trailer = pdfdoc.PDFTrailer(
            startxref=xref_offset, Size=len(offsets) + 1,
            Root=self.Reference(catalog), Info=self.Reference(info), Encrypt=encrypt_ref,
            ID=self.ID())
        file.add(trailer.format(self))
