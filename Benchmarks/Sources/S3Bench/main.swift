import Foundation
import S3
import SigV4
import Transport

// usage: S3Bench ENDPOINT ACCESS_KEY SECRET_KEY BUCKET OP SIZE CONCURRENCY COUNT [FILE]
//   OP: put | get | head | copy | delete. put/get move SIZE-byte objects (from/to FILE for large ones, else memory);
//   head/copy/delete work on COUNT objects of SIZE bytes written beforehand under the same names as put writes.
// prints {"op","size","concurrency","count","seconds","ops_per_s","mb_per_s"}

let arguments = CommandLine.arguments
guard arguments.count >= 9 else {
    FileHandle.standardError.write(Data("usage: S3Bench ENDPOINT AK SK BUCKET OP SIZE CONCURRENCY COUNT [FILE]\n".utf8))
    exit(2)
}
let (endpoint, accessKey, secretKey, bucket, op) = (arguments[1], arguments[2], arguments[3], arguments[4], arguments[5])
let size = Int(arguments[6])!
let concurrency = Int(arguments[7])!
let count = Int(arguments[8])!
let file = arguments.count > 9 ? arguments[9] : nil

let http = try HTTPClient()
let signer = try Signer(credentials: Credentials(accessKeyId: accessKey, secretAccessKey: secretKey), region: "us-east-1")
let client = S3Client(
    presigner: Presigner(signer: signer, endpoint: try S3Endpoint(url: endpoint)),
    http: http,
    configuration: .init(profile: .of(.ceph))
)
let payload = [UInt8](repeating: 0x61, count: file == nil ? size : 0)

func key(_ index: Int) -> String { "bench/\(size)/\(index)" }

// Every object of one size holds the same bytes, so one HEAD gives the ETag a pinned copy needs.
let sourceETag = op == "copy" ? (try await client.headObject(ObjectLocation(bucket: bucket, key: key(0))))?.etag ?? "" : ""

func one(_ index: Int) async throws {
    let location = ObjectLocation(bucket: bucket, key: key(index))
    switch op {
    case "put":
        if let file {
            let descriptor = open(file, O_RDONLY)
            defer { close(descriptor) }
            try await client.putObject(location, body: .file(descriptor: descriptor, offset: 0, length: Int64(size)))
        } else {
            try await client.putObject(location, body: .bytes(payload))
        }
    case "get":
        if let file {
            // Overwritten in place (getObject truncates to what arrived), as the botocore side does: truncating a
            // 64 MiB file in the page cache at open costs more than a tenth of a transfer and would be timed.
            let descriptor = open("\(file).\(index % concurrency)", O_RDWR | O_CREAT, 0o600)
            defer { close(descriptor) }
            _ = try await client.getObject(location, to: descriptor)
        } else {
            _ = try await client.getObjectBytes(location, limit: size + 1)
        }
    case "head":
        _ = try await client.headObject(location)
    case "copy":
        _ = try await client.copyObject(
            from: location,
            ifMatch: sourceETag,
            sourceSize: Int64(size),
            to: ObjectLocation(bucket: bucket, key: key(index) + ".copy"),
            contentType: nil,
            metadata: []
        )
    case "delete":
        try await client.deleteObject(location)
    default:
        fatalError("unknown op \(op)")
    }
}

let start = ContinuousClock.now
try await withThrowingTaskGroup(of: Void.self) { group in
    var next = 0
    for _ in 0..<min(concurrency, count) {
        let index = next
        next += 1
        group.addTask { try await one(index) }
    }
    while try await group.next() != nil {
        if next < count {
            let index = next
            next += 1
            group.addTask { try await one(index) }
        }
    }
}
let elapsed = ContinuousClock.now - start
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
http.shutdown()
print(
    #"{"op":"\#(op)","size":\#(size),"concurrency":\#(concurrency),"count":\#(count),"seconds":\#(seconds),"ops_per_s":\#(Double(count) / seconds),"mb_per_s":\#(Double(count * size) / seconds / 1_048_576)}"#
)
