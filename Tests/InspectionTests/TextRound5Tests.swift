import AirlockCore
import Foundation
import Testing

@testable import Inspection

/// Text that a renderer or a spreadsheet treats as more than text (attack round 5), and ordinary files libmagic
/// misnames (its false positives).
struct TextRound5Tests {
    /// Raw HTML in Markdown or plain text that navigates or loads another document when rendered: the elements markup
    /// refuses, from the same list.
    @Test func embeddingHTMLInTextIsFound() {
        for (html, expected) in [
            (#"<meta http-equiv="refresh" content="0;url=https://evil.example/login">"#, "meta refresh"),
            (#"<META HTTP-EQUIV=Refresh CONTENT="0; URL=https://evil.example">"#, "meta refresh"),
            (#"<iframe src="https://evil.example/overlay" style="position:fixed;inset:0"></iframe>"#, "<iframe>"),
            (#"<frameset><frame src="https://evil.example/"></frameset>"#, "<frame>"),
            (#"<embed src="https://evil.example/x.svg" type="image/svg+xml">"#, "<embed>"),
            (#"<object data="https://evil.example/x.html" type="text/html"></object>"#, "<object>"),
            (#"<applet code="Evil.class" archive="https://evil.example/e.jar"></applet>"#, "<applet>"),
            (#"<portal src="https://evil.example/"></portal>"#, "<portal>"),
            ("<IFRAME\nSRC=//evil.example>", "<iframe>"),
        ] {
            for text in ["# Release notes\n\nSee below.\n\n" + html + "\n", "notes: " + html] {
                let findings = TextActiveContent.findings(in: Array(text.utf8))
                #expect(findings.contains { $0.contains(expected) }, "\(text) \(findings)")
            }
        }
        // The list is the markup path's.
        for element in MarkupActiveContent.embeddingElements {
            #expect(MarkupActiveContent.activeElements.contains(element))
            let findings = TextActiveContent.findings(in: Array("x <\(element) src=\"https://e.example/\"> y".utf8))
            #expect(findings.contains { $0.contains("<\(element)>") }, "\(element)")
        }
    }

    /// Prose and ordinary inline HTML that names these elements without loading anything stays clean.
    @Test func proseAboutEmbeddingElementsIsClean() {
        for text in [
            "Use the <iframe> element with a sandbox attribute.\n",
            "The <object> tag and <embed> are legacy.\n",
            #"<meta charset="utf-8"> <meta name="viewport" content="width=device-width">"#,
            #"<meta http-equiv="content-type" content="text/html; charset=utf-8">"#,
            "<p align=\"center\"><img src=\"https://img.shields.io/badge/x-y-green\"></p>\n",
        ] {
            #expect(TextActiveContent.findings(in: Array(text.utf8)).isEmpty, "\(text)")
        }
    }

    /// A valgrind log in a note (`==28993==    by 0x…: v8::Function::Call(…)`) is no formula: `==` starts none in
    /// Excel or LibreOffice. In CSV it is still judged; a single `=` still is everywhere.
    @Test func doubleEqualsCellsInTextAreNotFormulas() {
        let log = """
            # Investigating a leak

            ```
            ==28993== 64 bytes in 1 blocks are definitely lost in loss record 1 of 2
            ==28993==    at 0x483577F: malloc (vg_replace_malloc.c:299)
            ==28993==    by 0xB4CF3A: v8::Function::Call(v8::Local<v8::Context>, v8::Local<v8::Value>, int) (in /usr/bin/node)
            ```

            """
        #expect(TextActiveContent.formulaFindings(Array(log.utf8), csv: false).isEmpty)
        #expect(!TextActiveContent.formulaFindings(Array("a,=CALL(\"kernel32\",\"WinExec\",\"JJ\",\"calc\",0)\n".utf8), csv: false).isEmpty)
        #expect(!TextActiveContent.formulaFindings(Array("a,==CALL(\"x\")\n".utf8), csv: true).isEmpty)
        #expect(!TextActiveContent.formulaFindings(Array("=cmd|' /C calc'!A0\n".utf8), csv: false).isEmpty)
    }

    /// SYLK under a text name: Excel opens any file whose first bytes are `ID` and a record end as SYLK.
    @Test func sylkUnderATextNameIsATypeMismatch() {
        for text in [
            "ID;N;E\r\nC;Y1;X1;K0;ECMD|' /C calc'!A0\r\nE\r\n", "ID;P\nC;Y1;X1;EWEBSERVICE(\"https://e.example\")\nE\n",
            "ID\r\nC;Y1;X1;K0\r\nE\r\n", "ID\nE\n", "ID;PWXL;N;E\n",
        ] {
            for type in ["text/plain", "text/csv"] {
                #expect(Inspector.sylkText(type, prefix: Array(text.utf8))?.code == .typeMismatch, "\(text)")
            }
        }
        for text in ["ID,Name,Email\n1,Ann,a@example.org\n", "ID\tName\n", "IDENTIFIER;x\n", "id;name\n", "Id;Name\n", "\u{FEFF}ID,Name\n", "I"] {
            #expect(Inspector.sylkText("text/csv", prefix: Array(text.utf8)) == nil, "\(text)")
        }
        #expect(Inspector.sylkText("image/png", prefix: Array("ID;P\n".utf8)) == nil)
    }

    @Test func typesAreRefinedOnlyForTheMatchingName() {
        let commentedSVG = Array("<!--\n  Copyright (c) 2024 Example.\n-->\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"16\"/>\n".utf8)
        #expect(Inspector.refinedType("text/plain", filename: "icon.svg", prefix: commentedSVG) == "image/svg+xml")
        #expect(Inspector.refinedType("text/plain", filename: "icon.txt", prefix: commentedSVG) == "text/plain")
        let prolog = Array("\u{FEFF}<?xml version=\"1.0\"?>\n<!-- a -->\n<!-- b -->\n<svg>".utf8) + [0x0A]
        #expect(Inspector.rootIsSVG(prolog))
        for notSVG in ["<!-- x -->\n<html><svg>", "<!-- x --><!DOCTYPE svg><svg>", "<!-- unclosed <svg>", "<svgx>", "just text"] {
            #expect(!Inspector.rootIsSVG(Array(notSVG.utf8)), "\(notSVG)")
            #expect(Inspector.refinedType("text/plain", filename: "a.svg", prefix: Array(notSVG.utf8)) == "text/plain")
        }
        for type in ["application/javascript", "text/javascript", "text/html"] {
            #expect(Inspector.refinedType(type, filename: "api.md", prefix: []) == "text/plain")
            #expect(Inspector.refinedType(type, filename: "NOTES.Markdown", prefix: []) == "text/plain")
            #expect(Inspector.refinedType(type, filename: "api.txt", prefix: []) == type)
            #expect(Inspector.refinedType(type, filename: "api.html", prefix: []) == type)
        }
        #expect(Inspector.refinedType("application/x-executable", filename: "a.md", prefix: []) == "application/x-executable")
    }

    /// Through the inspector, with libmagic: the misnamed files are judged by the rules of what they are.
    @Test func theInspectorJudgesMisnamedFilesByWhatTheyAre() async throws {
        let inspector = Inspector(
            magic: try MagicDetector(),
            scanner: try ClamAVEngine(database: InspectorTests.database, limits: ScanLimits()),
            threads: 1
        )
        let profile = UploadProfile(
            name: "documents",
            maxSize: 1 << 20,
            allow: [
                .init(extensions: ["md"], types: ["text/markdown", "text/plain"]), .init(extensions: ["svg"], types: ["image/svg+xml"]),
                .init(extensions: ["csv", "txt"], types: ["text/csv", "text/plain"]),
            ]
        )
        func verdict(_ text: String, _ name: String) async throws -> Verdict {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-round5-\(UUID().uuidString)").path
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            return await inspector.inspect(InspectionRequest(path: path, filename: name, profile: profile))
        }
        let svgBody = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"16\" height=\"16\"><circle cx=\"8\" cy=\"8\" r=\"6\"/></svg>\n"
        let icon = try await verdict(
            "<!--\n  Copyright (c) 2024 Example Project. Licensed under the Apache License 2.0.\n-->\n" + svgBody,
            "icon.svg"
        )
        #expect(icon.outcome == .clean, "\(icon.reasons)")
        let scripted = try await verdict("<!-- x -->\n<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>\n", "icon.svg")
        #expect(scripted.reasons.contains { $0.code == .activeContent }, "\(scripted.reasons)")
        let api = "# Path\n\n<!-- source_link=lib/path.js -->\n\n```js\nconst path = require('node:path');\n```\n\nThe module provides utilities.\n"
        let markdown = try await verdict(api, "api.md")
        #expect(markdown.outcome == .clean, "\(markdown.detectedType ?? "") \(markdown.reasons)")
        let sylk = try await verdict("ID;N;E\r\nC;Y1;X1;K0;ECMD|' /C calc'!A0\r\nE\r\n", "a.csv")
        #expect(sylk.reasons.contains { $0.code == .typeMismatch }, "\(sylk.reasons)")
        let csv = try await verdict("ID,Name,Email\n1,Ann,a@example.org\n", "a.csv")
        #expect(csv.outcome == .clean, "\(csv.reasons)")
        let refresh = try await verdict("# Notes\n\n<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example/\">\n", "notes.md")
        #expect(refresh.reasons.contains { $0.code == .activeContent }, "\(refresh.reasons)")
    }
}
