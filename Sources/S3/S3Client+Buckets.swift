import AirlockCore
import SigV4
import Transport

extension S3Client {
    /// CreateBucket; succeeds when this account already owns the bucket (stores answer that with 200 or
    /// `BucketAlreadyOwnedByYou`).
    public func createBucket(_ bucket: String) async throws(S3Error) {
        var call = Call(method: "PUT", bucket: bucket, key: nil)
        let region = presigner.signer.region
        if region != "us-east-1" && region != "auto" && configuration.profile.backend == .aws {
            var writer = XMLWriter()
            writer.open("CreateBucketConfiguration", namespace: "http://s3.amazonaws.com/doc/2006-03-01/")
            writer.element("LocationConstraint", region)
            writer.close("CreateBucketConfiguration")
            call.body = .bytes(writer.bytes)
            call.payloadHash = PayloadHash.hex(of: writer.bytes)
            call.headers = [("content-type", "application/xml")]
        }
        do {
            _ = try await send("CreateBucket", call, idempotent: true)
        } catch  where error.code == "BucketAlreadyOwnedByYou" {
            return
        }
    }

    /// HeadBucket: whether the bucket exists and is reachable with these credentials (403 throws).
    public func bucketExists(_ bucket: String) async throws(S3Error) -> Bool {
        let response = try await send("HeadBucket", Call(method: "HEAD", bucket: bucket, key: nil), idempotent: true, accept: [404])
        return response.status != 404
    }

    /// PutBucketCors: replaces the bucket's CORS rules.
    public func putBucketCors(_ bucket: String, rules: [CORSRule]) async throws(S3Error) {
        var writer = XMLWriter()
        writer.open("CORSConfiguration", namespace: "http://s3.amazonaws.com/doc/2006-03-01/")
        for rule in rules {
            writer.open("CORSRule")
            for origin in rule.allowedOrigins { writer.element("AllowedOrigin", origin) }
            for method in rule.allowedMethods { writer.element("AllowedMethod", method) }
            for header in rule.allowedHeaders { writer.element("AllowedHeader", header) }
            for header in rule.exposeHeaders { writer.element("ExposeHeader", header) }
            if let maxAge = rule.maxAgeSeconds { writer.element("MaxAgeSeconds", String(maxAge)) }
            writer.close("CORSRule")
        }
        writer.close("CORSConfiguration")
        try await putBucketSubresource("PutBucketCors", bucket: bucket, subresource: "cors", body: writer.bytes)
    }

    /// GetBucketCors: the rules' allowed origins and methods (empty when none are set).
    public func getBucketCors(_ bucket: String) async throws(S3Error) -> [CORSRule] {
        let response = try await send(
            "GetBucketCors",
            Call(method: "GET", bucket: bucket, key: nil, query: [("cors", "")]),
            idempotent: true,
            accept: [404]
        )
        if response.status == 404 { return [] }
        let result = try xml(response, operation: "GetBucketCors", root: "CORSConfiguration")
        return result.children("CORSRule").map { rule in
            CORSRule(
                allowedOrigins: rule.children("AllowedOrigin").map(\.text),
                allowedMethods: rule.children("AllowedMethod").map(\.text),
                allowedHeaders: rule.children("AllowedHeader").map(\.text),
                exposeHeaders: rule.children("ExposeHeader").map(\.text),
                maxAgeSeconds: rule.value("MaxAgeSeconds").flatMap { Int($0) }
            )
        }
    }

    /// PutBucketLifecycleConfiguration: replaces the bucket's lifecycle rules.
    public func putBucketLifecycle(_ bucket: String, rules: [LifecycleRule]) async throws(S3Error) {
        var writer = XMLWriter()
        writer.open("LifecycleConfiguration", namespace: "http://s3.amazonaws.com/doc/2006-03-01/")
        for rule in rules {
            writer.open("Rule")
            writer.element("ID", rule.id)
            writer.open("Filter")
            writer.element("Prefix", rule.prefix)
            writer.close("Filter")
            writer.element("Status", "Enabled")
            if let days = rule.expirationDays {
                writer.open("Expiration")
                writer.element("Days", String(days))
                writer.close("Expiration")
            }
            if let days = rule.abortIncompleteMultipartUploadDays {
                writer.open("AbortIncompleteMultipartUpload")
                writer.element("DaysAfterInitiation", String(days))
                writer.close("AbortIncompleteMultipartUpload")
            }
            writer.close("Rule")
        }
        writer.close("LifecycleConfiguration")
        try await putBucketSubresource("PutBucketLifecycleConfiguration", bucket: bucket, subresource: "lifecycle", body: writer.bytes)
    }

    /// GetBucketLifecycleConfiguration (empty when none is set).
    public func getBucketLifecycle(_ bucket: String) async throws(S3Error) -> [LifecycleRule] {
        let response = try await send(
            "GetBucketLifecycleConfiguration",
            Call(method: "GET", bucket: bucket, key: nil, query: [("lifecycle", "")]),
            idempotent: true,
            accept: [404]
        )
        if response.status == 404 { return [] }
        let result = try xml(response, operation: "GetBucketLifecycleConfiguration", root: "LifecycleConfiguration")
        return result.children("Rule").map { rule in
            LifecycleRule(
                id: rule.value("ID") ?? "",
                prefix: rule.child("Filter")?.value("Prefix") ?? rule.value("Prefix") ?? "",
                expirationDays: rule.child("Expiration")?.value("Days").flatMap { Int($0) },
                abortIncompleteMultipartUploadDays: rule.child("AbortIncompleteMultipartUpload")?.value("DaysAfterInitiation").flatMap { Int($0) }
            )
        }
    }

    private func putBucketSubresource(_ operation: String, bucket: String, subresource: String, body: [UInt8]) async throws(S3Error) {
        let call = Call(
            method: "PUT",
            bucket: bucket,
            key: nil,
            query: [(subresource, "")],
            headers: [("content-type", "application/xml"), ("content-md5", PayloadHash.contentMD5(of: body))],
            body: .bytes(body),
            payloadHash: PayloadHash.hex(of: body)
        )
        _ = try await send(operation, call, idempotent: true)
    }
}
