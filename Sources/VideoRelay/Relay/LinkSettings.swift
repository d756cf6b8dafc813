/// How one SRT link is tuned: its receive latency, the sender's recovery bandwidth overhead and
/// libsrt's FEC packet filter. `srt.*` gives the relay-wide settings; a source, a user or a push
/// sink may override any of them for its own connections (`LinkOverrides`).
public struct LinkSettings: Sendable, Equatable, Codable {
    /// SRTO_LATENCY: how long the receiver holds a packet for retransmission before playing it.
    public var latencyMilliseconds: Int32
    /// SRTO_OHEADBW with SRTO_MAXBW 0 and SRTO_INPUTBW 0: the sender may use this much more than
    /// the measured input rate for retransmissions. nil leaves libsrt's default (no cap in live
    /// mode beyond its 1 Gbit/s ceiling).
    public var overheadPercent: Int32?
    /// SRTO_PACKETFILTER; nil: no FEC.
    public var fec: FECFilter?
    /// SRTO_PEERIDLETIMEO: how long the link may be silent before the connection is given up; nil
    /// leaves libsrt's 5 s. Longer keeps a publisher through a longer blackout (its encoder must
    /// wait as long).
    public var peerIdleTimeoutMilliseconds: Int32?

    /// Settings with libsrt's defaults for whatever is not given.
    public init(
        latencyMilliseconds: Int32 = 120, overheadPercent: Int32? = nil, fec: FECFilter? = nil, peerIdleTimeoutMilliseconds: Int32? = nil
    ) {
        self.latencyMilliseconds = latencyMilliseconds
        self.overheadPercent = overheadPercent
        self.fec = fec
        self.peerIdleTimeoutMilliseconds = peerIdleTimeoutMilliseconds
    }

    /// These settings with `overrides` applied on top.
    public func applying(_ overrides: LinkOverrides) -> LinkSettings {
        var settings = self
        if let latency = overrides.latencyMilliseconds { settings.latencyMilliseconds = latency }
        if let overhead = overrides.overheadPercent { settings.overheadPercent = overhead }
        if let timeout = overrides.peerIdleTimeoutMilliseconds { settings.peerIdleTimeoutMilliseconds = timeout }
        switch overrides.fec {
        case .inherit: break
        case .off: settings.fec = nil
        case .filter(let filter): settings.fec = filter
        }
        return settings
    }

    /// The socket options that carry these settings. Latency and the packet filter are
    /// negotiated in the handshake (the larger latency wins; a filter set on one side only is
    /// adopted by the other), so they are set before it; the overhead only affects sending.
    var socketOptions: [SRTSocketOption] {
        var options: [SRTSocketOption] = [.latency(milliseconds: latencyMilliseconds)]
        if let overheadPercent {
            // SRTO_OHEADBW only counts with SRTO_MAXBW 0 (relative to the input rate) and
            // SRTO_INPUTBW 0 (that rate measured, not declared).
            options += [.maximumBandwidth(bytesPerSecond: 0), .inputBandwidth(bytesPerSecond: 0), .overheadBandwidth(percent: overheadPercent)]
        }
        if let fec { options.append(.packetFilter(fec.packetFilter)) }
        if let peerIdleTimeoutMilliseconds { options.append(.peerIdleTimeout(milliseconds: peerIdleTimeoutMilliseconds)) }
        return options
    }
}

/// What a source, a user or a push sink changes of the relay-wide link settings; nil (or
/// `.inherit`) keeps the setting it would otherwise get.
public struct LinkOverrides: Sendable, Equatable {
    /// FEC for one link: as configured above it, off, or its own filter.
    public enum FECChoice: Sendable, Equatable {
        case inherit, off
        case filter(FECFilter)
    }

    /// See `LinkSettings.latencyMilliseconds`.
    public var latencyMilliseconds: Int32?
    /// See `LinkSettings.overheadPercent`.
    public var overheadPercent: Int32?
    /// See `LinkSettings.fec`.
    public var fec: FECChoice
    /// See `LinkSettings.peerIdleTimeoutMilliseconds`.
    public var peerIdleTimeoutMilliseconds: Int32?

    /// Overrides of what is given; nothing by default.
    public init(
        latencyMilliseconds: Int32? = nil, overheadPercent: Int32? = nil, fec: FECChoice = .inherit, peerIdleTimeoutMilliseconds: Int32? = nil
    ) {
        self.latencyMilliseconds = latencyMilliseconds
        self.overheadPercent = overheadPercent
        self.fec = fec
        self.peerIdleTimeoutMilliseconds = peerIdleTimeoutMilliseconds
    }

    /// Whether anything is overridden.
    public var isEmpty: Bool { self == LinkOverrides() }
}

/// libsrt's built-in FEC filter (SMPTE 2022-1 style XOR rows and columns), as SRTO_PACKETFILTER
/// "fec,cols:C,rows:R,layout:L,arq:A". Limits follow libsrt's packet-filtering document.
public struct FECFilter: Sendable, Equatable, Codable {
    /// Where the column groups start: all in one row (`even`), or staggered so column FEC
    /// packets are spread out instead of bursting at the end of each matrix (`staircase`).
    public enum Layout: String, Sendable, Codable, CaseIterable { case even, staircase }
    /// Whether retransmission runs beside FEC: always, only for what FEC could not rebuild
    /// (`onreq`), or never (unrecovered packets are dropped when their time comes).
    public enum ARQ: String, Sendable, Codable, CaseIterable { case always, onreq, never }

    /// The row length (packets a row FEC packet covers); at least 2.
    public var columns: Int
    /// The column length: 1 = rows only, N >= 2 = rows and columns, -N (N >= 2) = columns only.
    public var rows: Int
    /// See `Layout`.
    public var layout: Layout
    /// See `ARQ`.
    public var arq: ARQ

    /// A filter; `problem` says whether libsrt would take it.
    public init(columns: Int, rows: Int = 1, layout: Layout = .staircase, arq: ARQ = .onreq) {
        self.columns = columns
        self.rows = rows
        self.layout = layout
        self.arq = arq
    }

    /// The largest matrix side relayd accepts: a larger matrix only adds latency (the receiver
    /// must hold a whole matrix before it can rebuild).
    public static let largestDimension = 256

    /// Why libsrt would refuse this filter, if it would: the configuration check reports it.
    public var problem: String? {
        if !(2...Self.largestDimension).contains(columns) { return "cols must be 2 to \(Self.largestDimension), got \(columns)" }
        if rows == 0 || rows == -1 || abs(rows) > Self.largestDimension {
            return "rows must be 1 (rows only), 2 to \(Self.largestDimension), or -2 to -\(Self.largestDimension) (columns only), got \(rows)"
        }
        return nil
    }

    /// The SRTO_PACKETFILTER text.
    public var packetFilter: String { "fec,cols:\(columns),rows:\(rows),layout:\(layout.rawValue),arq:\(arq.rawValue)" }
}

extension RelayConfiguration {
    /// The settings of a caller's link: `srt.*`, then (publishing) its source's, then its user's.
    /// The user names the connection, the source only the feed, so the user's settings win.
    public func linkSettings(for request: StreamID) -> LinkSettings {
        var settings = link
        if request.mode == .publish, let source = source(request.resource) { settings = settings.applying(source.link) }
        if let name = request.user, let user = user(name) { settings = settings.applying(user.link) }
        return settings
    }

    /// The settings of a push sink's link: `srt.*`, then the sink's.
    public func linkSettings(for sink: SinkConfiguration) -> LinkSettings {
        link.applying(sink.link)
    }
}
