/// Reads the MPEG-TS packets inside each SRT payload as they pass: checks the payload is
/// MPEG-TS, remembers the latest PAT and PMT (so a joining reader can be given them first), finds
/// where a video keyframe starts so readers join on a picture they can decode, and reads the
/// SDT's service provider and name (an upstream site's name and on-air source).
///
/// Pure and allocation-free per payload except when a PAT/PMT is captured.
public struct TransportStreamInspector: Sendable {
    /// One TS packet's size.
    public static let packetSize = 188

    /// What one payload holds.
    public struct Inspection: Sendable, Equatable {
        /// Whether the payload is whole MPEG-TS packets.
        public var isTransportStream: Bool
        /// Byte offset of the TS packet where a video keyframe starts, if one does.
        public var keyframeOffset: Int?
    }

    /// The latest PAT and PMT packets, ready to send ahead of a keyframe.
    public private(set) var programTables: [UInt8] = []
    /// The video elementary stream's PID once the PMT named it.
    public private(set) var videoPID: UInt16?
    /// The first service's provider and name from the latest SDT, if the stream carries one.
    public private(set) var service: ServiceName?
    private var sdtSection: [UInt8] = []
    private var patPacket: [UInt8] = []
    private var pmtPacket: [UInt8] = []
    private var pmtPID: UInt16?
    private var videoStreamType: UInt8 = 0

    public init() {}

    /// Inspects one payload.
    public mutating func inspect(_ payload: ArraySlice<UInt8>) -> Inspection {
        let size = Self.packetSize
        guard !payload.isEmpty, payload.count % size == 0 else {
            return Inspection(isTransportStream: false, keyframeOffset: nil)
        }
        var keyframeOffset: Int?
        var offset = 0
        while offset < payload.count {
            let start = payload.startIndex + offset
            guard payload[start] == 0x47 else { return Inspection(isTransportStream: false, keyframeOffset: nil) }
            let packet = payload[start..<(start + size)]
            if keyframeOffset == nil, inspectPacket(packet) { keyframeOffset = offset }
            offset += size
        }
        return Inspection(isTransportStream: true, keyframeOffset: keyframeOffset)
    }

    /// Returns true when this packet starts a video keyframe.
    private mutating func inspectPacket(_ packet: ArraySlice<UInt8>) -> Bool {
        let base = packet.startIndex
        let payloadUnitStart = packet[base + 1] & 0x40 != 0
        let pid = UInt16(packet[base + 1] & 0x1f) << 8 | UInt16(packet[base + 2])
        let adaptation = (packet[base + 3] >> 4) & 0x3
        var payloadStart = base + 4
        var randomAccess = false
        if adaptation & 0x2 != 0 {
            let length = Int(packet[base + 4])
            if length > 0 && base + 5 < packet.endIndex { randomAccess = packet[base + 5] & 0x40 != 0 }
            payloadStart += 1 + length
        }
        guard adaptation & 0x1 != 0, payloadStart < packet.endIndex, payloadUnitStart else { return false }

        if pid == 0 {
            capturePAT(packet, payloadStart: payloadStart)
        } else if pid == ServiceDescription.pid {
            captureSDT(packet, payloadStart: payloadStart)
        } else if pid == pmtPID {
            capturePMT(packet, payloadStart: payloadStart)
        } else if pid == videoPID {
            return randomAccess || startsWithParameterSets(packet[payloadStart...])
        }
        return false
    }

    private mutating func capturePAT(_ packet: ArraySlice<UInt8>, payloadStart: Int) {
        guard let section = Self.section(packet, payloadStart: payloadStart), section.count >= 12 else { return }
        let s = section.startIndex
        // First program entry after the 8-byte header; program 0 is the network PID, skip it.
        var entry = s + 8
        while entry + 4 <= section.endIndex - 4 {
            let programNumber = UInt16(section[entry]) << 8 | UInt16(section[entry + 1])
            let pid = UInt16(section[entry + 2] & 0x1f) << 8 | UInt16(section[entry + 3])
            if programNumber != 0 {
                pmtPID = pid
                break
            }
            entry += 4
        }
        patPacket = Array(packet)
        rebuildTables()
    }

    private mutating func capturePMT(_ packet: ArraySlice<UInt8>, payloadStart: Int) {
        guard let section = Self.section(packet, payloadStart: payloadStart), section.count >= 16 else { return }
        let s = section.startIndex
        let programInfoLength = Int(section[s + 10] & 0x0f) << 8 | Int(section[s + 11])
        var entry = s + 12 + programInfoLength
        while entry + 5 <= section.endIndex - 4 {
            let streamType = section[entry]
            let pid = UInt16(section[entry + 1] & 0x1f) << 8 | UInt16(section[entry + 2])
            let infoLength = Int(section[entry + 3] & 0x0f) << 8 | Int(section[entry + 4])
            if [0x1b, 0x24, 0x02].contains(streamType) {
                videoPID = pid
                videoStreamType = streamType
                break
            }
            entry += 5 + infoLength
        }
        pmtPacket = Array(packet)
        rebuildTables()
    }

    /// Decodes the SDT only when its bytes changed: the muxer repeats it twice a second.
    private mutating func captureSDT(_ packet: ArraySlice<UInt8>, payloadStart: Int) {
        guard let section = Self.section(packet, payloadStart: payloadStart), section.first == 0x42, !section.elementsEqual(sdtSection) else { return }
        sdtSection = Array(section)
        service = ServiceDescription.read(section)
    }

    private mutating func rebuildTables() {
        programTables = pmtPacket.isEmpty ? [] : patPacket + pmtPacket
    }

    /// The PSI section in a packet that starts one (after the pointer field), bounded by its
    /// section_length and the packet.
    private static func section(_ packet: ArraySlice<UInt8>, payloadStart: Int) -> ArraySlice<UInt8>? {
        let pointer = Int(packet[payloadStart])
        let start = payloadStart + 1 + pointer
        guard start + 3 <= packet.endIndex else { return nil }
        let length = Int(packet[start + 1] & 0x0f) << 8 | Int(packet[start + 2])
        let end = min(packet.endIndex, start + 3 + length)
        return packet[start..<end]
    }

    /// For encoders that do not set the random-access flag: a PES whose first bytes carry a
    /// sequence parameter set (H.264 NAL 7, HEVC VPS/SPS) or an IDR slice starts a keyframe.
    private func startsWithParameterSets(_ pes: ArraySlice<UInt8>) -> Bool {
        let p = pes.startIndex
        guard pes.count > 9, pes[p] == 0, pes[p + 1] == 0, pes[p + 2] == 1 else { return false }
        var i = p + 9 + Int(pes[p + 8])
        while i + 3 < pes.endIndex {
            if pes[i] == 0, pes[i + 1] == 0, pes[i + 2] == 1 {
                let header = pes[i + 3]
                if videoStreamType == 0x24 {
                    let type = (header >> 1) & 0x3f
                    if type == 32 || type == 33 || (16...21).contains(type) { return true }
                } else {
                    let type = header & 0x1f
                    if type == 7 || type == 5 { return true }
                    if type == 1 { return false }
                }
                i += 3
            } else {
                i += 1
            }
        }
        return false
    }
}
