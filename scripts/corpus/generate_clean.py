#!/usr/bin/env python3
"""Writes the clean test corpus: ordinary files of real formats that inspection must pass, generated with the Python
standard library only (no binary fixtures in the repository).

usage: generate_clean.py DIR     prints one line per file: <name> <declared media type>
"""
import io
import json
import os
import random
import struct
import sys
import zipfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from formats import pdf_document, png, zipped  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
files = []


def write(name, data, declared):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)
    files.append((name, declared))


prose = ("The committee met on Tuesday, as planned, to review the figures. Revenue rose, costs fell, and the outlook, "
         "while uncertain, improved. Members asked for details, dates and owners.\n") * 20
write("minutes-en.txt", prose, "text/plain")
write("compte-rendu-fr.txt", "Le comité s'est réuni mardi; les résultats, déjà publiés, sont encourageants. Où, quand, pourquoi ?\n" * 30, "text/plain")
write("議事録-ja.txt", "本日の会議では、来期の予算について議論しました。各部門の担当者は、資料を確認してください。\n" * 30, "text/plain")
write("تقرير-ar.txt", "اجتمع الفريق يوم الثلاثاء لمراجعة النتائج، وكانت الأرقام مشجعة.\n" * 30, "text/plain")
write("отчёт-ru.txt", "Команда собралась во вторник, чтобы обсудить результаты, сроки и планы.\n" * 30, "text/plain")
write("报告-zh.txt", "团队周二开会讨论了结果、时间表和计划。\n" * 40, "text/plain")
write("emoji.txt", "Launch day 🚀 went well 🎉, thanks all 👏.\n" * 20, "text/plain")
write("snippet-like.txt", "if (total > limit) { notify(owner); } else { archive(report); }\nint count = 0;\n" * 15, "text/plain")
write("bom.txt", "\ufeffA file that starts with a byte order mark.\n" * 10, "text/plain")
write("crlf.txt", "Windows line endings.\r\nSecond line, with a comma.\r\n" * 20, "text/plain")
# A React README with fenced code: JSX and SVG as most READMEs show them (fenced code is judged like any other text,
# docs/inspection.md: a sample with an event handler is active content; this one has none). libmagic calls a README
# with an HTML snippet text/html, which is judged as HTML whatever its name.
write("README.md", "# Counter\n\nA small counter component for React.\n\nInstall:\n\n```bash\nnpm install counter\n```\n\n"
      "Use it in your app:\n\n```jsx\nfunction App() {\n  return <Counter start={0} step={1} />;\n}\n```\n\nAn icon:\n\n```svg\n"
      "    <svg viewBox=\"0 0 8 8\"><circle r=\"4\" fill=\"teal\"/></svg>\n```\n\nLicensed under the MIT license.\n",
      "text/markdown")
write("notes.md", "# Notes\n\n- first, item\n- second item\n\n**Bold** and _italic_ text.\n" * 10, "text/markdown")
write("data.csv", "id,name,amount,date\n" + "".join(f"{i},Item {i},{i * 3.5:.2f},2026-11-{1 + i % 28:02d}\n" for i in range(200)), "text/csv")
write("data-semicolon.csv", "id;name;amount\n" + "".join(f"{i};Produit {i};{i},50\n" for i in range(200)), "text/csv")
write("table.tsv", "id\tname\tvalue\n" + "".join(f"{i}\tname {i}\t{i * 2}\n" for i in range(200)), "text/tab-separated-values")
write("small.json", json.dumps({"id": 1, "name": "report", "tags": ["a", "b"], "nested": {"ok": True}}, indent=2), "application/json")
rng = random.Random(7)
write("large.json", json.dumps([{"id": i, "value": rng.random(), "label": f"row {i}"} for i in range(12000)]), "application/json")
write("logo.svg", """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
  <title>Logo</title>
  <rect x="4" y="4" width="56" height="56" rx="8" fill="#1a73e8"/>
  <circle cx="32" cy="32" r="14" fill="#fff"/>
</svg>
""", "image/svg+xml")


write("icon.png", png(16, 16, lambda x, y: (x * 16, y * 16, 128)), "image/png")
write("gradient.png", png(320, 200, lambda x, y: (x % 256, y % 256, (x + y) % 256)), "image/png")
write("pixel.gif", bytes([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0x80, 0, 0, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0x2C, 0, 0, 0, 0, 1, 0, 1,
                          0, 0, 2, 2, 0x44, 1, 0, 0x3B]), "image/gif")
width, height = 8, 8
row = b"".join(bytes((x * 32, y * 32, 200)) for x in range(width) for y in [0])
pixels = b"".join(b"".join(bytes((x * 32, y * 32, 200)) for x in range(width)) for y in range(height))
write("image.bmp", b"BM" + struct.pack("<IHHI", 54 + len(pixels), 0, 0, 54) + struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(pixels), 2835, 2835, 0, 0) + pixels, "image/bmp")


def pdf(text):
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        None,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    stream = f"BT /F1 18 Tf 72 760 Td ({text}) Tj ET".encode()
    objects[3] = b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream"
    return pdf_document(objects)


write("letter.pdf", pdf("Quarterly report - all figures attached"), "application/pdf")
write("form.pdf", pdf("Application form, page 1"), "application/pdf")


def ooxml(parts, first_content_types=True):
    buffer = io.BytesIO()
    items = list(parts.items())
    if first_content_types:
        items.sort(key=lambda item: item[0] != "[Content_Types].xml")
    else:
        items.sort(key=lambda item: item[0] == "[Content_Types].xml")
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in items:
            z.writestr(name, content)
    return buffer.getvalue()


types = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
rels = '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>'
write("report.docx", ooxml({"[Content_Types].xml": types, "_rels/.rels": rels, "word/document.xml": "<w:document>" + "words " * 500 + "</w:document>"}),
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
write("report-reordered.docx", ooxml({"[Content_Types].xml": types, "_rels/.rels": rels, "word/document.xml": "<w:document/>"}, first_content_types=False),
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
write("budget.xlsx", ooxml({"[Content_Types].xml": types, "_rels/.rels": rels, "xl/workbook.xml": "<workbook/>", "xl/worksheets/sheet1.xml": "<worksheet/>"}),
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
write("deck.pptx", ooxml({"[Content_Types].xml": types, "_rels/.rels": rels, "ppt/presentation.xml": "<presentation/>", "ppt/slides/slide1.xml": "<sld/>"}),
      "application/vnd.openxmlformats-officedocument.presentationml.presentation")



# Plain archives of ordinary files (walked member by member), one nested, one stored without compression.
photos = zipped({"photos/icon.png": png(16, 16, lambda x, y: (x * 16, y * 16, 128)),
                  "photos/README.txt": "Two pictures from the trip.\n", "photos/": ""})
write("photos.zip", photos, "application/zip")
write("bundle.zip", zipped({"inner/photos.zip": photos, "data/values.csv": "name,value\nalpha,1\nbeta,2\ngamma,3\n",
                             "notes.md": "# Notes\n\nNothing to see here.\n"}), "application/zip")
write("stored.zip", zipped({"a.txt": "plain text\n" * 40, "b.json": '{"ok": true, "items": [1, 2, 3]}'}, zipfile.ZIP_STORED),
      "application/zip")

# Office files that look like attacks to a name-based check but are ordinary (issue 15's false alarms, our own
# variants): an embedded chart workbook, an external hyperlink, a stored inner archive, several parts with the same
# prefix, field codes that are not DDE, a content-types file listing ordinary parts.
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PR = "http://schemas.openxmlformats.org/package/2006/relationships"
chart_book = ooxml({"[Content_Types].xml": types, "_rels/.rels": rels, "xl/workbook.xml": "<workbook/>", "xl/worksheets/sheet1.xml": "<worksheet><sheetData/></worksheet>"})
write("chart.pptx", ooxml({"[Content_Types].xml": types, "_rels/.rels": rels, "ppt/presentation.xml": "<presentation/>", "ppt/slides/slide1.xml": "<sld/>",
                           "ppt/charts/chart1.xml": "<c:chartSpace/>", "ppt/embeddings/Microsoft_Excel_Worksheet.xlsx": chart_book,
                           "ppt/charts/_rels/chart1.xml.rels": '<Relationships xmlns="%s"><Relationship Id="rId1" Type="%s/package" '
                           'Target="../embeddings/Microsoft_Excel_Worksheet.xlsx"/></Relationships>' % (PR, R)}),
      "application/vnd.openxmlformats-officedocument.presentationml.presentation")
write("links.docx", ooxml({"[Content_Types].xml": types, "_rels/.rels": rels,
                           "word/document.xml": '<w:document><w:body><w:p><w:r><w:instrText> HYPERLINK "https://example.org/dde" </w:instrText></w:r>'
                           '<w:r><w:instrText> PAGE </w:instrText></w:r><w:fldSimple w:instr=" TOC \\o &quot;1-3&quot; "/></w:p></w:body></w:document>',
                           "word/_rels/document.xml.rels": '<Relationships xmlns="%s"><Relationship Id="rId5" Type="%s/hyperlink" '
                           'Target="https://example.org/" TargetMode="External"/></Relationships>' % (PR, R)}),
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
write("formulas.xlsx", ooxml({"[Content_Types].xml": types, "_rels/.rels": rels, "xl/workbook.xml": "<workbook/>",
                              "xl/worksheets/sheet1.xml": "<worksheet><sheetData><row><c><f>SUM(A1:A9)*2</f></c><c><f>IF(B1&gt;0,\"yes\",\"no\")</f></c></row></sheetData></worksheet>"}),
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
write("with-old-archive.zip", zipped({"docs/report.pdf": pdf("Archived report"), "docs/old.zip": zipped({"a.txt": "old notes\n"})}, zipfile.ZIP_STORED),
      "application/zip")
# Images with the padding real cameras and tools write after the end: one stray byte, zero fill, 0xFF fill.
jpeg_like = png(4, 4, lambda x, y: (200, 100, 50))
write("padded-zero.png", jpeg_like + b"\0" * 300, "image/png")
write("padded-ff.png", jpeg_like + b"\xff" * 17, "image/png")
write("stray-byte.png", jpeg_like + b"\x14", "image/png")
gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
write("signed.gif", gif + b"\x21\xfeMade with gifmaker 1.0 (C) someone@example.org\x00", "image/gif")

for name, declared in files:
    print(f"{name}\t{declared}")
