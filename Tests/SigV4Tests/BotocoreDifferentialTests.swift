import AirlockTesting
import Crypto
import Foundation
import SigV4
import Testing

/// Generated cases signed by Airlock and by botocore (scripts/oracle/botocore_sign.py) at the same fixed times:
/// presigned GET and PUT URLs must be identical in everything but parameter order; POST policies must carry the same
/// conditions and each side's policy must verify under the other's signing key.
@Suite(.serialized)
struct BotocoreDifferentialTests {
    struct Case {
        var json: [String: Any]
        var airlock: [String: String]
        var op: String
    }

    static let keyPieces = [
        "a b", "+", "%", "%2F", "~", "=", "&", "?", "#", "ü", "日本語", "😀", "👩‍💻", "/", "//", ".", "..", "x", "report.pdf", "-", "_",
        "'", "(", ")", "*", "!", "$", ",", ";", ":", "@", "[", "]", "\\", "^", "`", "{", "}", "|", "<", ">", "\"", " ", "Ω",
        "e\u{301}", "file name.tar.gz", "UPPER", "0123",
    ]
    static let endpoints = [
        "http://127.0.0.1:7480", "https://s3.example.com", "https://s3.example.com:8443", "http://localhost:9000",
        "https://s3.eu-west-1.amazonaws.com", "http://minio.internal:80", "https://storage.example.org:443",
    ]
    static let buckets = ["test-bucket", "airlock-incoming", "abc", "a1-b2-c3", "processed-files-2026"]
    static let dottedBuckets = ["my.bucket.name", "logs.example.com"]
    static let regions = ["us-east-1", "eu-west-1", "auto", "ap-southeast-2"]
    static let expiries = [1, 2, 59, 60, 900, 3600, 86_400, 604_799, 604_800]
    static let contentTypes = ["text/plain", "application/pdf", "text/plain; charset=utf-8", "image/svg+xml", "application/octet-stream"]

    static func key(_ rng: inout SeededGenerator) -> String {
        var key = ""
        if Int.random(in: 0..<6, using: &rng) == 0 { key = "/" }
        for _ in 0..<Int.random(in: 1...6, using: &rng) { key += keyPieces.randomElement(using: &rng)! }
        return key
    }

    static func token(_ rng: inout SeededGenerator) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+=")
        return String((0..<Int.random(in: 16...120, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
    }

    static func amzDate(_ rng: inout SeededGenerator) -> String {
        let seconds = Int.random(in: 1_400_000_000...2_100_000_000, using: &rng)
        return SigningTime(secondsSinceEpoch: seconds).amzDate
    }

    static func makeCases(count: Int) throws -> [Case] {
        var rng = SeededGenerator(seed: 0xA1_4C_0C)
        var cases: [Case] = []
        for index in 0..<count {
            let op = index % 5 < 2 ? "get" : (index % 5 < 4 ? "put" : "post")
            let endpoint = endpoints.randomElement(using: &rng)!
            let isIP = endpoint.contains("127.0.0.1")
            let virtual = !isIP && Bool.random(using: &rng)
            let bucket =
                (!virtual && Int.random(in: 0..<5, using: &rng) == 0)
                ? dottedBuckets.randomElement(using: &rng)! : buckets.randomElement(using: &rng)!
            var json: [String: Any] = [
                "op": op, "endpoint": endpoint, "region": regions.randomElement(using: &rng)!,
                "addressing": virtual ? "virtual" : "path", "bucket": bucket,
                "expires": Bool.random(using: &rng) ? expiries.randomElement(using: &rng)! : Int.random(in: 1...604_800, using: &rng),
                "accessKey": "AKIA" + String(token(&rng).filter { $0.isLetter || $0.isNumber }.prefix(16)).uppercased() + "XY",
                "secretKey": token(&rng), "date": amzDate(&rng),
            ]
            if Int.random(in: 0..<3, using: &rng) == 0 { json["sessionToken"] = token(&rng) }
            switch op {
            case "get":
                json["key"] = key(&rng)
                if Bool.random(using: &rng) {
                    json["responseContentDisposition"] = "attachment; filename*=UTF-8''" + key(&rng).replacingOccurrences(of: "/", with: "_")
                }
                if Int.random(in: 0..<3, using: &rng) == 0 { json["responseContentType"] = contentTypes.randomElement(using: &rng)! }
            case "put":
                json["key"] = key(&rng)
                if Bool.random(using: &rng) { json["contentType"] = contentTypes.randomElement(using: &rng)! }
                if Bool.random(using: &rng) { json["contentLength"] = Int.random(in: 0...5_000_000_000, using: &rng) }
                if Bool.random(using: &rng) {
                    let digest = SHA256.hash(data: Array(token(&rng).utf8))
                    json["checksumSHA256"] = Data(digest).base64EncodedString()
                }
            default:
                if Int.random(in: 0..<4, using: &rng) == 0 {
                    json["keyPrefix"] = "uploads/" + String(token(&rng).prefix(6)).replacingOccurrences(of: "/", with: "_") + "/"
                } else {
                    json["key"] = key(&rng)
                }
                if Bool.random(using: &rng) { json["contentType"] = contentTypes.randomElement(using: &rng)! }
                if Bool.random(using: &rng) {
                    let low = Int.random(in: 0...1000, using: &rng)
                    json["minSize"] = low
                    json["maxSize"] = low + Int.random(in: 0...100_000_000, using: &rng)
                }
                if Bool.random(using: &rng) {
                    json["meta"] = [
                        "airlock-id": UUID(uuid: (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, UInt8(index % 256))).uuidString.lowercased()
                    ]
                }
                if Bool.random(using: &rng) { json["successStatus"] = [200, 201, 204].randomElement(using: &rng)! }
            }
            cases.append(try sign(json, op: op))
        }
        return cases
    }

    /// Airlock's side of one case.
    static func sign(_ json: [String: Any], op: String) throws -> Case {
        var json = json
        let signer = try Signer(
            credentials: Credentials(
                accessKeyId: json["accessKey"] as! String,
                secretAccessKey: json["secretKey"] as! String,
                sessionToken: json["sessionToken"] as? String
            ),
            region: json["region"] as! String
        )
        let presigner = Presigner(
            signer: signer,
            endpoint: try S3Endpoint(url: json["endpoint"] as! String),
            addressing: json["addressing"] as! String == "virtual" ? .virtualHost : .path
        )
        let time = try #require(SigningTime(amzDate: json["date"] as! String))
        let bucket = json["bucket"] as! String
        let expires = json["expires"] as! Int
        var airlock: [String: String] = [:]
        switch op {
        case "get":
            var query: [(name: String, value: String)] = []
            if let value = json["responseContentDisposition"] as? String { query.append(("response-content-disposition", value)) }
            if let value = json["responseContentType"] as? String { query.append(("response-content-type", value)) }
            airlock["url"] = try presigner.presign(
                .init(method: .get, bucket: bucket, key: json["key"] as! String, expires: expires, query: query),
                at: time
            ).url
        case "put":
            var headers: [(name: String, value: String)] = []
            if let value = json["contentType"] as? String { headers.append(("Content-Type", value)) }
            if let value = json["contentLength"] as? Int { headers.append(("Content-Length", String(value))) }
            if let value = json["checksumSHA256"] as? String { headers.append(("x-amz-checksum-sha256", value)) }
            airlock["url"] = try presigner.presign(
                .init(method: .put, bucket: bucket, key: json["key"] as! String, expires: expires, headers: headers),
                at: time
            ).url
        default:
            let key: Presigner.PostRequest.Key = (json["key"] as? String).map { .exact($0) } ?? .prefix(json["keyPrefix"] as! String)
            let range = (json["minSize"] as? Int).map { $0...(json["maxSize"] as! Int) }
            let meta = (json["meta"] as? [String: String] ?? [:]).map { (name: $0.key, value: $0.value) }
            let post = try presigner.presignPost(
                .init(
                    bucket: bucket,
                    key: key,
                    expires: expires,
                    contentType: json["contentType"] as? String,
                    contentLength: range,
                    metadata: meta,
                    successActionStatus: json["successStatus"] as? Int
                ),
                at: time
            )
            airlock["url"] = post.url
            for field in post.fields { airlock["field:" + field.name] = field.value }
            json["airlockPolicy"] = airlock["field:policy"]
            airlock["signingKey"] = signer.signingKey(at: time).withUnsafeBytes { Data($0).base64EncodedString() }
        }
        return Case(json: json, airlock: airlock, op: op)
    }

    /// A URL without an explicit default port (botocore keeps `:443` in the URL; the signed `Host` has no port either
    /// way, as browsers and curl send it).
    static func withoutDefaultPort(_ url: String) -> String {
        url.replacingOccurrences(of: #"^(https://[^/:]+):443(/|$)"#, with: "$1$2", options: .regularExpression)
            .replacingOccurrences(of: #"^(http://[^/:]+):80(/|$)"#, with: "$1$2", options: .regularExpression)
    }

    /// `scheme://host/path` and the query parameters (still encoded) of a URL.
    static func split(_ url: String) -> (base: String, query: [String: String]) {
        let parts = withoutDefaultPort(url).split(separator: "?", maxSplits: 1)
        var query: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let name = pair.prefix { $0 != "=" }
                query[String(name)] = String(pair.dropFirst(name.count + 1))
            }
        }
        return (String(parts[0]), query)
    }

    /// Conditions as comparable strings, ignoring order and JSON formatting.
    static func conditions(_ policyJSON: String) throws -> (expiration: Date, conditions: Set<String>) {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(policyJSON.utf8)) as? [String: Any])
        let expirationText = try #require(object["expiration"] as? String)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = expirationText.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        let expiration = try #require(formatter.date(from: expirationText))
        var set = Set<String>()
        for condition in try #require(object["conditions"] as? [Any]) {
            if let map = condition as? [String: String], let (name, value) = map.first, map.count == 1 {
                set.insert("eq|\(name.lowercased())|\(value)")
            } else if let list = condition as? [Any], let op = list.first as? String {
                if op == "content-length-range" {
                    set.insert("range|\(list[1])|\(list[2])")
                } else {
                    set.insert("\(op)|\((list[1] as! String).lowercased())|\(list[2])")
                }
            } else {
                Issue.record("unexpected condition \(condition)")
            }
        }
        return (expiration, set)
    }

    @Test func airlockAndBotocoreAgreeOnGeneratedCases() async throws {
        let cases = try Self.makeCases(count: 1250)
        let input = try JSONSerialization.data(withJSONObject: cases.map(\.json))
        let output = try await TestProcess.run(["python3", Repository.path("scripts/oracle/botocore_sign.py")], stdin: input)
        try #require(output.status == 0, "botocore oracle failed (pip install boto3): \(output.stderrText)")
        let results = try #require(try JSONSerialization.jsonObject(with: output.stdout) as? [[String: Any]])
        try #require(results.count == cases.count)

        var compared = ["get": 0, "put": 0, "post": 0]
        for (testCase, result) in zip(cases, results) {
            let label =
                "\(testCase.op) \(testCase.json["endpoint"]!) \(testCase.json["bucket"]!) \(testCase.json["key"] ?? testCase.json["keyPrefix"]!)"
            let theirs = try #require(result["url"] as? String)
            switch testCase.op {
            case "get", "put":
                let mine = Self.split(testCase.airlock["url"]!)
                let other = Self.split(theirs)
                #expect(mine.base == other.base, "\(label)")
                #expect(mine.query == other.query, "\(label)")
            default:
                #expect(testCase.airlock["url"] == Self.withoutDefaultPort(theirs), "\(label)")
                let theirFields = try #require(result["fields"] as? [String: String])
                let myFields = testCase.airlock.filter { $0.key.hasPrefix("field:") }
                // Same fields apart from the policy text and its signature.
                for (name, value) in theirFields where name != "policy" && name != "x-amz-signature" {
                    #expect(myFields["field:" + name] == value, "\(label): field \(name)")
                }
                #expect(myFields.count == theirFields.count, "\(label): field count")
                // Same conditions and expiry instant.
                let myPolicy = String(decoding: Data(base64Encoded: testCase.airlock["field:policy"]!)!, as: UTF8.self)
                let (myExpiry, myConditions) = try Self.conditions(myPolicy)
                let (theirExpiry, theirConditions) = try Self.conditions(try #require(result["policyJSON"] as? String))
                #expect(myExpiry == theirExpiry, "\(label)")
                #expect(myConditions == theirConditions, "\(label)")
                // botocore's key verifies Airlock's policy; Airlock's key verifies botocore's.
                #expect(result["signatureOfAirlockPolicy"] as? String == testCase.airlock["field:x-amz-signature"], "\(label)")
                let key = SymmetricKey(data: Data(base64Encoded: testCase.airlock["signingKey"]!)!)
                let mac = HMAC<SHA256>.authenticationCode(for: Data(theirFields["policy"]!.utf8), using: key)
                #expect(Data(mac).map { String(format: "%02x", $0) }.joined() == theirFields["x-amz-signature"], "\(label)")
            }
            compared[testCase.op, default: 0] += 1
        }
        #expect(compared["get"]! >= 400 && compared["put"]! >= 400 && compared["post"]! >= 200)
        print("botocore differential: \(cases.count) cases (get \(compared["get"]!), put \(compared["put"]!), post \(compared["post"]!))")
    }
}
