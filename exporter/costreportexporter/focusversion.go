package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
)

// The FOCUS versions cost_report writes.
const (
	focusV13 = "1.3"
	focusV14 = "1.4"
)

// focusSpec is what one FOCUS version asks of our Cost and Usage files.
type focusSpec struct {
	version string
	// columns are the CSV header: the version's columns we fill, sorted,
	// then our x_ columns.
	columns []string
}

// focusCommon are the FOCUS Cost and Usage columns a telemetry bill fills
// in both 1.3 and 1.4: every mandatory column both versions share, the
// recommended ChargeFrequency and ServiceSubcategory, and whole conditional
// groups (usage measurement, list and negotiated unit prices, pricing
// category, provisioned resources, SKU price lists, sub-accounts, tags).
// PricingCurrency is absent on purpose: it equals BillingCurrency, and
// the group it opens (PricingCurrencyEffectiveCost, not null in 1.4) is
// for a pricing currency that differs.
var focusCommon = []string{
	"BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency",
	"BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeClass",
	"ChargeDescription", "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart",
	"ConsumedQuantity", "ConsumedUnit", "ContractedCost", "ContractedUnitPrice",
	"EffectiveCost", "HostProviderName", "InvoiceIssuerName", "ListCost", "ListUnitPrice",
	"PricingCategory", "PricingQuantity", "PricingUnit", "ResourceId", "ResourceName",
	"ResourceType", "ServiceCategory", "ServiceName", "ServiceProviderName",
	"ServiceSubcategory", "SkuId", "SkuMeter", "SkuPriceDetails", "SkuPriceId",
	"SubAccountId", "SubAccountName", "SubAccountType", "Tags",
}

// customColumns are ours; FOCUS asks custom columns to start with x_.
var customColumns = []string{
	"x_SignalType", "x_Environment", "x_BilledStage",
	"x_IngestedRecords", "x_ExportedRecords", "x_IngestedBytes", "x_ExportedBytes",
	"x_IngestedCost", "x_SavedCost",
}

func newFocusSpec(version string, extra ...string) *focusSpec {
	cols := append(slices.Clone(focusCommon), extra...)
	slices.Sort(cols)
	return &focusSpec{version: version, columns: append(cols, customColumns...)}
}

// focusVersions are the versions focus_version accepts. 1.3 still has the
// deprecated mandatory ProviderName and PublisherName; 1.4 removed them.
var focusVersions = map[string]*focusSpec{
	focusV13: newFocusSpec(focusV13, "ProviderName", "PublisherName"),
	focusV14: newFocusSpec(focusV14),
}

// schemaID names a schema by its content: the version and the columns. A
// change of either is a new schema object, as FOCUS asks, and the same
// schema keeps its ID across restarts.
func (f *focusSpec) schemaID() string {
	h := sha256.Sum256([]byte(f.version + "\n" + strings.Join(f.columns, ",")))
	return "quell-cost-report-" + strings.ReplaceAll(f.version, ".", "-") + "-" + hex.EncodeToString(h[:6])
}
