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

// summaryCounts is what happened since the last summary line (logSummary).
type summaryCounts struct {
	decided atomic.Int64
	kept    []atomic.Int64 // per rule
	early   atomic.Int64
	late    atomic.Int64 // spans
}

// logSummary logs, and resets, what was decided since the last call, in
// one line a person can read:
//
//	tail_sampler: 12,408 traces decided (kept 1,802: errors 240, slow 311, rest 1,251 at 10%); early 0; late spans 12
func (p *tailSampler) logSummary() {
	p.logger.Info(p.summaryLine())
}

func (p *tailSampler) summaryLine() string {
	c := &p.counts
	var b strings.Builder
	kept := int64(0)
	for i := range p.rules.rules {
		r := &p.rules.rules[i]
		n := c.kept[i].Swap(0)
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
		thousands(c.decided.Swap(0)), thousands(kept), b.String(), thousands(c.early.Swap(0)), thousands(c.late.Swap(0)))
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
