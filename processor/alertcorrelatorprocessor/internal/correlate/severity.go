package correlate

import "github.com/quell-otel/quell/internal/alertconv"

// Severities rank by Config.Severities (most severe first), read through
// the one severity table the alert_webhook receiver uses too
// (alertconv.ParseSeverity): a word the order does not list ranks as the
// first listed word of its level, so "P1", "page" and "CRITICAL" rank as
// "critical" under the default order.

// severityRanks returns the rank of each listed word (len(order) for the
// first, down to 1) and of each level the listed words name.
func severityRanks(order []string) (byWord map[string]int, byLevel map[alertconv.Severity]int) {
	byWord = make(map[string]int, len(order))
	byLevel = map[alertconv.Severity]int{}
	for i, s := range order {
		r := len(order) - i
		byWord[s] = r
		if l := alertconv.ParseSeverity(s); l != alertconv.SeverityUnknown {
			if _, seen := byLevel[l]; !seen {
				byLevel[l] = r
			}
		}
	}
	return byWord, byLevel
}

// severityRank is a severity word's rank: 0 for a word neither listed nor
// of a listed level.
func (e *Engine) severityRank(word string) int {
	if r, ok := e.sevRank[word]; ok {
		return r
	}
	return e.sevByLevel[alertconv.ParseSeverity(word)]
}
