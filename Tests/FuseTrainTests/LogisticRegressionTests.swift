import Foundation
import FuseTestSupport
import Testing

@testable import FuseTrain

/// The stage-2 head against sklearn's `LogisticRegression()` (tools/reference/setfit_head.py → setfit/head.json):
/// coef_ and intercept_ within 1e-4, predict_proba within 1e-5, over binary and 3–5-class cases and several seeds.
@Suite struct LogisticRegressionTests {
    struct Case: Decodable {
        let name: String
        let embeddings: [[Float]]
        let labels: [Int]
        let coef: [[Double]]
        let intercept: [Double]
        let iterations: Int
        let coef_optimum: [[Double]]
        let intercept_optimum: [Double]
        let test_embeddings: [[Float]]
        let test_probabilities: [[Double]]

        var classCount: Int { Set(labels).count }
    }

    struct Fixture: Decodable { let cases: [Case] }

    static let fixture: Fixture = {
        let data = try! Data(contentsOf: FixturePaths.url("setfit/head.json"))
        return try! JSONDecoder().decode(Fixture.self, from: data)
    }()

    static let names = fixture.cases.map(\.name)

    static func reference(_ name: String) -> Case { fixture.cases.first { $0.name == name }! }

    static func worst(_ a: [[Double]], _ b: [[Double]]) -> Double {
        guard a.count == b.count else { return .infinity }
        return zip(a, b).map { worst($0, $1) }.max() ?? 0
    }

    static func worst(_ a: [Double], _ b: [Double]) -> Double {
        guard a.count == b.count else { return .infinity }
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    @Test(arguments: names)
    func matchesSklearnDefaultFit(name: String) throws {
        let reference = Self.reference(name)
        let head = try LogisticRegression().fit(
            embeddings: reference.embeddings, labels: reference.labels, classCount: reference.classCount)
        #expect(head.iterations == reference.iterations, "\(name): L-BFGS iterations (sklearn n_iter_)")
        #expect(Self.worst(head.coefficients, reference.coef) <= 1e-4, "\(name): coef_")
        #expect(Self.worst(head.intercepts, reference.intercept) <= 1e-4, "\(name): intercept_")
        let probabilities = try head.predictProbabilities(reference.test_embeddings)
        #expect(Self.worst(probabilities, reference.test_probabilities) <= 1e-5, "\(name): predict_proba")
    }

    @Test(arguments: names)
    func convergesToTheExactOptimum(name: String) throws {
        let reference = Self.reference(name)
        var solver = LBFGS()
        solver.gradientTolerance = 1e-10
        solver.maxIterations = 10_000
        let head = try LogisticRegression(solver: solver).fit(
            embeddings: reference.embeddings, labels: reference.labels, classCount: reference.classCount)
        #expect(Self.worst(head.coefficients, reference.coef_optimum) <= 1e-6, "\(name): coef at the optimum")
        #expect(Self.worst(head.intercepts, reference.intercept_optimum) <= 1e-6, "\(name): intercept at the optimum")
    }

    @Test func refusesASingleClass() {
        #expect(throws: SetFitError.self) {
            try LogisticRegression().fit(embeddings: [[1, 0], [0, 1]], labels: [0, 0], classCount: 2)
        }
    }

    @Test func refusesRaggedEmbeddingsAndOutOfRangeLabels() {
        #expect(throws: SetFitError.self) {
            try LogisticRegression().fit(embeddings: [[1, 0], [0]], labels: [0, 1], classCount: 2)
        }
        #expect(throws: SetFitError.self) {
            try LogisticRegression().fit(embeddings: [[1, 0], [0, 1]], labels: [0, 2], classCount: 2)
        }
    }

    @Test func headRefusesAnEmbeddingOfTheWrongWidth() throws {
        let head = try LogisticRegressionHead(coefficients: [[1, 2]], intercepts: [0], classCount: 2)
        #expect(throws: SetFitError.self) { try head.predictProbabilities([[1, 2, 3]]) }
    }
}
