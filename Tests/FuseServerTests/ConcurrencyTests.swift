import Foundation
@testable import FuseServer
import FuseTestSupport
import Testing

/// Dynamic batching under concurrent clients: batches mix requests, but every client gets its own vector.
@Suite("Concurrent clients")
struct ConcurrencyTests {
    @Test("32 concurrent clients get the vectors sequential requests get (≤ 1e-6: batches pad differently)")
    func concurrentEqualsSequential() async throws {
        let server = try await TestServer.shared.value
        let sentences = (0..<32).map { index in
            "Client \(index) asks about " + String(repeating: "things ", count: 1 + index % 7) + "today."
        }
        var sequential: [[Float]] = []
        for sentence in sentences {
            sequential += embeddings(of: try await server.post("/v1/embeddings", json: ["input": sentence]))
        }
        let concurrent = try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            for (index, sentence) in sentences.enumerated() {
                group.addTask {
                    let reply = try await server.post("/v1/embeddings", json: ["input": sentence])
                    return (index, embeddings(of: reply).first ?? [])
                }
            }
            var vectors = [[Float]](repeating: [], count: sentences.count)
            for try await (index, vector) in group { vectors[index] = vector }
            return vectors
        }
        #expect(sequential.count == 32)
        let worst = zip(sequential, concurrent).map { maxAbsDifference($0, $1) }.max() ?? .infinity
        #expect(worst <= 1e-6, "max abs difference \(worst)")
        let metrics = String(decoding: try await server.get("/metrics").body, as: UTF8.self)
        #expect(metrics.contains("fuse_batch_size_bucket"))
    }

    @Test("a batch runs in length groups: cut where padding would pass 25 % of real tokens, 8 to 32 sequences each")
    func lengthGroups() {
        #expect(BatchQueue.lengthGroups([5]) == [0..<1])
        #expect(BatchQueue.lengthGroups(Array(repeating: 10, count: 70)) == [0..<32, 32..<64, 64..<70])
        #expect(
            BatchQueue.lengthGroups(Array(repeating: 8, count: 8) + Array(repeating: 40, count: 8)) == [0..<8, 8..<16])
        #expect(BatchQueue.lengthGroups([2, 50]) == [0..<2])  // fewer than 8 are never split
        #expect(BatchQueue.lengthGroups(Array(20...29)) == [0..<10])  // 29 × 10 = 290 ≤ 1.25 × 245
    }

    @Test("/v1/fuse: late mean of text and image equals the mean of their /v1/embeddings vectors; early fusion runs")
    func fuseRoute() async throws {
        let server = try await TestServer.shared.value
        let image = try dataURI(
            TestServer.repository.appendingPathComponent("samples/images/cat.png").path,
            mime: "image/png")
        let text = "a cat"
        let parts =
            embeddings(of: try await server.post("/v1/embeddings", json: ["model": "fuse-mini", "input": text]))
            + embeddings(
                of: try await server.post(
                    "/v1/embeddings",
                    json: [
                        "model": "fuse-mini", "modality": "image",
                        "input": image,
                    ]))
        let inputs: [[String: Any]] = [
            ["modality": "text", "content": text], ["modality": "image", "content": image],
        ]
        let late = try await server.post("/v1/fuse", json: ["model": "fuse-mini", "inputs": inputs])
        #expect(late.status == 200)
        let fused = (late.object["embedding"] as? [NSNumber] ?? []).map { Float($0.doubleValue) }
        var mean = zip(parts[0], parts[1]).map { $0 + $1 }
        let norm = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
        mean = mean.map { $0 / norm }
        #expect(maxAbsDifference(fused, mean) <= 1e-6)
        #expect(late.object["strategy"] as? String == "mean")
        let weighted = try await server.post(
            "/v1/fuse",
            json: [
                "model": "fuse-mini", "inputs": inputs,
                "strategy": "weighted", "weights": [2, 1],
            ])
        #expect(weighted.status == 200 && weighted.object["weights"] as? [Double] != nil)
        let early = try await server.post(
            "/v1/fuse",
            json: [
                "model": "fuse-mini", "inputs": inputs, "fusion": "early",
                "dimensions": 32,
            ])
        #expect(early.status == 200 && (early.object["embedding"] as? [Any])?.count == 32)
        #expect(early.object["fusion"] as? String == "early")
    }
}
