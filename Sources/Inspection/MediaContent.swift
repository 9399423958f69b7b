/// Audio and video inside an Office document: what LibreOffice hands to its media player (GStreamer) to grab a preview
/// frame when a slide is opened or converted. The player finds a format by content and follows what the format names:
/// an HLS or DASH playlist, a Smooth Streaming or SMIL manifest, an SDP description, a QuickTime reference movie or an
/// external data reference all make it fetch URLs (attack round 21). A part a media relationship leads to must be a
/// self-contained audio or video container; a part anywhere that reads as a playlist or manifest is refused. Pure.
enum MediaContent {
    /// Containers a media part may be: none of them names other files or URLs a player opens, once QuickTime's
    /// reference movies and external data references are refused (``isoMediaProblem(read:size:)``).
    enum Container {
        /// ISO base media (MP4, QuickTime, 3GP, M4A)
        case isoMedia
        /// RIFF (WAV, AVI)
        case riff
        /// MPEG audio (MP3, AAC)
        case mpegAudio
        /// MPEG audio behind an ID3 tag
        case id3
        /// Ogg
        case ogg
        /// FLAC
        case flac
        /// Matroska or WebM
        case matroska
        /// ASF (WMV, WMA)
        case asf
        /// MPEG program stream
        case mpegProgram
        /// MPEG transport stream
        case mpegTransport
        /// MIDI
        case midi
        /// AIFF
        case aiff
    }

    /// Extensions Office and LibreOffice give audio, video and playlist parts: such a part is judged as media whatever
    /// leads to it.
    static let extensions: Set<String> = [
        "mp4", "m4v", "m4a", "mov", "qt", "3gp", "3g2", "mp3", "aac", "wav", "avi", "wma", "wmv", "asf", "ogg", "oga", "ogv",
        "opus", "flac", "webm", "mkv", "mka", "mpg", "mpeg", "m1v", "m2v", "mpa", "ts", "m2ts", "mts", "mid", "midi", "aif", "aiff",
        "aifc", "m3u", "m3u8", "mpd", "ism", "ismc", "smil", "smi", "asx", "wax", "wvx", "pls", "sdp", "ram", "rm", "qtl", "wpl",
    ]

    /// Relationship types (their last path segment) whose target LibreOffice plays.
    static let relationships: Set<String> = ["video", "audio", "media"]

    static func container(_ head: [UInt8]) -> Container? {
        func at(_ offset: Int, _ text: String) -> Bool {
            let bytes = Array(text.utf8)
            return head.count >= offset + bytes.count && head[offset..<(offset + bytes.count)].elementsEqual(bytes)
        }
        if looksLikeISOMedia(head) { return .isoMedia }
        if at(0, "RIFF"), at(8, "WAVE") || at(8, "AVI ") { return .riff }
        if at(0, "ID3") { return .id3 }
        if mpegAudioFrameLength(head) != nil { return .mpegAudio }
        if at(0, "OggS") { return .ogg }
        if at(0, "fLaC") { return .flac }
        if head.starts(with: [0x1A, 0x45, 0xDF, 0xA3]) { return .matroska }
        if head.starts(with: [0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C]) { return .asf }
        if head.starts(with: [0x00, 0x00, 0x01, 0xBA]) { return .mpegProgram }
        if head.first == 0x47, head.count > 376, head[188] == 0x47, head[376] == 0x47 { return .mpegTransport }
        if at(0, "MThd") { return .midi }
        if at(0, "FORM"), at(8, "AIFF") || at(8, "AIFC") { return .aiff }
        return nil
    }

    /// The length of the MPEG audio frame whose header starts `bytes` (layers I to III, MPEG 1, 2 and 2.5), or nil
    /// when the four bytes are no valid header (a sync word alone is `FF FE`, a UTF-16 byte-order mark, too).
    static func mpegAudioFrameLength(_ bytes: some Collection<UInt8>) -> Int? {
        let header = Array(bytes.prefix(4))
        guard header.count == 4, header[0] == 0xFF, header[1] & 0xE0 == 0xE0 else { return nil }
        let version = (header[1] >> 3) & 3  // 0: 2.5, 2: 2, 3: 1
        let layer = (header[1] >> 1) & 3  // 1: III, 2: II, 3: I
        let bitrateIndex = Int(header[2] >> 4)
        let rateIndex = Int((header[2] >> 2) & 3)
        guard version != 1, layer != 0, bitrateIndex != 0, bitrateIndex != 15, rateIndex != 3 else { return nil }
        let rates = [[11_025, 12_000, 8_000], [], [22_050, 24_000, 16_000], [44_100, 48_000, 32_000]][Int(version)]
        let bitrates: [Int] =
            switch (version == 3, layer) {
            case (true, 3): [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448]
            case (true, 2): [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384]
            case (true, _): [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
            case (false, 3): [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256]
            case (false, _): [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
            }
        let bitrate = bitrates[bitrateIndex - 1] * 1000
        let padding = Int((header[2] >> 1) & 1)
        if layer == 3 { return (12 * bitrate / rates[rateIndex] + padding) * 4 }
        let factor = layer == 1 && version != 3 ? 72 : 144
        return factor * bitrate / rates[rateIndex] + padding
    }

    /// Box types a player's QuickTime and ISO type finders take as the first box of a movie (at offset 4).
    static let firstBoxes: Set<String> = [
        "ftyp", "moov", "mdat", "wide", "free", "skip", "pnot", "uuid", "moof", "prfl", "PICT", "pict", "junk", "styp", "sidx", "mvhd",
    ]

    /// Whether bytes 4 to 8 name a first box: then the file is judged as ISO media whatever other signature its first
    /// bytes also make (attack round 23: `00 00 01 BA`, an MPEG program stream's pack start, is also a box size).
    static func looksLikeISOMedia(_ head: [UInt8]) -> Bool {
        head.count >= 8 && firstBoxes.contains(String(decoding: head[4..<8], as: UTF8.self))
    }

    /// What a media part holds that a player would follow, or why it is no known container. `read(offset, count)`
    /// reads the part; `size` is its length.
    static func problem(head: [UInt8], size: Int64, read: (Int64, Int) -> [UInt8]?) -> String? {
        guard let container = container(head) else {
            return "media that is no known self-contained audio or video container (a player finds a format by content)"
        }
        switch container {
        case .isoMedia: return isoMediaProblem(read: read, size: size)
        case .mpegAudio:
            // Two frames in a row, as a player's type finder wants them.
            guard let length = mpegAudioFrameLength(head), Int64(length) >= size || read(Int64(length), 4).flatMap(mpegAudioFrameLength) != nil else {
                return "MPEG audio whose second frame does not follow its first"
            }
            return nil
        case .id3:
            // A player strips the tag and finds a format in what follows: it must be MPEG audio.
            guard head.count >= 10, head[6...9].allSatisfy({ $0 < 0x80 }) else { return "an ID3 tag Airlock cannot read" }
            let length = head[6...9].reduce(Int64(0)) { $0 << 7 | Int64($1) } + 10 + (head[5] & 0x10 != 0 ? 10 : 0)
            guard let after = read(length, 4), mpegAudioFrameLength(after) != nil else {
                return "an ID3 tag followed by no MPEG audio (a player finds another format in what follows)"
            }
            return nil
        default: return nil
        }
    }

    /// Boxes a QuickTime reference movie is made of: it names other movies, by URL too, for the player to open; and a
    /// compressed movie box (`cmov`, which a player inflates and reads as a movie box: it can hide all of these).
    static let referenceBoxes: Set<String> = ["rmra", "rmda", "rdrf", "rmdr", "rmcs", "rmvc", "rmcd", "rmqu", "cmov", "cmvd"]
    /// Boxes that hold other boxes, walked for reference movies and data references.
    static let containerBoxes: Set<String> = ["moov", "trak", "mdia", "minf", "dinf", "stbl", "edts", "udta", "mvex", "moof", "traf", "mfra", "tref"]

    /// An ISO base media file's top-level boxes, and its movie boxes read whole (up to 16 MiB): no reference movie, and
    /// every data reference self-contained (flag 1).
    static func isoMediaProblem(read: (Int64, Int) -> [UInt8]?, size: Int64) -> String? {
        var offset: Int64 = 0
        var boxes = 0
        while offset < size {
            boxes += 1
            guard boxes <= 100_000, let header = read(offset, Int(min(16, size - offset))), header.count >= 8 else {
                return "an ISO media file whose boxes Airlock cannot read"
            }
            var length = Int64(header[0]) << 24 | Int64(header[1]) << 16 | Int64(header[2]) << 8 | Int64(header[3])
            let type = String(decoding: header[4..<8], as: UTF8.self)
            var headerLength: Int64 = 8
            if length == 1 {
                guard header.count == 16 else { return "an ISO media file whose boxes Airlock cannot read" }
                length = header[8..<16].reduce(Int64(0)) { $0 << 8 | Int64($1) }
                headerLength = 16
            } else if length == 0 {
                length = size - offset
            }
            guard length >= headerLength, length <= size - offset else { return "an ISO media file whose boxes Airlock cannot read" }
            if referenceBoxes.contains(type) { return "a QuickTime reference movie or compressed movie box ('\(type)')" }
            if containerBoxes.contains(type) || type == "meta" {
                guard length <= 16 << 20 else { return "an ISO media file with a movie box larger than 16 MiB" }
                guard let body = read(offset + headerLength, Int(length - headerLength)) else {
                    return "an ISO media file whose boxes Airlock cannot read"
                }
                // Also by name anywhere in it, inside boxes Airlock does not walk (attack round 22: `cmov`).
                if let name = referenceBoxes.first(where: { ImageTrailer.contains(body, Array($0.utf8)) }) {
                    return "a QuickTime reference movie or compressed movie box ('\(name)')"
                }
                if let problem = boxProblem(body, inside: type, depth: 1) { return problem }
            }
            offset += length
        }
        return nil
    }

    /// The boxes in `body` (the content of a `parent` box).
    static func boxProblem(_ body: [UInt8], inside parent: String, depth: Int) -> String? {
        guard depth <= 16 else { return "ISO media boxes nested deeper than 16 levels" }
        var offset = 0
        if parent == "meta" {
            // A full box (4 bytes of version and flags) in ISO files, a plain one in QuickTime's (`hdlr` first).
            offset = body.count >= 8 && String(decoding: body[4..<8], as: UTF8.self) == "hdlr" ? 0 : 4
        } else if parent == "dref" {
            // A full box, an entry count, then entries: each a full box whose flag 1 says "in this file".
            offset = 8
        }
        while offset + 8 <= body.count {
            let length = Int(body[offset]) << 24 | Int(body[offset + 1]) << 16 | Int(body[offset + 2]) << 8 | Int(body[offset + 3])
            let type = String(decoding: body[(offset + 4)..<(offset + 8)], as: UTF8.self)
            guard length >= 8, length <= body.count - offset else { return "an ISO media box Airlock cannot read (\(type))" }
            let content = Array(body[(offset + 8)..<(offset + length)])
            if referenceBoxes.contains(type) { return "a QuickTime reference movie or compressed movie box ('\(type)')" }
            if parent == "dref" {
                guard content.count >= 4, content[3] & 1 == 1 else { return "an external data reference (\(type)): the media lies elsewhere" }
            } else if type == "dref" || containerBoxes.contains(type) || type == "meta" {
                if let problem = boxProblem(content, inside: type, depth: depth + 1) { return problem }
            }
            offset += length
        }
        return nil
    }

    /// What a part is when it reads as a playlist, a streaming manifest or a media description that a player follows
    /// to the network, whatever it is named or whatever leads to it (LibreOffice plays the target of any relationship
    /// a video or audio element names). Looks at the first bytes (`sniff`).
    static func manifest(_ sniff: [UInt8]) -> String? {
        // Read as UTF-8, and as UTF-16 in either byte order when NULs stand among the bytes (attack round 22: a
        // Smooth Streaming manifest in UTF-16).
        var readings = [sniff.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(sniff.dropFirst(3)) : sniff]
        if sniff.contains(0) {
            for bigEndian in [false, true] {
                var units: [UInt16] = []
                for offset in stride(from: 0, to: sniff.count - 1, by: 2) {
                    let (high, low) = bigEndian ? (sniff[offset], sniff[offset + 1]) : (sniff[offset + 1], sniff[offset])
                    units.append(UInt16(high) << 8 | UInt16(low))
                }
                let scalars = String(decoding: units, as: UTF16.self).unicodeScalars.filter { $0 != "\u{FEFF}" }
                readings.append(scalars.map { UInt8(truncatingIfNeeded: $0.value) })
            }
        }
        return readings.lazy.compactMap(manifest(reading:)).first
    }

    private static func manifest(reading text: [UInt8]) -> String? {
        let lowered = String(decoding: text.prefix(2048), as: UTF8.self).lowercased()
        let start = lowered.drop { $0.isWhitespace || $0 == "\u{0}" }
        for (opener, what) in [
            ("#extm3u", "an M3U or HLS playlist"), ("[playlist]", "a PLS playlist"), ("v=0", "an SDP session description"),
            ("rtsptext", "a QuickTime RTSP text"), ("[reference]", "a Windows Media reference"),
        ] where start.hasPrefix(opener) {
            return what
        }
        if let scheme = start.firstIndex(of: ":"), scheme > start.startIndex, start[..<scheme].allSatisfy({ $0.isLetter }),
            start[scheme...].hasPrefix("://")
        {
            return "a list of URLs (a RealMedia or plain playlist)"
        }
        // Elements and processing instructions by name, with any namespace prefix, in the first 2 KiB.
        let roots: [String: String] = [
            "mpd": "a DASH manifest", "smoothstreamingmedia": "a Smooth Streaming manifest", "smil": "a SMIL presentation",
            "asx": "an ASX playlist", "?wpl": "a Windows Media playlist", "?zpl": "a Zune playlist", "?quicktime": "a QuickTime media link",
            "playlist": "an XSPF playlist",
        ]
        var rest = Substring(lowered)
        while let open = rest.firstIndex(of: "<") {
            rest = rest[rest.index(after: open)...]
            var name = rest.prefix { !$0.isWhitespace && $0 != ">" && $0 != "/" }
            if let colon = name.firstIndex(of: ":"), !name.hasPrefix("?") { name = name[name.index(after: colon)...] }
            if let what = roots[String(name)] { return what }
        }
        return nil
    }
}
