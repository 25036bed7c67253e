package costreportexporter

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	decimalRE  = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)
	dateTimeRE = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$`)
	// UnitFormat: an optional unit quantity, then a data size abbreviation
	// or a capitalized count noun.
	unitRE = regexp.MustCompile(`^([1-9][0-9]* )?(B|KB|MB|GB|TB|PB|EB|KiB|MiB|GiB|TiB|[A-Z][a-z]+)$`)
)

func parseDecimal(t *testing.T, col, v string) float64 {
	t.Helper()
	require.Regexp(t, decimalRE, v, "%s must be a plain decimal", col)
	f, err := strconv.ParseFloat(v, 64)
	require.NoError(t, err)
	return f
}

func parseTime(t *testing.T, col, v string) time.Time {
	t.Helper()
	require.Regexp(t, dateTimeRE, v, "%s must be ISO 8601 UTC", col)
	ts, err := time.Parse(time.RFC3339, v)
	require.NoError(t, err)
	return ts
}

// checkFOCUS checks a report against the FOCUS 1.4 extract in
// internal/focuscheck (columns, types, nulls, formats, allowed values,
// groups, row rules), then against what this report promises: period is
// the charge period, time.Hour or 24*time.Hour for a day of loc, the
// configured time zone.
func checkFOCUS(t *testing.T, path string, period time.Duration, loc *time.Location) []map[string]string {
	t.Helper()
	checkConformance(t, focusV14, path)
	header, rows := readCSV(t, path)
	for _, c := range []string{"x_SignalType", "x_IngestedBytes", "x_ExportedBytes", "x_SavedCost"} {
		assert.Contains(t, header, c)
	}
	lastFOCUS, firstCustom := -1, len(header)
	for i, c := range header {
		if strings.HasPrefix(c, "x_") {
			firstCustom = min(firstCustom, i)
		} else {
			lastFOCUS = i
		}
	}
	assert.Less(t, lastFOCUS, firstCustom, "x_ columns follow the FOCUS columns")

	require.NotEmpty(t, rows)
	for i, r := range rows {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			// Costs: Decimal, never null, no discounts in a list-price
			// report; the estimate is not an invoice (billing.chargeback
			// false), so nothing is billed.
			list := parseDecimal(t, "ListCost", r["ListCost"])
			assert.Equal(t, list, parseDecimal(t, "ContractedCost", r["ContractedCost"]))
			assert.Equal(t, "0", r["BilledCost"])
			assert.Equal(t, "0", r["EffectiveCost"])
			qty := parseDecimal(t, "PricingQuantity", r["PricingQuantity"])
			unit := parseDecimal(t, "ListUnitPrice", r["ListUnitPrice"])
			assert.Equal(t, unit, parseDecimal(t, "ContractedUnitPrice", r["ContractedUnitPrice"]))
			assert.InDelta(t, unit*qty, list, 1e-9, "ListCost = ListUnitPrice x PricingQuantity")
			assert.GreaterOrEqual(t, qty, 0.0)
			consumed := parseDecimal(t, "ConsumedQuantity", r["ConsumedQuantity"])
			assert.GreaterOrEqual(t, consumed, 0.0)
			ingested := parseDecimal(t, "x_IngestedCost", r["x_IngestedCost"])
			assert.InDelta(t, ingested-list, parseDecimal(t, "x_SavedCost", r["x_SavedCost"]), 1e-9)

			// Units.
			assert.Regexp(t, unitRE, r["PricingUnit"])
			assert.Regexp(t, unitRE, r["ConsumedUnit"])
			switch r["PricingUnit"] {
			case "GB":
				assert.Equal(t, "B", r["ConsumedUnit"])
				assert.InDelta(t, consumed/1e9, qty, 1e-15)
			default:
				assert.Equal(t, "1000000 "+r["ConsumedUnit"], r["PricingUnit"])
				assert.InDelta(t, consumed/1e6, qty, 1e-15)
			}

			// Periods: ISO 8601 in UTC, start inclusive and end exclusive,
			// so a charge period is exactly one hour or one local day of
			// loc (23 to 25 hours on DST days), aligned, inside its
			// local calendar-month billing period.
			cs := parseTime(t, "ChargePeriodStart", r["ChargePeriodStart"])
			ce := parseTime(t, "ChargePeriodEnd", r["ChargePeriodEnd"])
			bs := parseTime(t, "BillingPeriodStart", r["BillingPeriodStart"])
			be := parseTime(t, "BillingPeriodEnd", r["BillingPeriodEnd"])
			lcs, lbs := cs.In(loc), bs.In(loc)
			if period == time.Hour {
				assert.Equal(t, period, ce.Sub(cs))
				assert.Equal(t, 0, lcs.Minute()*60+lcs.Second(), "starts on a local hour")
			} else {
				assert.Equal(t, time.Date(lcs.Year(), lcs.Month(), lcs.Day(), 0, 0, 0, 0, loc), lcs, "starts at local midnight")
				assert.Equal(t, time.Date(lcs.Year(), lcs.Month(), lcs.Day()+1, 0, 0, 0, 0, loc).UTC(), ce, "ends at the next local midnight")
			}
			assert.False(t, cs.Before(bs))
			assert.False(t, ce.After(be))
			assert.Equal(t, time.Date(lbs.Year(), lbs.Month(), 1, 0, 0, 0, 0, loc), lbs, "billing period starts on a local 1st")
			assert.Equal(t, time.Date(lbs.Year(), lbs.Month()+1, 1, 0, 0, 0, 0, loc).UTC(), be, "and lasts the local month")

			// Enumerations and required strings.
			assert.Contains(t, []string{"", "Correction"}, r["ChargeClass"])
			assert.Regexp(t, `^[A-Z]{3}$`, r["BillingCurrency"])
			for _, c := range []string{"BillingAccountId", "BillingAccountName", "ChargeDescription",
				"InvoiceIssuerName", "ServiceProviderName", "HostProviderName", "ServiceName", "ResourceId", "SubAccountId"} {
				assert.NotEmpty(t, r[c], c)
			}
			assert.Contains(t, []string{"traces", "logs", "metrics"}, r["x_SignalType"])

			// Tags: a JSON object of strings naming the key.
			var tags map[string]string
			require.NoError(t, json.Unmarshal([]byte(r["Tags"]), &tags))
			assert.Equal(t, r["ResourceName"], tags["service.name"])
			assert.Equal(t, r["SubAccountId"], tags["team"])
		})
	}
	return rows
}

func TestGoldenFOCUSColumnByColumn(t *testing.T) {
	checkFOCUS(t, filepath.Join("testdata", "golden", "focus-hourly.csv"), time.Hour, time.UTC)
	checkFOCUS(t, filepath.Join("testdata", "golden", "focus-daily.csv"), 24*time.Hour, time.UTC)
}

func TestDecimalFormatting(t *testing.T) {
	assert.Equal(t, "0.0000017", decimal(1.7e-6))
	assert.Equal(t, "123456789", decimal(123456789))
	assert.Equal(t, "0.3", decimal(roundMoney(0.1*3)))
	assert.Equal(t, "0", decimal(roundMoney(-1e-12)))
}

func TestBillingPeriod(t *testing.T) {
	s, e := utcCalendar.billingPeriod(time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC).Unix())
	assert.Equal(t, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), s)
	assert.Equal(t, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), e)
}

func TestTagsWithExtraAttributes(t *testing.T) {
	cfg := testConfig("d", StageExported)
	cfg.Keys.ExtraAttributes = []string{"k8s.cluster.name", "cloud.region"}
	r := newReport(cfg)
	k := costKey{Team: "t", Service: "s", Env: "e", Extra: extraSep + "eu-west-1"}
	assert.JSONEq(t, `{"service.name":"s","deployment.environment.name":"e","team":"t","cloud.region":"eu-west-1"}`, r.tags(k))
	rec := r.record(&costRow{Key: k, Start: time.Unix(0, 0).UTC(), End: time.Unix(3600, 0).UTC(), PricingUnit: "GB", ConsumedUnit: "B"})
	assert.Equal(t, "e/s//eu-west-1", rec[slices.Index(r.focus.columns, "ResourceId")])
}
