import ArgumentParser
import Foundation
import Fuse
import FuseServer

/// `fuse serve`: an HTTP server with OpenAI- and TEI-compatible embedding routes (see docs/SERVE.md).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve embeddings over HTTP (OpenAI /v1/embeddings, TEI /embed, /v1/fuse, /v1/describe).",
        discussion: """
            Several models in one server: repeat --model; requests pick one with "model": NAME (the first is the
            default). Images and sounds come as data:<mime>;base64,… URIs; the server never reads a file path or
            fetches a URL named in a request. /health answers 503 until every model is loaded. SIGTERM or SIGINT
            stop new connections and finish the requests in flight (up to --shutdown-timeout). See docs/SERVE.md.
            """)

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A model to serve: [NAME=]DIR or [NAME=]ORG/NAME from the Hugging Face "
                + "cache; NAME defaults to the folder's name. Repeat for several.",
            valueName: "[NAME=]MODEL"))
    var model: [String] = []

    @Option(name: .long, help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "The port to listen on (0: any free port).")
    var port = 8080

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Require Authorization: Bearer KEY on every route but /health and /metrics "
                + "(also read from FUSE_API_KEY).", valueName: "KEY"))
    var apiKey: String?

    @Option(name: .long, help: "Tokens (longest sequence × sequences) one forward pass may hold.")
    var maxBatchTokens = ServerConfiguration.Limits().maxBatchTokens

    @Option(name: .long, help: "Sequences one forward pass may hold.")
    var maxBatchRequests = ServerConfiguration.Limits().maxBatchRequests

    @Option(name: .long, help: "Requests served at once; more get 429.")
    var maxConcurrentRequests = ServerConfiguration.Limits().maxConcurrentRequests

    @Option(name: .long, help: "Largest request body in bytes; larger gets 413.")
    var payloadLimit = ServerConfiguration.Limits().payloadLimit

    @Option(name: .long, help: "Most items in one request.")
    var maxInputs = ServerConfiguration.Limits().maxInputs

    @Option(name: .long, help: "Most tokens of one text item (over all its windows); more gets 413.")
    var maxItemTokens = ServerConfiguration.Limits().maxItemTokens

    @Option(name: .long, help: "Most pixels (width × height) of one image; more gets 413.")
    var maxImagePixels = ServerConfiguration.Limits().maxImagePixels

    @Option(name: .long, help: "Longest audio item in seconds; longer gets 413.")
    var maxAudioSeconds = ServerConfiguration.Limits().maxAudioSeconds

    @Option(name: .long, help: "Seconds a request may take, queueing included; then 503.")
    var requestTimeout = 60.0

    @Option(name: .long, help: "Seconds SIGTERM/SIGINT wait for in-flight requests.")
    var shutdownTimeout = 30.0

    @Option(name: .long, help: "Seconds a connection may stay silent before it is closed.")
    var idleTimeout = 30.0

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A caption bank for /v1/describe: MODEL=FILE, one caption per line "
                + "(repeatable; default: captions.txt in the model's folder, if any).",
            valueName: "MODEL=FILE"))
    var captions: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A concat projection /v1/fuse requests may name: NAME=FILE, a safetensors "
                + "file with weight [out, n·D] and optional bias (repeatable).",
            valueName: "NAME=FILE"))
    var projection: [String] = []

    @OptionGroup var precision: PrecisionOption

    @OptionGroup var audioAs: AudioAsOption

    @OptionGroup var download: DownloadOption

    @OptionGroup var quiet: QuietFlag<QuietHelp>

    enum QuietHelp: OptionHelp { static let help = "No access log (one line per request on stderr)." }

    func validate() throws {
        guard !model.isEmpty else { throw ValidationError("give at least one model with --model [NAME=]DIR") }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be in 0…65535, got \(port)") }
        guard requestTimeout > 0, idleTimeout > 0, shutdownTimeout >= 0 else {
            throw ValidationError(
                "--request-timeout and --idle-timeout must be positive, --shutdown-timeout not negative")
        }
    }

    func run() async throws {
        var limits = ServerConfiguration.Limits()
        limits.maxBatchTokens = maxBatchTokens
        limits.maxBatchRequests = maxBatchRequests
        limits.maxConcurrentRequests = maxConcurrentRequests
        limits.payloadLimit = payloadLimit
        limits.maxInputs = maxInputs
        limits.maxItemTokens = maxItemTokens
        limits.maxImagePixels = maxImagePixels
        limits.maxAudioSeconds = maxAudioSeconds
        limits.requestTimeout = .milliseconds(Int64(requestTimeout * 1000))
        limits.shutdownTimeout = .milliseconds(Int64(shutdownTimeout * 1000))
        limits.idleTimeout = .milliseconds(Int64(idleTimeout * 1000))
        let key = apiKey ?? ProcessInfo.processInfo.environment["FUSE_API_KEY"]
        try await download.prepare(try model.map { try ModelSpec(parsing: $0).location }, quiet: quiet.isSet)
        var configuration = ServerConfiguration(
            models: try model.map(ModelSpec.init(parsing:)), host: host, port: port,
            apiKey: key.flatMap { $0.isEmpty ? nil : $0 }, limits: limits, quiet: quiet.isSet,
            precision: try precision.value())
        switch audioAs.audioAs {
        case "audio": configuration.audio = .audioTower
        case "text":
            configuration.audio = .transcribed(speechModel: try AudioAsOption.speechFolder(audioAs.speechModel))
        default: configuration.audio = .asConfigured
        }
        for argument in captions {
            let (name, file) = try Self.namedFile(argument, option: "--captions")
            configuration.captionBanks[name] = file
        }
        for argument in projection {
            let (name, file) = try Self.namedFile(argument, option: "--projection")
            do { configuration.projections[name] = try FusionProjection.load(file) } catch {
                throw ValidationError("--projection \(argument): \(error)")
            }
        }
        do {
            try configuration.validate()
        } catch let error as ServeSetupError {
            throw ValidationError(ErrorAdvice.message(for: error) ?? "\(error)")
        }
        let server = FuseServer(configuration: configuration)
        let names = configuration.models.map(\.name).joined(separator: ", ")
        try await server.run { port in
            printError(
                "fuse serve: listening on http://\(host):\(port) (models: "
                    + names + "; /health is 503 until loaded)")
        }
    }

    /// Splits `NAME=FILE`, checking the file exists.
    static func namedFile(_ argument: String, option: String) throws -> (String, URL) {
        guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex,
            argument.index(after: equals) != argument.endIndex
        else {
            throw ValidationError("\(option) takes NAME=FILE, got '\(argument)'")
        }
        let file = URL(fileURLWithPath: String(argument[argument.index(after: equals)...]))
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw ValidationError("\(option) \(argument): no file at \(file.path)")
        }
        return (String(argument[..<equals]), file)
    }
}
