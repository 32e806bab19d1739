import LimpetRouting
import Testing

/// Go RE2 semantics on top of Swift's `Regex`.
@Suite struct RuleRegexTests {
    func re(_ pattern: String) throws -> RuleRegex { try RuleRegex(goSyntax: pattern) }

    func rejects(_ pattern: String) -> String? {
        do {
            _ = try RuleRegex(goSyntax: pattern)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func searchIsUnanchored() throws {
        #expect(try re("b").matches("abc"))
        #expect(try re("^a").matches("abc"))
        #expect(try !re("^b").matches("abc"))
        #expect(try re("").matches(""))
    }

    @Test func dotAndDollarFollowGo() throws {
        // `.` refuses only \n; Swift's would also refuse \r and other line breaks.
        #expect(try re("^a.b$").matches("a\rb"))
        #expect(try re("^a.b$").matches("a\u{2028}b"))
        #expect(try !re("^a.b$").matches("a\nb"))
        #expect(try re("(?s)^a.b$").matches("a\nb"))
        #expect(try re("^(?s:a.)b$").matches("a\nb"))
        #expect(try !re("^(?s:a.)b.$").matches("a\nb\n"))  // the flag ends with its group
        #expect(try !re("(?s)(?-s)a.b").matches("a\nb"))
        // `$` is the end of the text, not before a final newline (without `m`).
        #expect(try !re("a$").matches("a\n"))
        #expect(try re("(?m)a$").matches("a\nb"))
        #expect(try re("\\Aa\\z").matches("a"))
    }

    @Test func characterClassesAreASCII() throws {
        #expect(try !re("\\d").matches("٣"))
        #expect(try !re("\\w").matches("é"))
        #expect(try re("\\bfoo\\b").matches("éfoo"))  // é is not a word character for Go
        #expect(try re("^\\s+$").matches(" \t\r\n\u{C}"))
        #expect(try !re("\\s").matches("\u{B}"))  // Go's \s has no vertical tab
        #expect(try !re("\\s").matches("\u{A0}"))
        #expect(try re("^[\\s]$").matches("\n"))
        #expect(try re("^\\S$").matches("\u{B}"))
        #expect(try !re("^[^\\S]$").matches("x"))
        #expect(try re("^[[:alpha:]]+$").matches("abcXYZ"))
        #expect(try !re("[[:alpha:]]").matches("é"))
        #expect(try re("^[[:^digit:]]$").matches("a"))
        #expect(try !re("^[[:^digit:]]$").matches("5"))
        #expect(try re("^[[:punct:]]+$").matches("!/:@[`{~"))
        #expect(try re("\\p{Greek}").matches("λ"))
        #expect(try re("^\\pL+$").matches("é"))
        #expect(try !re("\\PL").matches("é"))
        #expect(try re("\\p{^L}").matches("1"))
        #expect(try re("^[\\pN]$").matches("7"))
    }

    @Test func escapes() throws {
        #expect(try re("^\\101\\x42\\x{43}$").matches("ABC"))
        #expect(try re("^\\0$").matches("\u{0}"))
        #expect(try re("^\\v\\a\\f$").matches("\u{B}\u{7}\u{C}"))
        #expect(try re("^\\Q.*+\\E$").matches(".*+"))
        #expect(try !re("^\\Q.*+\\E$").matches("abc"))
        #expect(try re("^\\Qa.b").matches("a.b"))  // \Q without \E runs to the end
        #expect(try re("^\\.\\-\\_\\ $").matches(".-_ "))
        #expect(try re("^\\$\\^\\{\\}$").matches("$^{}"))
    }

    @Test func bracesThatAreNotRepeatsAreLiterals() throws {
        #expect(try re("^a{2}$").matches("aa"))
        #expect(try re("^a{2,}$").matches("aaaa"))
        #expect(try re("^a{1,2}$").matches("aa"))
        #expect(try !re("^a{1,2}$").matches("aaa"))
        #expect(try re("^x{,3}$").matches("x{,3}"))
        #expect(try !re("^x{,3}$").matches("xx"))
        #expect(try re("^/{path:(css|js)}$").matches("/{path:css}"))
        #expect(try re("^a{b$").matches("a{b"))
        #expect(try re("^a}$").matches("a}"))
        #expect(try re("^a]$").matches("a]"))
    }

    @Test func classesReadAsGoReadsThem() throws {
        #expect(try re("^[]a]+$").matches("]a"))
        #expect(try re("^[^]a]$").matches("b"))
        #expect(try !re("^[^]a]$").matches("]"))
        #expect(try re("^[a[]+$").matches("a[["))  // `[` inside a class is a literal
        #expect(try re("^[a&&b]+$").matches("a&b"))  // no set intersection in Go
        #expect(try re("^[a~~b]+$").matches("~"))
        #expect(try re("^[+--]$").matches(","))  // the range + to -
        #expect(try re("^[a-c]+$").matches("abc"))
        #expect(try re("^[-a]+$").matches("-a"))
    }

    @Test func groupsAndFlags() throws {
        #expect(try re("^(?P<sub>[a-z]+)\\.example$").matches("api.example"))
        #expect(try re("^(?<sub>[a-z]+)\\.example$").matches("api.example"))
        #expect(try re("(?i)^ABC$").matches("abc"))
        #expect(try re("^(?i:A)b$").matches("ab"))
        #expect(try !re("^(?i:A)b$").matches("aB"))
        #expect(try re("(?U)^a+$").matches("aaa"))
        #expect(try re("(?im-s)^a.$").matches("x\nAb"))
        #expect(try re("^(?:ab)+$").matches("abab"))
        #expect(try re("^a+?b*?c??$").matches("aac"))
        #expect(try re("^(a|)$").matches(""))
    }

    @Test func unicodeScalarsNotGraphemes() throws {
        // Go matches runes: "e" + combining acute accent is two of them.
        #expect(try re("^..$").matches("e\u{301}"))
        #expect(try re("^.$").matches("é"))
        #expect(try re("^\\r\\n$").matches("\r\n"))
        #expect(try re("^[^a]{2}$").matches("\r\n"))
    }

    @Test func syntaxGoRejects() {
        #expect(rejects("(a)\\1")?.contains("back-references") == true)
        #expect(rejects("\\8") != nil)
        #expect(rejects("a(?=b)")?.contains("look-around") == true)
        #expect(rejects("a(?!b)") != nil)
        #expect(rejects("(?<=a)b") != nil)
        #expect(rejects("(?<!a)b") != nil)
        #expect(rejects("(?>a)") != nil)
        #expect(rejects("(?#comment)") != nil)
        #expect(rejects("(?x)a b") != nil)
        #expect(rejects("(?P=name)") != nil)
        #expect(rejects("(?'n'a)") != nil)
        #expect(rejects("(?)") != nil)
        #expect(rejects("(?i-)") != nil)
        #expect(rejects("a*+")?.contains("nested repetition") == true)
        #expect(rejects("a++") != nil)
        #expect(rejects("a?+") != nil)
        #expect(rejects("a**") != nil)
        #expect(rejects("a{2}{3}") != nil)
        #expect(rejects("a{2}*") != nil)
        #expect(rejects("a{1001}")?.contains("repeat count") == true)
        #expect(rejects("a{3,2}") != nil)
        #expect(rejects("\\Z") != nil)
        #expect(rejects("\\h") != nil)
        #expect(rejects("\\K") != nil)
        #expect(rejects("\\R") != nil)
        #expect(rejects("\\X") != nil)
        #expect(rejects("\\C") != nil)
        #expect(rejects("\\e") != nil)
        #expect(rejects("\\x4") != nil)
        #expect(rejects("\\x{110000}") != nil)
        #expect(rejects("[\\b]") != nil)
        #expect(rejects("[\\Q]\\E]") != nil)
        #expect(rejects("[[:foo:]]")?.contains("[:foo:]") == true)
        #expect(rejects("\\é") != nil)
        #expect(rejects("(*ACCEPT)") != nil)
        // Plain syntax errors, from the translator or from Swift.
        #expect(rejects("a\\")?.contains("trailing backslash") == true)
        #expect(rejects("(a")?.contains("missing closing )") == true)
        #expect(rejects("a)")?.contains("unexpected )") == true)
        #expect(rejects("[a")?.contains("missing closing ]") == true)
        #expect(rejects("*a") != nil)
        #expect(rejects("[z-a]") != nil)
        #expect(rejects("\\p{NoSuchClass}") != nil)
    }

    @Test func errorsSayWhere() {
        #expect(rejects("ab(?=c)") == "invalid or unsupported Perl syntax '(?=' (Go regexps have no look-around, "
            + "back-references, atomic groups or comments; flags are i, m, s and U) at character 3 of the regexp")
        #expect(rejects("abc\\1") == "invalid escape sequence '\\1' (Go regexps have no back-references) "
            + "at character 4 of the regexp")
    }

    @Test func equalityIsByPattern() throws {
        #expect(try re("a+") == re("a+"))
        #expect(try re("a+") != re("a*"))
        #expect(try re("^x$").description == "^x$")
    }
}
