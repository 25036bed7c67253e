package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// focusTime is FOCUS's Date/Time format: "Date/time values MUST be in UTC
// ... in the extended ISO 8601 format with UTC offset
// ('YYYY-MM-DDTHH:mm:ssZ')". Periods of another zone keep their local
// bounds, written as the UTC instants they are.
const focusTime = "2006-01-02T15:04:05Z"

// meter is one priced dimension of a key.
type meter uint8

const (
	meterBytes meter = iota
	meterCount
)

// costRow is one FOCUS row before formatting.
type costRow struct {
	Key   costKey
	Meter meter
	// Start, End and the billing bounds are UTC instants, as the period's
	// are (focusTime writes a literal Z).
	Start, End time.Time
	// BillingStart and BillingEnd bound the calendar month in the
	// configured zone.
	BillingStart, BillingEnd time.Time
	BilledStage              Stage
	UnitPrice                float64 // per PricingUnit
	PricingQuantity          float64
	PricingUnit              string
	ConsumedQty              int64
	ConsumedUnit             string
	ListCost                 float64
	IngestedCost             float64
	SavedCost                float64
	In, Out                  volume
}

// report turns periods into rows and files; it holds what all instances
// sharing a directory agree on.
type report struct {
	cfg   *Config
	focus *focusSpec
	page  *template.Template
}

func newReport(cfg *Config) report {
	return report{cfg: cfg, focus: focusVersions[cfg.FocusVersion],
		page: template.Must(template.New("page").Funcs(pageFuncs(cfg.Prices.Currency)).Parse(pageHTML))}
}

func (r *report) countPrice(s signal) (perMillion float64, unit string) {
	switch s {
	case signalTraces:
		return r.cfg.Prices.PerMillionSpans, "Spans"
	case signalLogs:
		return r.cfg.Prices.PerMillionRecords, "Records"
	default:
		return r.cfg.Prices.PerMillionDataPoints, "Datapoints"
	}
}

func (r *report) gbPrice(s signal) float64 {
	switch s {
	case signalTraces:
		return r.cfg.Prices.PerGB.Traces
	case signalLogs:
		return r.cfg.Prices.PerGB.Logs
	default:
		return r.cfg.Prices.PerGB.Metrics
	}
}

// rows prices one period: two rows per key, the OTLP bytes (per GB) and the
// item count (per million). Each row is billed on the exported volume when a
// stage=exported meter shares the ledger for that signal, else on the
// ingested volume; x_SavedCost is the ingested cost minus the billed cost.
func (r *report) rows(p *period) []costRow {
	keys := sortedKeys(p.Tallies)
	rows := make([]costRow, 0, 2*len(keys))
	for _, k := range keys {
		t := p.Tallies[k]
		stage := StageIngested
		billed := t.In
		if p.Exported[k.Signal] {
			stage = StageExported
			billed = t.Out
		}
		gb := r.gbPrice(k.Signal)
		bytesRow := costRow{
			Key: k, Meter: meterBytes, Start: p.Start, End: p.End, BilledStage: stage,
			BillingStart: p.BillingStart, BillingEnd: p.BillingEnd,
			UnitPrice:       gb,
			PricingQuantity: float64(billed.Bytes) / 1e9,
			PricingUnit:     "GB",
			ConsumedQty:     billed.Bytes,
			ConsumedUnit:    "B",
			In:              volume{Bytes: t.In.Bytes},
			Out:             volume{Bytes: t.Out.Bytes},
		}
		bytesRow.ListCost = roundMoney(bytesRow.PricingQuantity * gb)
		bytesRow.IngestedCost = roundMoney(float64(t.In.Bytes) / 1e9 * gb)
		bytesRow.SavedCost = roundMoney(bytesRow.IngestedCost - bytesRow.ListCost)

		perMillion, unit := r.countPrice(k.Signal)
		countRow := costRow{
			Key: k, Meter: meterCount, Start: p.Start, End: p.End, BilledStage: stage,
			BillingStart: p.BillingStart, BillingEnd: p.BillingEnd,
			UnitPrice:       perMillion,
			PricingQuantity: float64(billed.Records) / 1e6,
			PricingUnit:     "1000000 " + unit,
			ConsumedQty:     billed.Records,
			ConsumedUnit:    unit,
			In:              volume{Records: t.In.Records},
			Out:             volume{Records: t.Out.Records},
		}
		countRow.ListCost = roundMoney(countRow.PricingQuantity * perMillion)
		countRow.IngestedCost = roundMoney(float64(t.In.Records) / 1e6 * perMillion)
		countRow.SavedCost = roundMoney(countRow.IngestedCost - countRow.ListCost)
		rows = append(rows, bytesRow, countRow)
	}
	return rows
}

// roundMoney keeps 10 decimal places: far below a cent, and free of the
// binary noise of float products (0.1*3).
func roundMoney(v float64) float64 {
	r := math.Round(v*1e10) / 1e10
	if r == 0 {
		return 0 // no "-0"
	}
	return r
}

// decimal formats a FOCUS Decimal: plain digits, never an exponent.
func decimal(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}

var serviceNames = [numSignals]string{"Trace Ingestion", "Log Ingestion", "Metric Ingestion"}

func (r *report) tags(k costKey) string {
	keys := r.cfg.Keys
	m := map[string]string{
		keys.ServiceAttribute:     k.Service,
		keys.EnvironmentAttribute: k.Env,
	}
	team := keys.TeamAttribute
	if team == "" {
		team = "team"
	}
	m[team] = k.Team
	if k.Extra != "" || len(keys.ExtraAttributes) > 0 {
		vals := strings.Split(k.Extra, extraSep)
		for i, a := range keys.ExtraAttributes {
			if i < len(vals) && vals[i] != "" {
				m[a] = vals[i]
			}
		}
	}
	b, _ := json.Marshal(m) // map keys come out sorted
	return string(b)
}

// billed returns BilledCost and EffectiveCost: the price-card cost when
// the invoice issuer charges back from it (billing.chargeback), else 0.
// FOCUS: BilledCost reflects amounts invoiced, "not estimated or
// inferred", and an entity not invoicing the charge must not emit a
// non-zero BilledCost; EffectiveCost must match BilledCost for a usage
// charge that covers nothing and nothing covers. The estimate is always in
// ListCost and ContractedCost.
func (r *report) billed(list string) string {
	if r.cfg.Billing.Chargeback {
		return list
	}
	return "0"
}

// sku returns SkuId, SkuMeter, SkuPriceId and SkuPriceDetails: one
// conditional group, written whole.
func (r *report) sku(row *costRow) (id, meter, priceID, details string) {
	sig := row.Key.Signal.String()
	id, meter, measure := "quell-"+sig+"-bytes", "Ingested GB", "OTLP protobuf bytes"
	if row.Meter == meterCount {
		id, meter, measure = "quell-"+sig+"-count", row.ConsumedUnit, row.ConsumedUnit
	}
	priceID = id + "-" + r.cfg.Prices.Currency + "-" + decimal(row.UnitPrice) + "-per-" + strings.ReplaceAll(row.PricingUnit, " ", "-")
	b, _ := json.Marshal(map[string]string{"x_Signal": sig, "x_Measure": measure})
	return id, meter, priceID, string(b)
}

func (r *report) values(row *costRow) map[string]string {
	k := row.Key
	money := decimal(row.ListCost)
	what := "OTLP protobuf bytes"
	if row.Meter == meterCount {
		what = strings.ToLower(row.ConsumedUnit)
	}
	desc := fmt.Sprintf("%s %s of service %s (team %s, environment %s), billed on the %s volume",
		k.Signal.String(), what, k.Service, k.Team, k.Env, row.BilledStage)
	resourceID := k.Env + "/" + k.Service
	if k.Extra != "" {
		resourceID += "/" + strings.ReplaceAll(k.Extra, extraSep, "/")
	}
	sku, skuMeter, skuPrice, skuDetails := r.sku(row)
	b := &r.cfg.Billing
	return map[string]string{
		"BilledCost": r.billed(money), "EffectiveCost": r.billed(money),
		"ContractedCost": money, "ListCost": money,
		"BillingAccountId": b.AccountID, "BillingAccountName": b.AccountName,
		"BillingCurrency":  r.cfg.Prices.Currency,
		"BillingPeriodEnd": row.BillingEnd.Format(focusTime), "BillingPeriodStart": row.BillingStart.Format(focusTime),
		"ChargeCategory": "Usage", "ChargeClass": "", "ChargeDescription": desc, "ChargeFrequency": "Usage-Based",
		"ChargePeriodEnd": row.End.Format(focusTime), "ChargePeriodStart": row.Start.Format(focusTime),
		"ConsumedQuantity": strconv.FormatInt(row.ConsumedQty, 10), "ConsumedUnit": row.ConsumedUnit,
		"ContractedUnitPrice": decimal(row.UnitPrice), "ListUnitPrice": decimal(row.UnitPrice),
		"HostProviderName": b.HostProviderName, "ServiceProviderName": b.ServiceProviderName,
		"InvoiceIssuerName": b.InvoiceIssuerName, "ProviderName": b.ProviderName, "PublisherName": b.PublisherName,
		"PricingCategory": "Standard", "PricingQuantity": decimal(row.PricingQuantity), "PricingUnit": row.PricingUnit,
		"ResourceId": resourceID, "ResourceName": k.Service, "ResourceType": "Service",
		"ServiceCategory": "Management and Governance", "ServiceName": serviceNames[k.Signal],
		"ServiceSubcategory": "Observability",
		"SkuId":              sku, "SkuMeter": skuMeter, "SkuPriceId": skuPrice, "SkuPriceDetails": skuDetails,
		"SubAccountId": k.Team, "SubAccountName": k.Team, "SubAccountType": "Team",
		"Tags":         r.tags(k),
		"x_SignalType": k.Signal.String(), "x_Environment": k.Env, "x_BilledStage": string(row.BilledStage),
		"x_IngestedRecords": strconv.FormatInt(row.In.Records, 10), "x_ExportedRecords": strconv.FormatInt(row.Out.Records, 10),
		"x_IngestedBytes": strconv.FormatInt(row.In.Bytes, 10), "x_ExportedBytes": strconv.FormatInt(row.Out.Bytes, 10),
		"x_IngestedCost": decimal(row.IngestedCost), "x_SavedCost": decimal(row.SavedCost),
	}
}

// record is one CSV line in the column order of the configured version.
func (r *report) record(row *costRow) []string {
	rec := r.values(row)
	out := make([]string, len(r.focus.columns))
	for i, c := range r.focus.columns {
		out[i] = rec[c]
	}
	return out
}

// csv renders rows as a FOCUS CSV file.
func (r *report) csv(rows []costRow) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(r.focus.columns); err != nil {
		return nil, err
	}
	for i := range rows {
		if err := w.Write(r.record(&rows[i])); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// totals sums volumes and money over rows.
type totals struct {
	IngestedRecords int64   `json:"ingested_records"`
	ExportedRecords int64   `json:"exported_records"`
	IngestedBytes   int64   `json:"ingested_bytes"`
	ExportedBytes   int64   `json:"exported_bytes"`
	ListCost        float64 `json:"list_cost"`
	IngestedCost    float64 `json:"ingested_cost"`
	SavedCost       float64 `json:"saved_cost"`
}

func (t *totals) add(row *costRow) {
	t.IngestedRecords += row.In.Records
	t.ExportedRecords += row.Out.Records
	t.IngestedBytes += row.In.Bytes
	t.ExportedBytes += row.Out.Bytes
	t.ListCost = roundMoney(t.ListCost + row.ListCost)
	t.IngestedCost = roundMoney(t.IngestedCost + row.IngestedCost)
	t.SavedCost = roundMoney(t.SavedCost + row.SavedCost)
}

// summary is the JSON file written beside each CSV.
type summary struct {
	ChargePeriodStart string `json:"charge_period_start"`
	ChargePeriodEnd   string `json:"charge_period_end"`
	// TimeZone is the zone whose hour or day the period is, LocalDate
	// the date of its day there.
	TimeZone  string `json:"time_zone"`
	LocalDate string `json:"local_date"`
	Currency  string `json:"billing_currency"`
	// FocusVersion and SchemaID name the FOCUS version of the CSV and its
	// schema in metadata/schemas/ (absent in files from before 1.3).
	FocusVersion  string             `json:"focus_version,omitempty"`
	SchemaID      string             `json:"schema_id,omitempty"`
	CSV           string             `json:"csv"`
	Rows          int                `json:"rows"`
	Total         totals             `json:"total"`
	BySignal      map[string]*totals `json:"by_signal"`
	ByTeam        map[string]*totals `json:"by_team"`
	ByService     map[string]*totals `json:"by_service"`
	ByEnvironment map[string]*totals `json:"by_environment"`
}

func (r *report) summarize(p *period, rows []costRow, csvName string) summary {
	s := summary{
		ChargePeriodStart: p.Start.Format(focusTime),
		ChargePeriodEnd:   p.End.Format(focusTime),
		TimeZone:          p.TimeZone,
		LocalDate:         p.Day,
		Currency:          r.cfg.Prices.Currency,
		FocusVersion:      r.focus.version,
		SchemaID:          r.focus.schemaFor(datasetInstances[1]).SchemaID,
		CSV:               csvName,
		Rows:              len(rows),
		BySignal:          map[string]*totals{},
		ByTeam:            map[string]*totals{},
		ByService:         map[string]*totals{},
		ByEnvironment:     map[string]*totals{},
	}
	if p.Hourly {
		s.SchemaID = r.focus.schemaFor(datasetInstances[0]).SchemaID
	}
	group := func(m map[string]*totals, name string, row *costRow) {
		t := m[name]
		if t == nil {
			t = &totals{}
			m[name] = t
		}
		t.add(row)
	}
	for i := range rows {
		row := &rows[i]
		s.Total.add(row)
		group(s.BySignal, row.Key.Signal.String(), row)
		group(s.ByTeam, row.Key.Team, row)
		group(s.ByService, row.Key.Service, row)
		group(s.ByEnvironment, row.Key.Env, row)
	}
	return s
}

func sortedNames(m map[string]*totals) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
