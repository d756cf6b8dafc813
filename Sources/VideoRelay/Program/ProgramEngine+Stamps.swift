/// Delay stamps in the program's pictures (`ProgramStamping` decides which, `StampedAccessUnit`
/// inserts them).
extension ProgramEngine {
    /// The packet with the stamps due inserted before its first slice (itself when none are due).
    func stamped(_ packet: Packet, onAir: String, caption: String?) -> Packet {
        let stamps = stamping.stamps(at: .now, onAir: onAir, caption: caption, wallClock: wallClockMicroseconds())
        guard !stamps.isEmpty else { return packet }
        guard let bytes = packet.withBytes({ StampedAccessUnit.inserting(stamps, into: $0) }) else {
            stamping.notInserted(stamps)
            return packet
        }
        do {
            let stamped = try packet.replacingPayload(with: bytes)
            status.stampsInserted += stamps.count
            return stamped
        } catch {
            note(error, "stamp")
            return packet
        }
    }

    /// Keeps the stamps of a picture about to be decoded, for the encoded picture it becomes.
    func collectStamps(from packet: Packet) {
        let stamps = packet.withBytes { StampedAccessUnit.stamps(in: $0) }
        if !stamps.isEmpty { stamping.collect(stamps) }
    }
}
