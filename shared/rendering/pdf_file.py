"""reportlab's PDF document, written into its file object by object as it is saved.

reportlab's PDFDocument.format collects every object's bytes in a list and joins them, and
SaveToFile writes the joined bytes: at the end of a long report the file is in memory twice
over on top of the objects themselves (for 200,000 rows, two copies of an 80 MB file).
`StreamingDocument` saves as GetPDFData and format do (reportlab 5.1, pdfbase/pdfdoc.py), but
each object goes to the file as soon as it is formatted. The bytes are the same as
reportlab's own save (tests/unit/test_rendering.py holds it to that).
"""

from __future__ import annotations

from typing import BinaryIO

from reportlab import rl_config
from reportlab.pdfbase import pdfdoc


class _FileWriter(pdfdoc.PDFFile):
    """PDFFile's offsets and encoding, writing into a file instead of a list."""

    def __init__(self, out: BinaryIO, version) -> None:
        super().__init__(version)  # the header goes to self.strings
        out.writelines(self.strings)
        self.strings = []
        self.write = out.write


class StreamingDocument(pdfdoc.PDFDocument):
    def SaveToFile(self, filename, canvas) -> None:
        if not callable(getattr(filename, "write", None)) or getattr(self, "_digiSigs", None):
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
        file = _FileWriter(out, self._pdfVersion)
        ids = []
        counter = 0
        while True:  # formatting may register new objects: until the numbers run out
            counter += 1
            if counter not in self.numberToId:
                break
            oid = self.numberToId[counter]
            obj = self.idToObject[oid]
            formatted = pdfdoc.PDFIndirectObject(oid, obj).format(self)
            if not rl_config.invariant and rl_config.pdfComments:
                file.add(f"% {oid!a}: class {type(obj).__name__[:50]} \n")
            self.idToOffset[oid] = file.add(formatted)
            ids.append(oid)
        if counter - 1 != len(self.numberToId):
            raise ValueError(f"object {counter} of {len(self.numberToId)} is missing")
        xref = pdfdoc.PDFCrossReferenceTable()
        xref.addsection(0, ids)
        xref_offset = file.add(xref.format(self))
        trailer = pdfdoc.PDFTrailer(
            startxref=xref_offset, Size=len(self.numberToId) + 1,
            Root=self.Reference(catalog), Info=self.Reference(info), Encrypt=encrypt_ref,
            ID=self.ID())
        file.add(trailer.format(self))
