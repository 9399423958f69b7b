import AirlockCore
import Catalog
import Configuration
import Foundation
import Pipeline
import Review

/// `airlock quarantine list|show|download|release|rescan|purge`: the reviewer's actions from a terminal, through the
/// same code as the API and the review page, audited as the operator (`operator:<user>@<host>`).
public enum QuarantineCommands {
    /// `quarantine list`'s filters as typed on the command line.
    public struct ListOptions: Sendable {
        public var reason: String?
        public var flag: String?
        public var since: String?
        public var limit: Int
        public var cursor: String?

        public init(reason: String?, flag: String?, since: String?, limit: Int, cursor: String?) {
            self.reason = reason
            self.flag = flag
            self.since = since
            self.limit = limit
            self.cursor = cursor
        }

        func filter() throws(AirlockError) -> ReviewActions.Filter {
            var filter = ReviewActions.Filter()
            if let reason {
                guard let code = ReasonCode(rawValue: reason) else { throw AirlockError(.invalidArgument, "unknown reason code '\(reason)'") }
                filter.reason = code
            }
            filter.flag = flag.map(UploadFlag.init(rawValue:))
            if let since {
                guard let millis = Timestamp.parse(since) else { throw AirlockError(.invalidArgument, "--since must be an ISO 8601 date or time") }
                filter.since = millis
            }
            if let cursor {
                guard let id = UploadID(cursor) else { throw AirlockError(.invalidArgument, "--cursor is not an upload id") }
                filter.cursor = id
            }
            filter.limit = limit
            return filter
        }
    }

    public enum Action: Sendable {
        case list(ListOptions)
        case show(String)
        /// Without an output file: a presigned link. With one: the raw bytes (or the zip) written there, mode 0600.
        case download(String, output: String?, zip: Bool)
        case rescan(String)
        case release(String, note: String, trust: Bool)
        case purge(String, note: String, block: Bool)
    }

    /// Runs one action and prints JSON on stdout.
    public static func command(configPath: String?, action: Action) async throws(AirlockError) {
        let (config, environment) = try ConfigLoader.loadForCommand(path: configPath)
        let logger = StorageCommands.commandLogger(environment: environment)
        let store = try StoreSettings(reader: config.scoped(to: "store"))
        let buckets = try BucketSettings(reader: config.scoped(to: "buckets"))
        let uploads = try UploadSettings(reader: config.scoped(to: "uploads"))
        let temporaryDirectory = try ScannerSettings(reader: config.scoped(to: "scanner")).temporaryDirectory
        let clients = try StoreClients(store: store, logger: logger)
        defer { clients.shutdown() }
        let opened = try await CatalogRuntime.open(try CatalogSettings(reader: config.scoped(to: "catalog")), logger: logger)
        do {
            let keyring = try AuditKeyring(reader: config.scoped(to: "audit"))
            try await opened.withPool { catalog in
                try await AuditLog(catalog: catalog, keyring: keyring).recordRotation(now: SystemWallClock().now())
                let review = try ReviewRuntime.environment(config: config, catalog: catalog, clients: clients, layout: buckets.layout, wake: {})
                let actions = ReviewActions(environment: review, quarantineDownloadSeconds: Int(uploads.quarantineDownloadExpires.seconds))
                try await run(
                    action,
                    actions: actions,
                    catalog: catalog,
                    store: review.store,
                    layout: buckets.layout,
                    temporaryDirectory: temporaryDirectory
                )
            }
            await opened.close()
        } catch let error as AirlockError {
            await opened.close()
            throw error
        } catch let error as ReviewError {
            await opened.close()
            throw AirlockError(.invalidArgument, "\(error.code): \(error.message)")
        } catch {
            await opened.close()
            throw AirlockError(.storage, "the quarantine action failed", cause: error)
        }
    }

    /// `operator:<user>@<host>`: who the audit log names for a terminal action.
    static var operatorPrincipal: Principal {
        let environment = ProcessInfo.processInfo.environment
        let user = environment["SUDO_USER"] ?? environment["USER"] ?? "uid\(getuid())"
        let actor = "operator:\(user)@\(ProcessInfo.processInfo.hostName)"
        return Principal(owner: actor, role: .admin, profiles: [], service: false, actor: actor)
    }

    static func run(
        _ action: Action,
        actions: ReviewActions,
        catalog: any AuditCatalog,
        store: any ObjectStore,
        layout: ObjectLayout,
        temporaryDirectory: String
    ) async throws {
        let principal = operatorPrincipal
        switch action {
        case .list(let options):
            let page = try await actions.list(try options.filter())
            for upload in page.items { print(UploadJSON.quarantined(upload).rendered) }
            if let next = page.next { FileHandle.standardError.write(Data("more: --cursor \(next.rawValue)\n".utf8)) }
        case .show(let id):
            let upload = try await actions.quarantined(id)
            let trail = try await catalog.auditEntries(uploadID: upload.id.rawValue).map { entry in
                JSONText.object([
                    ("at", .string(Timestamp.iso8601(entry.at))), ("actor", .string(entry.actor)), ("action", .string(entry.action)),
                    ("note", entry.note.map(JSONText.string) ?? .null),
                ])
            }
            guard case .object(var fields) = UploadJSON.quarantined(upload) else { return }
            fields.append(("audit", .array(trail)))
            print(JSONText.object(fields).rendered)
        case .download(let id, let output, let zip):
            let upload = try await actions.quarantined(id)
            guard let output else {
                if zip { throw AirlockError(.invalidArgument, "--zip needs --output FILE (zip links are served by airlock serve)") }
                let link = try await actions.download(upload, by: principal)
                print(JSONText.object([("url", .string(link.url)), ("expiresAt", .string(link.expiresAt))]).rendered)
                return
            }
            try await write(upload, to: output, zip: zip, store: store, layout: layout, temporaryDirectory: temporaryDirectory)
            try await actions.recordDownload(upload, by: principal, zip: zip)
            print(JSONText.object([("id", .string(upload.id.rawValue)), ("file", .string(output)), ("zip", .bool(zip))]).rendered)
        case .rescan(let id):
            let upload = try await actions.quarantined(id)
            try await actions.rescan(upload, by: principal)
            print(JSONText.object([("id", .string(upload.id.rawValue)), ("state", .string("quarantined")), ("rescan", .string("queued"))]).rendered)
        case .release(let id, let note, let trust):
            let upload = try await actions.quarantined(id)
            let outcome = try await actions.release(upload, note: note, trust: trust, by: principal)
            let state = outcome == .released ? "processed" : "quarantined"
            print(
                JSONText.object([("id", .string(upload.id.rawValue)), ("state", .string(state)), ("pendingApproval", .bool(outcome != .released))])
                    .rendered
            )
        case .purge(let id, let note, let block):
            let upload = try await actions.quarantined(id)
            try await actions.purge(upload, note: note, block: block, by: principal)
            print(JSONText.object([("id", .string(upload.id.rawValue)), ("state", .string("purged"))]).rendered)
        }
    }

    /// The object (or its zip) into a new file the operator alone can read; never over an existing file.
    static func write(
        _ upload: Upload,
        to path: String,
        zip: Bool,
        store: any ObjectStore,
        layout: ObjectLayout,
        temporaryDirectory: String
    ) async throws {
        let output = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard output >= 0 else {
            throw AirlockError(.invalidArgument, "cannot create \(path): \(String(cString: strerror(errno))) (it must not exist)")
        }
        defer { close(output) }
        guard zip else {
            _ = try await store.download(layout.quarantine(upload.id), ifMatch: nil, to: output)
            return
        }
        // The raw bytes go to an unlinked private temp file; only the zip reaches the named file.
        guard let source = OpenFile.privateTemporary(in: temporaryDirectory) else {
            throw AirlockError(.storage, "cannot create a temporary file in \(temporaryDirectory)")
        }
        let info = try await store.download(layout.quarantine(upload.id), ifMatch: nil, to: source.descriptor)
        guard info.size <= AnalysisZip.maxSize else {
            throw AirlockError(.invalidArgument, "the object is too large for a zip; download it without --zip")
        }
        try AnalysisArchive.write(
            source: source,
            size: info.size,
            name: upload.safeName + ".quarantined",
            epochSeconds: Int64(Date().timeIntervalSince1970),
            to: output
        )
    }
}
