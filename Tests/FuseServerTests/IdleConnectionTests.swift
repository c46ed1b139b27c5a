import Foundation
#if canImport(Glibc)
    import Glibc
#endif
import FuseServer
import Testing

/// A client that announces a body and never sends it cannot hold a connection: after `idleTimeout` of silence
/// the server closes it, and the server keeps answering others.
@Suite("Idle connections")
struct IdleConnectionTests {
    @Test("a request whose body stops arriving is closed after the idle timeout")
    func stalledBodyIsClosed() async throws {
        var limits = ServerConfiguration.Limits()
        limits.idleTimeout = .seconds(1)
        let server = try await TestServer.start(models: ["minilm=\(TestServer.miniLM)"], limits: limits)
        defer { Task { await server.stop() } }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(server.port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        #expect(connected == 0)
        let partial = "POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"input\": "
        _ = partial.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        let start = ContinuousClock.now
        var buffer = [UInt8](repeating: 0, count: 4096)
        var received = 0
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += count
        }
        let waited = ContinuousClock.now - start
        // Closed by the server (EOF), well before the 20 s receive timeout, and not before the idle timeout.
        #expect(waited >= .milliseconds(900) && waited < .seconds(15), "\(waited)")
        #expect(try await server.post("/v1/embeddings", json: ["input": "others are served"]).status == 200)
        _ = received
    }
}
