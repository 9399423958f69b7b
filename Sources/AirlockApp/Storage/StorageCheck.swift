import AirlockCore
public import Foundation
import S3
import SigV4
import Transport

/// `airlock storage check`: probes the live store with throwaway objects and reports one row per guarantee.
///
/// Required guarantees fail the check: signatures and expiry enforced on presigned URLs and POST policies, POST
/// content-length-range and exact key, signed Content-Type and Content-Length on presigned PUT, and list, copy and
/// delete working. Compensated ones are reported only: whether copy preconditions and checksum headers are honored
/// (Airlock verifies copies and hashes itself), and whether the incoming lifecycle rule is stored and applied by the
/// store (Airlock's reconciler clears incoming without it). An emulator that accepts forged signatures fails.
public enum StorageCheck {
    public enum Kind: String, Sendable {
        case required, compensated
    }

    public struct Row: Sendable {
        public var name: String
        public var kind: Kind
        public var passed: Bool
        public var detail: String

        /// `PASS  required     name  detail`
        public var line: String {
            let status = kind == .required ? (passed ? "PASS" : "FAIL") : "INFO"
            return
                "\(status)  \(kind.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0))\(name.padding(toLength: 30, withPad: " ", startingAt: 0))\(detail)"
        }
    }

    public struct Report: Sendable {
        public var rows: [Row]
        public var failures: [String] { rows.filter { $0.kind == .required && !$0.passed }.map(\.name) }
        public var passed: Bool { failures.isEmpty }
    }

    /// Runs every probe against `incoming` (and a write, copy, read and delete in processed and quarantine) and removes
    /// what it wrote.
    /// - Parameters:
    ///   - incomingRetentionDays: The age after which `storage init`'s lifecycle rule expires incoming objects.
    public static func run(
        clients: StoreClients,
        store: StoreSettings,
        buckets: BucketSettings,
        incomingRetentionDays: Int,
        now: @escaping @Sendable () -> Date = { Date() }
    ) async -> Report {
        let probe = Probe(
            clients: clients,
            store: store,
            bucket: buckets.incoming.bucket,
            prefix: buckets.incoming.prefix + "airlock-check-\(UUID().uuidString.lowercased())/",
            now: now
        )
        var rows: [Row] = []
        rows.append(await probe.basicOperations())
        rows.append(await probe.headerSignature())
        rows.append(await probe.presignedGetSignature())
        rows.append(await probe.presignedExpiry())
        rows.append(contentsOf: await probe.presignedPutPinning())
        rows.append(contentsOf: await probe.postPolicy())
        rows.append(await probe.copyPrecondition())
        rows.append(await probe.checksumVerification())
        rows.append(await probe.incomingLifecycle(prefix: buckets.incoming.prefix, days: incomingRetentionDays))
        await probe.cleanUp()
        // The other two places must take what the worker and reviewers write there: a PUT of an inspected copy (with
        // Content-MD5 and metadata), a copy within the place (a release), reads and deletes. A place the store lists but
        // cannot write (SeaweedFS out of volume slots, a read-only policy) or does not have fails here, named, instead of in
        // production.
        let run = UUID().uuidString.lowercased()
        for (label, place) in [("processed", buckets.processed), ("quarantine", buckets.quarantine)] {
            let other = Probe(clients: clients, store: store, bucket: place.bucket, prefix: place.prefix + "airlock-check-\(run)/", now: now)
            rows.append(await other.placeOperations(label))
            await other.cleanUp()
        }
        return Report(rows: rows)
    }
}

/// The probes, each independent and reporting rather than throwing.
private struct Probe {
    let clients: StoreClients
    let store: StoreSettings
    let bucket: String
    let prefix: String
    let now: @Sendable () -> Date

    var s3: S3Client { clients.s3 }
    var time: SigningTime { SigningTime(now()) }

    func location(_ name: String) -> ObjectLocation { ObjectLocation(bucket: bucket, key: prefix + name) }

    func row(_ name: String, _ kind: StorageCheck.Kind, _ passed: Bool, _ detail: String) -> StorageCheck.Row {
        StorageCheck.Row(name: name, kind: kind, passed: passed, detail: detail)
    }

    func send(_ method: String, _ url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil) async -> HTTPResponse? {
        try? await clients.http.execute(
            HTTPRequest(method: method, url: url, headers: headers, body: body.map { .bytes($0) } ?? .none, timeout: .seconds(30))
        )
    }

    /// The status a refused request got, as text for the report.
    func refused(_ response: HTTPResponse?) -> (refused: Bool, text: String) {
        guard let response else { return (false, "no response") }
        return ((400..<500).contains(response.status), "HTTP \(response.status)")
    }

    func basicOperations() async -> StorageCheck.Row {
        let name = "basic-operations"
        do {
            let body = Array("airlock storage check".utf8)
            let etag = try await s3.putObject(location("basic"), body: .bytes(body), contentType: "text/plain")
            let (read, _) = try await s3.getObjectBytes(location("basic"))
            guard read == body else { return row(name, .required, false, "GET returned other bytes than PUT stored") }
            let listed = try await s3.listAllObjects(bucket: bucket, prefix: prefix)
            guard listed.contains(where: { $0.key == prefix + "basic" }) else {
                return row(name, .required, false, "ListObjectsV2 does not show a new object")
            }
            let copy = try await s3.copyObject(
                from: location("basic"),
                ifMatch: etag,
                sourceSize: Int64(body.count),
                to: location("basic-copy"),
                contentType: "text/plain",
                metadata: [("airlock-check", "1")]
            )
            guard let head = try await s3.headObject(location("basic-copy")), head.size == Int64(body.count), ETag.matches(head.etag, copy.etag),
                head.metadata["airlock-check"] == "1"
            else { return row(name, .required, false, "CopyObject did not produce the same bytes with the new metadata") }
            try await s3.deleteObject(location("basic"))
            try await s3.deleteObject(location("basic-copy"))
            guard try await s3.headObject(location("basic")) == nil else {
                return row(name, .required, false, "DeleteObject left the object in place")
            }
            return row(name, .required, true, "put, get, list, copy with new metadata and delete work")
        } catch {
            return row(name, .required, false, "\(error)")
        }
    }

    /// Writes, copies, reads back and deletes a probe in one place, the way the worker and a release do.
    func placeOperations(_ label: String) async -> StorageCheck.Row {
        let name = "layout-\(label)"
        do {
            // First, before any write: SeaweedFS creates a missing bucket on the first PutObject (measured on 4.48), so a
            // write alone would pass on a bucket nobody made (without storage init's settings).
            guard try await s3.bucketExists(bucket) else {
                return row(name, .required, false, "\(label) (\(bucket)) does not exist: run airlock storage init")
            }
            let body = Array("airlock storage check: \(label)".utf8)
            let etag = try await s3.putObject(location("placed"), body: .bytes(body), contentType: "text/plain", metadata: [("airlock-check", "1")])
            _ = try await s3.copyObject(
                from: location("placed"),
                ifMatch: etag,
                sourceSize: Int64(body.count),
                to: location("copied"),
                contentType: "text/plain",
                metadata: []
            )
            let (read, _) = try await s3.getObjectBytes(location("copied"))
            guard read == body else { return row(name, .required, false, "\(label) (\(bucket)): a copy there returned other bytes") }
            try await s3.deleteObject(location("placed"))
            try await s3.deleteObject(location("copied"))
            return row(name, .required, true, "\(label) (\(bucket)): put, copy, get and delete work")
        } catch {
            return row(name, .required, false, "\(label) (\(bucket)) cannot be written: \(error)")
        }
    }

    func headerSignature() async -> StorageCheck.Row {
        let name = "header-signature-enforced"
        do {
            let forged = Presigner(
                signer: try Signer(
                    credentials: Credentials(accessKeyId: store.accessKeyId ?? "", secretAccessKey: "airlock-forged-secret"),
                    region: store.region
                ),
                endpoint: clients.presigner.endpoint,
                addressing: clients.presigner.addressing
            )
            let signed = try forged.signRequest(method: "GET", bucket: bucket, key: nil, query: [("list-type", "2"), ("max-keys", "1")], at: time)
            let (refused, text) = refused(await send("GET", signed.url, headers: signed.headers))
            return row(
                name,
                .required,
                refused,
                refused
                    ? "a request signed with the wrong secret was refused (\(text))" : "a request signed with the wrong secret was accepted (\(text))"
            )
        } catch {
            return row(name, .required, false, "\(error)")
        }
    }

    func presignedGetSignature() async -> StorageCheck.Row {
        let name = "presigned-url-signature"
        do {
            let body = Array("signed".utf8)
            try await s3.putObject(location("get"), body: .bytes(body))
            let url = try clients.presigner.presign(.init(method: .get, bucket: bucket, key: prefix + "get", expires: 120), at: time).url
            guard let good = await send("GET", url), good.status == 200, good.body == body else {
                return row(name, .required, false, "a valid presigned GET did not return the object")
            }
            var tampered = url
            let last = tampered.removeLast()
            tampered.append(last == "0" ? "1" : "0")
            let (refused, text) = refused(await send("GET", tampered))
            return row(
                name,
                .required,
                refused,
                refused ? "valid URL works; a tampered signature was refused (\(text))" : "a tampered signature was accepted (\(text))"
            )
        } catch {
            return row(name, .required, false, "\(error)")
        }
    }

    func presignedExpiry() async -> StorageCheck.Row {
        let name = "presigned-url-expiry"
        do {
            let past = SigningTime(now().addingTimeInterval(-3600))
            let url = try clients.presigner.presign(.init(method: .get, bucket: bucket, key: prefix + "get", expires: 60), at: past).url
            let (refused, text) = refused(await send("GET", url))
            return row(name, .required, refused, refused ? "an expired URL was refused (\(text))" : "an expired URL was accepted (\(text))")
        } catch {
            return row(name, .required, false, "\(error)")
        }
    }

    func presignedPutPinning() async -> [StorageCheck.Row] {
        do {
            let body = Array("12345".utf8)
            let url = try clients.presigner.presign(
                .init(
                    method: .put,
                    bucket: bucket,
                    key: prefix + "put",
                    expires: 120,
                    headers: [("content-type", "text/plain"), ("content-length", "5")]
                ),
                at: time
            ).url
            guard let good = await send("PUT", url, headers: [("Content-Type", "text/plain")], body: body), good.isSuccess else {
                return [row("presigned-put", .required, false, "a valid presigned PUT failed")]
            }
            let wrongType = refused(await send("PUT", url, headers: [("Content-Type", "text/html")], body: body))
            let wrongLength = refused(await send("PUT", url, headers: [("Content-Type", "text/plain")], body: body + [0x36]))
            return [
                row(
                    "presigned-put-content-type",
                    .required,
                    wrongType.refused,
                    wrongType.refused
                        ? "another Content-Type was refused (\(wrongType.text))" : "another Content-Type was accepted (\(wrongType.text))"
                ),
                row(
                    "presigned-put-content-length",
                    .required,
                    wrongLength.refused,
                    wrongLength.refused
                        ? "another Content-Length was refused (\(wrongLength.text))" : "another Content-Length was accepted (\(wrongLength.text))"
                ),
            ]
        } catch {
            return [row("presigned-put", .required, false, "\(error)")]
        }
    }

    /// A multipart/form-data body with the fields in order and the file last.
    func formBody(_ fields: [(name: String, value: String)], file: [UInt8]) -> (contentType: String, body: [UInt8]) {
        let boundary = "airlock-\(UUID().uuidString)"
        var body: [UInt8] = []
        for field in fields {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field.name)\"\r\n\r\n\(field.value)\r\n".utf8)
        }
        body += Array(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"check.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                .utf8
        )
        body += file
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        return ("multipart/form-data; boundary=\(boundary)", body)
    }

    func post(_ form: Presigner.PresignedPost, fields: [(name: String, value: String)]? = nil, file: [UInt8]) async -> HTTPResponse? {
        let (contentType, body) = formBody(fields ?? form.fields, file: file)
        return await send("POST", form.url, headers: [("Content-Type", contentType)], body: body)
    }

    func postPolicy() async -> [StorageCheck.Row] {
        guard BackendProfile.of(store.backend).supportsPostPolicy else {
            return [
                row("post-policy", .required, true, "not used: \(store.backend.rawValue) has no POST policies; uploads use pinned presigned PUTs")
            ]
        }
        do {
            let file = Array("0123456789".utf8)
            let form = try clients.presigner.presignPost(
                .init(
                    bucket: bucket,
                    key: .exact(prefix + "post"),
                    expires: 120,
                    contentType: "application/octet-stream",
                    contentLength: 10...10,
                    successActionStatus: 201
                ),
                at: time
            )
            guard let good = await post(form, file: file), good.status == 201 else {
                return [row("post-policy", .required, false, "a valid POST upload failed")]
            }
            let oversize = refused(await post(form, file: file + [0x30]))
            let otherKey = refused(await post(form, fields: form.fields.map { $0.name == "key" ? ($0.name, prefix + "elsewhere") : $0 }, file: file))
            let forged = refused(
                await post(
                    form,
                    fields: form.fields.map { $0.name == "x-amz-signature" ? ($0.name, String(repeating: "0", count: 64)) : $0 },
                    file: file
                )
            )
            let elsewhere = try await s3.headObject(location("elsewhere"))
            return [
                row(
                    "post-content-length-range",
                    .required,
                    oversize.refused,
                    oversize.refused ? "a larger file was refused (\(oversize.text))" : "a larger file was accepted (\(oversize.text))"
                ),
                row(
                    "post-exact-key",
                    .required,
                    otherKey.refused && elsewhere == nil,
                    otherKey.refused ? "another key was refused (\(otherKey.text))" : "another key was accepted (\(otherKey.text))"
                ),
                row(
                    "post-policy-signature",
                    .required,
                    forged.refused,
                    forged.refused
                        ? "a forged policy signature was refused (\(forged.text))" : "a forged policy signature was accepted (\(forged.text))"
                ),
            ]
        } catch {
            return [row("post-policy", .required, false, "\(error)")]
        }
    }

    func copyPrecondition() async -> StorageCheck.Row {
        let name = "copy-precondition"
        let header = BackendProfile.of(store.backend).copyPrecondition.rawValue
        do {
            try await s3.putObject(location("copy-src"), body: .bytes(Array("v2".utf8)))
            do {
                _ = try await s3.copyObject(
                    from: location("copy-src"),
                    ifMatch: "00000000000000000000000000000000",
                    sourceSize: 2,
                    to: location("copy-dst"),
                    contentType: nil,
                    metadata: []
                )
                return row(
                    name,
                    .compensated,
                    true,
                    "ignored: \(header) with a stale ETag did not stop the copy (Airlock verifies every copy itself)"
                )
            } catch  where error.isPreconditionFailed {
                return row(name, .compensated, true, "honored: \(header) with a stale ETag stopped the copy (412)")
            }
        } catch {
            return row(name, .compensated, true, "could not be probed: \(error)")
        }
    }

    func checksumVerification() async -> StorageCheck.Row {
        let name = "checksum-verification"
        do {
            _ = try await s3.putObject(
                location("checksum"),
                body: .bytes(Array("payload".utf8)),
                checksumSHA256: PayloadHash.base64(of: Array("other".utf8))
            )
            return row(name, .compensated, true, "not verified: a wrong x-amz-checksum-sha256 was accepted (Airlock hashes what it scans)")
        } catch  where error.kind == .service {
            return row(name, .compensated, true, "verified: a wrong x-amz-checksum-sha256 was refused (\(error.code))")
        } catch {
            return row(name, .compensated, true, "could not be probed: \(error)")
        }
    }

    /// Whether `storage init`'s rule is stored on incoming, and what is known of its being applied: a check cannot watch
    /// an object age by days, so application is stated from what was measured per store, never assumed.
    func incomingLifecycle(prefix: String, days: Int) async -> StorageCheck.Row {
        let name = "incoming-lifecycle"
        let applied: String
        switch store.backend {
        case .seaweedfs:
            applied =
                "NOT applied by `weed server` (SeaweedFS 4.48 stores rules and expires nothing itself: run its lifecycle worker, "
                + "or rely on Airlock's reconciler, which clears incoming; docs/backends.md)"
        case .ceph:
            applied = "applied by radosgw's lifecycle processing (Ceph docs; not observable in a check)"
        default:
            applied = "application not observable in a check (ages are whole days)"
        }
        do {
            let rules = try await s3.getBucketLifecycle(bucket)
            guard let ours = rules.first(where: { $0.id == StorageInit.lifecycleRuleID }) else {
                return row(name, .compensated, true, "not stored on \(bucket): run airlock storage init (Airlock's reconciler still clears incoming)")
            }
            let matches = ours.prefix == prefix && ours.expirationDays == days
            let stored =
                matches
                ? "stored (objects under '\(prefix)' expire after \(days) days)"
                : "stored but differs from the configuration (prefix '\(ours.prefix)', \(ours.expirationDays.map(String.init) ?? "no") days; run airlock storage init)"
            return row(name, .compensated, true, "\(stored); \(applied)")
        } catch {
            return row(name, .compensated, true, "could not be read: \(error)")
        }
    }

    func cleanUp() async {
        guard let objects = try? await s3.listAllObjects(bucket: bucket, prefix: prefix) else { return }
        for object in objects { try? await s3.deleteObject(ObjectLocation(bucket: bucket, key: object.key)) }
    }
}
