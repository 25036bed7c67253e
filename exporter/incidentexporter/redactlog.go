package incidentexporter

import (
	"encoding/json"
	"fmt"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// redactingLogger returns logger with every message and field passed
// through r: the exporter's own lines, exporterhelper's ("Exporting failed",
// with the error) and the HTTP client's all go through it.
func redactingLogger(logger *zap.Logger, r *redactor) *zap.Logger {
	return logger.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core {
		return &redactingCore{Core: c, r: r}
	}))
}

// redactingCore redacts entries before the wrapped core sees them. A field
// that holds a secret is rewritten as a string field with the same key.
type redactingCore struct {
	zapcore.Core
	r *redactor
}

func (c *redactingCore) With(fields []zapcore.Field) zapcore.Core {
	return &redactingCore{Core: c.Core.With(c.fields(fields)), r: c.r}
}

func (c *redactingCore) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(ent.Level) {
		return ce.AddCore(ent, c)
	}
	return ce
}

func (c *redactingCore) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	ent.Message = c.r.redact(ent.Message)
	ent.Stack = c.r.redact(ent.Stack)
	return c.Core.Write(ent, c.fields(fields))
}

func (c *redactingCore) fields(fields []zapcore.Field) []zapcore.Field {
	var out []zapcore.Field
	for i, f := range fields {
		red, changed := c.field(f)
		if !changed {
			continue
		}
		if out == nil {
			out = append([]zapcore.Field(nil), fields...)
		}
		out[i] = red
	}
	if out == nil {
		return fields
	}
	return out
}

// field returns f redacted and whether it had to change.
func (c *redactingCore) field(f zapcore.Field) (zapcore.Field, bool) {
	var text string
	switch f.Type {
	case zapcore.StringType:
		text = f.String
	case zapcore.ErrorType:
		text = fmt.Sprint(f.Interface)
	case zapcore.StringerType:
		text = fmt.Sprint(f.Interface)
	case zapcore.ByteStringType, zapcore.BinaryType:
		text = string(f.Interface.([]byte))
	case zapcore.ReflectType, zapcore.ObjectMarshalerType, zapcore.ArrayMarshalerType, zapcore.InlineMarshalerType:
		enc := zapcore.NewMapObjectEncoder()
		f.AddTo(enc)
		b, err := json.Marshal(enc.Fields)
		if err != nil {
			return zap.String(f.Key, "(unloggable field)"), true
		}
		text = string(b)
	default:
		return f, false // numbers, bools, times, durations, namespaces
	}
	red := c.r.redact(text)
	if red == text {
		return f, false
	}
	return zap.String(f.Key, red), true
}
