package focuscheck // import "github.com/quell-otel/quell/internal/focuscheck"

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// checkRow applies the rules between columns of one row (Rules' "rules").
func (r *Rules) checkRow(rec map[string]string) []string {
	var out []string
	if _, ok := rec["PricingQuantity"]; ok && (rec["PricingQuantity"] == "") != (rec["PricingUnit"] == "") {
		out = append(out, "PricingUnit must be null exactly when PricingQuantity is null")
	}
	if rec["ChargeClass"] != "Correction" {
		out = append(out, product(rec, "ListCost", "ListUnitPrice")...)
		out = append(out, product(rec, "ContractedCost", "ContractedUnitPrice")...)
	}
	if rec["ChargeCategory"] == "Usage" && rec["BilledCost"] != "" && num(rec["BilledCost"]) != num(rec["EffectiveCost"]) {
		out = append(out, fmt.Sprintf("EffectiveCost %s differs from BilledCost %s on a usage row", rec["EffectiveCost"], rec["BilledCost"]))
	}
	for _, p := range []string{"ChargePeriod", "BillingPeriod"} {
		s, err1 := time.Parse(time.RFC3339, rec[p+"Start"])
		e, err2 := time.Parse(time.RFC3339, rec[p+"End"])
		if err1 == nil && err2 == nil && !s.Before(e) {
			out = append(out, fmt.Sprintf("%sStart %s is not before %sEnd %s", p, rec[p+"Start"], p, rec[p+"End"]))
		}
	}
	if sub, ok := rec["ServiceSubcategory"]; ok {
		if allowed, known := r.ServiceSubcategories[rec["ServiceCategory"]]; known && !slices.Contains(allowed, sub) {
			out = append(out, fmt.Sprintf("ServiceSubcategory %q is not a subcategory of %q", sub, rec["ServiceCategory"]))
		}
	}
	if v, ok := rec["SkuPriceDetails"]; ok && v != "" && rec["SkuPriceId"] == "" {
		out = append(out, "SkuPriceDetails must be null when SkuPriceId is null")
	}
	return out
}

// product checks cost = unit price x PricingQuantity when all are present.
func product(rec map[string]string, cost, unitPrice string) []string {
	c, u, q := rec[cost], rec[unitPrice], rec["PricingQuantity"]
	if c == "" || u == "" || q == "" {
		return nil
	}
	want := num(u) * num(q)
	// Costs may be rounded to 10 decimal places.
	if math.Abs(num(c)-want) > 1e-9+1e-12*math.Abs(want) {
		return []string{fmt.Sprintf("%s %s is not %s %s x PricingQuantity %s", cost, c, unitPrice, u, q)}
	}
	return nil
}

func num(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}
