import Crypto
import Foundation
import SigV4
import Testing

/// Every case of the AWS SigV4 test suite (aws-c-auth), header and query variants, byte for byte.
struct AWSTestSuiteTests {
    struct Context: Decodable {
        struct Credentials: Decodable {
            var access_key_id: String
            var secret_access_key: String
            var token: String?
        }
        var credentials: Credentials
        var expiration_in_seconds: Int
        var normalize: Bool
        var region: String
        var service: String
        var sign_body: Bool
        var timestamp: String
        var omit_session_token: Bool?
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var testDescription: String { name }
    }

    static let suite = "sigv4/aws-signing-test-suite-v4"

    static let cases: [Case] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Fixtures.url(suite).path)) ?? []
        return names.sorted().map { Case(name: $0) }
    }()

    @Test func suiteIsPresent() {
        #expect(Self.cases.count == 38)
    }

    /// A request as written in `request.txt`, decoded.
    struct ParsedRequest {
        var method: String
        var path: String
        var query: [(name: String, value: String)]
        var headers: [(name: String, value: String)]
        var body: [UInt8]
    }

    static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func parse(_ text: String) -> ParsedRequest {
        let headerPart: Substring
        var body: [UInt8] = []
        if let range = text.range(of: "\n\n") {
            headerPart = text[..<range.lowerBound]
            body = Array(text[range.upperBound...].utf8)
        } else {
            headerPart = Substring(text)
        }
        var lines = headerPart.split(separator: "\n", omittingEmptySubsequences: false)
        let requestLine = lines.removeFirst()
        let method = String(requestLine.prefix { $0 != " " })
        var target = requestLine.dropFirst(method.count + 1)
        if target.hasSuffix(" HTTP/1.1") { target = target.dropLast(9) }
        var path = target
        var query: [(name: String, value: String)] = []
        if let mark = target.firstIndex(of: "?") {
            path = target[..<mark]
            for pair in target[target.index(after: mark)...].split(separator: "&") {
                let name = pair.prefix { $0 != "=" }
                let value = pair.dropFirst(name.count + 1)
                query.append((percentDecoded(name), percentDecoded(value)))
            }
        }
        var headers: [(name: String, value: String)] = []
        for line in lines where !line.isEmpty {
            if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += "\n" + line
                continue
            }
            let name = line.prefix { $0 != ":" }
            headers.append((String(name), String(line.dropFirst(name.count + 1))))
        }
        return ParsedRequest(method: method, path: String(path), query: query, headers: headers, body: body)
    }

    static func load(_ name: String) throws -> (Context, ParsedRequest, Signer, SigningTime) {
        let directory = "\(suite)/\(name)"
        let context = try JSONDecoder().decode(Context.self, from: Data(contentsOf: Fixtures.url("\(directory)/context.json")))
        let request = parse(try Fixtures.text("\(directory)/request.txt"))
        let signer = try Signer(
            credentials: Credentials(
                accessKeyId: context.credentials.access_key_id,
                secretAccessKey: context.credentials.secret_access_key,
                sessionToken: context.credentials.token
            ),
            region: context.region,
            service: context.service
        )
        let compact = context.timestamp.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
        let time = try #require(SigningTime(amzDate: compact))
        return (context, request, signer, time)
    }

    static func signingRequest(_ request: ParsedRequest) -> SigningRequest {
        SigningRequest(
            method: request.method,
            path: request.path,
            query: request.query,
            headers: request.headers,
            payloadHash: SHA256.hash(data: request.body).map { String(format: "%02x", $0) }.joined()
        )
    }

    @Test(arguments: cases)
    func headerSigning(_ testCase: Case) throws {
        let (context, request, signer, time) = try Self.load(testCase.name)
        let directory = "\(Self.suite)/\(testCase.name)"
        let signed = signer.signHeaders(
            Self.signingRequest(request),
            at: time,
            options: .init(
                pathRule: context.normalize ? .normalized : .s3,
                contentSHA256Header: context.sign_body,
                signSessionToken: !(context.omit_session_token ?? false)
            )
        )
        #expect(signed.artifacts.canonicalRequest == (try Fixtures.text("\(directory)/header-canonical-request.txt")))
        #expect(signed.artifacts.stringToSign == (try Fixtures.text("\(directory)/header-string-to-sign.txt")))
        #expect(signed.artifacts.signature == (try Fixtures.text("\(directory)/header-signature.txt")))
        let expectedRequest = try Fixtures.text("\(directory)/header-signed-request.txt")
        #expect(expectedRequest.contains("Authorization:" + signed.authorization))
        if let token = context.credentials.token {
            #expect(signed.headers.contains { $0.name == "x-amz-security-token" && $0.value == token })
        }
    }

    @Test(arguments: cases)
    func querySigning(_ testCase: Case) throws {
        let (context, request, signer, time) = try Self.load(testCase.name)
        let directory = "\(Self.suite)/\(testCase.name)"
        let signed = try signer.presignQuery(
            Self.signingRequest(request),
            expires: context.expiration_in_seconds,
            at: time,
            pathRule: context.normalize ? .normalized : .s3,
            signSessionToken: !(context.omit_session_token ?? false)
        )
        #expect(signed.artifacts.canonicalRequest == (try Fixtures.text("\(directory)/query-canonical-request.txt")))
        #expect(signed.artifacts.stringToSign == (try Fixtures.text("\(directory)/query-string-to-sign.txt")))
        #expect(signed.artifacts.signature == (try Fixtures.text("\(directory)/query-signature.txt")))
        #expect(signed.query.hasSuffix("&X-Amz-Signature=" + signed.artifacts.signature))
    }
}
