import FuseModels
import Testing

@Suite struct RepositoryReferenceTests {
    @Test func readsRepositoryAndOptionalRevision() throws {
        let plain = try #require(RepositoryReference("sentence-transformers/all-MiniLM-L6-v2"))
        #expect(plain.repository == "sentence-transformers/all-MiniLM-L6-v2")
        #expect(plain.pinnedRevision == nil)
        #expect(plain.revision == "main")
        #expect(plain.name == "all-MiniLM-L6-v2")
        #expect(plain.description == "sentence-transformers/all-MiniLM-L6-v2")

        let pinned = try #require(RepositoryReference("openai/whisper-tiny.en@v1.2_rc"))
        #expect(pinned.repository == "openai/whisper-tiny.en")
        #expect(pinned.pinnedRevision == "v1.2_rc")
        #expect(pinned.revision == "v1.2_rc")
        #expect(pinned.name == "whisper-tiny.en")
        #expect(pinned.description == "openai/whisper-tiny.en@v1.2_rc")

        // Only the first `@` separates: a revision may itself hold one (a ref name), the repository may not.
        #expect(RepositoryReference("a/b@c@d")?.pinnedRevision == "c@d")
    }

    @Test(arguments: [
        "", "name", "org/", "/name", "org/name/extra", "org//name", "./name", "org/..", "-org/name", "org/na me",
        "org/name@", "@main", "org/näme?", "models/x.y@", "~/models/x",
    ])
    func refusesWhatIsNotARepositoryID(spec: String) {
        #expect(RepositoryReference(spec) == nil)
    }
}
