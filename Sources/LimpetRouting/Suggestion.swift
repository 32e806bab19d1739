/// "Did you mean …?" for a name the configuration does not know (a key, a matcher, a middleware type).
public enum Suggestion {
    /// The candidate closest to `word` within an edit distance of 2 (Levenshtein, case-insensitive), or nil.
    /// Ties go to the earlier candidate.
    public static func closest(to word: String, among candidates: [String]) -> String? {
        let w = Array(word.lowercased())
        var best: (String, Int)?
        for candidate in candidates {
            let c = Array(candidate.lowercased())
            var previous = Array(0...c.count)
            for i in 1...max(w.count, 1) where !w.isEmpty {
                var row = [i] + Array(repeating: 0, count: c.count)
                for j in 1...max(c.count, 1) where !c.isEmpty {
                    row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (w[i - 1] == c[j - 1] ? 0 : 1))
                }
                previous = row
            }
            let distance = w.isEmpty ? c.count : previous[c.count]
            if distance <= 2, distance < (best?.1 ?? Int.max) { best = (candidate, distance) }
        }
        return best?.0
    }
}
