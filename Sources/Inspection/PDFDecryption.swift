import Crypto
import CryptoExtras

/// The standard security handler (ISO 32000-2 section 7.6.4) opened with the empty user password, as readers open an
/// owner-password-only PDF: RC4 (R2–R4), AESV2 (R4) and AESV3 (R5, R6 with Algorithm 2.B).
struct PDFDecryption {
    enum Cipher {
        case none
        case rc4
        case aes
    }

    enum Failure: Error, Equatable {
        case needsPassword
        case unsupported(String)
    }

    let fileKey: [UInt8]
    let revision: Int
    let stringCipher: Cipher
    let streamCipher: Cipher
    let encryptMetadata: Bool
    /// Crypt filters by name (for streams that name one with a /Crypt filter).
    let cryptFilters: [String: Cipher]

    static let padding: [UInt8] = [
        0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
        0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
    ]

    /// Opens the handler described by `encrypt` with the empty user password.
    static func open(_ encrypt: [String: PDFValue], firstID: [UInt8]) -> Result<PDFDecryption, Failure> {
        // A key written twice (`/StmF /StdCF /StmF /Identity`): readers that take the other value decrypt differently.
        guard !PDFValue.dictionary(encrypt).hasAlternatives else {
            return .failure(.unsupported("the PDF's encryption dictionary writes a key more than once with different values"))
        }
        let filter = encrypt["Filter"]?.name ?? ""
        guard filter == "Standard" else {
            return .failure(.unsupported("the PDF is encrypted with the \(filter.isEmpty ? "unnamed" : "/" + filter) security handler"))
        }
        let version = encrypt["V"]?.integer ?? 0
        let revision = encrypt["R"]?.integer ?? 0
        guard case .string(let owner)? = encrypt["O"], case .string(let user)? = encrypt["U"] else {
            return .failure(.unsupported("the PDF's encryption dictionary has no /O or /U"))
        }
        let permissions = UInt32(truncatingIfNeeded: encrypt["P"]?.integer ?? 0)
        var encryptMetadata = true
        if case .bool(let flag)? = encrypt["EncryptMetadata"] { encryptMetadata = flag }

        var filters: [String: Cipher] = ["Identity": .none]
        var stringCipher = Cipher.rc4
        var streamCipher = Cipher.rc4
        var keyLength = 5
        switch version {
        case 1:
            keyLength = 5
        case 2, 3:
            let bits = encrypt["Length"]?.integer ?? 40
            keyLength = min(max(bits / 8, 5), 16)
        case 4, 5:
            if case .dictionary(let cf)? = encrypt["CF"] {
                for (name, value) in cf {
                    guard let dictionary = value.dictionary else { continue }
                    switch dictionary["CFM"]?.name ?? "None" {
                    case "V2": filters[name] = .rc4
                    case "AESV2", "AESV3": filters[name] = .aes
                    case "None": filters[name] = Cipher.none
                    default: return .failure(.unsupported("the PDF uses crypt filter method /\(dictionary["CFM"]?.name ?? "")"))
                    }
                }
            }
            if version == 4 {
                let bits = encrypt["Length"]?.integer ?? 128
                keyLength = min(max(bits / 8, 5), 16)
            }
            func cipher(_ key: String) -> Result<Cipher, Failure> {
                let name = encrypt[key]?.name ?? "Identity"
                guard let cipher = filters[name] else { return .failure(.unsupported("the PDF names an undefined crypt filter /\(name)")) }
                return .success(cipher)
            }
            switch (cipher("StrF"), cipher("StmF")) {
            case (.success(let strings), .success(let streams)):
                stringCipher = strings
                streamCipher = streams
            case (.failure(let failure), _), (_, .failure(let failure)):
                return .failure(failure)
            }
        default:
            return .failure(.unsupported("the PDF uses standard security handler version \(version)"))
        }

        switch revision {
        case 2, 3, 4:
            guard version <= 4 else { return .failure(.unsupported("the PDF uses standard security revision \(revision) with version \(version)")) }
            // Algorithm 2 with the empty password.
            var input = padding
            input += owner.prefix(32)
            input += [
                UInt8(truncatingIfNeeded: permissions), UInt8(truncatingIfNeeded: permissions >> 8), UInt8(truncatingIfNeeded: permissions >> 16),
                UInt8(truncatingIfNeeded: permissions >> 24),
            ]
            input += firstID
            if revision >= 4, !encryptMetadata { input += [0xFF, 0xFF, 0xFF, 0xFF] }
            let length = revision == 2 ? 5 : keyLength
            var digest = md5(input)
            if revision >= 3 {
                for _ in 0..<50 { digest = md5(Array(digest.prefix(length))) }
            }
            let key = Array(digest.prefix(length))
            // Algorithms 4 and 5: check the user password.
            let authenticated: Bool
            if revision == 2 {
                authenticated = rc4(key: key, padding) == Array(user.prefix(32))
            } else {
                var value = rc4(key: key, md5(padding + firstID))
                for round in 1...19 {
                    value = rc4(key: key.map { $0 ^ UInt8(round) }, value)
                }
                authenticated = user.count >= 16 && Array(user.prefix(16)) == value
            }
            guard authenticated else { return .failure(.needsPassword) }
            return .success(
                PDFDecryption(
                    fileKey: key,
                    revision: revision,
                    stringCipher: stringCipher,
                    streamCipher: streamCipher,
                    encryptMetadata: encryptMetadata,
                    cryptFilters: filters
                )
            )
        case 5, 6:
            guard user.count >= 48, case .string(let userKey)? = encrypt["UE"], userKey.count >= 32 else {
                return .failure(.unsupported("the PDF's AES-256 encryption dictionary is incomplete"))
            }
            let validationSalt = Array(user[32..<40])
            let keySalt = Array(user[40..<48])
            let check = revision == 5 ? Array(SHA256.hash(data: validationSalt)) : hardenedHash(password: [], salt: validationSalt, userData: [])
            guard check == Array(user.prefix(32)) else { return .failure(.needsPassword) }
            let intermediate = revision == 5 ? Array(SHA256.hash(data: keySalt)) : hardenedHash(password: [], salt: keySalt, userData: [])
            guard let key = aesCBC(decrypt: Array(userKey.prefix(32)), key: intermediate, iv: [UInt8](repeating: 0, count: 16), padded: false),
                key.count == 32
            else {
                return .failure(.unsupported("the PDF's file key cannot be decrypted"))
            }
            return .success(
                PDFDecryption(
                    fileKey: key,
                    revision: revision,
                    stringCipher: stringCipher,
                    streamCipher: streamCipher,
                    encryptMetadata: encryptMetadata,
                    cryptFilters: filters
                )
            )
        default:
            return .failure(.unsupported("the PDF uses standard security revision \(revision)"))
        }
    }

    /// Decrypts a string or stream of object `number`/`generation` with `cipher`.
    func decrypt(_ data: [UInt8], number: Int, generation: Int, cipher: Cipher) -> [UInt8] {
        switch cipher {
        case .none:
            return data
        case .rc4:
            return PDFDecryption.rc4(key: objectKey(number: number, generation: generation, aes: false), data)
        case .aes:
            guard data.count >= 32 else { return [] }
            let key = revision >= 5 ? fileKey : objectKey(number: number, generation: generation, aes: true)
            let iv = Array(data.prefix(16))
            let body = Array(data[16...].prefix((data.count - 16) / 16 * 16))
            if let plain = PDFDecryption.aesCBC(decrypt: body, key: key, iv: iv, padded: true) { return plain }
            // Bad padding: keep the blocks as they are, as tolerant readers do.
            return PDFDecryption.aesCBC(decrypt: body, key: key, iv: iv, padded: false) ?? []
        }
    }

    /// Algorithm 1: the per-object key.
    func objectKey(number: Int, generation: Int, aes: Bool) -> [UInt8] {
        var input = fileKey
        input += [UInt8(truncatingIfNeeded: number), UInt8(truncatingIfNeeded: number >> 8), UInt8(truncatingIfNeeded: number >> 16)]
        input += [UInt8(truncatingIfNeeded: generation), UInt8(truncatingIfNeeded: generation >> 8)]
        if aes { input += [0x73, 0x41, 0x6C, 0x54] }  // sAlT
        return Array(PDFDecryption.md5(input).prefix(min(fileKey.count + 5, 16)))
    }

    /// Algorithm 2.B (ISO 32000-2): the R6 hash.
    static func hardenedHash(password: [UInt8], salt: [UInt8], userData: [UInt8]) -> [UInt8] {
        var key = Array(SHA256.hash(data: password + salt + userData))
        var round = 0
        while true {
            let single = password + key + userData
            var repeated: [UInt8] = []
            repeated.reserveCapacity(single.count * 64)
            for _ in 0..<64 { repeated += single }
            guard key.count >= 32,
                let encrypted = aesCBC(encrypt: repeated, key: Array(key[0..<16]), iv: Array(key[16..<32]))
            else { return [] }
            var sum = 0
            for byte in encrypted.prefix(16) { sum += Int(byte) }
            switch sum % 3 {
            case 0: key = Array(SHA256.hash(data: encrypted))
            case 1: key = Array(SHA384.hash(data: encrypted))
            default: key = Array(SHA512.hash(data: encrypted))
            }
            round += 1
            if round >= 64, let last = encrypted.last, Int(last) <= round - 32 { break }
            if round > 4096 { break }
        }
        return Array(key.prefix(32))
    }

    static func md5(_ data: [UInt8]) -> [UInt8] { Array(Insecure.MD5.hash(data: data)) }

    static func rc4(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        guard !key.isEmpty else { return data }
        var state = [UInt8](0...255)
        var j = 0
        for i in 0..<256 {
            j = (j + Int(state[i]) + Int(key[i % key.count])) & 0xFF
            state.swapAt(i, j)
        }
        var out = data
        var i = 0
        j = 0
        for index in 0..<out.count {
            i = (i + 1) & 0xFF
            j = (j + Int(state[i])) & 0xFF
            state.swapAt(i, j)
            out[index] ^= state[(Int(state[i]) + Int(state[j])) & 0xFF]
        }
        return out
    }

    static func aesCBC(decrypt data: [UInt8], key: [UInt8], iv: [UInt8], padded: Bool) -> [UInt8]? {
        guard [16, 24, 32].contains(key.count), iv.count == 16, !data.isEmpty, data.count % 16 == 0,
            let vector = try? AES._CBC.IV(ivBytes: iv)
        else { return nil }
        guard let plain = try? AES._CBC.decrypt(data, using: SymmetricKey(data: key), iv: vector, noPadding: !padded) else { return nil }
        return Array(plain)
    }

    static func aesCBC(encrypt data: [UInt8], key: [UInt8], iv: [UInt8]) -> [UInt8]? {
        guard key.count == 16, iv.count == 16, let vector = try? AES._CBC.IV(ivBytes: iv) else { return nil }
        guard let out = try? AES._CBC.encrypt(data, using: SymmetricKey(data: key), iv: vector, noPadding: true) else { return nil }
        return Array(out)
    }
}
