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

@Suite struct AccessPolicyTests {
    let policy = AccessPolicy(configuration: RelayConfiguration(
        sources: [
            SourceConfiguration(id: "heli-1", kind: .helicopter, label: "heli"),
            SourceConfiguration(id: "drone-1", kind: .drone, label: "drone", passphrase: "drone-secret-1"),
            SourceConfiguration(id: "secure-1", kind: .mobile, label: "secure", allowedUsers: ["team-a"]),
        ],
        users: [
            UserConfiguration(name: "team-a", passphrase: "team-a-secret", publish: ["secure-1", "heli-1"], request: []),
            UserConfiguration(name: "hq", passphrase: "hq-secret-123", request: ["program"]),
            UserConfiguration(name: "team-b", publish: ["*"]),
        ],
        program: ProgramAccess(allowedUsers: ["hq"])))

    private func code(_ text: String) -> RejectCode? {
        if case .failure(let code) = policy.decide(text) { return code }
        return nil
    }

    @Test func refusesEachCaseWithTheSpecCode() {
        #expect(code("garbage") == .badRequest)
        #expect(code("#!::r=nowhere,m=publish") == .notFound)
        #expect(code("#!::r=program,m=publish,u=hq") == .badMode)
        #expect(code("#!::r=secure-1,m=publish") == .unauthorized)
        #expect(code("#!::r=secure-1,m=publish,u=stranger") == .unauthorized)
        #expect(code("#!::r=secure-1,m=publish,u=hq") == .forbidden)
        #expect(code("#!::r=secure-1,m=publish,u=team-b") == .forbidden, "a grant for * still needs the source's user list")
        #expect(code("#!::r=program,m=request") == .unauthorized)
        #expect(code("#!::r=program,m=request,u=team-a") == .forbidden)
    }

    @Test func grantsCarryTheRightPassphrase() throws {
        #expect(try policy.decide("#!::r=heli-1,m=publish").get().passphrase == nil)
        #expect(try policy.decide("#!::r=drone-1,m=publish").get().passphrase == "drone-secret-1")
        #expect(try policy.decide("#!::r=heli-1,m=publish,u=team-a").get().passphrase == "team-a-secret")
        #expect(try policy.decide("#!::r=program,m=request,u=hq").get().passphrase == "hq-secret-123")
    }
}
