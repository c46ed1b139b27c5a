import Crypto

/// SHA-256 (FIPS 180-4) as lowercase hex, through swift-crypto (BoringSSL's implementation, with the CPU's SHA
/// extensions where it has them): fingerprints corpora, tokenizer pairs and settings in FuseLLM's manifests and
/// caches, LENS's vocabulary caches, and verifies blobs downloaded from the Hugging Face Hub against their ETag.
///
/// ```swift
/// var sha = SHA256()
/// sha.update("abc")
/// sha.finalizeHex()   // "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// ```
public struct SHA256: Sendable {
    private var hasher = Crypto.SHA256()

    public init() {}

    /// Adds bytes to the message (contiguous storage such as `Data` or `[UInt8]` is hashed in place).
    public mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        let hashed: Void? = bytes.withContiguousStorageIfAvailable { hasher.update(bufferPointer: .init($0)) }
        if hashed == nil { Array(bytes).withUnsafeBytes { hasher.update(bufferPointer: $0) } }
    }

    /// Adds a string's UTF-8 bytes to the message.
    public mutating func update(_ string: String) { update(Array(string.utf8)) }

    /// Adds raw bytes to the message (for large buffers such as tensors).
    public mutating func update(bytes raw: UnsafeRawBufferPointer) { hasher.update(bufferPointer: raw) }

    /// The digest as 64 lowercase hex digits.
    public mutating func finalizeHex() -> String {
        hasher.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
