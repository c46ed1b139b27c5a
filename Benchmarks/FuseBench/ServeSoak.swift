import Foundation

/// The soak of `fuse-bench serve --soak N`: N requests over raw loopback sockets from 8 client threads, mixing
/// valid requests (whose vectors are checked against the same sentence embedded alone), malformed JSON, bodies
/// over the payload limit and clients that vanish mid-body. The server must answer every valid one correctly,
/// every bad one with its status, stay up, and keep its RSS within 10 % of where it started.
struct ServeSoak {
    let port: Int
    let sentences: [String]
    let expected: [[Float]]
    let payloadLimit: Int

    struct Outcome {
        var sent = 0
        var valid = 0
        var validCorrect = 0
        var malformed400 = 0
        var oversized413 = 0
        var abandoned = 0
        var unexpected: [String] = []
    }

    func run(requests: Int, threads: Int = 8) -> Outcome {
        let total = OutcomeBox()
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            var outcome = Outcome()
            var generator = SystemRandomNumberGenerator()
            let share = requests / threads + (thread < requests % threads ? 1 : 0)
            for index in 0..<share {
                outcome.sent += 1
                let kind = Int.random(in: 0..<10, using: &generator)
                let sentence = (thread * share + index) % sentences.count
                let valid = Array(#"{"input": \#(jsonString(sentences[sentence]))}"#.utf8)
                switch kind {
                case 0:
                    let reply = LoopbackHTTP.exchange(
                        port: port, path: "/v1/embeddings", body: Array(#"{"input": ["#.utf8))
                    if reply?.status == 400 { outcome.malformed400 += 1 } else { note(&outcome, "malformed", reply) }
                case 1:
                    let reply = LoopbackHTTP.exchange(
                        port: port, path: "/v1/embeddings", body: Array(valid.prefix(16)),
                        contentLength: payloadLimit + 1)
                    if reply?.status == 413 { outcome.oversized413 += 1 } else { note(&outcome, "oversized", reply) }
                case 2:
                    _ = LoopbackHTTP.exchange(
                        port: port, path: "/v1/embeddings", body: valid,
                        abandonAfter: valid.count / 2)
                    outcome.abandoned += 1
                default:
                    outcome.valid += 1
                    let reply = LoopbackHTTP.exchange(port: port, path: "/v1/embeddings", body: valid)
                    if reply?.status == 200, let vector = Self.vector(reply!.body),
                        zip(vector, expected[sentence]).allSatisfy({ abs($0 - $1) <= 1e-5 }),
                        vector.count == expected[sentence].count
                    {
                        outcome.validCorrect += 1
                    } else {
                        note(&outcome, "valid", reply)
                    }
                }
            }
            total.add(outcome)
        }
        return total.value
    }

    /// The threads' outcomes, summed under a lock.
    final class OutcomeBox: @unchecked Sendable {
        private let lock = NSLock()
        private var total = Outcome()

        func add(_ outcome: Outcome) {
            lock.withLock {
                total.sent += outcome.sent
                total.valid += outcome.valid
                total.validCorrect += outcome.validCorrect
                total.malformed400 += outcome.malformed400
                total.oversized413 += outcome.oversized413
                total.abandoned += outcome.abandoned
                total.unexpected += outcome.unexpected.prefix(5)
            }
        }

        var value: Outcome { lock.withLock { total } }
    }

    private func note(_ outcome: inout Outcome, _ kind: String, _ reply: LoopbackHTTP.Reply?) {
        outcome.unexpected.append(
            "\(kind): \(reply.map { "\($0.status) \(String(decoding: $0.body.prefix(200), as: UTF8.self))" } ?? "no reply")"
        )
    }

    static func vector(_ body: Data) -> [Float]? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let data = object["data"] as? [[String: Any]], let numbers = data.first?["embedding"] as? [NSNumber]
        else { return nil }
        return numbers.map { Float($0.doubleValue) }
    }
}

/// `text` as a JSON string literal.
func jsonString(_ text: String) -> String {
    String(decoding: try! JSONSerialization.data(withJSONObject: [text]), as: UTF8.self).dropFirst().dropLast()
        .description
}
