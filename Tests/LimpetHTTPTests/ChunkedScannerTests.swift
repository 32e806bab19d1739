import Testing

@testable import LimpetHTTP

/// Where feeding a scanner stopped.
enum ChunkedOutcome: Equatable {
    /// The body ended this many bytes into the whole input.
    case done(Int)
    case failure
    /// Every byte was body and more is needed.
    case needMore
}

/// Feeds `bytes` to a fresh scanner in pieces of the given sizes (the last piece takes the rest).
func feed(_ bytes: [UInt8], pieces: [Int]) -> ChunkedOutcome {
    var scanner = ChunkedScanner()
    var offset = 0
    var sizes = pieces
    while offset < bytes.count {
        let size = sizes.isEmpty ? bytes.count - offset : min(sizes.removeFirst(), bytes.count - offset)
        let step = bytes[offset..<offset + size].withUnsafeBytes { scanner.scan($0) }
        switch step {
        case .consumed(let n):
            // All bytes of the piece must be body.
            if n != size { return .failure }
            offset += size
        case .done(let n):
            return n <= size ? .done(offset + n) : .failure
        case .failure:
            return .failure
        }
    }
    return .needMore
}

func feedWhole(_ bytes: [UInt8]) -> ChunkedOutcome { feed(bytes, pieces: [bytes.count]) }

func feedByteByByte(_ bytes: [UInt8]) -> ChunkedOutcome { feed(bytes, pieces: Array(repeating: 1, count: bytes.count)) }

func feedRandomly(_ bytes: [UInt8], seed: UInt64) -> ChunkedOutcome {
    var rng = SplitMix(seed: seed)
    var pieces: [Int] = []
    var total = 0
    while total < bytes.count {
        let n = Int.random(in: 0...9, using: &rng)
        pieces.append(n)
        total += n
    }
    return feed(bytes, pieces: pieces)
}

/// All the ways of feeding a body agree on `expected`.
func expectEveryway(_ text: String, _ expected: ChunkedOutcome, sourceLocation: SourceLocation = #_sourceLocation) {
    let bytes = Array(text.utf8)
    #expect(feedWhole(bytes) == expected, "whole", sourceLocation: sourceLocation)
    #expect(feedByteByByte(bytes) == expected, "byte by byte", sourceLocation: sourceLocation)
    for seed in UInt64(1)...40 {
        #expect(feedRandomly(bytes, seed: seed) == expected, "seed \(seed)", sourceLocation: sourceLocation)
    }
}

@Suite struct ChunkedScannerTests {
    static let body =
        "5\r\nhello\r\n"
        + "1A;name=value;flag ; q = \"quoted \\\" str\"\t;x\r\nabcdefghijklmnopqrstuvwxyz\r\n"
        + "0000a\r\n0123456789\r\n"
        + "1\r\n\r\r\n"
        + "0;last\r\nExpires: never\r\nX-Checksum:  abc \r\n\r\n"

    @Test func wholeBodyEndsBeforeTheNextMessage() {
        let bytes = Array((Self.body + "GET / HTTP/1.1\r\n").utf8)
        #expect(feedWhole(bytes) == .done(Self.body.utf8.count))
    }

    @Test func everySplitGivesTheSameResult() {
        let bytes = Array((Self.body + "NEXT").utf8)
        let expected = ChunkedOutcome.done(Self.body.utf8.count)
        #expect(feedByteByByte(bytes) == expected)
        for seed in UInt64(1)...300 {
            #expect(feedRandomly(bytes, seed: seed) == expected, "seed \(seed)")
        }
        // Every single split point.
        for cut in 0...bytes.count {
            #expect(feed(bytes, pieces: [cut]) == expected, "cut \(cut)")
        }
    }

    @Test func incompleteBodyNeedsMore() {
        let bytes = Array(Self.body.utf8)
        for n in 0..<bytes.count {
            #expect(feedWhole(Array(bytes[..<n])) == .needMore, "prefix \(n)")
        }
    }

    @Test func minimalBodies() {
        expectEveryway("0\r\n\r\n", .done(5))
        expectEveryway("A\r\n0123456789\r\n0\r\n\r\n", .done(20))
        expectEveryway("f\r\n0123456789abcde\r\n0\r\n\r\n", .done(25))
    }

    @Test(arguments: [
        "5;a\r\n", "5;a=b\r\n", "5;a=\"\"\r\n", "5;a=\"q \\\" s\"\r\n", "5 ; a = b ;c\r\n", "5\t;a\r\n",
        "5;a=b;c=\"d\";e\r\n", "5;a=\"x\" ;b\r\n", "5;a=\"caf\u{e9}\"\r\n", "5;!#$%&'*+-.^_`|~=x\r\n",
    ])
    func validExtensions(sizeLine: String) {
        expectEveryway(sizeLine + "hello\r\n0\r\n\r\n", .done(sizeLine.utf8.count + 12))
    }

    @Test func trailersEndWithTheEmptyLine() {
        let text = "3\r\nabc\r\n0\r\nA: 1\r\nB-c:\r\nD:\tx y\u{e9}\r\n\r\n"
        expectEveryway(text + "rest", .done(text.utf8.count))
    }

    /// Size lines that must be rejected; each is followed by otherwise valid data and the last chunk.
    static let badSizeLines = [
        // chunk size
        "\r\n", "g\r\n", "-5\r\n", "+5\r\n", "0x5\r\n", " 5\r\n", "5 \r\n", "5\t\r\n", "5\n", "5\r\r\n",
        "4000000000000001\r\n", "FFFFFFFFFFFFFFFF\r\n", "10000000000000000\r\n",
        // extensions
        "5;\r\n", "5;=x\r\n", "5;a=\r\n", "5;a b\r\n", "5;a=b c\r\n", "5;a=\"x\r\n", "5;a=\"x\"y\r\n",
        "5;a=\"x\\\u{1}\"\r\n", "5;a \r\n", "5;a=b \r\n", "5;a=b;\r\n", "5;@\r\n", "5;a=@\r\n", "5;a=\"x\u{7f}\"\r\n",
        "5;a\n", "5 x\r\n", "5;a=b\r\r\n",
    ]

    @Test(arguments: badSizeLines)
    func malformedSizeLine(line: String) {
        expectEveryway(line + "hello\r\n0\r\n\r\n", .failure)
    }

    @Test(arguments: [
        // data and the CRLF after it
        "5\r\nhello\n0\r\n\r\n", "5\r\nhelloX\r\n0\r\n\r\n", "5\r\nhello\r0\r\n\r\n", "5\r\nhello\r\r\n0\r\n\r\n",
        "5\r\nhell\r\n\r\n0\r\n\r\n", "5\r\nhello0\r\n\r\n",
        // trailers and the final CRLF
        "0\r\n folded\r\n\r\n", "0\r\nX : y\r\n\r\n", "0\r\nNoColon\r\n\r\n", "0\r\nX: a\u{0}\r\n\r\n",
        "0\r\nX: a\n\r\n", "0\r\n\r\r\n", "0\r\n\rX\r\n", "0\r\n: v\r\n\r\n", "0\r\nX: a\r\r\n\r\n", "0\r\n\n",
        "0\r\nX: a\r\n\n", "0\n\r\n", "0\r\nX: \u{7f}\r\n\r\n", "0\r\nX(: a\r\n\r\n",
    ])
    func malformedBody(text: String) {
        expectEveryway(text, .failure)
    }

    @Test func validSizeLinesForComparison() {
        // The malformed size lines above differ from these by one defect each.
        for line in ["5\r\n", "0000000000000005\r\n", "5;a=b\r\n", "5 ;a\r\n", "5;a=\"x\\\u{9}\"\r\n"] {
            expectEveryway(line + "hello\r\n0\r\n\r\n", .done(line.utf8.count + 12))
        }
    }

    /// `chunk-size = 1*HEXDIG`: leading zeros are valid however many there are (issue 17: 17 or more were
    /// refused); the value still bounds the size and the line length bounds the zeros.
    @Test func leadingZerosAreAccepted() {
        for zeros in [16, 17, 100, 4000] {
            let line = String(repeating: "0", count: zeros) + "5\r\n"
            expectEveryway(line + "hello\r\n0\r\n\r\n", .done(line.utf8.count + 12))
        }
        expectEveryway(String(repeating: "0", count: 40) + "4000000000000001\r\nx", .failure)
        let last = String(repeating: "0", count: 30) + "\r\n\r\n"
        expectEveryway(last, .done(last.utf8.count))
        expectEveryway(String(repeating: "0", count: ChunkedScanner.maxLineLength + 1) + "5\r\nhello\r\n0\r\n\r\n", .failure)
    }

    @Test func largestChunkSize() throws {
        var scanner = ChunkedScanner()
        let step = Array("4000000000000000\r\n".utf8).withUnsafeBytes { scanner.scan($0) }
        #expect(step == .consumed(18))
        #expect(scanner.dataRemaining == 1 << 62)
        var sixteen = ChunkedScanner()
        let digits = Array("000000000000000F\r\n".utf8).withUnsafeBytes { sixteen.scan($0) }
        #expect(digits == .consumed(18))
        #expect(sixteen.dataRemaining == 15)
    }

    @Test func trailerLineLengthIsBounded() {
        let limit = ChunkedScanner.maxLineLength
        let fits = "0\r\nX: " + String(repeating: "a", count: limit - 3) + "\r\n\r\n"
        #expect(feedWhole(Array(fits.utf8)) == .done(fits.utf8.count))
        let tooLong = "0\r\nX: " + String(repeating: "a", count: limit - 2) + "\r\n\r\n"
        #expect(feedWhole(Array(tooLong.utf8)) == .failure)
        #expect(feedRandomly(Array(tooLong.utf8), seed: 7) == .failure)
    }

    @Test func sizeLineLengthIsBounded() {
        let limit = ChunkedScanner.maxLineLength
        let fits = "1;a=" + String(repeating: "b", count: limit - 4) + "\r\nx\r\n0\r\n\r\n"
        #expect(feedWhole(Array(fits.utf8)) == .done(fits.utf8.count))
        let tooLong = "1;a=" + String(repeating: "b", count: limit - 3) + "\r\nx\r\n0\r\n\r\n"
        #expect(feedWhole(Array(tooLong.utf8)) == .failure)
    }

    @Test func skipDataAcrossChunks() {
        var scanner = ChunkedScanner()
        #expect(scanner.dataRemaining == 0)
        #expect(Array("5\r\nhel".utf8).withUnsafeBytes { scanner.scan($0) } == .consumed(6))
        #expect(scanner.dataRemaining == 2)
        scanner.skipData(1)
        #expect(scanner.dataRemaining == 1)
        scanner.skipData(1)
        #expect(scanner.dataRemaining == 0)
        #expect(Array("\r\n10\r\n".utf8).withUnsafeBytes { scanner.scan($0) } == .consumed(6))
        #expect(scanner.dataRemaining == 16)
        scanner.skipData(16)
        #expect(!scanner.isDone)
        #expect(Array("\r\n0\r\n\r\nNEXT".utf8).withUnsafeBytes { scanner.scan($0) } == .done(7))
        #expect(scanner.isDone)
        #expect(Array("NEXT".utf8).withUnsafeBytes { scanner.scan($0) } == .done(0))
    }

    @Test func skippingIntoTheCRLFStillChecksIt() {
        var scanner = ChunkedScanner()
        #expect(Array("3\r\n".utf8).withUnsafeBytes { scanner.scan($0) } == .consumed(3))
        scanner.skipData(3)
        #expect(Array("XY".utf8).withUnsafeBytes { scanner.scan($0) } == .failure)
        // A failed scanner stays failed.
        #expect(Array("\r\n".utf8).withUnsafeBytes { scanner.scan($0) } == .failure)
    }

    @Test func emptyInputConsumesNothing() {
        var scanner = ChunkedScanner()
        #expect(scanner.scan(UnsafeRawBufferPointer(start: nil, count: 0)) == .consumed(0))
        #expect(Array("5\r\n".utf8).withUnsafeBytes { scanner.scan($0) } == .consumed(3))
    }
}
