//go:generate mdatagen metadata.yaml

// Package sloconnector implements the slo connector: it counts SLI good and
// total events per objective from every span (with sample weights), keeps
// them in fixed-size bucket windows, and raises multi-window multi-burn-rate
// alerts (SRE Workbook) as log records in Quell's alert convention, plus SLI,
// error budget and burn rate metrics.
package sloconnector // import "github.com/quell-otel/quell/connector/sloconnector"
