import Crypto

/// Traefik-compatible sticky cookie names and values (SPEC §5.1).
public enum CookieNaming {
    /// `"_" + hex(sha1("_TRAEFIK_BACKEND_" + name))[0..<5]`: `app@file` → `_fb0b0`.
    public static func defaultName(qualifiedService: String) -> String {
        let digest = Insecure.SHA1.hash(data: Array(("_TRAEFIK_BACKEND_" + qualifiedService).utf8))
        return "_" + String(hex(Array(digest)).prefix(5))
    }

    /// Every character that is not an ASCII letter or digit and not one of ``!#$%&'*+-.^`|~`` becomes `_`.
    public static func sanitize(_ name: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(name.unicodeScalars.count)
        for scalar in name.unicodeScalars {
            out.unicodeScalars.append(isTokenScalar(scalar) ? scalar : "_")
        }
        return out
    }

    static func isTokenScalar(_ s: Unicode.Scalar) -> Bool {
        switch s {
        case "a"..."z", "A"..."Z", "0"..."9": return true
        case "!", "#", "$", "%", "&", "'", "*", "+", "-", ".", "^", "`", "|", "~": return true
        default: return false
        }
    }

    /// `hex(sha256(url))[0..<16]`: `http://127.0.0.1:8081` → `08d5f409490f61fc`.
    public static func value(url: String) -> String {
        String(hex(Array(SHA256.hash(data: Array(url.utf8)))).prefix(16))
    }

    /// `hex(HMAC-SHA256(secret, url))[0..<16]` (SPEC §5.2; not used yet).
    public static func value(url: String, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(url.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return String(hex(Array(mac)).prefix(16))
    }

    /// FNV-1a 64-bit hash as 16 lower-case hex digits.
    public static func fnv1a64Hex(_ s: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            hash ^= UInt64(b)
            hash &*= 0x0000_0100_0000_01b3
        }
        return padded(hash)
    }

    /// FNV-1 64-bit hash in lower-case hex *without* leading zeros: the form older Traefik versions
    /// wrote into sticky cookies (`strconv.FormatUint(fnv.New64().Sum64(), 16)`).
    public static func fnv164Hex(_ s: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            hash &*= 0x0000_0100_0000_01b3
            hash ^= UInt64(b)
        }
        return String(hash, radix: 16)
    }

    static func padded(_ v: UInt64) -> String {
        let digits = String(v, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
