import AirlockCore
import AirlockTesting
import Foundation
import Testing

@testable import Inspection

struct MarkupActiveContentTests {
    static let cleanSVG = #"""
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="40" height="40" viewBox="0 0 40 40">
          <!-- a logo: <script> in a comment is not a script -->
          <defs><linearGradient id="g"><stop offset="0" stop-color="#08f"/></linearGradient></defs>
          <a xlink:href="https://example.com/about"><circle cx="20" cy="20" r="18" fill="url(#g)" style="stroke: black"/></a>
          <text x="5" y="25">Hello &amp; welcome</text>
        </svg>
        """#

    @Test func ordinarySVGHasNoFindings() {
        #expect(MarkupActiveContent.findings(in: Array(Self.cleanSVG.utf8)).isEmpty)
    }

    /// Round 3: ERB/JSP/ASP blocks and SSI directives in SVG and XML run where a server includes the file.
    @Test func serverSideCodeInMarkupIsFound() {
        for code in [
            "<%= `id` %>", "<% Runtime.getRuntime().exec(request.getParameter(\"c\")); %>", "<!-- #exec cmd=\"id\" -->",
            "<jsp:scriptlet>x</jsp:scriptlet>",
        ] {
            let svg = #"<svg xmlns="http://www.w3.org/2000/svg"><title>"# + code + "</title></svg>"
            #expect(!Inspector.markupFindings(in: Array(svg.utf8)).isEmpty, "\(svg)")
        }
        let prose = #"<svg xmlns="http://www.w3.org/2000/svg"><!-- #1: growth <%5 --><text>50% of &lt;b&gt;</text></svg>"#
        #expect(Inspector.markupFindings(in: Array(prose.utf8)).isEmpty)
        #expect(Inspector.markupFindings(in: Array(Self.cleanSVG.utf8)).isEmpty)
    }

    /// A processing instruction whose bytes PHP compiles as statements (short_open_tag is On by PHP's default), in
    /// SVG or XML: `<?system (…);?>` is a PI to XML and code to PHP. XML declarations and PIs PHP cannot compile are
    /// not (attack round 5).
    @Test func processingInstructionsPHPRunsAreFound() {
        for pi in [
            "<?system ($_GET['c']); __halt_compiler();?>", "<?passthru($_GET[0])?>", "<?x;system(1)?>",
            "<?xml;system(1)?>", "<?XML(system(1))?>",
        ] {
            let svg = #"<svg xmlns="http://www.w3.org/2000/svg">"# + pi + "<rect width='1'/></svg>"
            #expect(Inspector.markupFindings(in: Array(svg.utf8)).contains { $0.contains("processing instruction PHP runs") }, "\(pi)")
        }
        for pi in [
            #"<?xml version="1.0" encoding="UTF-8" standalone="no"?>"#, "<?xpacket begin='' id='W5M0'?>",
            #"<?mso-application progid="Word.Document"?>"#, "<?target some data?>", "<?inkscape-export x='1'?>",
        ] {
            let svg = pi + #"<svg xmlns="http://www.w3.org/2000/svg"><rect width='1'/></svg>"#
            #expect(Inspector.markupFindings(in: Array(svg.utf8)).isEmpty, "\(pi)")
        }
    }

    @Test(arguments: [
        (#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#, "<script>"),
        (#"<svg xmlns="http://www.w3.org/2000/svg"><svg:SCRIPT xlink:href="x.js"/></svg>"#, "<script>"),
        (#"<svg onload="alert(1)"/>"#, "onload"),
        (#"<svg><circle ONMOUSEOVER = 'x()'/></svg>"#, "onmouseover"),
        (#"<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>"#, "javascript URL in xlink:href"),
        (#"<svg><a href="&#106;ava&#x73;cript&colon;alert(1)">x</a></svg>"#, "javascript URL in href"),
        ("<svg><a href=\" java\tscript:alert(1)\">x</a></svg>", "javascript URL"),
        (#"<svg><foreignObject><body xmlns="http://www.w3.org/1999/xhtml"></body></foreignObject></svg>"#, "<foreignobject>"),
        (#"<svg><animate attributeName="href" values="javascript:alert(1)"/></svg>"#, "javascript URL in values"),
        (#"<html><body><iframe src="https://evil.example"></iframe></body></html>"#, "<iframe>"),
        (#"<img src=x onerror=alert(1)>"#, "onerror"),
        (#"<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>"#, "data URL"),
        (#"<div style="width: expression(alert(1))">x</div>"#, "style attribute"),
        (#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><x>&b;</x>"#, "entity declaration"),
        (#"<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://evil.example/x.dtd"><x/>"#, "external DTD"),
        (#"<?xml-stylesheet type="text/xsl" href="evil.xsl"?><x/>"#, "xml-stylesheet"),
        (#"<meta http-equiv="refresh" content="0;url=https://evil.example">"#, "meta refresh"),
    ])
    func activeContentIsFound(_ markup: String, _ expected: String) {
        let findings = MarkupActiveContent.findings(in: Array(markup.utf8))
        #expect(findings.contains { $0.contains(expected) }, "\(markup) -> \(findings)")
    }

    @Test func inspectionRejectsAnSVGWithScript() async throws {
        let profile = UploadProfile(name: "images", maxSize: 1 << 20, allow: [.init(extensions: ["svg"], types: ["image/svg+xml"])])
        let inspector = Inspector(
            magic: try MagicDetector(),
            scanner: try ClamAVEngine(database: Repository.path("fixtures/clamav"), limits: ScanLimits()),
            threads: 1
        )
        defer { inspector.shutdown() }
        func inspect(_ text: String) async throws -> Verdict {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-svg-\(UUID().uuidString).svg").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: path) }
            return await inspector.inspect(InspectionRequest(path: path, filename: "logo.svg", profile: profile))
        }
        let clean = try await inspect(Self.cleanSVG)
        #expect(clean.outcome == .clean, "\(clean.reasons)")
        #expect(clean.detectedType == "image/svg+xml")
        let active = try await inspect(Self.cleanSVG.replacingOccurrences(of: "<defs>", with: "<script>fetch('/steal')</script><defs>"))
        #expect(active.outcome == .rejected)
        #expect(active.reasons.map(\.code) == [.activeContent])
    }

    /// Round 3: libmagic calls most CSV text/plain; a `.csv` name (or a declared CSV type) still gets the CSV rules,
    /// whose quoted cells run across lines as Excel's do.
    @Test func inspectionReadsANamedCSVAsCSV() async throws {
        let profile = UploadProfile(name: "data", maxSize: 1 << 20, allow: [.init(extensions: ["csv", "txt"], types: ["text/plain", "text/csv"])])
        let inspector = Inspector(
            magic: try MagicDetector(),
            scanner: try ClamAVEngine(database: Repository.path("fixtures/clamav"), limits: ScanLimits()),
            threads: 1
        )
        defer { inspector.shutdown() }
        func inspect(_ text: String, as name: String) async throws -> Verdict {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-csv-\(UUID().uuidString)").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: path) }
            return await inspector.inspect(InspectionRequest(path: path, filename: name, profile: profile))
        }
        // Active only by the CSV rules: the quote spans the line break, and text reads a `-` cell that no call starts
        // leniently (a bullet), where CSV judges every cell strictly (CALL).
        let hidden = "name,note\nalice,\"first line\n\",-1+CALL(\"kernel32\";\"WinExec\")\nbob,ok\n"
        let named = try await inspect(hidden, as: "list.csv")
        #expect(named.outcome == .rejected, "\(named.reasons)")
        #expect(named.reasons.map(\.code) == [.activeContent])
        let ordinary = "name,address\nAnn,\"1 Main St\nSpringfield, IL\"\nBob,\"Flat 2, \"\"The Mews\"\"\"\n"
        let clean = try await inspect(ordinary, as: "list.csv")
        #expect(clean.outcome == .clean, "\(clean.reasons)")
    }

    @Test func characterReferencesAreDecodedButNeverExpanded() {
        #expect(MarkupActiveContent.decodeCharacterReferences("&#106;&#X61;&amp;&custom;") == "ja&&custom;")
        #expect(MarkupActiveContent.dangerousScheme(" JaVa\u{0}Script:x") == "javascript")
        #expect(MarkupActiveContent.dangerousScheme("https://example.com/javascript:") == nil)
    }
}
/// Shorthands for the tests.
func markup(_ text: String) -> [String] { MarkupActiveContent.findings(in: Array(text.utf8), limit: 20) }
func plainText(_ text: String) -> [String] { TextActiveContent.findings(in: Array(text.utf8), limit: 20) }
let svgOpen = #"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">"#
func svg(_ body: String) -> String { svgOpen + body + "</svg>" }
