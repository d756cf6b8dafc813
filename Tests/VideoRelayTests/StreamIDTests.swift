import Testing
@testable import VideoRelay

@Suite struct StreamIDTests {
    @Test func readsResourceModeAndUser() throws {
        let id = try StreamID.parse("#!::r=heli-1,m=publish,u=crew")
        #expect(id == StreamID(resource: "heli-1", mode: .publish, user: "crew"))
    }

    @Test func modeDefaultsToRequestAsTheSpecSays() throws {
        #expect(try StreamID.parse("#!::r=program").mode == .request)
    }

    @Test func ignoresKeysTheRelayDoesNotUse() throws {
        let id = try StreamID.parse("#!::t=stream,r=drone-1,s=abc,m=request,h=relay.example")
        #expect(id.resource == "drone-1")
        #expect(id.mode == .request)
    }

    @Test func refusesWhatIsNotTheAccessControlSyntax() {
        #expect(throws: StreamID.ParseError.missingPrefix) { try StreamID.parse("heli-1") }
        #expect(throws: StreamID.ParseError.malformedPair("junk")) { try StreamID.parse("#!::r=a,junk") }
        #expect(throws: StreamID.ParseError.duplicateKey("r")) { try StreamID.parse("#!::r=a,r=b") }
        #expect(throws: StreamID.ParseError.missingResource) { try StreamID.parse("#!::m=publish") }
        #expect(throws: StreamID.ParseError.unknownMode("play")) { try StreamID.parse("#!::r=a,m=play") }
    }

    @Test func textRoundTrips() throws {
        let id = StreamID(resource: "mobile-1", mode: .publish, user: "team")
        #expect(try StreamID.parse(id.text) == id)
    }
}
