// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package tailsamplerprocessor // import "github.com/quell-otel/quell/processor/tailsamplerprocessor"

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
)

// summaryCounts is what happened since the last summary line (the atomics,
// added to by decide and ingest) and since Start (total). total has one
// writer: the summary loop, then Shutdown once that loop has stopped.
type summaryCounts struct {
	decided atomic.Int64
	kept    []atomic.Int64 // per rule
	early   atomic.Int64
	late    atomic.Int64 // spans
	total   tally
}

// tally is a snapshot of the counts, for one summary line.
type tally struct {
	decided, early, late int64
	kept                 []int64 // per rule
}

func (t *tally) empty() bool { return t.decided == 0 && t.early == 0 && t.late == 0 }

// take resets the counts since the last line, adds them to the total and
// returns them.
func (c *summaryCounts) take() tally {
	t := tally{decided: c.decided.Swap(0), early: c.early.Swap(0), late: c.late.Swap(0),
		kept: make([]int64, len(c.kept))}
	if c.total.kept == nil {
		c.total.kept = make([]int64, len(c.kept))
	}
	c.total.decided += t.decided
	c.total.early += t.early
	c.total.late += t.late
	for i := range c.kept {
		t.kept[i] = c.kept[i].Swap(0)
		c.total.kept[i] += t.kept[i]
	}
	return t
}

// logIntervalSummary is the summary loop's line: what was decided since the
// last one, in one line a person can read; an interval with nothing decided
// and no late span logs nothing, so an idle collector's log stays quiet.
//
//	tail_sampler: 12,408 traces decided (kept 1,802: errors 240, slow 311, rest 1,251 at 10%); early 0; late spans 12
func (p *tailSampler) logIntervalSummary() {
	if t := p.counts.take(); !t.empty() {
		p.logger.Info(p.formatSummary(t))
	}
}

// logSummary is the shutdown line: always logged, with the totals since
// Start.
func (p *tailSampler) logSummary() {
	p.counts.take()
	p.logger.Info(p.formatSummary(p.counts.total) + " (totals since start)")
}

// summaryLine takes the counts since the last line and formats them.
func (p *tailSampler) summaryLine() string {
	return p.formatSummary(p.counts.take())
}

func (p *tailSampler) formatSummary(t tally) string {
	var b strings.Builder
	kept := int64(0)
	for i := range p.rules.rules {
		r := &p.rules.rules[i]
		n := t.kept[i]
		kept += n
		if n == 0 && r.mode == modeDrop {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s", r.name, thousands(n))
		if r.mode == modeProbability && r.threshold != sampling.AlwaysSampleThreshold {
			fmt.Fprintf(&b, " at %s%%", strconv.FormatFloat(100*r.threshold.Probability(), 'g', 3, 64))
		}
	}
	return fmt.Sprintf("tail_sampler: %s traces decided (kept %s: %s); early %s; late spans %s",
		thousands(t.decided), thousands(kept), b.String(), thousands(t.early), thousands(t.late))
}

// thousands writes n with comma separators: 12,408.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, d := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
