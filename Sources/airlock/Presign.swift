import AirlockApp
import ArgumentParser

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `airlock presign get|put|post`: offline signing, JSON on stdout.
struct Presign: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign S3 requests offline and print them as JSON.",
        discussion: "A value that begins with '-' is passed as --key=-value.",
        subcommands: [Get.self, Put.self, Post.self]
    )

    /// Flags shared by get, put and post.
    struct Common: ParsableArguments {
        @OptionGroup var configOption: ConfigOption
        @Option(help: "Store endpoint URL (default: store.publicEndpoint or store.endpoint).") var endpoint: String?
        @Option(help: "Bucket.") var bucket: String?
        @Option(help: "Object key, used as is (never normalized).") var key: String?
        @Option(help: "Signing region (default: store.region).") var region: String?
        @Option(help: "Validity in seconds, 1-604800 (default 3600).") var expires: Int?
        @Flag(help: "Path-style addressing: https://host/bucket/key.") var pathStyle = false
        @Flag(help: "Virtual-host addressing: https://bucket.host/key (when the bucket name allows it).") var virtualHost = false
        @Option(help: "Access key id (default: AWS_ACCESS_KEY_ID, then store.accessKeyId).") var accessKey: String?
        @Option(help: "Secret access key (default: AWS_SECRET_ACCESS_KEY, then store.secretAccessKey).") var secretKey: String?
        @Option(help: "Session token (default: AWS_SESSION_TOKEN).") var sessionToken: String?
        @Option(help: "Signing time YYYYMMDDTHHMMSSZ, for reproducible output (default: now).") var date: String?

        func validate() throws {
            if pathStyle && virtualHost { throw ValidationError("--path-style and --virtual-host are exclusive") }
        }

        func input(_ operation: PresignInput.Operation) -> PresignInput {
            var input = PresignInput(operation: operation)
            input.endpoint = endpoint
            input.bucket = bucket
            input.key = key
            input.region = region
            input.expires = expires
            input.pathStyle = pathStyle ? true : (virtualHost ? false : nil)
            input.accessKey = accessKey
            input.secretKey = secretKey
            input.sessionToken = sessionToken
            input.date = date
            return input
        }

        func run(_ input: PresignInput) async throws {
            let (config, environment) = try ConfigLoader.loadForCommand(path: configOption.config)
            let output = try PresignRunner.run(input, config: config, environment: environment, now: Date())
            print(output)
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Presign a GET (download) URL.")
        @OptionGroup var common: Common
        @Option(help: "Signed response-content-disposition.") var responseContentDisposition: String?
        @Option(help: "Signed response-content-type.") var responseContentType: String?

        func run() async throws {
            var input = common.input(.get)
            input.responseContentDisposition = responseContentDisposition
            input.responseContentType = responseContentType
            try await common.run(input)
        }
    }

    struct Put: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Presign a PUT (upload) URL with pinned headers.")
        @OptionGroup var common: Common
        @Option(help: "Content-Type the client must send.") var contentType: String?
        @Option(help: "Content-Length the client must send.") var contentLength: Int?
        @Option(help: "Base64 SHA-256 the client must send as x-amz-checksum-sha256.") var checksumSha256: String?

        func run() async throws {
            var input = common.input(.put)
            input.contentType = contentType
            input.contentLength = contentLength
            input.checksumSHA256 = checksumSha256
            try await common.run(input)
        }
    }

    struct Post: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sign a browser POST policy form.")
        @OptionGroup var common: Common
        @Option(help: "Allow any key under this prefix (the form's key is prefix${filename}).") var keyPrefix: String?
        @Option(help: "Content-Type the form must send.") var contentType: String?
        @Option(help: "Smallest allowed size in bytes.") var minSize: Int?
        @Option(help: "Largest allowed size in bytes.") var maxSize: Int?
        @Option(help: "User metadata NAME=VALUE, sent as x-amz-meta-NAME (repeatable).") var meta: [String] = []
        @Option(help: "success_action_status: 200, 201 or 204.") var successStatus: Int?

        func run() async throws {
            var input = common.input(.post)
            input.keyPrefix = keyPrefix
            input.contentType = contentType
            input.minSize = minSize
            input.maxSize = maxSize
            input.meta = meta
            input.successStatus = successStatus
            try await common.run(input)
        }
    }
}
