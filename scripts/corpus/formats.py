"""Small writers of real file formats for the test corpora (Python standard library only)."""
import io
import struct
import zipfile
import zlib


def png(width, height, pixel):
    """An RGB PNG; `pixel(x, y)` gives (r, g, b)."""
    raw = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def pdf_document(objects, trailer_extra=b"", version=b"1.4"):
    """A PDF of the given object bodies (numbered from 1, the first being the catalog) with a correct xref table."""
    body = b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n".encode() + content + b"\nendobj\n"
    xref = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    body += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    body += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R ".encode() + trailer_extra + f">>\nstartxref\n{xref}\n%%EOF\n".encode()
    return body


def zipped(members, method=zipfile.ZIP_DEFLATED):
    """A zip archive of {name: bytes or str}."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as z:
        for name, content in members.items():
            z.writestr(name, content)
    return buffer.getvalue()
