package logbudgetprocessor // import "github.com/quell-otel/quell/processor/logbudgetprocessor"

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// summaryCounts is what happened, over every key, since the last summary
// line (the atomics: flushCounters adds to them) and since Start (total).
// total has one writer: the summary loop, then Shutdown once that loop has
// stopped.
type summaryCounts struct {
	in, out, summaries atomic.Int64
	dropped            [numReasons]atomic.Int64
	total              tally
}

// tally is a snapshot of the counts over a span of time, for one line.
type tally struct {
	in, out, summaries int64
	dropped            [numReasons]int64
	over               time.Duration
}

func (t *tally) empty() bool {
	return t.in == 0 && t.out == 0 && t.summaries == 0 && t.dropped == [numReasons]int64{}
}

func (s *summaryCounts) add(kc *keyCounters) {
	s.in.Add(kc.recIn)
	s.out.Add(kc.recOut)
	s.summaries.Add(kc.summaries)
	for r := range numReasons {
		s.dropped[r].Add(kc.recDrop[r])
	}
}

// take resets the counts of the span that ends now (over long), adds them
// to the total and returns them.
func (s *summaryCounts) take(over time.Duration) tally {
	t := tally{in: s.in.Swap(0), out: s.out.Swap(0), summaries: s.summaries.Swap(0), over: over}
	s.total.in += t.in
	s.total.out += t.out
	s.total.summaries += t.summaries
	s.total.over += over
	for r := range numReasons {
		t.dropped[r] = s.dropped[r].Swap(0)
		s.total.dropped[r] += t.dropped[r]
	}
	return t
}

// takeInterval takes the counts since the last line (or Start).
func (p *logBudgetProcessor) takeInterval() tally {
	now := p.clock()
	t := p.counts.take(now.Sub(p.lastSummary))
	p.lastSummary = now
	return t
}

// logIntervalSummary is the summary loop's line: what was kept and dropped
// since the last one, in one line a person can read; an interval in which
// nothing was counted logs nothing, so an idle collector's log stays quiet.
//
//	log_budget: 50,000 records in 1m; kept 6,120 (12%), dropped 43,880 (sample 40,010, budget 3,870), 310 dedup summaries
func (p *logBudgetProcessor) logIntervalSummary() {
	if t := p.takeInterval(); !t.empty() {
		p.logger.Info(formatSummary(t))
	}
}

// logSummary is the shutdown line: always logged, with the totals since
// Start.
func (p *logBudgetProcessor) logSummary() {
	p.takeInterval()
	p.logger.Info(formatSummary(p.counts.total) + " (totals since start)")
}

// summaryLine takes the counts since the last line as a span of over and
// formats them.
func (p *logBudgetProcessor) summaryLine(over time.Duration) string {
	return formatSummary(p.counts.take(over))
}

func formatSummary(t tally) string {
	kept := t.out - t.summaries
	var reasons []string
	dropped := int64(0)
	for _, r := range []int{reasonSample, reasonBudget, reasonDedup} {
		if n := t.dropped[r]; n > 0 {
			dropped += n
			reasons = append(reasons, reasonNames[r]+" "+thousands(n))
		}
	}
	share := "0%"
	if t.in > 0 {
		share = strconv.FormatFloat(100*float64(kept)/float64(t.in), 'f', 0, 64) + "%"
	}
	line := fmt.Sprintf("log_budget: %s records in %s; kept %s (%s), dropped %s", thousands(t.in),
		shortDuration(t.over.Round(time.Second)), thousands(kept), share, thousands(dropped))
	if len(reasons) > 0 {
		line += " (" + strings.Join(reasons, ", ") + ")"
	}
	return line + fmt.Sprintf(", %s dedup summaries", thousands(t.summaries))
}

// thousands writes n with comma separators: 12,408.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return "-" + thousands(-n)
	}
	var b strings.Builder
	for i, d := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return b.String()
}

// shortDuration writes d without zero trailing units: 1m, not 1m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if d >= time.Minute && d%time.Minute == 0 {
		s = strings.TrimSuffix(s, "0s")
	}
	if d >= time.Hour && d%time.Hour == 0 {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
