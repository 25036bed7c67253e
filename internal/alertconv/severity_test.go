package alertconv

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/plog"
)

func TestParseSeverity(t *testing.T) {
	for word, want := range map[string]Severity{
		"critical": SeverityCritical, "CRITICAL": SeverityCritical, "Page": SeverityCritical, "p1": SeverityCritical,
		"error": SeverityError, "High": SeverityError, "P2": SeverityError,
		"warning": SeverityWarning, "warn": SeverityWarning, "minor": SeverityWarning,
		"info": SeverityInfo, "notice": SeverityInfo, "p5": SeverityInfo,
		"debug": SeverityDebug, "": SeverityUnknown, "sev-unknown": SeverityUnknown,
	} {
		assert.Equal(t, want, ParseSeverity(word), word)
	}
	// Every level's canonical word reads back as that level.
	for s := SeverityDebug; s <= SeverityCritical; s++ {
		assert.Equal(t, s, ParseSeverity(s.String()))
		assert.NotEqual(t, plog.SeverityNumberUnspecified, s.Number())
	}
	assert.Equal(t, plog.SeverityNumberUnspecified, SeverityUnknown.Number())
}
