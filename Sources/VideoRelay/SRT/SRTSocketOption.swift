import CSRT

/// Every SRT socket option the relay sets, in one declarative table (like srt's
/// `apps/socketoptions.hpp`), so a reader sees at a glance how connections are configured.
enum SRTSocketOption: Sendable {
    case nonBlockingSend
    case nonBlockingReceive
    case liveTransmission
    case latency(milliseconds: Int32)
    case passphrase(String)
    case keyLength(bytes: Int32)
    case streamID(String)
    case connectTimeout(milliseconds: Int32)
    /// The most packets in flight the peer may send before an acknowledgement (SRTO_FC); also
    /// sizes the receive-loss list (16 bytes a packet). libsrt's minimum is 32.
    case flowWindow(packets: Int32)
    /// The receive buffer (SRTO_RCVBUF), in bytes; libsrt keeps at least 32 packets and at most
    /// the flow window.
    case receiveBuffer(bytes: Int32)
    /// SRTO_MAXBW; 0 means "relative to the input rate" (see `overheadBandwidth`).
    case maximumBandwidth(bytesPerSecond: Int64)
    /// SRTO_INPUTBW; 0 means "measure the input rate".
    case inputBandwidth(bytesPerSecond: Int64)
    /// SRTO_OHEADBW: the sender's share above the input rate for retransmissions, 5 to 100 %.
    case overheadBandwidth(percent: Int32)
    /// SRTO_PACKETFILTER, e.g. libsrt's FEC "fec,cols:10,rows:5".
    case packetFilter(String)
    /// SRTO_PEERIDLETIMEO: silence after which the connection is given up.
    case peerIdleTimeout(milliseconds: Int32)

    /// Applies the option to a socket.
    func apply(to socket: SRTSOCKET) throws(SRTError) {
        let result: Int32
        switch self {
        case .nonBlockingSend: result = Self.set(socket, SRTO_SNDSYN, false)
        case .nonBlockingReceive: result = Self.set(socket, SRTO_RCVSYN, false)
        case .liveTransmission: result = Self.set(socket, SRTO_TRANSTYPE, Int32(SRTT_LIVE.rawValue))
        case .latency(let ms): result = Self.set(socket, SRTO_LATENCY, ms)
        case .passphrase(let text): result = Self.set(socket, SRTO_PASSPHRASE, text)
        case .keyLength(let bytes): result = Self.set(socket, SRTO_PBKEYLEN, bytes)
        case .streamID(let text): result = Self.set(socket, SRTO_STREAMID, text)
        case .connectTimeout(let ms): result = Self.set(socket, SRTO_CONNTIMEO, ms)
        case .flowWindow(let packets): result = Self.set(socket, SRTO_FC, packets)
        case .receiveBuffer(let bytes): result = Self.set(socket, SRTO_RCVBUF, bytes)
        case .maximumBandwidth(let rate): result = Self.set(socket, SRTO_MAXBW, rate)
        case .inputBandwidth(let rate): result = Self.set(socket, SRTO_INPUTBW, rate)
        case .overheadBandwidth(let percent): result = Self.set(socket, SRTO_OHEADBW, percent)
        case .packetFilter(let text): result = Self.set(socket, SRTO_PACKETFILTER, text)
        case .peerIdleTimeout(let ms): result = Self.set(socket, SRTO_PEERIDLETIMEO, ms)
        }
        if result != 0 { throw SRTError.last("srt_setsockflag(\(self.name))") }
    }

    private var name: String {
        switch self {
        case .nonBlockingSend: "SRTO_SNDSYN"
        case .nonBlockingReceive: "SRTO_RCVSYN"
        case .liveTransmission: "SRTO_TRANSTYPE"
        case .latency: "SRTO_LATENCY"
        case .passphrase: "SRTO_PASSPHRASE"
        case .keyLength: "SRTO_PBKEYLEN"
        case .streamID: "SRTO_STREAMID"
        case .connectTimeout: "SRTO_CONNTIMEO"
        case .flowWindow: "SRTO_FC"
        case .receiveBuffer: "SRTO_RCVBUF"
        case .maximumBandwidth: "SRTO_MAXBW"
        case .inputBandwidth: "SRTO_INPUTBW"
        case .overheadBandwidth: "SRTO_OHEADBW"
        case .packetFilter: "SRTO_PACKETFILTER"
        case .peerIdleTimeout: "SRTO_PEERIDLETIMEO"
        }
    }

    private static func set(_ socket: SRTSOCKET, _ option: SRT_SOCKOPT, _ value: Int32) -> Int32 {
        var value = value
        return srt_setsockflag(socket, option, &value, Int32(MemoryLayout<Int32>.size))
    }

    private static func set(_ socket: SRTSOCKET, _ option: SRT_SOCKOPT, _ value: Int64) -> Int32 {
        var value = value
        return srt_setsockflag(socket, option, &value, Int32(MemoryLayout<Int64>.size))
    }

    private static func set(_ socket: SRTSOCKET, _ option: SRT_SOCKOPT, _ value: Bool) -> Int32 {
        var value = value
        return srt_setsockflag(socket, option, &value, Int32(MemoryLayout<Bool>.size))
    }

    private static func set(_ socket: SRTSOCKET, _ option: SRT_SOCKOPT, _ value: String) -> Int32 {
        var bytes = Array(value.utf8)
        return srt_setsockflag(socket, option, &bytes, Int32(bytes.count))
    }

    /// For a connection that only sends (a reader, a push sink): its peer sends nothing but
    /// control packets, so the receive side is sized at libsrt's minimum instead of its defaults
    /// (25,600 packets of flow window and 8,192 of receive buffer: about 0.5 MiB a connection
    /// allocated up front). The flow window goes first: the receive buffer may not exceed it.
    static let sendOnly: [SRTSocketOption] = [.flowWindow(packets: 32), .receiveBuffer(bytes: 32 * 1456)]

    /// Options every relay connection carries.
    static func liveDefaults(latency: Int32) -> [SRTSocketOption] {
        [.liveTransmission, .nonBlockingSend, .nonBlockingReceive, .latency(milliseconds: latency)]
    }

    /// Options every relay connection carries, with one link's settings.
    static func liveDefaults(link: LinkSettings) -> [SRTSocketOption] {
        [.liveTransmission, .nonBlockingSend, .nonBlockingReceive] + link.socketOptions
    }
}
