/// What a balancer knows of its members (the servers of a load balancer, or the children of a weighted service)
/// at the moment it decides: health, drain state and load, as the proxy's per-loop state says for this request.
public protocol BalancerMembers {
    /// Can take a new session: weight > 0, up, not draining.
    func takesNewSessions(_ member: Int) -> Bool
    /// Can keep a session pinned to it: up, and not past its drain deadline.
    func keepsSessions(_ member: Int) -> Bool
    /// Draining: keeps its sessions until the deadline but takes no new ones.
    func isDraining(_ member: Int) -> Bool
    /// Requests in flight (`p2c`, `leasttime`).
    func inFlight(_ member: Int) -> Int
    /// Moving average of the time to the first response byte, 0 when not measured yet (`leasttime`).
    func averageTTFB(_ member: Int) -> Double
}

/// The request facts a balancer reads, looked up only when the decision needs them.
public protocol BalancedRequest {
    /// The sticky cookie in the request's `Cookie` headers: what it names, and the `Cookie` header it is in.
    func cookie(_ sticky: StickyCookie) -> (StickyCookie.Match, UnsafeRawBufferPointer)?
    /// The value of the first header called `name`, when present and not empty (`sticky.header`).
    func header(named name: String) -> UnsafeRawBufferPointer?
    /// The client IP's text (`hrw`).
    func withClientIP<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R
}

/// Why a balancer chose its member: what the proxy does with the response cookie, and what metrics count.
public enum Choice: Equatable, Sendable {
    /// A valid cookie names a member that keeps sessions. `refresh`: the value is a legacy form, so the response
    /// sets the canonical one.
    case pinned(Int, refresh: Bool)
    /// A valid cookie names a draining member before its deadline: the session stays there, and `next` (chosen by
    /// rendezvous hashing of the cookie value among members that take new sessions) is where it moves if this
    /// request cannot be served.
    case draining(Int, refresh: Bool, next: Int?)
    /// The cookie names a member that is down, past its drain deadline or gone, or no member at all: the session
    /// moves by weighted rendezvous hashing of the cookie's value, so every replica moves it to the same member.
    case failover(Int)
    /// No cookie; `sticky.header`'s value pinned the client by rendezvous hashing.
    case header(Int)
    /// The service's strategy (`wrr`, `p2c`, `leasttime`, `hrw`) chose: a new session.
    case strategy(Int)

    /// The member chosen.
    public var member: Int {
        switch self {
        case .pinned(let m, _), .draining(let m, _, _), .failover(let m), .header(let m), .strategy(let m): return m
        }
    }

    /// Whether the response sets the member's sticky cookie (on a sticky service).
    public var setsCookie: Bool {
        switch self {
        case .pinned(_, let refresh), .draining(_, let refresh, _): return refresh
        case .failover, .header, .strategy: return true
        }
    }
}

/// SPEC §5: one service's choice of member, per event loop. A valid sticky cookie pins; a cookie naming a member
/// that cannot keep its session moves by rendezvous hashing of its value (the same on every replica);
/// `sticky.header` pins cookie-less clients the same way; everything else goes to the strategy. Pure: the proxy
/// hands in what it knows of the members and the request and applies the `Choice`; tested without sockets
/// (`BalancerTests`).
///
/// `@inlinable` so that the proxy's calls are specialized for its member and request types: a balancing decision
/// is on every request's path and must cost no more than the code it replaced.
public struct Balancer: Sendable {
    public let strategy: LoadBalancingStrategy
    public let sticky: StickyCookie?
    public let stickyHeader: String?
    /// Rendezvous seeds (from each member's identity: server URL or child name) and weights, per member.
    public let seeds: [UInt64]
    public let weights: [Int]
    /// Smooth WRR position, carried over reloads for members that stay.
    public var roundRobin: SmoothWeightedRoundRobin

    public init(strategy: LoadBalancingStrategy, sticky: StickyCookie?, stickyHeader: String?, keys: [String],
                weights: [Int], roundRobin: [Int] = []) {
        self.strategy = strategy
        self.sticky = sticky
        self.stickyHeader = stickyHeader
        seeds = keys.map(Rendezvous.seed)
        self.weights = weights
        self.roundRobin = SmoothWeightedRoundRobin(weights: weights, current: roundRobin)
    }

    public var count: Int { weights.count }

    /// The member for a request; nil when none can take it.
    @inlinable @inline(__always)  // merged into the proxy's caller: no call, no spilling of its arguments
    public mutating func choose<M: BalancerMembers, R: BalancedRequest>(_ members: M, for request: R,
                                                                        random: inout FastRandom) -> Choice? {
        // A local function, never `members.takesNewSessions` as a value: a partially applied method allocates its
        // context on every call (callgrind found one malloc per request that way).
        func takesNew(_ i: Int) -> Bool { members.takesNewSessions(i) }
        if let sticky, let (match, header) = request.cookie(sticky) {
            if case .server(let i, let canonical) = match, i < count, members.keepsSessions(i) {
                guard members.isDraining(i) else { return .pinned(i, refresh: !canonical) }
                let next = Rendezvous.pick(key: Self.cookieValue(sticky, in: header), seeds: seeds, weights: weights,
                                           isEligible: takesNew)
                return .draining(i, refresh: !canonical, next: next)
            }
            guard let moved = Rendezvous.pick(key: Self.cookieValue(sticky, in: header), seeds: seeds,
                                              weights: weights, isEligible: takesNew) else { return nil }
            return .failover(moved)
        }
        if let stickyHeader, let value = request.header(named: stickyHeader),
           let pinned = Rendezvous.pick(key: value, seeds: seeds, weights: weights,
                                        isEligible: takesNew) {
            return .header(pinned)
        }
        let chosen: Int?
        switch strategy {
        case .wrr:
            chosen = roundRobin.next(isEligible: takesNew)
        case .p2c:
            chosen = PowerOfTwoChoices.pick(count: count, random: &random, load: { members.inFlight($0) },
                                            isEligible: takesNew)
        case .leasttime:
            let weights = weights
            chosen = LeastTime.pick(count: count, averageTTFB: { members.averageTTFB($0) },
                                    inFlight: { members.inFlight($0) },
                                    weight: { weights[$0] }, isEligible: takesNew)
        case .hrw:
            chosen = request.withClientIP {
                Rendezvous.pick(key: $0, seeds: seeds, weights: weights, isEligible: takesNew)
            }
        }
        return chosen.map { .strategy($0) }
    }

    /// For the `retry` middleware: another member than `failed`, which could not be reached. A sticky service moves
    /// the session by rendezvous hashing of the failed member's cookie value (every replica moves it alike), others
    /// ask their round robin. Nil when no other member can take the request.
    @inlinable
    public mutating func alternative<M: BalancerMembers>(to failed: Int, _ members: M) -> Int? {
        func eligible(_ i: Int) -> Bool { i != failed && members.takesNewSessions(i) }
        if let sticky, failed < sticky.values.count {
            return sticky.values[failed].withUnsafeBytes {
                Rendezvous.pick(key: $0, seeds: seeds, weights: weights, isEligible: eligible)
            }
        }
        return roundRobin.next(isEligible: eligible)
    }

    /// The bytes of the cookie's value in its `Cookie` header: the key a moved session hashes. Only needed off the
    /// common path, so not found with the cookie.
    @inlinable
    static func cookieValue(_ sticky: StickyCookie, in header: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let range = sticky.value(inCookieHeader: header) ?? 0..<0
        return UnsafeRawBufferPointer(rebasing: header[range])
    }
}
