#if canImport(Glibc)
import Glibc
#endif
import LimpetRouting
import Testing

@Suite struct NetworkTests {
    @Test func resolveNumericAndNames() throws {
        let v4 = try SocketAddress.resolve(host: "127.0.0.1", port: 9001)
        #expect(v4.family == AF_INET)
        #expect(v4.description == "127.0.0.1:9001")
        let v6 = try SocketAddress.resolve(host: "::1", port: 80)
        #expect(v6.family == AF_INET6)
        #expect(v6.description == "[::1]:80")
        let local = try SocketAddress.resolve(host: "localhost", port: 8080)
        #expect(local.port == 8080)
        #expect(throws: SocketAddress.ResolveError.self) {
            try SocketAddress.resolve(host: "no-such-host.invalid", port: 80)
        }
    }

    @Test func loopbackAddresses() throws {
        for host in ["127.0.0.1", "127.9.8.7", "::1", "::ffff:127.0.0.1"] {
            #expect(try SocketAddress.resolve(host: host, port: 80).isLoopback, "\(host)")
        }
        for host in ["10.0.0.1", "128.0.0.1", "0.0.0.0", "::", "::2", "fe80::1", "::ffff:10.0.0.1", "::127.0.0.1"] {
            #expect(try !SocketAddress.resolve(host: host, port: 80).isLoopback, "\(host)")
        }
    }

    @Test func serverURLs() throws {
        let a = try ServerDef.parseURL("http://127.0.0.1:9001").get()
        #expect(a.host == "127.0.0.1" && a.port == 9001 && a.authority == "127.0.0.1:9001" && a.path == "")
        let b = try ServerDef.parseURL("http://[::1]:8080/").get()
        #expect(b.host == "::1" && b.port == 8080 && b.authority == "[::1]:8080" && b.path == "/")
        let c = try ServerDef.parseURL("HTTP://whoami").get()
        #expect(c.host == "whoami" && c.port == 80)
        for bad in ["127.0.0.1:80", "https://a:443", "http://:80", "http://a:99999", "http://::1:80", "http://[::1"] {
            #expect(throws: ServerDef.URLError.self, "\(bad)") { try ServerDef.parseURL(bad).get() }
        }
    }

    @Test func ipRanges() throws {
        let ten = try IPRange(parsing: "10.0.0.0/8")
        #expect(ten.contains(try SocketAddress.resolve(host: "10.200.1.2", port: 1)))
        #expect(!ten.contains(try SocketAddress.resolve(host: "11.0.0.1", port: 1)))
        #expect(ten.contains(try SocketAddress.resolve(host: "::ffff:10.1.2.3", port: 1)))
        let one = try IPRange(parsing: "127.0.0.1")
        #expect(one.contains(try SocketAddress.resolve(host: "127.0.0.1", port: 1)))
        #expect(!one.contains(try SocketAddress.resolve(host: "127.0.0.2", port: 1)))
        let loop6 = try IPRange(parsing: "::1")
        #expect(loop6.contains(try SocketAddress.resolve(host: "::1", port: 1)))
        #expect(!loop6.contains(try SocketAddress.resolve(host: "127.0.0.1", port: 1)))
        let ula = try IPRange(parsing: "fd00::/8")
        #expect(ula.contains(try SocketAddress.resolve(host: "fd12:3456::1", port: 1)))
        #expect(!ula.contains(try SocketAddress.resolve(host: "fe80::1", port: 1)))
        let odd = try IPRange(parsing: "192.168.1.130/25")
        #expect(odd.network == [192, 168, 1, 128])
        #expect(try IPRange(parsing: "0.0.0.0/0").contains(try SocketAddress.resolve(host: "8.8.8.8", port: 1)))
        for bad in ["10.0.0.0/33", "10.0.0", "::1/129", "abc", "", "10.0.0.0/x"] {
            #expect(throws: IPRange.ParseError.self, "\(bad)") { try IPRange(parsing: bad) }
        }
    }
}
