package focuscheck

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// good is a minimal 1.4 usage row; each case below breaks one rule.
var good = map[string]string{
	"BilledCost": "0", "ContractedCost": "0.2", "EffectiveCost": "0", "ListCost": "0.2",
	"BillingAccountId": "a", "BillingAccountName": "A", "BillingCurrency": "EUR",
	"BillingPeriodStart": "2026-11-01T00:00:00Z", "BillingPeriodEnd": "2026-12-01T00:00:00Z",
	"ChargePeriodStart": "2026-11-22T02:00:00Z", "ChargePeriodEnd": "2026-11-22T03:00:00Z",
	"ChargeCategory": "Usage", "ChargeClass": "", "ChargeDescription": "d",
	"HostProviderName": "h", "InvoiceIssuerName": "i", "ServiceProviderName": "s",
	"PricingQuantity": "0.5", "PricingUnit": "GB", "ListUnitPrice": "0.4", "ContractedUnitPrice": "0.4",
	"ServiceCategory": "Management and Governance", "ServiceSubcategory": "Observability", "ServiceName": "Log Ingestion",
	"SkuId": "k", "SkuMeter": "m", "SkuPriceId": "p", "SkuPriceDetails": `{"x_A":"b"}`, "Tags": `{"team":"t"}`,
	"x_Signal": "logs",
}

func table(rec map[string]string) ([]string, [][]string) {
	var header, row []string
	for k, v := range rec {
		header = append(header, k)
		row = append(row, v)
	}
	return header, [][]string{row}
}

func TestCheckerFindsEachViolation(t *testing.T) {
	rules, err := Load(RulesPath())
	require.NoError(t, err)
	h, rows := table(good)
	res, err := rules.Check("1.4", h, rows)
	require.NoError(t, err)
	require.Empty(t, res.Violations, "the good row conforms")

	for _, tc := range []struct {
		name, version string
		change        map[string]string // "-" removes the column
		want          string
	}{
		{"missing mandatory", "1.4", map[string]string{"ServiceProviderName": "-"}, "mandatory column ServiceProviderName is missing"},
		{"removed in 1.4", "1.4", map[string]string{"ProviderName": "p"}, "column ProviderName is neither"},
		{"deprecated but mandatory in 1.3", "1.3", nil, "mandatory column ProviderName is missing"},
		{"custom without x_", "1.4", map[string]string{"Signal": "logs"}, "column Signal is neither"},
		{"half a group", "1.4", map[string]string{"SkuPriceId": "-"}, `"unit pricing with price lists" is incomplete`},
		{"null not allowed", "1.4", map[string]string{"BillingAccountId": ""}, "BillingAccountId: null"},
		{"exponent", "1.4", map[string]string{"ListCost": "2e-1"}, "ListCost: \"2e-1\" is not in Decimal format"},
		{"offset instead of Z", "1.4", map[string]string{"ChargePeriodStart": "2026-11-22T03:00:00+01:00"}, "ChargePeriodStart: \"2026-11-22T03:00:00+01:00\" is not in DateTime format"},
		{"currency symbol", "1.4", map[string]string{"BillingCurrency": "€"}, "is not in currency format"},
		{"unit", "1.4", map[string]string{"PricingUnit": "gigabytes"}, "is not in unit format"},
		{"allowed value", "1.4", map[string]string{"ChargeCategory": "Fee"}, "ChargeCategory: \"Fee\" is not an allowed value"},
		{"subcategory parent", "1.4", map[string]string{"ServiceSubcategory": "Search"}, "is not a subcategory of"},
		{"JSON", "1.4", map[string]string{"Tags": "team=t"}, "Tags: \"team=t\" is not a JSON object"},
		{"list cost", "1.4", map[string]string{"ListCost": "0.3"}, "ListCost 0.3 is not ListUnitPrice"},
		{"billed vs effective", "1.4", map[string]string{"EffectiveCost": "0.2"}, "EffectiveCost 0.2 differs from BilledCost 0"},
		{"unit without quantity", "1.4", map[string]string{"PricingQuantity": ""}, "PricingUnit must be null exactly when"},
		{"period order", "1.4", map[string]string{"ChargePeriodEnd": "2026-11-22T02:00:00Z"}, "ChargePeriodStart 2026-11-22T02:00:00Z is not before"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := map[string]string{}
			for k, v := range good {
				rec[k] = v
			}
			for k, v := range tc.change {
				if v == "-" {
					delete(rec, k)
				} else {
					rec[k] = v
				}
			}
			h, rows := table(rec)
			res, err := rules.Check(tc.version, h, rows)
			require.NoError(t, err)
			found := false
			for _, v := range res.Violations {
				found = found || strings.Contains(v, tc.want)
			}
			assert.True(t, found, "want %q in %v", tc.want, res.Violations)
		})
	}
}

func TestRulesExtract(t *testing.T) {
	rules, err := Load(RulesPath())
	require.NoError(t, err)
	assert.Contains(t, rules.License, "CC BY 4.0")
	for version, mandatory := range map[string]int{"1.3": 23, "1.4": 21} {
		v := rules.Versions[version]
		assert.Len(t, v.Columns, 65, version)
		n := 0
		for _, c := range v.Columns {
			if c.Level == "Mandatory" {
				n++
			}
		}
		assert.Equal(t, mandatory, n, version)
	}
}
