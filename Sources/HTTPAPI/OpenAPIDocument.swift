/// `GET /openapi.yaml`: the OpenAPI 3.1 description of every `/v1` route, its schemas and errors.
enum OpenAPIDocument {
    static let yaml = #"""
        openapi: 3.1.0
        info:
          title: Airlock
          version: "1"
          description: >-
            Take files from untrusted clients. Request an upload, send the bytes straight to the object store with the
            returned form or URL, complete, and read the verdict. Errors are {"error":{"code","message","requestId"}}.
        servers:
          - url: /
        security:
          - bearer: []
        components:
          securitySchemes:
            bearer:
              type: http
              scheme: bearer
              description: An API key (alk_...) or a JWT.
          parameters:
            id:
              name: id
              in: path
              required: true
              schema: {type: string}
            list:
              name: list
              in: path
              required: true
              schema: {type: string, enum: [deny, allow]}
          schemas:
            Error:
              type: object
              required: [error]
              properties:
                error:
                  type: object
                  required: [code, message, requestId]
                  properties:
                    code: {type: string, description: "stable code: an inspection reason code, unauthenticated, forbidden, not_found, ..."}
                    message: {type: string}
                    requestId: {type: string}
            Reason:
              type: object
              required: [code, detail]
              properties:
                code:
                  type: string
                  enum: [filename_invalid, extension_not_allowed, type_not_allowed, type_mismatch, archive_member_not_allowed,
                         size_exceeded, size_mismatch, empty, checksum_mismatch, malware, active_content, unscannable, scan_failed, unsolicited, source_missing]
                detail: {type: string}
            UploadRequest:
              type: object
              required: [profile, filename, size, contentType]
              properties:
                profile: {type: string}
                filename: {type: string}
                size: {type: integer, minimum: 0}
                contentType: {type: string}
                sha256: {type: string, pattern: "^[0-9a-fA-F]{64}$"}
                owner: {type: string, description: "service keys only"}
            UploadForm:
              oneOf:
                - type: object
                  required: [method, url, fields]
                  properties:
                    method: {const: POST}
                    url: {type: string}
                    fields: {type: object, additionalProperties: {type: string}}
                - type: object
                  required: [method, url, headers]
                  properties:
                    method: {const: PUT}
                    url: {type: string}
                    headers: {type: object, additionalProperties: {type: string}}
                - type: object
                  required: [method, partSize, parts]
                  properties:
                    method: {const: MULTIPART}
                    partSize: {type: integer}
                    parts:
                      type: array
                      items:
                        type: object
                        required: [number, url, size]
                        properties:
                          number: {type: integer}
                          url: {type: string}
                          size: {type: integer}
            UploadCreated:
              type: object
              required: [id, state, expiresAt, upload]
              properties:
                id: {type: string}
                state: {type: string}
                expiresAt: {type: string, format: date-time}
                upload: {$ref: "#/components/schemas/UploadForm"}
            State:
              type: object
              required: [id, state]
              properties:
                id: {type: string}
                state: {type: string}
                pendingApproval: {type: boolean, description: "release with review.requireSecondReviewer: another reviewer must confirm"}
            File:
              type: object
              required: [id, state, filename, size, declaredType, detectedType, sha256, outcome, reasons, flags, createdAt, updatedAt]
              properties:
                id: {type: string}
                state: {type: string, enum: [pending, uploaded, inspecting, processed, quarantined, expired, purged, deleted]}
                filename: {type: string}
                size: {type: integer}
                declaredType: {type: string}
                detectedType: {type: [string, "null"]}
                sha256: {type: [string, "null"]}
                outcome: {type: [string, "null"], enum: [clean, rejected, infected, unscannable, failed, null]}
                reasons: {type: array, items: {$ref: "#/components/schemas/Reason"}}
                flags: {type: array, items: {type: string}}
                createdAt: {type: string, format: date-time}
                updatedAt: {type: string, format: date-time}
                owner: {type: string}
                profile: {type: string}
                originalKey: {type: [string, "null"]}
            Link:
              type: object
              required: [url, expiresAt]
              properties:
                url: {type: string}
                expiresAt: {type: string, format: date-time}
            QuarantinePage:
              type: object
              required: [items, nextCursor]
              properties:
                items: {type: array, items: {$ref: "#/components/schemas/File"}}
                nextCursor: {type: [string, "null"]}
            Decision:
              type: object
              required: [note]
              properties:
                note: {type: string, minLength: 1}
                trust: {type: boolean, description: "release: add the SHA-256 to the allow list"}
                block: {type: boolean, description: "purge: add the SHA-256 to the deny list"}
            HashEntry:
              type: object
              required: [sha256]
              properties:
                sha256: {type: string, pattern: "^[0-9a-fA-F]{64}$"}
                note: {type: [string, "null"]}
                actor: {type: string}
                createdAt: {type: string, format: date-time}
            AuditPage:
              type: object
              required: [items, nextCursor]
              properties:
                items:
                  type: array
                  items:
                    type: object
                    required: [sequence, at, actor, action, uploadId, note, detail, hash]
                    properties:
                      sequence: {type: integer}
                      at: {type: string, format: date-time}
                      actor: {type: string}
                      action: {type: string}
                      uploadId: {type: [string, "null"]}
                      note: {type: [string, "null"]}
                      detail: {type: string}
                      hash: {type: string}
                nextCursor: {type: [string, "null"]}
          responses:
            Error:
              description: An error with a stable code.
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Error"}
        paths:
          /v1/uploads:
            post:
              summary: Request an upload (uploader)
              parameters:
                - {name: Idempotency-Key, in: header, required: false, schema: {type: string, maxLength: 200}}
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {$ref: "#/components/schemas/UploadRequest"}
              responses:
                "201":
                  description: The intent and how to upload.
                  content: {application/json: {schema: {$ref: "#/components/schemas/UploadCreated"}}}
                "400": {$ref: "#/components/responses/Error"}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "413": {$ref: "#/components/responses/Error"}
                "429": {$ref: "#/components/responses/Error"}
          /v1/uploads/{id}/complete:
            post:
              summary: Tell Airlock the bytes are in the store (owner); multipart uploads list their parts
              parameters: [{$ref: "#/components/parameters/id"}]
              requestBody:
                required: false
                content:
                  application/json:
                    schema:
                      type: object
                      required: [parts]
                      properties:
                        parts:
                          type: array
                          items:
                            type: object
                            required: [number, etag]
                            properties:
                              number: {type: integer}
                              etag: {type: string}
              responses:
                "202":
                  description: Noticed.
                  content: {application/json: {schema: {$ref: "#/components/schemas/State"}}}
                "400": {$ref: "#/components/responses/Error"}
                "401": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "413": {$ref: "#/components/responses/Error"}
                "429": {$ref: "#/components/responses/Error"}
                "503": {$ref: "#/components/responses/Error"}
          /v1/files/{id}:
            get:
              summary: An upload's state and verdict (owner, reviewer)
              parameters: [{$ref: "#/components/parameters/id"}]
              responses:
                "200":
                  description: The file.
                  content: {application/json: {schema: {$ref: "#/components/schemas/File"}}}
                "401": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "429": {$ref: "#/components/responses/Error"}
            delete:
              summary: Delete a processed file (owner)
              parameters: [{$ref: "#/components/parameters/id"}]
              responses:
                "204": {description: Deleted.}
                "401": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "429": {$ref: "#/components/responses/Error"}
          /v1/files/{id}/download:
            get:
              summary: A short-lived download URL for a processed file (owner)
              parameters: [{$ref: "#/components/parameters/id"}]
              responses:
                "200":
                  description: The URL.
                  content: {application/json: {schema: {$ref: "#/components/schemas/Link"}}}
                "401": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "429": {$ref: "#/components/responses/Error"}
          /v1/quarantine:
            get:
              summary: Quarantined uploads (reviewer)
              parameters:
                - {name: reason, in: query, required: false, schema: {type: string}}
                - {name: flag, in: query, required: false, schema: {type: string}}
                - {name: since, in: query, required: false, schema: {type: string}}
                - {name: cursor, in: query, required: false, schema: {type: string}}
                - {name: limit, in: query, required: false, schema: {type: integer, minimum: 1, maximum: 200}}
              responses:
                "200":
                  description: A page.
                  content: {application/json: {schema: {$ref: "#/components/schemas/QuarantinePage"}}}
                "400": {$ref: "#/components/responses/Error"}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "429": {$ref: "#/components/responses/Error"}
          /v1/quarantine/{id}:
            get:
              summary: One quarantined upload (reviewer)
              parameters: [{$ref: "#/components/parameters/id"}]
              responses:
                "200":
                  description: The upload.
                  content: {application/json: {schema: {$ref: "#/components/schemas/File"}}}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "429": {$ref: "#/components/responses/Error"}
            delete:
              summary: Purge with a note (reviewer); block adds the SHA-256 to the deny list
              parameters: [{$ref: "#/components/parameters/id"}]
              requestBody:
                required: true
                content: {application/json: {schema: {$ref: "#/components/schemas/Decision"}}}
              responses:
                "204": {description: Purged.}
                "400": {$ref: "#/components/responses/Error"}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "429": {$ref: "#/components/responses/Error"}
          /v1/quarantine/{id}/download:
            post:
              summary: A short-lived URL to the quarantined bytes, for analysis (reviewer)
              parameters: [{$ref: "#/components/parameters/id"}]
              responses:
                "200":
                  description: The URL.
                  content: {application/json: {schema: {$ref: "#/components/schemas/Link"}}}
                "400": {$ref: "#/components/responses/Error"}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "429": {$ref: "#/components/responses/Error"}
          /v1/quarantine/{id}/rescan:
            post:
              summary: Inspect the quarantined bytes again (reviewer); a clean result only flags rescanned_clean
              parameters: [{$ref: "#/components/parameters/id"}]
              responses:
                "202":
                  description: Queued.
                  content: {application/json: {schema: {$ref: "#/components/schemas/State"}}}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "429": {$ref: "#/components/responses/Error"}
          /v1/quarantine/{id}/archive:
            get:
              summary: The sample as a zip with the password "infected" (the signed link from download with zip true; no other authorization)
              parameters:
                - {$ref: "#/components/parameters/id"}
                - {name: expires, in: query, required: true, schema: {type: integer}}
                - {name: signature, in: query, required: true, schema: {type: string}}
              security: []
              responses:
                "200":
                  description: The zip.
                  content: {application/zip: {schema: {type: string, format: binary}}}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "413": {$ref: "#/components/responses/Error"}
                "429": {$ref: "#/components/responses/Error"}
                "503": {$ref: "#/components/responses/Error"}
          /v1/quarantine/{id}/release:
            post:
              summary: Release to processed with a note (reviewer); trust adds the SHA-256 to the allow list
              parameters: [{$ref: "#/components/parameters/id"}]
              requestBody:
                required: true
                content: {application/json: {schema: {$ref: "#/components/schemas/Decision"}}}
              responses:
                "200":
                  description: Released.
                  content: {application/json: {schema: {$ref: "#/components/schemas/State"}}}
                "202":
                  description: Recorded as the first approval (review.requireSecondReviewer); still quarantined.
                  content: {application/json: {schema: {$ref: "#/components/schemas/State"}}}
                "400": {$ref: "#/components/responses/Error"}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "409": {$ref: "#/components/responses/Error"}
                "429": {$ref: "#/components/responses/Error"}
                "503": {$ref: "#/components/responses/Error"}
          /v1/hashlists/{list}:
            get:
              summary: A hash list (reviewer)
              parameters: [{$ref: "#/components/parameters/list"}]
              responses:
                "200":
                  description: The entries.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [items]
                        properties:
                          items: {type: array, items: {$ref: "#/components/schemas/HashEntry"}}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "429": {$ref: "#/components/responses/Error"}
            post:
              summary: Add a SHA-256 (reviewer)
              parameters: [{$ref: "#/components/parameters/list"}]
              requestBody:
                required: true
                content: {application/json: {schema: {$ref: "#/components/schemas/HashEntry"}}}
              responses:
                "201":
                  description: Added.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [sha256, list]
                        properties:
                          sha256: {type: string}
                          list: {type: string}
                "400": {$ref: "#/components/responses/Error"}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "413": {$ref: "#/components/responses/Error"}
                "429": {$ref: "#/components/responses/Error"}
          /v1/hashlists/{list}/{sha256}:
            delete:
              summary: Remove a SHA-256 (reviewer)
              parameters:
                - {$ref: "#/components/parameters/list"}
                - {name: sha256, in: path, required: true, schema: {type: string}}
              responses:
                "204": {description: Removed.}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "404": {$ref: "#/components/responses/Error"}
                "429": {$ref: "#/components/responses/Error"}
          /v1/audit:
            get:
              summary: The audit log (reviewer, admin)
              parameters:
                - {name: cursor, in: query, required: false, schema: {type: string}}
                - {name: limit, in: query, required: false, schema: {type: integer, minimum: 1, maximum: 1000}}
              responses:
                "200":
                  description: A page.
                  content: {application/json: {schema: {$ref: "#/components/schemas/AuditPage"}}}
                "401": {$ref: "#/components/responses/Error"}
                "403": {$ref: "#/components/responses/Error"}
                "429": {$ref: "#/components/responses/Error"}

        """#
}
