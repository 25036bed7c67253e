package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

import (
	"math"
	"strconv"
	"strings"
)

// currencySymbols are the symbols the page writes before an amount; other
// ISO 4217 codes are written as a prefix ("CHF 12.50").
var currencySymbols = map[string]string{
	"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CNY": "¥", "KRW": "₩",
	"AUD": "A$", "CAD": "C$", "BRL": "R$",
}

// humanMoney writes an amount as a reader takes it in at a glance: the
// currency symbol, thousands separators and cents from 1 up, three
// significant digits below 1 (telemetry of one day often costs less than
// a cent), and "0" for nothing.
func humanMoney(v float64, currency string) string {
	sym, ok := currencySymbols[currency]
	if !ok {
		sym = currency + " "
	}
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	var num string
	switch {
	case v == 0:
		num = "0"
	case v >= 1:
		num = groupThousands(strconv.FormatFloat(v, 'f', 2, 64))
	default:
		digits := max(2, 2-int(math.Floor(math.Log10(v))))
		num = strconv.FormatFloat(v, 'f', digits, 64)
	}
	return sign + sym + num
}

// groupThousands puts commas into the integer part of a decimal string.
func groupThousands(s string) string {
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
}

// humanCount writes a count with thousands separators.
func humanCount(n int64) string {
	if n < 0 {
		return "-" + groupThousands(strconv.FormatInt(-n, 10))
	}
	return groupThousands(strconv.FormatInt(n, 10))
}

// humanBytes writes a size in decimal units (the price card's GB is 10^9
// bytes): B, KB, MB, GB, TB, one decimal place from KB up.
func humanBytes(n int64) string {
	units := []string{"B", "KB", "MB", "GB", "TB", "PB"}
	v := float64(n)
	i := 0
	for math.Abs(v) >= 1000 && i < len(units)-1 {
		v /= 1000
		i++
	}
	if i == 0 {
		return strconv.FormatInt(n, 10) + " B"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + units[i]
}

// percentSaved is saved/ingested as "87.5%", or "–" when nothing was
// ingested at a cost.
func percentSaved(saved, ingested float64) string {
	if ingested <= 0 {
		return "–"
	}
	return strconv.FormatFloat(100*saved/ingested, 'f', 1, 64) + "%"
}
