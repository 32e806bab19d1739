import LimpetRouting
import Testing

@Suite struct StickyCookieTests {
    let urls = ["http://127.0.0.1:9001", "http://127.0.0.1:9002", "http://127.0.0.1:8081"]

    @Test func valuesPerServer() {
        let c = StickyCookie(name: "_fb0b0", keys: urls)
        #expect(c.values.map { String(decoding: $0, as: UTF8.self) }
                == ["b52e7b55edbbb02e", "11d6e234bea9522d", "08d5f409490f61fc"])
    }

    @Test func setCookieDefaults() {
        let c = StickyCookie(name: "_fb0b0", keys: urls)
        #expect(c.line(2) == "Set-Cookie: _fb0b0=08d5f409490f61fc; Path=/\r\n")
    }

    @Test func setCookieEveryAttributeInGoOrder() {
        let c = StickyCookie(name: "sticky", secure: true, httpOnly: true, sameSite: "lax", maxAge: 3600,
                             path: "/app", domain: ".example.com", keys: urls)
        #expect(c.line(2)
                == "Set-Cookie: sticky=08d5f409490f61fc; Path=/app; Domain=example.com; Max-Age=3600; HttpOnly; Secure; SameSite=Lax\r\n")
    }

    @Test(arguments: [
        ("none", "; SameSite=None"), ("NONE", "; SameSite=None"), ("Lax", "; SameSite=Lax"),
        ("STRICT", "; SameSite=Strict"), ("strict", "; SameSite=Strict"), ("", ""), ("default", ""), ("bogus", ""),
    ])
    func sameSiteIsCaseInsensitive(input: String, attribute: String) {
        let c = StickyCookie(name: "s", sameSite: input, keys: urls)
        #expect(c.line(0) == "Set-Cookie: s=b52e7b55edbbb02e; Path=/\(attribute)\r\n")
    }

    @Test func maxAge() {
        #expect(StickyCookie(name: "s", maxAge: 0, keys: urls).line(0) == "Set-Cookie: s=b52e7b55edbbb02e; Path=/\r\n")
        #expect(StickyCookie(name: "s", maxAge: -1, keys: urls).line(0)
                == "Set-Cookie: s=b52e7b55edbbb02e; Path=/; Max-Age=0\r\n")
        #expect(StickyCookie(name: "s", maxAge: 60, keys: urls).line(0)
                == "Set-Cookie: s=b52e7b55edbbb02e; Path=/; Max-Age=60\r\n")
    }

    @Test func secureAndHttpOnlyAlone() {
        #expect(StickyCookie(name: "s", secure: true, keys: urls).line(0)
                == "Set-Cookie: s=b52e7b55edbbb02e; Path=/; Secure\r\n")
        #expect(StickyCookie(name: "s", httpOnly: true, keys: urls).line(0)
                == "Set-Cookie: s=b52e7b55edbbb02e; Path=/; HttpOnly\r\n")
        #expect(StickyCookie(name: "s", secure: true, sameSite: "None", keys: urls).line(0)
                == "Set-Cookie: s=b52e7b55edbbb02e; Path=/; Secure; SameSite=None\r\n")
    }

    @Test func pathAndDomainFollowGo() {
        // Empty path: no attribute; invalid bytes dropped.
        #expect(StickyCookie(name: "s", path: "", keys: urls).line(0) == "Set-Cookie: s=b52e7b55edbbb02e\r\n")
        #expect(StickyCookie(name: "s", path: "/a;b", keys: urls).line(0) == "Set-Cookie: s=b52e7b55edbbb02e; Path=/ab\r\n")
        // Domain: leading dot dropped; IPv4 kept; invalid names and IPv6 dropped.
        #expect(StickyCookie(name: "s", domain: "example.com", keys: urls).line(0)
                == "Set-Cookie: s=b52e7b55edbbb02e; Path=/; Domain=example.com\r\n")
        #expect(StickyCookie(name: "s", domain: "10.1.2.3", keys: urls).line(0)
                == "Set-Cookie: s=b52e7b55edbbb02e; Path=/; Domain=10.1.2.3\r\n")
        for invalid in ["exa mple.com", "::1", "-a.com", "a..com", "a_b.com", "123"] {
            #expect(StickyCookie(name: "s", domain: invalid, keys: urls).line(0)
                    == "Set-Cookie: s=b52e7b55edbbb02e; Path=/\r\n", "domain \(invalid)")
        }
    }

    @Test func nameIsSanitised() {
        #expect(StickyCookie(name: "my cookie", keys: urls).name == "my_cookie")
    }

    @Test func findCanonical() {
        let c = StickyCookie(name: "_fb0b0", keys: urls)
        #expect(c.find("_fb0b0=08d5f409490f61fc") == .server(2, canonical: true))
        #expect(c.find("a=1; _fb0b0=b52e7b55edbbb02e; b=2") == .server(0, canonical: true))
        #expect(c.find("a=1;_fb0b0=11d6e234bea9522d") == .server(1, canonical: true))
        #expect(c.find("  _fb0b0=\"11d6e234bea9522d\"  ; x=y") == .server(1, canonical: true))
    }

    @Test func findLegacyForms() {
        let c = StickyCookie(name: "_fb0b0", keys: urls)
        #expect(c.find("_fb0b0=http://127.0.0.1:8081") == .server(2, canonical: false))
        #expect(c.find("_fb0b0=75327ea3b04bcda5") == .server(2, canonical: false))  // FNV-1a
        #expect(c.find("_fb0b0=5a1cc52f3f46040d") == .server(2, canonical: false))  // FNV-1 (Traefik)
        #expect(c.find("_fb0b0=7d49894b220072d2") == .server(2, canonical: false))  // FNV-1 of FNV-1
        let short = StickyCookie(name: "s", keys: ["http://10.0.14.1:8000"])
        #expect(short.find("s=4314c5f0ea2a096") == .server(0, canonical: false))
    }

    @Test func findMissingOrUnknown() {
        let c = StickyCookie(name: "_fb0b0", keys: urls)
        #expect(c.find("") == .absent)
        #expect(c.find("a=1; b=2") == .absent)
        #expect(c.find("_fb0b0x=08d5f409490f61fc; x_fb0b0=08d5f409490f61fc") == .absent)
        #expect(c.find("_FB0B0=08d5f409490f61fc") == .absent)  // names are case-sensitive
        #expect(c.find("_fb0b0=0000000000000000") == .unknown)
        #expect(c.find("_fb0b0=") == .unknown)
        #expect(c.find("_fb0b0") == .unknown)
        #expect(c.find("_fb0b0=08D5F409490F61FC") == .unknown)
    }

    @Test func firstValidPairWins() {
        let c = StickyCookie(name: "_fb0b0", keys: urls)
        #expect(c.find("_fb0b0=b52e7b55edbbb02e; _fb0b0=08d5f409490f61fc") == .server(0, canonical: true))
        #expect(c.find("_fb0b0=zz; _fb0b0=08d5f409490f61fc") == .unknown)
        // An invalid value (a backslash) is skipped as Go skips it.
        #expect(c.find("_fb0b0=a\\b; _fb0b0=08d5f409490f61fc") == .server(2, canonical: true))
    }

    @Test func weightedChildNames() {
        let c = StickyCookie(name: "lvl1", keys: ["app", "canary"])
        #expect(c.find("lvl1=a172cedcae47474b") == .server(0, canonical: true))
        #expect(c.find("lvl1=canary") == .server(1, canonical: false))
        #expect(c.line(1) == "Set-Cookie: lvl1=e100fbce008c04ec; Path=/\r\n")
    }

    // MARK: cookie.secret (SPEC §5.2)

    /// Expected values computed independently: Python `hmac.new(secret, key, hashlib.sha256).hexdigest()[:16]`.
    @Test func secretKeysTheValuesWithHMAC() {
        let c = StickyCookie(name: "_fb0b0", secret: "s3cret", keys: urls + ["app"])
        #expect(c.values.map { String(decoding: $0, as: UTF8.self) }
                == ["365fee64ad291fad", "3a8c77a22bc0d82e", "71444adfd6303c1a", "94b1e9b441325fde"])
        #expect(c.line(2) == "Set-Cookie: _fb0b0=71444adfd6303c1a; Path=/\r\n")
        #expect(c.find("_fb0b0=71444adfd6303c1a") == .server(2, canonical: true))
    }

    @Test func theSecretChangesTheValue() {
        let plain = StickyCookie(name: "s", keys: urls)
        let keyed = StickyCookie(name: "s", secret: "s3cret", keys: urls)
        let other = StickyCookie(name: "s", secret: "other", keys: urls)
        #expect(other.values.map { String(decoding: $0, as: UTF8.self) }[0] == "bb80312eec8d454e")
        for i in urls.indices {
            #expect(keyed.values[i] != plain.values[i])
            #expect(keyed.values[i] != other.values[i])
        }
        // A value keyed with another secret names no server.
        #expect(keyed.find("s=bb80312eec8d454e") == .unknown)
    }

    @Test func legacyFormsStillMatchWithASecret() {
        let c = StickyCookie(name: "_fb0b0", secret: "s3cret", keys: urls)
        #expect(c.find("_fb0b0=http://127.0.0.1:8081") == .server(2, canonical: false))
        #expect(c.find("_fb0b0=75327ea3b04bcda5") == .server(2, canonical: false))  // FNV-1a
        #expect(c.find("_fb0b0=5a1cc52f3f46040d") == .server(2, canonical: false))  // FNV-1 (Traefik)
        // The unkeyed sha256 form too, so that turning a secret on keeps existing sessions (rewritten).
        #expect(c.find("_fb0b0=08d5f409490f61fc") == .server(2, canonical: false))
    }

    @Test func seedsFollowTheKeys() {
        let c = StickyCookie(name: "s", secret: "s3cret", keys: urls)
        #expect(c.seeds == urls.map(Rendezvous.seed))
        #expect(StickyCookie(name: "s", keys: ["app", "canary"]).seeds == [Rendezvous.seed("app"), Rendezvous.seed("canary")])
    }

    // MARK: value(inCookieHeader:)

    @Test func valueRangeAmongOtherCookies() {
        let c = StickyCookie(name: "_fb0b0", keys: urls)
        #expect(c.rawValue("_fb0b0=08d5f409490f61fc") == "08d5f409490f61fc")
        #expect(c.rawValue("a=1; _fb0b0=deadbeef; b=2") == "deadbeef")
        #expect(c.rawValue("a=1;_fb0b0=anything-at-all;b=2") == "anything-at-all")
        #expect(c.rawValue("  x=\"q\" ;  _fb0b0=\"quoted\"  ; y=z") == "quoted")
        #expect(c.rawValue("_fb0b0x=1; x_fb0b0=2; _fb0b0=3") == "3")
        #expect(c.rawValue("_fb0b0=first; _fb0b0=second") == "first")
        // Invalid values are skipped, as `find` skips them.
        #expect(c.rawValue("_fb0b0=a\\b; _fb0b0=next") == "next")
        #expect(c.rawValue("_fb0b0=") == "")
        #expect(c.rawValue("_fb0b0") == "")
        #expect(c.rawValue("") == nil)
        #expect(c.rawValue("a=1; b=2") == nil)
        #expect(c.rawValue("_FB0B0=1") == nil)
        // The range is within the header value given.
        let header = Array("a=1; _fb0b0=08d5f409490f61fc; b=2".utf8)
        #expect(header.withUnsafeBytes { c.value(inCookieHeader: $0) } == 12..<28)
    }
}

extension StickyCookie {
    fileprivate func rawValue(_ header: String) -> String? {
        let bytes = Array(header.utf8)
        return bytes.withUnsafeBytes { value(inCookieHeader: $0) }.map { String(decoding: bytes[$0], as: UTF8.self) }
    }
}
