package sloconnector // import "github.com/quell-otel/quell/connector/sloconnector"

import (
	"context"
	"fmt"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottlspan"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/connector/sloconnector/internal/window"
)

// objective is one SLO compiled from its config, with its counting state.
// Its state is guarded by the core's mutex.
type objective struct {
	name    string
	service string
	labels  map[string]string
	// budget is the error budget as a ratio: 1 - objective/100.
	budget float64
	// match selects the counted spans; nil counts every span of service.
	match *spanCondition
	// bad makes a counted span bad (availability); nil: status Error.
	bad *spanCondition
	// threshold makes a counted span bad when longer (latency); 0: unused.
	threshold time.Duration

	// fine holds the tier windows' history, coarse the budget window's.
	fine, coarse *window.Ring
	// pendingTotal and pendingGood are counted since the last metrics
	// emission (delta sums, mergeable across replicas).
	pendingTotal, pendingGood float64
	// lastEmit is when the pending counts were last emitted.
	lastEmit time.Time
	// firing holds the start time of each firing alert, by tier name.
	firing map[string]time.Time
	// dirty: state changed since the last save.
	dirty bool
}

func newObjective(oc ObjectiveConfig, cfg *Config, parser ottl.Parser[*ottlspan.TransformContext]) (*objective, error) {
	o := &objective{
		name:    oc.Name,
		service: oc.Service,
		labels:  oc.Labels,
		budget:  1 - oc.Objective/100,
		fine:    window.New(cfg.Bucket, int(cfg.longestWindow()/cfg.Bucket)),
		coarse:  window.New(cfg.BudgetBucket, int((oc.budgetWindow(cfg)+cfg.BudgetBucket-1)/cfg.BudgetBucket)),
		firing:  map[string]time.Time{},
	}
	var err error
	if oc.SpanCondition != "" {
		if o.match, err = parser.ParseCondition(oc.SpanCondition); err != nil {
			return nil, fmt.Errorf("objective %q: span_condition: %w", oc.Name, err)
		}
	}
	switch oc.SLI.Type {
	case SLIAvailability:
		if oc.SLI.BadCondition != "" {
			if o.bad, err = parser.ParseCondition(oc.SLI.BadCondition); err != nil {
				return nil, fmt.Errorf("objective %q: sli.bad_condition: %w", oc.Name, err)
			}
		}
	case SLILatency:
		o.threshold = oc.SLI.Threshold
	}
	return o, nil
}

// classify says whether span counts for o and whether it is a bad event.
func (o *objective) classify(ctx context.Context, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, span ptrace.Span) (counted, bad bool) {
	if o.match != nil && !evalSpan(ctx, o.match, rs, ss, span) {
		return false, false
	}
	switch {
	case o.threshold > 0:
		d := span.EndTimestamp().AsTime().Sub(span.StartTimestamp().AsTime())
		return true, d > o.threshold
	case o.bad != nil:
		return true, evalSpan(ctx, o.bad, rs, ss, span)
	default:
		return true, span.Status().Code() == ptrace.StatusCodeError
	}
}

// add counts total events, bad of them bad, at now. It reports false when
// now is older than the buckets (a clock step back).
func (o *objective) add(now time.Time, total, bad float64) bool {
	if !o.fine.Add(now, total, bad) {
		return false
	}
	o.coarse.Add(now, total, bad)
	o.pendingTotal += total
	o.pendingGood += total - bad
	o.dirty = true
	return true
}

// errorRatio is the ratio of bad events in the window ending at now; ok is
// false when the window holds no events.
func (o *objective) errorRatio(now time.Time, w time.Duration) (ratio float64, ok bool) {
	total, bad := o.fine.Sum(now, w)
	if total <= 0 {
		return 0, false
	}
	return bad / total, true
}

// budgetRemaining is the share of the error budget left in the budget
// window ending at now: 1 with no bad events, 0 when spent, negative when
// overspent. ok is false when the window holds no events.
func (o *objective) budgetRemaining(now time.Time) (float64, bool) {
	total, bad := o.coarse.Sum(now, time.Duration(o.coarse.Len())*o.coarse.Width())
	if total <= 0 {
		return 0, false
	}
	return 1 - (bad/total)/o.budget, true
}
