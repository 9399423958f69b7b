import AirlockCore

/// The catalog schema, as numbered migrations applied in order and recorded in `airlock_migrations`.
/// A migration is never edited once released: changes are new migrations.
enum Migrations {
    struct Migration: Sendable {
        var version: Int
        var name: String
        /// Statements, run in one transaction.
        var sqlite: [String]
        var postgres: [String]
    }

    static let all: [Migration] = [
        Migration(
            version: 1,
            name: "uploads and leadership",
            sqlite: uploads(integer: "INTEGER") + leadership(integer: "INTEGER"),
            postgres: uploads(integer: "BIGINT") + leadership(integer: "BIGINT")
        ),
        Migration(
            version: 2,
            name: "audit log, hash lists, API keys, event deliveries",
            sqlite: records(integer: "INTEGER"),
            postgres: records(integer: "BIGINT")
        ),
        Migration(version: 3, name: "review sessions", sqlite: sessions(integer: "INTEGER"), postgres: sessions(integer: "BIGINT")),
        Migration(
            version: 4,
            name: "rescan attempts",
            sqlite: ["ALTER TABLE uploads ADD COLUMN rescan_attempts INTEGER NOT NULL DEFAULT 0"],
            postgres: ["ALTER TABLE uploads ADD COLUMN rescan_attempts BIGINT NOT NULL DEFAULT 0"]
        ),
        // Owners in disjoint namespaces: `key:<name>` (and keys' configured owners) beside `jwt:<issuer>#<sub>`. Owners
        // that were bare JWT subjects move to `legacy-jwt:<sub>`, which no credential can claim, until `airlock serve`
        // or `airlock migrate` adopts them into `jwt:<auth.jwt.issuer>#<sub>`. Before this migration an owner was an API
        // key's (recorded in api_keys) or a bare JWT subject, whatever it looked like: so every owner that is no key's
        // moves, including subjects that happen to start with `key:`, `jwt:` or `legacy-jwt:` (no prefix test, which
        // SQLite's LIKE would make case-insensitive). Review sessions held owners of the old kind and no binding to
        // their JWT: they end.
        Migration(version: 5, name: "owner namespaces", sqlite: ownerNamespaces, postgres: ownerNamespaces),
        // Flags and reason codes in indexed child tables beside the text columns (which keep order and details), so the
        // quarantine's filters and counts are queries. Filled from the text columns here; every write of flags or
        // reasons keeps them in step in the same transaction (`SQLCatalog+Tags.swift`).
        Migration(version: 6, name: "typed flags and reasons", sqlite: tags + backfillTagsSQLite, postgres: tags + backfillTagsPostgres),
    ]

    static let tags = [
        "CREATE TABLE IF NOT EXISTS upload_flags (upload_id TEXT NOT NULL, flag TEXT NOT NULL, PRIMARY KEY (upload_id, flag))",
        "CREATE INDEX IF NOT EXISTS upload_flags_flag ON upload_flags (flag, upload_id)",
        "CREATE TABLE IF NOT EXISTS upload_reasons (upload_id TEXT NOT NULL, code TEXT NOT NULL, PRIMARY KEY (upload_id, code))",
        "CREATE INDEX IF NOT EXISTS upload_reasons_code ON upload_reasons (code, upload_id)",
    ]

    /// `flags` is comma-separated; `reasons` is `ReasonList` JSON (anything else contributes no codes).
    static let backfillTagsSQLite = [
        """
        WITH RECURSIVE split(upload_id, flag, rest) AS (
            SELECT id, '', flags || ',' FROM uploads WHERE flags <> ''
            UNION ALL
            SELECT upload_id, substr(rest, 1, instr(rest, ',') - 1), substr(rest, instr(rest, ',') + 1) FROM split WHERE rest <> ''
        )
        INSERT OR IGNORE INTO upload_flags (upload_id, flag) SELECT upload_id, flag FROM split WHERE flag <> ''
        """,
        """
        INSERT OR IGNORE INTO upload_reasons (upload_id, code)
        SELECT uploads.id, json_extract(reason.value, '$.code')
        FROM uploads, json_each(CASE WHEN json_valid(uploads.reasons) AND json_type(uploads.reasons) = 'array' THEN uploads.reasons ELSE '[]' END) AS reason
        WHERE json_type(reason.value, '$.code') = 'text'
        """,
    ]

    static let backfillTagsPostgres = [
        """
        INSERT INTO upload_flags (upload_id, flag)
        SELECT DISTINCT uploads.id, split.flag FROM uploads, unnest(string_to_array(uploads.flags, ',')) AS split(flag)
        WHERE split.flag <> ''
        ON CONFLICT DO NOTHING
        """,
        """
        INSERT INTO upload_reasons (upload_id, code)
        SELECT DISTINCT uploads.id, reason.value ->> 'code'
        FROM uploads, jsonb_array_elements(CASE WHEN jsonb_typeof(uploads.reasons::jsonb) = 'array' THEN uploads.reasons::jsonb ELSE '[]'::jsonb END) AS reason(value)
        WHERE jsonb_typeof(reason.value -> 'code') = 'string'
        ON CONFLICT DO NOTHING
        """,
    ]

    static let legacyJWTOwnerPrefix = "legacy-jwt:"

    static let ownerNamespaces = [
        """
        UPDATE uploads SET owner = '\(legacyJWTOwnerPrefix)' || owner
        WHERE owner NOT IN (SELECT owner FROM api_keys)
        """,
        "DELETE FROM review_sessions",
    ]

    static func sessions(integer: String) -> [String] {
        [
            """
            CREATE TABLE review_sessions (
                token_hash TEXT PRIMARY KEY, actor TEXT NOT NULL, owner TEXT NOT NULL, role TEXT NOT NULL, csrf_token TEXT NOT NULL, key_hash TEXT,
                created_at \(integer) NOT NULL, expires_at \(integer) NOT NULL
            )
            """,
            "CREATE INDEX review_sessions_expiry ON review_sessions (expires_at)",
        ]
    }

    static func records(integer: String) -> [String] {
        [
            """
            CREATE TABLE audit_log (
                sequence \(integer) PRIMARY KEY, at \(integer) NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, upload_id TEXT, note TEXT,
                detail TEXT NOT NULL, previous_hash TEXT NOT NULL, hash TEXT NOT NULL
            )
            """,
            "CREATE INDEX audit_log_upload ON audit_log (upload_id, sequence)",
            """
            CREATE TABLE hash_list (
                sha256 TEXT PRIMARY KEY, list TEXT NOT NULL CHECK (list IN ('deny', 'allow')), note TEXT, actor TEXT NOT NULL,
                created_at \(integer) NOT NULL
            )
            """,
            """
            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL, owner TEXT NOT NULL, service \(integer) NOT NULL DEFAULT 0,
                profiles TEXT NOT NULL DEFAULT '', key_hash TEXT NOT NULL UNIQUE, created_at \(integer) NOT NULL, expires_at \(integer), revoked_at \(integer)
            )
            """,
            """
            CREATE TABLE event_deliveries (
                id TEXT PRIMARY KEY, upload_id TEXT NOT NULL, type TEXT NOT NULL, webhook TEXT NOT NULL, body TEXT NOT NULL,
                attempts \(integer) NOT NULL DEFAULT 0, next_attempt_at \(integer) NOT NULL, delivered_at \(integer), last_error TEXT,
                created_at \(integer) NOT NULL, lease_owner TEXT, lease_expires_at \(integer)
            )
            """,
            "CREATE INDEX event_deliveries_due ON event_deliveries (delivered_at, next_attempt_at)",
            "CREATE INDEX event_deliveries_upload ON event_deliveries (upload_id)",
        ]
    }

    static func uploads(integer: String) -> [String] {
        [
            """
            CREATE TABLE uploads (
                id TEXT PRIMARY KEY,
                owner TEXT NOT NULL,
                profile TEXT NOT NULL,
                filename TEXT NOT NULL,
                safe_name TEXT NOT NULL,
                declared_size \(integer) NOT NULL,
                declared_type TEXT NOT NULL,
                declared_sha256 TEXT,
                incoming_key TEXT NOT NULL,
                multipart_upload_id TEXT,
                state TEXT NOT NULL,
                flags TEXT NOT NULL DEFAULT '',
                attempts \(integer) NOT NULL DEFAULT 0,
                lease_owner TEXT,
                lease_expires_at \(integer),
                not_before \(integer) NOT NULL DEFAULT 0,
                scanned_etag TEXT,
                outcome TEXT,
                reasons TEXT NOT NULL DEFAULT '[]',
                detected_type TEXT,
                sha256 TEXT,
                size \(integer),
                destination_key TEXT,
                original_key TEXT,
                idempotency_key TEXT,
                last_error TEXT,
                created_at \(integer) NOT NULL,
                updated_at \(integer) NOT NULL,
                expires_at \(integer) NOT NULL
            )
            """,
            // One solicited upload per incoming key; unsolicited records keep the key they were found at.
            "CREATE UNIQUE INDEX uploads_incoming_key ON uploads (incoming_key) WHERE original_key IS NULL",
            "CREATE UNIQUE INDEX uploads_idempotency ON uploads (owner, idempotency_key) WHERE idempotency_key IS NOT NULL",
            "CREATE INDEX uploads_work ON uploads (state, not_before)",
            "CREATE INDEX uploads_owner ON uploads (owner, state, id)",
            "CREATE INDEX uploads_state_id ON uploads (state, id)",
            // The same incoming object is recorded as unsolicited once while it waits to be moved.
            "CREATE UNIQUE INDEX uploads_unsolicited ON uploads (original_key) WHERE original_key IS NOT NULL AND state IN ('uploaded', 'inspecting')",
        ]
    }

    static func leadership(integer: String) -> [String] {
        ["CREATE TABLE leadership (role TEXT PRIMARY KEY, holder TEXT NOT NULL, until_at \(integer) NOT NULL)"]
    }
}
