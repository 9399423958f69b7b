/// Pictures in Office packages judged as LibreOffice's picture detection reads them: by their bytes, whatever a part is
/// named or typed (attack rounds 16 and 17).
///
/// - PostScript (EPS, plain or with the binary DOS header) is refused: LibreOffice renders an EPS without a preview by
///   handing it to pstoedit, Ghostscript or ImageMagick, which run the attacker's program. So is a StarView metafile,
///   which carries EPS actions.
/// - A Windows metafile is a container: an EMF+ image object holds another picture (a "compressed" bitmap of any
///   format, or a metafile), a texture brush or a pen holds an image, a WMF escape carries a whole EMF, an EMF public
///   comment carries a WMF, and LibreOffice sniffs each of them again (an SVG inside an EMF+ object follows its links).
///   The records are walked (EMF+ objects split over records put back together first) and every picture inside must
///   be a raster image (PNG, JPEG, GIF, BMP, TIFF, WebP, icon) or a metafile judged the same way, at most
///   ``maxDepth`` levels down. Printer escapes (PostScript pass-through), color profiles named by file, comments
///   carrying other formats and records Airlock cannot walk (damaged sizes, bytes after the end) are refused.
///
/// Pure and linear in the bytes.
enum PictureContent {
    /// Metafiles inside metafiles, at most.
    static let maxDepth = 4

    /// What is wrong with a part's bytes as a picture, or nil when they are no PostScript, StarView or Windows
    /// metafile, or a metafile that holds only admitted pictures.
    static func problem(_ bytes: [UInt8]) -> String? {
        if isPostScript(bytes) {
            return "PostScript (EPS), which LibreOffice renders by running pstoedit, Ghostscript or ImageMagick on it"
        }
        if bytes.starts(with: Array("VCLMTF".utf8)) || bytes.starts(with: Array("SVGDI".utf8)) {
            return "a StarView metafile, which can carry PostScript"
        }
        if isEMF(bytes) { return emfProblem(bytes, depth: 0) }
        if isWMF(bytes) { return wmfProblem(bytes, depth: 0) }
        return nil
    }

    /// Whether the bytes begin as something `problem` judges (so a caller reads the part whole only then).
    static func isJudged(_ head: [UInt8]) -> Bool {
        isPostScript(head) || head.starts(with: Array("VCLMTF".utf8)) || head.starts(with: Array("SVGDI".utf8)) || isEMF(head)
            || isWMF(head)
    }

    /// `%!` at the start, `%!PS` in the first 30 bytes (LibreOffice looks for `%!PS-Adobe` there), or the DOS EPS header.
    static func isPostScript(_ bytes: [UInt8]) -> Bool {
        if bytes.starts(with: [0xC5, 0xD0, 0xD3, 0xC6]) || bytes.starts(with: Array("%!".utf8)) { return true }
        return ImageTrailer.contains(Array(bytes.prefix(30)), Array("%!PS".utf8))
    }

    /// EMR_HEADER first, ` EMF` at offset 40 (LibreOffice's test).
    static func isEMF(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 44 && bytes.starts(with: [0x01, 0x00, 0x00, 0x00]) && Array(bytes[40..<44]) == [0x20, 0x45, 0x4D, 0x46]
    }

    /// A placeable WMF, or a memory or disk metafile header (type 1 or 2, header size 9 words).
    static func isWMF(_ bytes: [UInt8]) -> Bool {
        bytes.starts(with: [0xD7, 0xCD, 0xC6, 0x9A]) || bytes.starts(with: [0x01, 0x00, 0x09, 0x00])
            || bytes.starts(with: [0x02, 0x00, 0x09, 0x00])
    }

    /// Raster formats that hold no other picture, by media type, as signatures (nil: any byte): what a picture inside
    /// a metafile and a raster `data:` URL must start with.
    static let rasterSignatures: [(type: String, signature: [UInt8?])] = [
        ("image/png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), ("image/jpeg", [0xFF, 0xD8, 0xFF]),
        ("image/gif", Array("GIF87a".utf8)), ("image/gif", Array("GIF89a".utf8)),
        ("image/webp", Array("RIFF".utf8) + [nil, nil, nil, nil] + Array("WEBP".utf8)), ("image/bmp", Array("BM".utf8)),
        ("image/tiff", [0x49, 0x49, 0x2A, 0x00]), ("image/tiff", [0x4D, 0x4D, 0x00, 0x2A]), ("image/x-icon", [0x00, 0x00, 0x01, 0x00]),
    ]

    /// Whether `bytes` start with `signature`, or, when `cutShort` allows it, are a shorter prefix of it.
    static func starts(_ bytes: [UInt8], with signature: [UInt8?], cutShort: Bool = false) -> Bool {
        (cutShort || bytes.count >= signature.count) && zip(bytes, signature).allSatisfy { $1 == nil || $0 == $1 }
    }

    /// A raster format that holds no other picture: PNG, JPEG, GIF, BMP, TIFF, WebP, an icon.
    static func isRaster(_ bytes: [UInt8]) -> Bool {
        rasterSignatures.contains { starts(bytes, with: $0.signature) }
    }

    /// A picture held inside a metafile: a raster image, or a metafile judged in turn.
    static func embeddedProblem(_ bytes: ArraySlice<UInt8>, depth: Int) -> String? {
        let bytes = Array(bytes)
        if bytes.isEmpty || isRaster(bytes) { return nil }
        guard depth < maxDepth else { return "pictures nested in metafiles deeper than \(maxDepth) levels" }
        if isEMF(bytes) { return emfProblem(bytes, depth: depth + 1) }
        if isWMF(bytes) { return wmfProblem(bytes, depth: depth + 1) }
        return "a picture inside a metafile that is not a raster image or a metafile (LibreOffice sniffs it: SVG, EPS, PDF)"
    }

    // MARK: EMF

    /// EMR_COMMENT identifiers.
    private static let emfPlusComment: UInt32 = 0x2B46_4D45  // "EMF+"
    private static let publicComment: UInt32 = 0x4349_4447  // "GDIC"

    static func emfProblem(_ bytes: [UInt8], depth: Int) -> String? {
        var objects = EMFPlusObjects()
        var offset = 0
        while offset < bytes.count {
            guard let type = le32(bytes, offset), let size = le32(bytes, offset + 4).map(Int.init), size >= 8, size % 4 == 0,
                offset + size <= bytes.count
            else { return "an EMF record Airlock cannot walk (damaged size) at offset \(offset)" }
            if offset == 0, type != 1 { return "an EMF that does not start with its header record" }
            switch type {
            case 14:  // EMR_EOF: nothing after it but zero padding
                if bytes[(offset + size)...].contains(where: { $0 != 0 }) { return "bytes after the EMF's end record" }
                return objects.finish(depth: depth)
            case 70:  // EMR_COMMENT
                guard let length = le32(bytes, offset + 8).map(Int.init), 12 + length <= size else {
                    return "an EMF comment longer than its record"
                }
                let data = bytes[(offset + 12)..<(offset + 12 + length)]
                guard let identifier = le32(bytes, offset + 12), length >= 4 else { break }
                if identifier == emfPlusComment {
                    if let problem = emfPlusProblem(data.dropFirst(4), objects: &objects, depth: depth) { return problem }
                } else if identifier == publicComment, let problem = publicCommentProblem(data, depth: depth) {
                    return problem
                }
            case 105, 106, 110:  // EMR_DRAWESCAPE, EMR_EXTESCAPE, EMR_NAMEDESCAPE
                return "an EMF printer escape (data passed to the printer driver, PostScript included)"
            case 99, 112, 113, 121, 122:  // color spaces and ICM profiles
                return "an EMF color profile named by file (a local or UNC path the renderer opens)"
            default:
                break
            }
            offset += size
        }
        return "an EMF without its end record"
    }

    /// A `GDIC` comment: groups and Unicode text are inert; an embedded WMF is judged; anything else (multiple formats,
    /// EPS among them) is refused.
    private static func publicCommentProblem(_ data: ArraySlice<UInt8>, depth: Int) -> String? {
        let data = Array(data)
        guard let kind = le32(data, 4) else { return "an EMF public comment Airlock cannot read" }
        switch kind {
        case 0x0000_0002, 0x0000_0003, 0x0000_0040, 0x0000_0080:  // begin and end group, Unicode string and end
            return nil
        case 0x8000_0001:  // EMR_COMMENT_WINDOWS_METAFILE: version, checksum, flags, size, then the WMF
            guard let length = le32(data, 18).map(Int.init), 22 + length <= data.count else {
                return "an EMF comment holding a WMF longer than the comment"
            }
            return embeddedProblem(data[22..<(22 + length)], depth: depth)
        default:
            return "an EMF public comment carrying other formats (EPS, PostScript)"
        }
    }

    /// EMF+ objects split over records (the `C` flag: a total size, then chunks), put back together two ways: per
    /// object id, and as one run of chunks whatever their ids, as LibreOffice keeps a single buffer (attack round 18
    /// would otherwise hide a picture's bytes in a chunk under another id). A run is judged as every object type its
    /// records name.
    struct EMFPlusObjects {
        var pending: [UInt8: (type: UInt8, total: Int, data: [UInt8])] = [:]
        var run: (types: Set<UInt8>, data: [UInt8])?
        /// LibreOffice's own buffer (attack round 19): a piece is a record with the `C` flag, or one whose flags but
        /// that one match the open run's; each piece's first 4 bytes are dropped; any other record ends the run; the
        /// next run is written from the buffer's start without clearing it, and the object is read to its end.
        var buffer: [UInt8] = []
        var written = 0
        var bufferFlags: UInt16?

        /// Judges LibreOffice's buffer as the object its run names (and as an image), and ends the run.
        mutating func endBuffer(depth: Int) -> String? {
            guard let flags = bufferFlags else { return nil }
            bufferFlags = nil
            for type in Set([UInt8((flags >> 8) & 0x7F), 5]).sorted() {
                if let problem = PictureContent.objectProblem(type: type, buffer[...], depth: depth) { return problem }
            }
            return nil
        }

        /// Judges the run of chunks so far, and ends it.
        mutating func endRun(depth: Int) -> String? {
            guard let current = run else { return nil }
            run = nil
            for type in current.types.sorted() {
                if let problem = PictureContent.objectProblem(type: type, current.data[...], depth: depth) { return problem }
            }
            return nil
        }

        /// Judges what is still pending (an object whose last chunk never came is judged as far as it goes).
        mutating func finish(depth: Int) -> String? {
            defer { pending = [:] }
            if let problem = endRun(depth: depth) ?? endBuffer(depth: depth) { return problem }
            for (_, object) in pending.sorted(by: { $0.key < $1.key }) {
                if let problem = PictureContent.objectProblem(type: object.type, object.data[...], depth: depth) { return problem }
            }
            return nil
        }
    }

    private static func emfPlusProblem(_ records: ArraySlice<UInt8>, objects: inout EMFPlusObjects, depth: Int) -> String? {
        let records = Array(records)
        // The net over the whole comment, record padding and bytes after the last record included.
        if let problem = hiddenPicture(records[...]) { return problem }
        var offset = 0
        while offset < records.count {
            guard let kind = le16(records, offset), let flags = le16(records, offset + 2), let size = le32(records, offset + 4).map(Int.init),
                let length = le32(records, offset + 8).map(Int.init), size >= 12, size % 4 == 0, offset + size <= records.count,
                length <= size - 12
            else { return "an EMF+ record Airlock cannot walk (damaged size)" }
            let data = records[(offset + 12)..<(offset + 12 + length)]
            // LibreOffice's buffer first: a piece extends it, anything else ends it.
            let isPiece = kind == 0x4008 && (flags & 0x8000 != 0 || objects.bufferFlags.map({ $0 & 0x7FFF == flags & 0x7FFF }) == true)
            if isPiece {
                if objects.bufferFlags == nil {
                    objects.bufferFlags = flags
                    objects.written = 0
                }
                let piece = Array(data.dropFirst(4))
                let end = objects.written + piece.count
                if end > objects.buffer.count { objects.buffer += [UInt8](repeating: 0, count: end - objects.buffer.count) }
                objects.buffer.replaceSubrange(objects.written..<end, with: piece)
                objects.written = end
            } else if let problem = objects.endBuffer(depth: depth) {
                return problem
            }
            if kind == 0x4008 {  // EmfPlusObject
                let id = UInt8(flags & 0xFF)
                let type = UInt8((flags >> 8) & 0x7F)
                if flags & 0x8000 != 0 {
                    var current = objects.run ?? ([], [])
                    current.types.insert(type)
                    current.data += data.dropFirst(4)
                    objects.run = current
                } else if var current = objects.run {
                    current.types.insert(type)
                    current.data += data
                    objects.run = current
                    if let problem = objects.endRun(depth: depth) { return problem }
                }
                if flags & 0x8000 != 0 {
                    guard let total = le32(Array(data), 0).map(Int.init) else { return "an EMF+ object chunk without its total size" }
                    var object = objects.pending[id] ?? (type, total, [])
                    guard object.type == type else { return "an EMF+ object whose chunks disagree on its type" }
                    object.data += data.dropFirst(4)
                    if object.data.count >= total {
                        objects.pending[id] = nil
                        if let problem = objectProblem(type: type, object.data[...], depth: depth) { return problem }
                    } else {
                        objects.pending[id] = object
                    }
                } else if var object = objects.pending[id] {
                    // The last chunk of a split object.
                    objects.pending[id] = nil
                    object.data += data
                    if let problem = objectProblem(type: object.type, object.data[...], depth: depth) { return problem }
                    if type != object.type, let problem = objectProblem(type: type, data, depth: depth) { return problem }
                } else if let problem = objectProblem(type: type, data, depth: depth, stream: records[(offset + 12)...]) {
                    return problem
                }
                // Every record that is no piece of a run is also an object on its own (LibreOffice reads one that
                // ends a run that way).
                if !isPiece, let problem = objectProblem(type: type, data, depth: depth, stream: records[(offset + 12)...]) {
                    return problem
                }
            }
            offset += size
        }
        return nil
    }

    /// A net under the reassembly (attack round 19): object data holding, anywhere, what LibreOffice's detection takes
    /// for SVG or EPS is refused whatever the object's header says.
    static func hiddenPicture(_ data: ArraySlice<UInt8>) -> String? {
        let bytes = Array(data)
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4) {
            let window = bytes[index..<(index + 4)]
            if window.elementsEqual(Array("<svg".utf8)) { return "an EMF+ object holding SVG" }
            if window.elementsEqual([0xC5, 0xD0, 0xD3, 0xC6]) || window.elementsEqual(Array("%!PS".utf8)) {
                return "an EMF+ object holding PostScript"
            }
        }
        return nil
    }

    /// An EMF+ object by type: images, texture brushes and pens (whose brush may be a texture) hold pictures.
    /// - Parameter stream: The bytes from the object's data to the end of its EMF+ comment, where LibreOffice reads a
    ///   bitmap file to (attack round 20: a picture in the record's padding, or a whole EMF after the object).
    static func objectProblem(type: UInt8, _ data: ArraySlice<UInt8>, depth: Int, stream: ArraySlice<UInt8>? = nil) -> String? {
        let data = Array(data)
        switch type {
        case 5: return imageProblem(data, at: 0, depth: depth, stream: stream.map(Array.init))
        case 1: return brushProblem(data, at: 0, depth: depth)
        case 2: return penProblem(data, depth: depth)
        default: return nil
        }
    }

    /// EmfPlusImage: version, type; a bitmap (size, stride, pixel format, then raw pixels or a compressed file) or a
    /// metafile (its type, size and bytes).
    private static func imageProblem(_ data: [UInt8], at start: Int, depth: Int, stream: [UInt8]? = nil) -> String? {
        // The picture's bytes are everything after its header to the end of the object, whatever the size fields
        // inside say: LibreOffice reads them that way (a metafile size of 0 hid a picture, attack round 18).
        guard let type = le32(data, start + 4) else { return "an EMF+ image Airlock cannot read" }
        switch type {
        case 1:  // bitmap: raw pixels only when it says so and has a width and a height (LibreOffice imports the
            // bytes as a picture file otherwise)
            guard let bitmapType = le32(data, start + 24), let width = le32(data, start + 8), let height = le32(data, start + 12) else {
                return "an EMF+ bitmap Airlock cannot read"
            }
            if bitmapType == 0, width != 0, height != 0 { return nil }
            guard bitmapType <= 1 else { return "an EMF+ bitmap of an unknown kind" }
            let file = stream ?? data
            return embeddedProblem(file[min(start + 28, file.count)...], depth: depth)
        case 2:  // metafile
            return embeddedProblem(data[min(start + 16, data.count)...], depth: depth)
        default:
            return "an EMF+ image of an unknown kind"
        }
    }

    /// EmfPlusBrush: a texture brush (flags, wrap mode, an optional transform) holds an image.
    private static func brushProblem(_ data: [UInt8], at start: Int, depth: Int) -> String? {
        guard let type = le32(data, start + 4) else { return "an EMF+ brush Airlock cannot read" }
        guard type == 2 else { return nil }
        guard let flags = le32(data, start + 8) else { return "an EMF+ texture brush Airlock cannot read" }
        let image = start + 16 + (flags & 0x02 != 0 ? 24 : 0)
        guard image < data.count else { return "an EMF+ texture brush without its image" }
        return imageProblem(data, at: image, depth: depth)
    }

    /// EmfPlusPen: version, type, then pen data whose optional fields the flags name, then a brush.
    private static func penProblem(_ data: [UInt8], depth: Int) -> String? {
        guard let flags = le32(data, 8) else { return "an EMF+ pen Airlock cannot read" }
        var cursor = 20  // version, type, flags, unit, width
        // Fixed-size optional fields, in order, then the counted ones.
        let fields: [(flag: UInt32, size: Int?)] = [
            (0x0001, 24), (0x0002, 4), (0x0004, 4), (0x0008, 4), (0x0010, 4), (0x0020, 4), (0x0040, 4), (0x0080, 4), (0x0100, nil),
            (0x0200, 4), (0x0400, nil), (0x0800, nil), (0x1000, nil),
        ]
        for field in fields where flags & field.flag != 0 {
            if let size = field.size {
                cursor += size
            } else {
                guard let count = le32(data, cursor).map(Int.init), count < 1 << 24 else { return "an EMF+ pen Airlock cannot read" }
                // Dashes and compound lines count 4-byte numbers; custom caps count bytes.
                cursor += 4 + (field.flag == 0x0100 || field.flag == 0x0400 ? count * 4 : count)
            }
        }
        guard cursor < data.count else { return "an EMF+ pen without its brush" }
        return brushProblem(data, at: cursor, depth: depth)
    }

    // MARK: WMF

    static func wmfProblem(_ bytes: [UInt8], depth: Int) -> String? {
        var offset = bytes.starts(with: [0xD7, 0xCD, 0xC6, 0x9A]) ? 22 : 0
        guard let headerWords = le16(bytes, offset + 2), headerWords == 9 else { return "a WMF header Airlock cannot read" }
        offset += 18
        var embedded: [UInt8] = []
        var embeds = false
        var chunks: (count: UInt32, total: UInt32)?  // the first chunk's record count and total size
        while offset < bytes.count {
            guard let words = le32(bytes, offset).map(Int.init), let function = le16(bytes, offset + 4), words >= 3,
                offset + words * 2 <= bytes.count
            else { return "a WMF record Airlock cannot walk (damaged size) at offset \(offset)" }
            if function == 0 {  // META_EOF
                if bytes[(offset + words * 2)...].contains(where: { $0 != 0 }) { return "bytes after the WMF's end record" }
                break
            }
            if function == 0x0626, let escape = le16(bytes, offset + 6), let count = le16(bytes, offset + 8).map(Int.init) {
                guard offset + 10 + count <= offset + words * 2 else { return "a WMF escape longer than its record" }
                let data = Array(bytes[(offset + 10)..<(offset + 10 + count)])
                switch escape {
                case 0x000F where le32(data, 0) == 0x4346_4D57:
                    // META_ESCAPE_ENHANCED_METAFILE ("WMFC"): a chunk of an EMF that replaces the WMF. LibreOffice
                    // takes only chunks of type 1, version 1.0 and a record count, and drops the EMF when the
                    // counts or total sizes disagree: any other chunk is a decoy it skips (attack round 18).
                    guard let length = le32(data, 22).map(Int.init), 34 + length <= data.count else {
                        return "a WMF escape holding an EMF chunk longer than the escape"
                    }
                    guard le32(data, 4) == 1, le32(data, 8) == 0x10000, let count = le32(data, 18), count != 0, let total = le32(data, 30),
                        chunks.map({ $0 == (count, total) }) ?? true
                    else { return "a WMF escape holding an EMF chunk that readers skip or disagree on" }
                    chunks = (count, total)
                    embedded += data[34..<(34 + length)]
                    embeds = true
                case 0x0013, 0x0025, 0x1013, 0x1014, 0x1015, 0x1016, 0x1017, 0x1018, 0x101A, 0x11D8:
                    return "a WMF printer escape (PostScript or data passed to the printer driver)"
                default:
                    break
                }
            }
            offset += words * 2
        }
        guard embeds else { return nil }
        guard depth < maxDepth else { return "pictures nested in metafiles deeper than \(maxDepth) levels" }
        guard isEMF(embedded) else { return "a WMF carrying an EMF that Airlock cannot read" }
        return emfProblem(embedded, depth: depth + 1)
    }

    // MARK: Little-endian reads (nil past the end)

    static func le16(_ bytes: [UInt8], _ at: Int) -> UInt16? {
        guard at >= 0, at + 2 <= bytes.count else { return nil }
        return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
    }

    static func le32(_ bytes: [UInt8], _ at: Int) -> UInt32? {
        guard at >= 0, at + 4 <= bytes.count else { return nil }
        return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }
}
