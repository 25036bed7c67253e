package incidentexporter

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// PagerDuty's severity comes from the same table as the records' severity
// numbers (alertconv.ParseSeverity).
func TestPagerDutySeverityReadsTheSharedTable(t *testing.T) {
	for word, want := range map[string]string{
		"critical": "critical", "CRITICAL": "critical", "Page": "critical", "p1": "critical",
		"major": "error", "P2": "error", "warn": "warning", "Medium": "warning",
		"notice": "info", "p5": "info",
		"debug": "def", "sev-unknown": "def", "": "def",
	} {
		assert.Equal(t, want, pdSeverity(word, "def"), word)
	}
	assert.Equal(t, "error", pdSeverity("sev-unknown", ""))
}
