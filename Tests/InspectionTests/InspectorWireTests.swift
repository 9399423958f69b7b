import AirlockCore
import Testing

@testable import Inspection

/// The inspector channel's hot frames (docs/isolation.md, "Wire format"): what one side writes the other reads back
/// unchanged, and a malformed frame is an error, never a crash or a guess.
struct InspectorWireTests {
    static let profile = UploadProfile(name: "wire", maxSize: 1 << 20, allow: [.init(extensions: ["txt"], types: ["text/plain"])])

    @Test func anOrderAndAVerdictSurviveTheirFrames() throws {
        let request = InspectionRequest(
            path: "/tmp/x",
            filename: "r\u{e9}sum\u{e9} \"q\"\\\n\u{1}\u{2028}\u{1F600}.txt",
            declaredSize: 12,
            declaredType: nil,
            declaredSHA256: String(repeating: "a", count: 64),
            profile: Self.profile,
            denyList: ["d1", "d2"],
            allowList: [],
            computeMD5: true,
            exclusive: true,
            digests: FileDigests(size: Int64.max, sha256: String(repeating: "b", count: 64), md5: "c")
        )
        let order = InspectionOrder(request, profile: 7)
        guard case .inspect(let back) = try InspectorChannel.message(Array(try InspectorChannel.frame(.inspect(order)).dropFirst(4))) else {
            Issue.record("not an order")
            return
        }
        #expect(back == order)
        let verdict = Verdict(
            reasons: [Reason(.malware, "Eicar-Signature \u{0}\u{7f}"), Reason(.typeMismatch, "")],
            detectedType: "text/plain",
            sha256: nil,
            size: -1,
            signatures: ["Eicar-Signature"],
            md5: "m"
        )
        guard case .verdict(let read) = try InspectorChannel.message(Array(try InspectorChannel.frame(.verdict(verdict)).dropFirst(4))) else {
            Issue.record("not a verdict")
            return
        }
        #expect(read == verdict)
        // The cold messages still travel as Codable JSON.
        guard
            case .profile(let id, let profile) = try InspectorChannel.message(
                Array(try InspectorChannel.frame(.profile(id: 3, Self.profile)).dropFirst(4))
            )
        else {
            Issue.record("not a profile")
            return
        }
        #expect(id == 3 && profile == Self.profile)
    }

    @Test(arguments: [
        "", "V", "X{}", "V{", "V{}", "Vnull", "V[]",
        #"V{"reasons":[],"detectedType":null,"sha256":null,"size":1,"signatures":[],"md5":null,"extra":1}"#,
        #"V{"reasons":[],"detectedType":null,"sha256":null,"size":1.5,"signatures":[],"md5":null}"#,
        #"V{"reasons":[],"detectedType":null,"sha256":null,"size":01,"signatures":[],"md5":null}"#,
        #"V{"reasons":[],"detectedType":null,"sha256":null,"size":99999999999999999999,"signatures":[],"md5":null}"#,
        #"V{"reasons":[],"detectedType":null,"sha256":null,"size":1,"size":2,"signatures":[],"md5":null}"#,
        #"V{"reasons":[{"code":"no_such_code","detail":""}],"detectedType":null,"sha256":null,"size":1,"signatures":[],"md5":null}"#,
        #"V{"reasons":[],"detectedType":"\ud800","sha256":null,"size":1,"signatures":[],"md5":null}"#,
        #"V{"reasons":[],"detectedType":"\x","sha256":null,"size":1,"signatures":[],"md5":null}"#,
        #"V{"reasons":[],"detectedType":null,"sha256":null,"size":1,"signatures":[1],"md5":null}"#,
        #"V{"reasons":[],"detectedType":null,"sha256":null,"size":1,"signatures":[],"md5":null} x"#,
        #"V{"reasons":[[[[[[[[]]]]]]]],"detectedType":null,"sha256":null,"size":1,"signatures":[],"md5":null}"#,
        #"I{"filename":"a","declaredSize":null,"declaredType":null,"declaredSHA256":null,"profile":-1,"denyList":[],"allowList":[],"computeMD5":false,"exclusive":false,"digests":null}"#,
        #"I{"filename":"a","declaredSize":null,"declaredType":null,"declaredSHA256":null,"profile":0,"denyList":[],"allowList":[],"computeMD5":false,"exclusive":false}"#,
        "J{\"verdict\":",
    ])
    func aMalformedFrameIsAnErrorNotACrash(_ text: String) {
        #expect(throws: InspectorChannel.Failure.self) { try InspectorChannel.message(Array(text.utf8)) }
    }

    @Test func aFrameWithInvalidUTF8OrARawControlCharacterIsMalformed() {
        let prefix = Array(#"V{"reasons":[],"detectedType":""#.utf8)
        let suffix = Array(#"","sha256":null,"size":1,"signatures":[],"md5":null}"#.utf8)
        for bad: [UInt8] in [[0xFF], [0xC3], [0x0A], [0xED, 0xA0, 0x80]] {
            #expect(throws: InspectorChannel.Failure.self) { try InspectorChannel.message(prefix + bad + suffix) }
        }
        // The same frame with a valid string is a verdict.
        #expect((try? InspectorChannel.message(prefix + Array("ok".utf8) + suffix)) != nil)
    }
}
