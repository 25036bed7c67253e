package incidentexporter

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"
)

// redactingTracerProvider hands the HTTP client's instrumentation (otelhttp)
// tracers whose spans pass names, attributes, statuses, events and recorded
// errors through r: otelhttp puts the full request URL (url.full) on every
// client span, and a Slack webhook URL is the credential itself.
type redactingTracerProvider struct {
	embedded.TracerProvider
	tp trace.TracerProvider
	r  *redactor
}

func (p *redactingTracerProvider) Tracer(name string, opts ...trace.TracerOption) trace.Tracer {
	return &redactingTracer{t: p.tp.Tracer(name, opts...), r: p.r}
}

type redactingTracer struct {
	embedded.Tracer
	t trace.Tracer
	r *redactor
}

func (t *redactingTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	cfg := trace.NewSpanStartConfig(opts...)
	clean := []trace.SpanStartOption{
		trace.WithAttributes(t.r.attributes(cfg.Attributes())...),
		trace.WithLinks(cfg.Links()...),
		trace.WithSpanKind(cfg.SpanKind()),
	}
	if cfg.NewRoot() {
		clean = append(clean, trace.WithNewRoot())
	}
	if !cfg.Timestamp().IsZero() {
		clean = append(clean, trace.WithTimestamp(cfg.Timestamp()))
	}
	ctx, span := t.t.Start(ctx, t.r.redact(name), clean...)
	red := &redactingSpan{Span: span, r: t.r}
	return trace.ContextWithSpan(ctx, red), red
}

// redactingSpan redacts what is written to the span; the rest is the span's.
type redactingSpan struct {
	trace.Span
	r *redactor
}

func (s *redactingSpan) SetName(name string) { s.Span.SetName(s.r.redact(name)) }

func (s *redactingSpan) SetAttributes(kv ...attribute.KeyValue) {
	s.Span.SetAttributes(s.r.attributes(kv)...)
}

func (s *redactingSpan) SetStatus(code codes.Code, description string) {
	s.Span.SetStatus(code, s.r.redact(description))
}

func (s *redactingSpan) AddEvent(name string, opts ...trace.EventOption) {
	s.Span.AddEvent(s.r.redact(name), s.r.eventOptions(opts)...)
}

func (s *redactingSpan) RecordError(err error, opts ...trace.EventOption) {
	if err != nil {
		err = errors.New(s.r.redact(err.Error()))
	}
	s.Span.RecordError(err, s.r.eventOptions(opts)...)
}

func (r *redactor) eventOptions(opts []trace.EventOption) []trace.EventOption {
	cfg := trace.NewEventConfig(opts...)
	out := []trace.EventOption{trace.WithAttributes(r.attributes(cfg.Attributes())...), trace.WithStackTrace(cfg.StackTrace())}
	if !cfg.Timestamp().IsZero() {
		out = append(out, trace.WithTimestamp(cfg.Timestamp()))
	}
	return out
}

// attributes redacts string and string-slice values.
func (r *redactor) attributes(kv []attribute.KeyValue) []attribute.KeyValue {
	out := make([]attribute.KeyValue, len(kv))
	for i, a := range kv {
		switch a.Value.Type() {
		case attribute.STRING:
			a = a.Key.String(r.redact(a.Value.AsString()))
		case attribute.STRINGSLICE:
			vs := a.Value.AsStringSlice()
			for j := range vs {
				vs[j] = r.redact(vs[j])
			}
			a = a.Key.StringSlice(vs)
		}
		out[i] = a
	}
	return out
}
