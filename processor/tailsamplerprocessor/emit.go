// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package tailsamplerprocessor // import "github.com/quell-otel/quell/processor/tailsamplerprocessor"

import (
	"context"
	"errors"
	"strings"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/quell-otel/quell/internal/otlpwire"
)

// Sends are capped so that a next hop with default limits accepts them: a
// gRPC receiver refuses a request over 4 MiB (max_recv_msg_size_mib), and
// one request per shard at shutdown used to hold every pending trace.
// emit cuts the decided traces into chunks of at most MaxSendSpans spans
// and MaxSendBytes encoded bytes; a trace larger than a chunk is split
// between its spans (its parts are sent one after the other).

// sendHeaderBytes bounds what a segment adds to a request besides its
// spans: the ResourceSpans and ScopeSpans tags and lengths.
const sendHeaderBytes = 12

// emitBytes is the encoded size item takes in a request, counting its
// resource and scope headers once per segment (an upper bound).
func emitBytes(it *emitItem) int {
	n := 0
	for _, segs := range it.groups {
		for _, sg := range segs {
			n += len(sg.Spans) + len(sg.Resource.Value()) + len(sg.Scope.Value()) + sendHeaderBytes
		}
	}
	return n
}

// deliver emits items decided on a timer or at shutdown, where no caller can
// retry: spans that could not be sent are logged with their count and
// counted.
func (p *tailSampler) deliver(ctx context.Context, sc *ingestScratch, items []emitItem, when string) error {
	lost, err := p.emit(ctx, sc, items)
	if lost > 0 {
		p.tb.ProcessorTailSamplerSpansUndelivered.Add(ctx, int64(lost))
		p.logger.Error("tail_sampler: kept spans could not be delivered to the next consumer",
			zap.String("when", when), zap.Int("spans", lost), zap.Error(err))
	}
	return err
}

// emit sends the decided items on in capped chunks. It returns the spans
// that could not be delivered with the joined errors.
func (p *tailSampler) emit(ctx context.Context, sc *ingestScratch, items []emitItem) (int, error) {
	if len(items) == 0 {
		return 0, nil
	}
	maxSpans, maxBytes := p.cfg.MaxSendSpans, int(p.cfg.MaxSendBytes)
	var errs []error
	lost := 0
	start, spans, size := 0, 0, 0
	flush := func(end int) {
		if end > start {
			if err := p.send(ctx, sc, items[start:end]); err != nil {
				errs = append(errs, err)
				lost += spans
			}
		}
		start, spans, size = end, 0, 0
	}
	for i := range items {
		it := &items[i]
		n, b := int(it.spans), emitBytes(it)
		if spans+n > maxSpans || size+b > maxBytes {
			flush(i)
		}
		if n > maxSpans || b > maxBytes {
			l, err := p.emitSplit(ctx, sc, it, maxSpans, maxBytes)
			lost += l
			errs = append(errs, err)
			start = i + 1
			continue
		}
		spans += n
		size += b
	}
	flush(len(items))
	return lost, errors.Join(errs...)
}

// emitSplit sends one trace too large for a request in parts, cut between
// its spans. A part is a list of runs: consecutive spans of one segment.
func (p *tailSampler) emitSplit(ctx context.Context, sc *ingestScratch, it *emitItem, maxSpans, maxBytes int) (int, error) {
	var errs []error
	lost := 0
	part := emitItem{id: it.id, th: it.th, rule: it.rule, keep: it.keep}
	var runs []otlpwire.Segment
	size := 0
	flush := func() {
		part.groups = [][]otlpwire.Segment{runs}
		if err := p.send(ctx, sc, []emitItem{part}); err != nil {
			errs = append(errs, err)
			lost += int(part.spans)
		}
		runs, part.spans, size = nil, 0, 0
	}
	for _, group := range it.groups {
		for _, sg := range group {
			hdr := len(sg.Resource.Value()) + len(sg.Scope.Value()) + sendHeaderBytes
			from, open := 0, false
			for i := 0; i < len(sg.Spans); {
				end, err := otlpwire.FieldEnd(sg.Spans, i)
				if err != nil {
					return lost + int(it.spans), consumererror.NewPermanent(err)
				}
				add := end - i
				if !open {
					add += hdr
				}
				if part.spans > 0 && (int(part.spans) >= maxSpans || size+add > maxBytes) {
					if open {
						runs = append(runs, otlpwire.Segment{Resource: sg.Resource, Scope: sg.Scope, Spans: sg.Spans[from:i]})
					}
					flush()
					open, add = false, end-i+hdr
				}
				if !open {
					from, open = i, true
				}
				size += add
				part.spans++
				i = end
			}
			if open {
				runs = append(runs, otlpwire.Segment{Resource: sg.Resource, Scope: sg.Scope, Spans: sg.Spans[from:]})
			}
		}
	}
	if part.spans > 0 {
		flush()
	}
	return lost, errors.Join(errs...)
}

// send decodes the items, stamps their spans and sends them on in one
// request.
func (p *tailSampler) send(ctx context.Context, sc *ingestScratch, items []emitItem) error {
	enc := &sc.enc
	for i := range items {
		enc.Add(items[i].groups)
	}
	var um ptrace.ProtoUnmarshaler
	td, err := um.UnmarshalTraces(enc.Encode())
	if err != nil {
		return consumererror.NewPermanent(err)
	}
	stampers := make([]stamper, len(items))
	var byID map[pcommon.TraceID]int32
	if len(items) > 1 {
		byID = make(map[pcommon.TraceID]int32, len(items))
	}
	for i := range items {
		stampers[i] = p.stamper(&items[i])
		if byID != nil {
			byID[items[i].id] = int32(i)
		}
	}
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				sp := spans.At(k)
				st := &stampers[0]
				if byID != nil {
					st = &stampers[byID[sp.TraceID()]]
				}
				st.stamp(sp)
			}
		}
	}
	return p.next.ConsumeTraces(ctx, td)
}

type stamper struct {
	p        *tailSampler
	it       *emitItem
	rule     string
	thTValue string
	fresh    string // tracestate for spans without one
	lastIn   string
	lastOut  string
}

func (p *tailSampler) stamper(it *emitItem) stamper {
	st := stamper{p: p, it: it, rule: p.rules.rules[it.rule].name}
	if !p.cfg.DryRun {
		st.fresh = p.thTraceState(it.rule, it.th)
	} else {
		st.thTValue = it.th.TValue()
	}
	return st
}

// thTraceState is the tracestate given to a kept span that has none. Rules
// with a fixed threshold compute it once (thState).
func (p *tailSampler) thTraceState(rule int32, th sampling.Threshold) string {
	if r := &p.rules.rules[rule]; r.thState != "" && r.thStateFor == th {
		return r.thState
	}
	return "ot=th:" + th.TValue()
}

func (st *stamper) stamp(sp ptrace.Span) {
	if st.p.cfg.DryRun {
		attrs := sp.Attributes()
		attrs.PutStr(AttrRule, st.rule)
		attrs.PutBool(AttrDryRunKept, st.it.keep)
		attrs.PutStr(AttrDryRunThreshold, st.thTValue)
		return
	}
	ts := sp.TraceState()
	in := ts.AsRaw()
	switch in {
	case "":
		ts.FromRaw(st.fresh)
	case st.lastIn:
		ts.FromRaw(st.lastOut)
	default:
		out := raiseThreshold(in, st.it.th)
		st.lastIn, st.lastOut = in, out
		ts.FromRaw(out)
	}
	if st.p.cfg.RecordRule {
		sp.Attributes().PutStr(AttrRule, st.rule)
	}
	if st.it.partial {
		sp.Attributes().PutBool(AttrPartial, true)
	}
}

// raiseThreshold returns the tracestate with ot=th set to the larger of its
// own threshold and th (thresholds only rise).
func raiseThreshold(in string, th sampling.Threshold) string {
	w3c, err := sampling.NewW3CTraceState(in)
	if err != nil {
		return in // not ours to repair
	}
	ot := w3c.OTelValue()
	if cur, ok := ot.TValueThreshold(); ok && !sampling.ThresholdGreater(th, cur) {
		return in
	}
	if err := ot.UpdateTValueWithSampling(th); err != nil {
		return in
	}
	var b strings.Builder
	if err := w3c.Serialize(&b); err != nil {
		return in
	}
	return b.String()
}
