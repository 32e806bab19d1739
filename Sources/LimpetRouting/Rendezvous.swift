#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Weighted rendezvous (highest-random-weight) hashing, SPEC §5.2: every Limpet process with the same
/// configuration sends the same key to the same candidate, and removing a candidate moves only its keys.
///
/// The hash is fixed and process-independent (never Swift's randomly seeded `Hasher`). It is part of the
/// wire contract of a running fleet: changing any constant below moves sessions between servers, so the
/// fixed vectors in `RendezvousTests` must keep passing unchanged.
///
/// - `fnv1a64(bytes)`: FNV-1a 64-bit — offset basis `0xcbf29ce484222325`, prime `0x100000001b3`,
///   `h = (h ^ byte) &* prime` for each byte in order.
/// - `mix64(x)`: the SplitMix64 finalizer —
///   `x ^= x >> 30; x &*= 0xbf58476d1ce4e5b9; x ^= x >> 27; x &*= 0x94d049bb133111eb; x ^= x >> 31`.
/// - `seed(identity) = mix64(fnv1a64(UTF-8 of identity))`, once per candidate at snapshot build.
/// - For a request key: `k = fnv1a64(key bytes)` once, then per candidate `h = mix64(k ^ seed)`.
/// - `u = (Double(h >> 12) + 0.5) / 2^52`, exactly computed, so `u` ∈ [2^-53, 1 - 2^-53] ⊂ (0, 1).
/// - `score = weight / -ln(u)`; the highest score wins, ties go to the lower index. Between candidates of
///   equal weight the score order is the order of `h >> 12` (the logarithm is monotonic), so that
///   comparison is done on the integers: exact, and independent of the C library's `log`.
public enum Rendezvous {
    /// The per-candidate seed from its identity: the server URL exactly as configured, or the child
    /// service name as written. Compute it once when the snapshot is built.
    public static func seed(_ key: String) -> UInt64 {
        var hash = fnvOffset
        for byte in key.utf8 {
            hash = (hash ^ UInt64(byte)) &* fnvPrime
        }
        return mix64(hash)
    }

    /// The eligible candidate with weight > 0 that scores highest for `key`; nil when there is none.
    /// `seeds` and `weights` are per candidate (same length). Never allocates.
    public static func pick(key: UnsafeRawBufferPointer, seeds: [UInt64], weights: [Int],
                            isEligible: (Int) -> Bool) -> Int? {
        var keyHash = fnvOffset
        for byte in key {
            keyHash = (keyHash ^ UInt64(byte)) &* fnvPrime
        }
        var best = -1
        var bestWeight = 0
        var bestBits: UInt64 = 0
        var bestScore = 0.0
        for i in 0..<min(seeds.count, weights.count) {
            let weight = weights[i]
            guard weight > 0, isEligible(i) else { continue }
            let bits = mix64(keyHash ^ seeds[i]) >> 12
            if best < 0 {
                best = i
                bestWeight = weight
                bestBits = bits
                bestScore = score(bits: bits, weight: weight)
            } else if weight == bestWeight {
                if bits > bestBits {
                    best = i
                    bestBits = bits
                    // Same weight: the score follows the bits; keep it for later unequal-weight comparisons.
                    bestScore = score(bits: bits, weight: weight)
                }
            } else {
                let s = score(bits: bits, weight: weight)
                if s > bestScore {
                    best = i
                    bestWeight = weight
                    bestBits = bits
                    bestScore = s
                }
            }
        }
        return best < 0 ? nil : best
    }

    /// `weight / -ln(u)` with `u = (bits + 0.5) / 2^52`, `bits < 2^52`.
    static func score(bits: UInt64, weight: Int) -> Double {
        let u = (Double(bits) + 0.5) * 0x1p-52
        return Double(weight) / -log(u)
    }

    static let fnvOffset: UInt64 = 0xcbf2_9ce4_8422_2325
    static let fnvPrime: UInt64 = 0x0000_0100_0000_01b3

    /// The SplitMix64 finalizer (Stafford's "Mix13"): a bijection with full avalanche.
    @inline(__always)
    static func mix64(_ value: UInt64) -> UInt64 {
        var x = value
        x ^= x >> 30
        x &*= 0xbf58_476d_1ce4_e5b9
        x ^= x >> 27
        x &*= 0x94d0_49bb_1331_11eb
        x ^= x >> 31
        return x
    }
}
