package logbudgetprocessor // import "github.com/quell-otel/quell/processor/logbudgetprocessor"

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// summaryCounts is what happened, over every key, since the last summary
// line (logSummary). flushCounters adds to it.
type summaryCounts struct {
	in, out, summaries atomic.Int64
	dropped            [numReasons]atomic.Int64
}

func (s *summaryCounts) add(kc *keyCounters) {
	s.in.Add(kc.recIn)
	s.out.Add(kc.recOut)
	s.summaries.Add(kc.summaries)
	for r := range numReasons {
		s.dropped[r].Add(kc.recDrop[r])
	}
}

// logSummary logs, and resets, what was kept and dropped since the last
// call, in one line a person can read:
//
//	log_budget: 50,000 records in 1m; kept 6,120 (12%), dropped 43,880 (sample 40,010, budget 3,870), 310 dedup summaries
func (p *logBudgetProcessor) logSummary() {
	now := p.clock()
	p.logger.Info(p.summaryLine(now.Sub(p.lastSummary)))
	p.lastSummary = now
}

func (p *logBudgetProcessor) summaryLine(over time.Duration) string {
	c := &p.counts
	in, summaries := c.in.Swap(0), c.summaries.Swap(0)
	kept := c.out.Swap(0) - summaries
	var reasons []string
	dropped := int64(0)
	for _, r := range []int{reasonSample, reasonBudget, reasonDedup} {
		if n := c.dropped[r].Swap(0); n > 0 {
			dropped += n
			reasons = append(reasons, reasonNames[r]+" "+thousands(n))
		}
	}
	share := "0%"
	if in > 0 {
		share = strconv.FormatFloat(100*float64(kept)/float64(in), 'f', 0, 64) + "%"
	}
	line := fmt.Sprintf("log_budget: %s records in %s; kept %s (%s), dropped %s", thousands(in),
		shortDuration(over.Round(time.Second)), thousands(kept), share, thousands(dropped))
	if len(reasons) > 0 {
		line += " (" + strings.Join(reasons, ", ") + ")"
	}
	return line + fmt.Sprintf(", %s dedup summaries", thousands(summaries))
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
