import LimpetHTTP
import LimpetRouting
import Testing
@testable import LimpetProxy

/// `Exchange` decides; these tests play the connection's part by hand, with no sockets and a clock they set.
@Suite struct ExchangeTests {
    let second: UInt64 = 1_000_000_000

    func get(keepAlive: Bool = true, http10: Bool = false, method: Method = .get, body: Bool = false,
             upgrade: Bool = false) -> Exchange.Request {
        var r = Exchange.Request()
        r.method = method
        r.keepAlive = keepAlive
        r.isHTTP10 = http10
        r.hasBody = body
        r.upgrade = upgrade
        return r
    }

    /// An exchange whose request head is out and whose response head is being read.
    func proxied(_ request: Exchange.Request, now: UInt64 = 0, writeTimeout: UInt64 = 0) -> Exchange {
        var e = Exchange()
        e.headBytesArrived(first: true, readTimeout: 5 * second, now: now)
        e.begin(request, writeTimeout: writeTimeout, now: now)
        e.dialling(timeout: second, now: now)
        e.connected()
        let r1 = e.sendingHead()
        #expect(r1)
        e.headSent()
        return e
    }

    @Test func keepAliveExchangeEndsWaitingForTheNextRequest() {
        var e = proxied(get())
        let r2 = e.requestFinished(responseHeaderTimeout: 0, now: 1)
        #expect(r2 == .wait)
        e.responseBytes()
        let r3 = e.responseHead(status: 200, framing: .length(2), keepAlive: true, draining: false)
        #expect(r3
                == .final(close: false, announceKeepAlive: false))
        let r4 = e.responseHeadSent()
        #expect(r4 == .body(startTunnel: false))
        e.responseFinished()
        #expect(e.bothDone && e.responseKeepAlive)
        let r5 = e.end(draining: false, buffered: false)
        #expect(r5
                == .awaitNext)
        #expect(e.awaitingHead && e.requestsServed == 1 && e.responsePhase == .idle && !e.closeAfterResponse)
        #expect(e.timers.step == nil && e.timers.writeDeadline == 0)  // the connection arms the idle timeout
    }

    @Test func pipelinedRequestIsParsedAtOnce() {
        var e = proxied(get())
        _ = e.requestFinished(responseHeaderTimeout: 0, now: 1)
        _ = e.responseHead(status: 200, framing: .none, keepAlive: true, draining: false)
        _ = e.responseHeadSent()
        e.responseFinished()
        let r6 = e.end(draining: false, buffered: true)
        #expect(r6
                == .nextBuffered)
    }

    @Test func connectionCloseFromEitherSideEndsTheConnection() {
        var e = proxied(get(keepAlive: false))
        _ = e.responseHead(status: 200, framing: .length(1), keepAlive: true, draining: false)
        #expect(e.closeAfterResponse)
        var f = proxied(get())
        let r7 = f.responseHead(status: 200, framing: .untilClose, keepAlive: true, draining: false)
        #expect(r7
                == .final(close: true, announceKeepAlive: false))
        #expect(!f.responseKeepAlive)
        _ = f.requestFinished(responseHeaderTimeout: 0, now: 0)
        _ = f.responseHeadSent()
        f.responseFinished()
        let r8 = f.end(draining: false, buffered: false)
        #expect(r8 == .close)
    }

    @Test func idempotentRequestIsRetriedOnceOnAStalePooledConnection() {
        var e = proxied(get())
        #expect(e.canRetry(reusedConnection: true))
        #expect(!e.canRetry(reusedConnection: false))  // a fresh connection that fails is the server's answer
        let r9 = e.retrying(delay: 0, now: 0)
        #expect(r9 == .dialNow)
        #expect(e.retried && e.responsePhase == .idle)
        #expect(!e.canRetry(reusedConnection: true))  // once
    }

    @Test func requestsWithBodiesOrNonIdempotentMethodsAreNotRetried() {
        #expect(!proxied(get(body: true)).canRetry(reusedConnection: true))
        #expect(!proxied(get(method: .post)).canRetry(reusedConnection: true))
        var started = proxied(get())
        started.responseBytes()
        #expect(!started.canRetry(reusedConnection: true))
    }

    @Test func writeFailureWaitsForTheResponseReadStillOut() {
        var e = proxied(get())
        let r10 = e.requestWriteFailed(reusedConnection: true, upstreamBusy: true)
        #expect(r10 == .awaitResponse)
        #expect(e.requestPhase == .done && e.closeAfterResponse)
        var idle = proxied(get())
        let r11 = idle.requestWriteFailed(reusedConnection: true, upstreamBusy: false)
        #expect(r11 == .retry)
        var fresh = proxied(get(method: .post))
        let r12 = fresh.requestWriteFailed(reusedConnection: false, upstreamBusy: false)
        #expect(r12
                == .retryWithPolicy(elseFail: true))
    }

    @Test func retryMiddlewareBacksOffBetweenAttempts() {
        var state = RetryState(policy: RetryPolicy(attempts: 3, initialInterval: .milliseconds(100)))
        var e = proxied(get(method: .post))
        #expect(e.policyMayRetry)
        let r13 = state.next()
        #expect(r13)
        e.policyRetries()
        let first = state.takeDelay()
        let r14 = state.takeDelay()
        #expect(first == 100_000_000 && r14 == 0)
        let r15 = e.retrying(delay: first, now: 1_000)
        #expect(r15 == .waitThenDial)
        #expect(e.requestPhase == .connecting && e.timers.step == .retryWait)
        let r16 = e.timerToArm()
        #expect(r16 == 1_000 + first)
        let r17 = e.timerFired(now: 1_000 + first, unparsed: false, buffered: true)
        #expect(r17 == .retryWaitOver)
        let r18 = state.next()
        let r19 = state.takeDelay()
        #expect(r18 && r19 == 200_000_000)  // doubles
        let r20 = state.next()
        #expect(!r20)  // three attempts in all
    }

    @Test func retryMiddlewareStopsOnceTheBodyStarted() {
        var e = proxied(get(method: .post, body: true))
        #expect(!e.policyMayRetry)  // the body is on its way: it cannot be sent whole again
        var before = Exchange()
        before.begin(get(method: .post, body: true), writeTimeout: 0, now: 0)
        before.dialling(timeout: second, now: 0)
        #expect(before.policyMayRetry)
        e = proxied(get())
        e.wait(.fail(status: 502))
        #expect(!e.policyMayRetry)
    }

    @Test func interimResponsesArePassedOnAndTheFinalHeadFollows() {
        var e = proxied(get(method: .post, body: true))
        e.responseBytes()
        let r21 = e.responseHead(status: 100, framing: .none, keepAlive: true, draining: false)
        #expect(r21 == .interim)
        let r22 = e.responseHeadSent()
        #expect(r22 == .readNextHead)
        #expect(e.responsePhase == .readingHead)
        let r23 = e.responseHead(status: 200, framing: .length(3), keepAlive: true, draining: false)
        #expect(r23
                == .final(close: false, announceKeepAlive: false))
    }

    @Test func interimResponsesAreNeverSentToAnHTTP10Client() {
        // RFC 9110 §15.2: a server must not send a 1xx to an HTTP/1.0 client; a proxy relaying one would.
        var e = proxied(get(http10: true, method: .post, body: true))
        let r1 = e.requestFinished(responseHeaderTimeout: 5 * second, now: 0)
        #expect(r1 == .wait)
        e.responseBytes()
        let skipped = e.responseHead(status: 100, framing: .none, keepAlive: true, draining: false)
        #expect(skipped == .skipInterim)
        #expect(e.responsePhase == .readingHead)
        // The final head is still awaited under the response-header deadline.
        let expired = e.timerFired(now: 6 * second, unparsed: false, buffered: false)
        #expect(expired == .responseHeader)
        var f = proxied(get(http10: true))
        f.responseBytes()
        let hint = f.responseHead(status: 103, framing: .none, keepAlive: true, draining: false)
        #expect(hint == .skipInterim)
        let final = f.responseHead(status: 200, framing: .length(2), keepAlive: true, draining: false)
        #expect(final == .final(close: false, announceKeepAlive: true))
    }

    @Test func earlyResponseBeforeTheRequestBodyIsRelayedAndTheExchangeWaitsForTheRequest() {
        // The server answers 413 while the request body is still being sent: the answer goes out, and the exchange
        // ends only once the request side is done (sent, or failed and closed).
        var e = proxied(get(method: .post, body: true))
        e.responseBytes()
        let r24 = e.responseHead(status: 413, framing: .length(0), keepAlive: false, draining: false)
        #expect(r24
                == .final(close: false, announceKeepAlive: false))
        #expect(!e.responseKeepAlive)
        let r25 = e.responseHeadSent()
        #expect(r25 == .body(startTunnel: false))
        e.responseFinished()
        #expect(!e.bothDone && e.requestPhase == .body)
        // The server stops reading: the body's send fails; nothing can be retried or answered any more.
        let r26 = e.requestWriteFailed(reusedConnection: false, upstreamBusy: false)
        #expect(r26
                == .retryWithPolicy(elseFail: false))
    }

    @Test func upgradeBecomesATunnelOnceTheUpgradeRequestIsOut() {
        var e = proxied(get(upgrade: true), writeTimeout: 5 * second)
        e.responseBytes()
        let r27 = e.responseHead(status: 101, framing: .tunnel, keepAlive: true, draining: false)
        #expect(r27
                == .final(close: false, announceKeepAlive: false))
        #expect(e.upgraded && !e.tunnelling)
        let r28 = e.responseHeadSent()
        #expect(r28 == .body(startTunnel: true))
        let r29 = e.startTunnel()
        #expect(!r29)  // the upgrade request is still going out
        let r30 = e.requestFinished(responseHeaderTimeout: second, now: 0)
        #expect(r30 == .startTunnel)
        let r31 = e.startTunnel()
        #expect(r31 && e.tunnelling && e.requestPhase == .body)
        #expect(e.timers.writeDeadline == 0)  // a tunnel lives as long as its peers talk
        // Each side's end is passed on as a half-close; the connection closes when both are done.
        e.responseFinished()
        #expect(!e.bothDone)
        _ = e.requestFinished(responseHeaderTimeout: 0, now: 0)
        #expect(e.bothDone)
        let r32 = e.end(draining: false, buffered: false)
        #expect(r32 == .close)
    }

    @Test func switchingProtocolsWithoutAnUpgradeRequestIsABadGateway() {
        var e = proxied(get())
        let r33 = e.responseHead(status: 101, framing: .none, keepAlive: true, draining: false)
        #expect(r33 == .unexpectedSwitch)
    }

    @Test func http10ClientsGetKeepAliveAnnouncedAndNoChunkedFraming() {
        var e = proxied(get(http10: true))
        let r34 = e.responseHead(status: 200, framing: .length(5), keepAlive: true, draining: false)
        #expect(r34
                == .final(close: false, announceKeepAlive: true))
        var chunked = proxied(get(http10: true))
        let r35 = chunked.responseHead(status: 200, framing: .chunked, keepAlive: true, draining: false)
        #expect(r35
                == .final(close: true, announceKeepAlive: false))
        var closing = proxied(get(keepAlive: false, http10: true))
        let r36 = closing.responseHead(status: 200, framing: .length(1), keepAlive: true, draining: false)
        #expect(r36
                == .final(close: true, announceKeepAlive: false))
    }

    @Test func readTimeoutAnswers408OnlyForAPartialHead() {
        var e = Exchange()
        e.setTimeout(.readHead, after: second, now: 0)
        let r37 = e.timerToArm()
        #expect(r37 == second)
        let r38 = e.timerFired(now: second - 1, unparsed: true, buffered: true)
        #expect(r38 == nil)  // early: nothing due
        let r39 = e.timerToArm()
        #expect(r39 == second)
        let r40 = e.timerFired(now: second, unparsed: true, buffered: true)
        #expect(r40 == .requestTimeout)
        var silent = Exchange()
        silent.setTimeout(.readHead, after: second, now: 0)
        _ = silent.timerToArm()
        let r41 = silent.timerFired(now: second, unparsed: false, buffered: false)
        #expect(r41 == .close)
    }

    @Test func idleKeepAliveConnectionTimesOutSilently() {
        var e = proxied(get())
        _ = e.requestFinished(responseHeaderTimeout: 0, now: 0)
        _ = e.responseHead(status: 204, framing: .none, keepAlive: true, draining: false)
        _ = e.responseHeadSent()
        e.responseFinished()
        _ = e.end(draining: false, buffered: false)
        e.setTimeout(.idle, after: 2 * second, now: 0)
        _ = e.timerToArm()
        let r42 = e.timerFired(now: 2 * second, unparsed: false, buffered: true)
        #expect(r42 == .close)
    }

    @Test func dialAndResponseHeaderTimeouts() {
        var e = Exchange()
        e.begin(get(), writeTimeout: 0, now: 0)
        e.dialling(timeout: second, now: 0)
        _ = e.timerToArm()
        let r43 = e.timerFired(now: second, unparsed: false, buffered: true)
        #expect(r43 == .dial)
        var f = proxied(get())
        let r44 = f.requestFinished(responseHeaderTimeout: 3 * second, now: 10)
        #expect(r44 == .wait)
        let r45 = f.timerToArm()
        #expect(r45 == 10 + 3 * second)
        let r46 = f.timerFired(now: 10 + 3 * second, unparsed: false, buffered: true)
        #expect(r46 == .responseHeader)
        var none = proxied(get())
        _ = none.requestFinished(responseHeaderTimeout: 0, now: 10)  // 0: no response-header timeout
        let r47 = none.timerToArm()
        #expect(r47 == nil)
    }

    @Test func writeTimeoutAnswers504BeforeTheResponseAndClosesDuringIt() {
        var e = proxied(get(), writeTimeout: 4 * second)
        _ = e.requestFinished(responseHeaderTimeout: 10 * second, now: 0)
        let r48 = e.timerToArm()
        #expect(r48 == 4 * second)  // the earlier of the two deadlines
        let r49 = e.timerFired(now: 4 * second, unparsed: false, buffered: true)
        #expect(r49 == .write(respond: true))
        let r50 = e.timerToArm()
        #expect(r50 == 10 * second)  // the step deadline still runs
        var f = proxied(get(), writeTimeout: 4 * second)
        _ = f.responseHead(status: 200, framing: .length(1 << 30), keepAlive: true, draining: false)
        _ = f.responseHeadSent()
        _ = f.timerToArm()
        let r51 = f.timerFired(now: 4 * second, unparsed: false, buffered: true)
        #expect(r51 == .write(respond: false))
    }

    @Test func aLaterDeadlineDoesNotArmASecondTimer() {
        var t = ExchangeTimers()
        t.set(.readHead, after: 1, now: 0)
        let r52 = t.toArm()
        #expect(r52 == 1)
        t.set(.dial, after: 5, now: 0)
        let r53 = t.toArm()
        #expect(r53 == nil)  // the armed timer fires first and finds the new deadline not due
        let r54 = t.fired(now: 1)
        #expect(r54 == nil)
        let r55 = t.toArm()
        #expect(r55 == 5)
        let r56 = t.fired(now: 5)
        #expect(r56 == .step(.dial))
        let r57 = t.toArm()
        #expect(r57 == nil)
    }

    @Test func gracefulShutdownClosesAfterTheExchange() {
        var e = proxied(get())
        let r58 = e.responseHead(status: 200, framing: .length(1), keepAlive: true, draining: true)
        #expect(r58
                == .final(close: true, announceKeepAlive: false))
        _ = e.requestFinished(responseHeaderTimeout: 0, now: 0)
        _ = e.responseHeadSent()
        e.responseFinished()
        let r59 = e.end(draining: true, buffered: true)
        #expect(r59 == .close)
        var idle = Exchange()
        #expect(idle.awaitingHead)  // the connection closes it at once when nothing of a next request is buffered
        let r60 = idle.respondLocally(close: false, draining: true)
        #expect(r60)  // a local answer while draining says close
    }

    @Test func upstreamFailureIsAnsweredOnceTheSocketIsQuiet() {
        var e = proxied(get())
        e.wait(.fail(status: 504))
        #expect(e.whenQuiet == .fail(status: 504) && e.timers.step == nil)
        e.upstreamFailed()
        #expect(e.whenQuiet == nil && e.requestPhase == .done)
        let r61 = e.respondLocally(close: true, draining: false)
        #expect(r61)
        let r62 = e.responseHeadSent()
        #expect(e.isLocal && r62 == .endExchange)
    }
}
