import LimpetRouting
import Testing

@Suite struct CookieNamingTests {
    @Test func defaultNamesMatchTraefik() {
        #expect(CookieNaming.defaultName(qualifiedService: "app@file") == "_fb0b0")
        #expect(CookieNaming.defaultName(qualifiedService: "whoami@docker") == "_633ff")
    }

    @Test func valueIsTruncatedSHA256OfTheURLAsConfigured() {
        #expect(CookieNaming.value(url: "http://127.0.0.1:8081") == "08d5f409490f61fc")
        #expect(CookieNaming.value(url: "app") == "a172cedcae47474b")
        // No normalisation: a trailing slash is another server identity.
        #expect(CookieNaming.value(url: "http://127.0.0.1:8081/") != "08d5f409490f61fc")
    }

    @Test func sanitizeReplacesEverythingButTokenCharacters() {
        #expect(CookieNaming.sanitize("my cookie") == "my_cookie")
        #expect(CookieNaming.sanitize("a;b=c,d\"e") == "a_b_c_d_e")
        #expect(CookieNaming.sanitize("!#$%&'*+-.^`|~") == "!#$%&'*+-.^`|~")
        #expect(CookieNaming.sanitize("Abc_09") == "Abc_09")
        #expect(CookieNaming.sanitize("é/(){}[]@:?") == "___________")
    }

    @Test func fnvForms() {
        #expect(CookieNaming.fnv1a64Hex("") == "cbf29ce484222325")
        #expect(CookieNaming.fnv1a64Hex("a") == "af63dc4c8601ec8c")
        #expect(CookieNaming.fnv1a64Hex("http://127.0.0.1:8081") == "75327ea3b04bcda5")
        #expect(CookieNaming.fnv164Hex("http://127.0.0.1:8081") == "5a1cc52f3f46040d")
        // Traefik wrote FNV values without leading zeros.
        #expect(CookieNaming.fnv164Hex("http://10.0.14.1:8000") == "4314c5f0ea2a096")
    }

    @Test func keyedValue() {
        let a = CookieNaming.value(url: "http://10.0.0.1:80", secret: "s1")
        #expect(a.count == 16)
        #expect(a != CookieNaming.value(url: "http://10.0.0.1:80", secret: "s2"))
        #expect(a != CookieNaming.value(url: "http://10.0.0.1:80"))
    }
}
