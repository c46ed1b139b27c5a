import ArgumentParser
import Foundation
import Fuse
import FuseTokenizers
import TextBPE

/// `fuse tokenize`: token ids of text lines (or texts of id lines with `--decode`), one JSON array per line, as
/// Hugging Face tokenizers gives them.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids of each input line (or each TEXT) as a JSON array, one per output line.",
        discussion: """
            Inputs are the TEXT arguments, else the lines of --file, else the lines of standard input (a final
            line break ends the last line; a CR before it is dropped). Special tokens ([CLS]/[SEP],
            <|startoftext|>/<|endoftext|>, …) are added as the tokenizer's post-processor says, unless --no-special.
            The tokenizer file's own truncation and padding are not applied: every token of a line is printed.
            With --decode each input line is a list of ids ("[101, 7592, 102]" or "101 7592 102") and the output
            is its text; special tokens are dropped unless --keep-special.
            """)

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A tokenizer.json, vocab.json (+ merges.txt), vocab.txt, CLIP's "
                + "bpe_simple_vocab_16e6.txt(.gz), or a model folder.", valueName: "PATH"))
    var tokenizer: String

    @Option(name: .long, help: ArgumentHelp("Read input lines from this UTF-8 file.", valueName: "FILE"))
    var file: String?

    @Flag(name: .long, help: "Do not add the tokenizer's special tokens.")
    var noSpecial = false

    @Flag(name: .long, help: "Turn lines of ids back into text.")
    var decode = false

    @Flag(name: .long, help: "With --decode: keep special tokens in the text.")
    var keepSpecial = false

    @Flag(name: .long, help: "Replace invalid UTF-8 in the input with U+FFFD instead of failing.")
    var replaceInvalidUTF8 = false

    @Argument(help: "Texts to tokenize (or id lists with --decode).")
    var texts: [String] = []

    func validate() throws {
        if file != nil && !texts.isEmpty { throw ValidationError("give TEXT arguments or --file, not both") }
        if keepSpecial && !decode { throw ValidationError("--keep-special applies to --decode only") }
    }

    func run() throws {
        var tokenizer = try Tokenizer.load(fileOrModelFolder: URL(fileURLWithPath: self.tokenizer))
        tokenizer.truncation = nil
        tokenizer.padding = nil
        let lines = try inputLines()
        let output = LineWriter()
        if decode {
            for (index, line) in lines.enumerated() {
                let ids = try Self.parseIDs(line, line: index + 1)
                if let unknown = ids.first(where: { tokenizer.token(forID: $0) == nil }) {
                    throw TokenizeInputError(
                        message: "input line \(index + 1): id \(unknown) is not in the "
                            + "tokenizer's vocabulary of \(tokenizer.vocabSize) ids")
                }
                output.write(tokenizer.decode(ids, skipSpecialTokens: !keepSpecial))
            }
        } else {
            // Batches keep memory bounded on large files while both cores encode.
            let batch = 4096
            for start in stride(from: 0, to: lines.count, by: batch) {
                let slice = Array(lines[start..<min(start + batch, lines.count)])
                for encoding in try tokenizer.encodeBatch(slice, addSpecialTokens: !noSpecial) {
                    output.write("[" + encoding.ids.map(String.init).joined(separator: ",") + "]")
                }
            }
        }
        output.flush()
    }

    private func inputLines() throws -> [String] {
        if !texts.isEmpty { return texts }
        let reader = TextFileReader(invalidUTF8: replaceInvalidUTF8 ? .replace : .reject)
        let text: String
        if let file {
            text = try reader.read(contentsOf: URL(fileURLWithPath: file))
        } else {
            text = try reader.text(from: FileHandle.standardInput.readDataToEndOfFile(), source: "standard input")
        }
        // "\r\n" is one Character in Swift, so both separators are named.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// Ids from `[1, 2, 3]` or `1 2 3`; `line` names the input line in errors.
    static func parseIDs(_ text: String, line: Int) throws -> [Int32] {
        let body = text.trimmingCharacters(in: .whitespaces)
        let inner = body.hasPrefix("[") && body.hasSuffix("]") ? String(body.dropFirst().dropLast()) : body
        return try inner.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }).map { field in
            guard let id = Int32(field), id >= 0 else {
                throw TokenizeInputError(
                    message: "input line \(line): '\(field)' is not a token id (a non-negative "
                        + "integer)")
            }
            return id
        }
    }
}

/// A line of `--decode` input that is not a list of known token ids.
struct TokenizeInputError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Buffers stdout lines and writes them in large blocks.
private final class LineWriter {
    private var buffer: [UInt8] = []

    func write(_ line: String) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 20 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}
