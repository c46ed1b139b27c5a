import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// A blocking HTTP/1.1 exchange over a raw TCP socket to 127.0.0.1, one request per connection — the soak's client,
/// which must also send what no HTTP library sends: malformed bodies, lying Content-Length headers and requests
/// abandoned mid-body.
enum LoopbackHTTP {
    /// What came back: the status and the body (nil when the connection failed or gave no status line).
    struct Reply {
        let status: Int
        let body: Data
        /// The Content-Length header, when there is one.
        var contentLength: Int? = nil
    }

    /// Sends `head` + `body` to 127.0.0.1:`port`. With `abandonAfter`, only that many body bytes are sent and the
    /// connection is closed without reading (a client that disconnects mid-body). Otherwise reads until the server
    /// closes (requests carry `Connection: close`).
    static func exchange(
        port: Int, method: String = "POST", path: String, body: [UInt8],
        contentLength: Int? = nil, abandonAfter: Int? = nil, timeoutSeconds: Int = 60
    ) -> Reply? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return nil }
        let head =
            "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(contentLength ?? body.count)\r\nConnection: close\r\n\r\n"
        let sentBody = abandonAfter.map { Array(body.prefix($0)) } ?? body
        guard sendAll(fd, Array(head.utf8) + sentBody) else { return nil }
        if abandonAfter != nil { return nil }
        // Read until the response is complete by its Content-Length (or the server closes): a server that answers
        // early (413 on the announced length) need not wait for a body that will never come.
        var received = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(fd, &chunk, chunk.count, 0)
            if count <= 0 { break }
            received.append(contentsOf: chunk[0..<count])
            if let reply = parse(received), let length = reply.contentLength, reply.body.count >= length {
                return reply
            }
        }
        return parse(received)
    }

    private static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    /// Status line and body of a response with Content-Length (what Hummingbird sends for these routes).
    static func parse(_ bytes: [UInt8]) -> Reply? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard bytes.count >= 12,
            let end = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<($0 + 4)]) == separator })
        else {
            return nil
        }
        let head = String(decoding: bytes[0..<end], as: UTF8.self)
        let parts = head.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "") }
        return Reply(status: status, body: Data(bytes[(end + 4)...]), contentLength: length)
    }
}
