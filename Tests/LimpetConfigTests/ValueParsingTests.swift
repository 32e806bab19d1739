import LimpetConfig
import Testing

@Suite struct ValueParsingTests {
    @Test(arguments: [
        ("250ms", Duration.milliseconds(250)), ("10s", .seconds(10)), ("1m30s", .seconds(90)), ("1h", .seconds(3600)),
        ("1.5s", .milliseconds(1500)), ("0", .zero), ("0s", .zero), ("60", .seconds(60)), ("0.5", .milliseconds(500)),
        ("100us", .microseconds(100)), ("100µs", .microseconds(100)), ("5ns", .nanoseconds(5)), ("2h45m", .seconds(9900)),
    ])
    func durations(text: String, expected: Duration) throws {
        #expect(try ValueParsing.duration(text).get() == expected)
    }

    @Test(arguments: ["", "10x", "s", "1.2.3s", "-5s", "ten", "1d", "10 s"])
    func badDurations(text: String) {
        #expect(throws: ValueParsing.Problem.self) { try ValueParsing.duration(text).get() }
    }

    @Test(arguments: [
        ("16384", 16384), ("64KiB", 65536), ("1MiB", 1_048_576), ("16kib", 16384), ("1GiB", 1 << 30),
        ("64KB", 64000), ("1MB", 1_000_000), ("512B", 512), ("64 KiB", 65536), ("1.5KiB", 1536),
    ])
    func sizes(text: String, expected: Int) throws {
        #expect(try ValueParsing.size(text).get() == expected)
    }

    @Test(arguments: ["", "KiB", "12XB", "-1", "1.3B"])
    func badSizes(text: String) {
        #expect(throws: ValueParsing.Problem.self) { try ValueParsing.size(text).get() }
    }

    @Test func addresses() throws {
        let any = try ValueParsing.address(":8000").get()
        #expect(any.host == nil && any.port == 8000)
        let v4 = try ValueParsing.address("127.0.0.1:8000").get()
        #expect(v4.host == "127.0.0.1" && v4.port == 8000)
        let v6 = try ValueParsing.address("[::1]:8000").get()
        #expect(v6.host == "::1" && v6.port == 8000)
        let tcp = try ValueParsing.address(":80/tcp").get()
        #expect(tcp.port == 80)
        for bad in ["8000", ":0", ":70000", "::1:80", "[::1]", ":80/udp", "a:b"] {
            #expect(throws: ValueParsing.Problem.self, "\(bad)") { try ValueParsing.address(bad).get() }
        }
    }
}
