import Foundation
@testable import FuseTokenizers
import Testing

/// Added-token ids equal HF `tokenizers`' on tokenizer.json files whose `added_tokens` contradict themselves or the
/// vocabulary (fixtures: tools/reference/text_added_token_ids.py).
@Suite struct AddedTokenIDTests {
    struct Case: Decodable, CustomTestStringConvertible {
        let name: String
        let tokenizer: String
        let text: String
        let ids: [Int32]
        let token_to_id: [String: Int32?]
        let id_to_token: [String?]
        var testDescription: String { name }
    }

    static let cases: [Case] = {
        let url = TextFixtures.url("added_token_ids.json")
        return (try? JSONDecoder().decode([Case].self, from: Data(contentsOf: url))) ?? []
    }()

    @Test func everyCaseIsLoaded() {
        #expect(Self.cases.count == 7)
    }

    @Test(arguments: cases)
    func idsMatchHuggingFace(_ fixture: Case) throws {
        let tokenizer = try Tokenizer.fromJSON(Data(fixture.tokenizer.utf8))
        #expect(try tokenizer.encode(fixture.text, addSpecialTokens: false).ids == fixture.ids)
        for (content, id) in fixture.token_to_id {
            #expect(tokenizer.id(forToken: content) == id, "\(content)")
        }
        for (id, token) in fixture.id_to_token.enumerated() {
            #expect(tokenizer.token(forID: Int32(id)) == token, "id \(id)")
        }
    }
}
