import Testing
@testable import VideoRelay

/// Delay stamps: the SEI NAL unit each site writes, read back from access units, and the hops
/// they give downstream.
@Suite struct DelayStampTests {
    private let prefecture = DelayStamp(
        siteID: "shizuoka-pref", siteName: "静岡県警察本部", onAir: "heli-1", caption: "速報 土砂崩れ", wallClockMicroseconds: 1_795_000_000_123_456)

    /// AUD, SPS, PPS, then an IDR slice: what an encoder's keyframe looks like in Annex B.
    private let accessUnit: [UInt8] = [0, 0, 0, 1, 0x09, 0xF0] + [0, 0, 0, 1, 0x67, 0x64, 0x00, 0x1F] + [0, 0, 1, 0x68, 0xEE, 0x3C, 0x80]
        + [0, 0, 0, 1, 0x65, 0x88, 0x84, 0x00, 0x33, 0xFF]

    @Test func aStampSurvivesTheRoundTripThroughAnAccessUnit() throws {
        let stamped = try #require(StampedAccessUnit.inserting([prefecture], into: accessUnit))
        #expect(StampedAccessUnit.stamps(in: stamped) == [prefecture])
        // The SEI goes right before the slice: what came before and the slice are unchanged.
        let sliceAt = 6 + 8 + 7
        #expect(Array(stamped.prefix(sliceAt)) == Array(accessUnit.prefix(sliceAt)))
        #expect(Array(stamped.suffix(accessUnit.count - sliceAt)) == Array(accessUnit.suffix(accessUnit.count - sliceAt)))
        #expect(stamped[sliceAt..<sliceAt + 5] == [0, 0, 0, 1, 0x06])
    }

    @Test func severalSitesStampsAreReadInOrderAndAnAccessUnitWithoutSliceIsLeftAlone() throws {
        let npa = DelayStamp(siteID: "npa", siteName: "警察庁", onAir: "shizuoka", caption: nil, wallClockMicroseconds: 1_795_000_000_500_000)
        let stamped = try #require(StampedAccessUnit.inserting([prefecture, npa], into: accessUnit))
        #expect(StampedAccessUnit.stamps(in: stamped) == [prefecture, npa])
        #expect(StampedAccessUnit.inserting([npa], into: [0, 0, 0, 1, 0x09, 0xF0, 0, 0, 1, 0x67, 0x64]) == nil)
        #expect(StampedAccessUnit.inserting([npa], into: []) == nil)
    }

    @Test func zeroRunsInThePayloadGetEmulationPreventionBytes() throws {
        // A clock of 0x...000000... and an empty caption put zero runs into the payload.
        let stamp = DelayStamp(siteID: "a", siteName: "", onAir: "", caption: nil, wallClockMicroseconds: 0x0100_0000_0000_0001)
        let nal = stamp.seiNAL
        for index in 2..<nal.count {
            // No start code or forbidden 00 00 0x sequence survives inside the NAL unit.
            if nal[index - 2] == 0 && nal[index - 1] == 0 { #expect(nal[index] == 3) }
        }
        #expect(nal.count > stamp.userDataPayload.count + 3)
        let stamped = try #require(StampedAccessUnit.inserting([stamp], into: accessUnit))
        #expect(StampedAccessUnit.stamps(in: stamped) == [stamp])
        #expect(DelayStamp.unescaped(ArraySlice(DelayStamp.escaped([0, 0, 0, 0, 1, 0, 0, 3, 0, 0]))) == [0, 0, 0, 0, 1, 0, 0, 3, 0, 0])
    }

    @Test func longTextIsCutAtACharacterBoundary() {
        let stamp = DelayStamp(siteID: "s", siteName: String(repeating: "警", count: 60), onAir: "x", caption: String(repeating: "a", count: 400), wallClockMicroseconds: 1)
        let read = StampedAccessUnit.stamps(in: StampedAccessUnit.inserting([stamp], into: accessUnit) ?? [])
        #expect(read.first?.siteName == String(repeating: "警", count: 42))
        #expect(read.first?.caption?.utf8.count == DelayStamp.captionLimit)
    }

    @Test func truncatedGarbageOrForeignSEIGivesNoStampAndNoCrash() throws {
        let stamped = try #require(StampedAccessUnit.inserting([prefecture], into: accessUnit))
        // Every prefix, and every single-byte corruption, of a stamped access unit.
        for length in 0...stamped.count { _ = StampedAccessUnit.stamps(in: Array(stamped.prefix(length))) }
        for index in stamped.indices {
            var corrupt = stamped
            corrupt[index] ^= 0x5A
            _ = StampedAccessUnit.stamps(in: corrupt)
        }
        // Another product's user data, a size running past the end, a huge coded size.
        var foreign = prefecture.seiNAL
        foreign[3 + 2] ^= 0xFF  // inside the UUID
        #expect(StampedAccessUnit.stamps(in: [0, 0, 1] + foreign + [0, 0, 1, 0x65, 0x88]).isEmpty)
        #expect(StampedAccessUnit.stamps(in: [0, 0, 1, 0x06, 0x05, 0xFF, 0xFF, 0x10, 0x01, 0x02]).isEmpty)
        #expect(StampedAccessUnit.stamps(in: [0, 0, 1, 0x06] + [UInt8](repeating: 0xFF, count: 5000) + [0, 0, 1, 0x65]).isEmpty)
        var random = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let bytes = (0..<Int.random(in: 0..<600, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            _ = StampedAccessUnit.stamps(in: [0, 0, 1, 0x06, 0x05] + bytes)
        }
    }

    @Test func atMostEightStampsAreReadFromOneAccessUnit() throws {
        let many = (0..<12).map { DelayStamp(siteID: "site-\($0)", siteName: "", onAir: "", caption: nil, wallClockMicroseconds: Int64($0)) }
        let stamped = try #require(StampedAccessUnit.inserting(many, into: accessUnit))
        #expect(StampedAccessUnit.stamps(in: stamped).count == StampedAccessUnit.maximumStamps)
    }
}

/// The hops a downstream site derives from the newest stamp of each upstream site.
@Suite struct HopTableTests {
    private func stamp(_ site: String, at clock: Int64, onAir: String = "heli-1") -> DelayStamp {
        DelayStamp(siteID: site, siteName: site.uppercased(), onAir: onAir, caption: nil, wallClockMicroseconds: clock)
    }

    @Test func hopsGoFarthestFirstWithEachHopsShareAndTheLinkOnTheLast() {
        var table = HopTable()
        // Received at 10 s: the prefecture stamped 330 ms before, the NPA 200 ms before.
        let changed = table.record([stamp("pref", at: 9_670_000), stamp("npa", at: 9_800_000)], at: 10_000_000)
        #expect(changed)
        let hops = table.hops(link: nil)
        #expect(hops.map(\.siteID) == ["pref", "npa"])
        #expect(hops.map(\.delayMilliseconds) == [330, 200])
        #expect(hops.map(\.hopDelayMilliseconds) == [130, 200])
    }

    @Test func stampsFromTheFarPastOrFutureGiveADelayNotATrap() {
        // An upstream clock is outside input: any 64-bit value must give a delay.
        var table = HopTable()
        table.record([stamp("past", at: .min), stamp("future", at: .max)], at: 10_000_000)
        let hops = table.hops(link: nil)
        #expect(hops.map(\.siteID) == ["past", "future"])
        #expect(hops.allSatisfy { $0.delayMilliseconds.isFinite && $0.hopDelayMilliseconds.isFinite })
        #expect(hops[0].delayMilliseconds > 0 && hops[1].delayMilliseconds < 0)
    }

    @Test func theNewestStampPerSiteIsKeptAndChangesAreReported() {
        var table = HopTable()
        table.record([stamp("pref", at: 1_000_000)], at: 1_100_000)
        let newer = table.record([stamp("pref", at: 2_000_000)], at: 2_100_000)
        #expect(!newer)
        // An older stamp (a repeated picture) is ignored.
        let older = table.record([stamp("pref", at: 1_500_000, onAir: "drone-1")], at: 2_200_000)
        #expect(!older)
        #expect(table.hops(link: nil).first?.onAir == "heli-1")
        let cut = table.record([stamp("pref", at: 3_000_000, onAir: "drone-1")], at: 3_100_000)
        #expect(cut)
        #expect(table.hops(link: nil).first?.onAir == "drone-1")
    }

    @Test func sitesAreBoundedAndStaleOnesExpire() {
        var table = HopTable()
        for site in 0..<20 { table.record([stamp("site-\(site)", at: Int64(site))], at: Int64(site) * 1000) }
        #expect(table.hops(link: nil).count == StampedAccessUnit.maximumStamps)
        let expired = table.expire(at: 19_000 + HopTable.staleAfterMicroseconds + 1)
        #expect(expired)
        #expect(table.hops(link: nil).isEmpty)
    }
}

/// Which stamps the program puts into its next picture.
@Suite struct ProgramStampingTests {
    private let start = ContinuousClock.now

    @Test func theSiteStampsOnceASecondAndAtOnceOnACutOrCaption() {
        var stamping = ProgramStamping(siteID: "npa", siteName: "警察庁")
        let at: [(Int, String, String?)] = [(0, "pref", nil), (500, "pref", nil), (600, "pref", "速報"), (1500, "pref", "速報"), (1600, "pref", "速報"), (1700, "heli-2", "速報")]
        let written = at.enumerated().map { index, step in
            stamping.stamps(at: start + .milliseconds(step.0), onAir: step.1, caption: step.2, wallClock: Int64(index))
        }
        #expect(written.map(\.count) == [1, 0, 1, 0, 1, 1])
        #expect(written[0].first?.siteID == "npa")
        #expect(written[2].first?.caption == "速報")
        #expect(written[5].first?.onAir == "heli-2")
    }

    @Test func upstreamStampsFromDecodedPicturesGoIntoTheNextPictureOnceNewestPerSite() {
        var stamping = ProgramStamping(siteID: "npa", siteName: "警察庁")
        _ = stamping.stamps(at: start, onAir: "pref", caption: nil, wallClock: 1)
        let old = DelayStamp(siteID: "pref", siteName: "P", onAir: "heli-1", caption: nil, wallClockMicroseconds: 10)
        let new = DelayStamp(siteID: "pref", siteName: "P", onAir: "heli-1", caption: nil, wallClockMicroseconds: 20)
        let loop = DelayStamp(siteID: "npa", siteName: "警察庁", onAir: "x", caption: nil, wallClockMicroseconds: 30)
        stamping.collect([new, loop])
        stamping.collect([old])
        let next = stamping.stamps(at: start + .milliseconds(10), onAir: "pref", caption: nil, wallClock: 2)
        #expect(next == [new])
        let after = stamping.stamps(at: start + .milliseconds(20), onAir: "pref", caption: nil, wallClock: 3)
        #expect(after.isEmpty)
    }
}
