extension Duration {
    /// The duration in whole nanoseconds, for monotonic-clock arithmetic; negative durations count as 0 (the
    /// configuration rejects them, and 0 keeps meaning "no limit" where Traefik says so).
    public var wholeNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        return seconds < 0 ? 0 : UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }
}
