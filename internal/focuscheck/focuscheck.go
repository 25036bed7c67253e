// Package focuscheck checks FOCUS Cost and Usage CSV files against a
// machine-readable extract of the specification's columns and rules
// (testdata/focus-columns.json, CC BY 4.0, its source named inside): column
// presence, types, nulls, allowed values, and date-time, decimal, currency
// and unit formats, conditional groups, and the row rules a producer of
// usage rows must keep. Tests of cost_report use it on generated reports.
package focuscheck // import "github.com/quell-otel/quell/internal/focuscheck"

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
)

// Column is one FOCUS column of one version.
type Column struct {
	ID       string `json:"id"`
	Level    string `json:"level"` // Mandatory, Recommended, Conditional
	Type     string `json:"type"`  // String, Decimal, DateTime, JSON
	Nullable bool   `json:"nullable"`
	// Allowed names a list in Rules.AllowedValues; Format a regexp in
	// Rules.Formats (currency, unit).
	Allowed string `json:"allowed,omitempty"`
	Format  string `json:"format,omitempty"`
}

// Group is a conditional group: columns one condition covers, so a file
// that has one of them has all of them.
type Group struct {
	Condition string   `json:"condition"`
	Columns   []string `json:"columns"`
}

// Version is what one FOCUS version defines for Cost and Usage.
type Version struct {
	Columns []Column `json:"columns"`
	Groups  []Group  `json:"groups"`
}

// Rules is the extract: testdata/focus-columns.json.
type Rules struct {
	Source               string              `json:"source"`
	License              string              `json:"license"`
	Formats              map[string]string   `json:"formats"`
	AllowedValues        map[string][]string `json:"allowed_values"`
	ServiceSubcategories map[string][]string `json:"service_subcategories"`
	Versions             map[string]Version  `json:"versions"`

	re map[string]*regexp.Regexp
}

// RulesPath is the path of the extract in this source tree.
func RulesPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testdata", "focus-columns.json")
}

// Load reads the extract.
func Load(path string) (*Rules, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Rules
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r.re = map[string]*regexp.Regexp{}
	for name, expr := range r.Formats {
		if r.re[name], err = regexp.Compile(expr); err != nil {
			return nil, fmt.Errorf("%s: formats.%s: %w", path, name, err)
		}
	}
	for version, v := range r.Versions {
		for _, c := range v.Columns {
			if _, ok := r.AllowedValues[c.Allowed]; c.Allowed != "" && !ok {
				return nil, fmt.Errorf("%s: versions.%s: %s: unknown allowed list %q", path, version, c.ID, c.Allowed)
			}
			if _, ok := r.re[c.Format]; c.Format != "" && !ok {
				return nil, fmt.Errorf("%s: versions.%s: %s: unknown format %q", path, version, c.ID, c.Format)
			}
		}
	}
	return &r, nil
}

// Result is what a check found.
type Result struct {
	Version    string
	Rows       int
	Columns    int
	Cells      int // values checked
	Violations []string
}

// CheckFile reads a CSV file and checks it against version.
func (r *Rules) CheckFile(version, path string) (Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return Result{}, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) == 0 {
		return Result{}, fmt.Errorf("%s: empty file", path)
	}
	return r.Check(version, recs[0], recs[1:])
}

// Check checks a header and its rows against version.
func (r *Rules) Check(version string, header []string, rows [][]string) (Result, error) {
	v, ok := r.Versions[version]
	if !ok {
		return Result{}, fmt.Errorf("unknown FOCUS version %q", version)
	}
	res := Result{Version: version, Rows: len(rows), Columns: len(header)}
	cols := map[string]Column{}
	for _, c := range v.Columns {
		cols[c.ID] = c
	}
	res.Violations = append(res.Violations, r.checkHeader(v, cols, header)...)
	for i, row := range rows {
		if len(row) != len(header) {
			res.Violations = append(res.Violations, fmt.Sprintf("row %d: %d fields, header has %d", i+1, len(row), len(header)))
			continue
		}
		rec := map[string]string{}
		for j, h := range header {
			rec[h] = row[j]
		}
		for _, h := range header {
			c, ok := cols[h]
			if !ok {
				continue
			}
			res.Cells++
			if msg := r.checkValue(c, rec[h]); msg != "" {
				res.Violations = append(res.Violations, fmt.Sprintf("row %d: %s: %s", i+1, h, msg))
			}
		}
		for _, msg := range r.checkRow(rec) {
			res.Violations = append(res.Violations, fmt.Sprintf("row %d: %s", i+1, msg))
		}
	}
	return res, nil
}

func (r *Rules) checkHeader(v Version, cols map[string]Column, header []string) []string {
	var out []string
	seen := map[string]int{}
	for _, h := range header {
		seen[h]++
		if seen[h] == 2 {
			out = append(out, fmt.Sprintf("column %s appears more than once", h))
		}
		if _, ok := cols[h]; !ok && !r.re["custom_column"].MatchString(h) {
			out = append(out, fmt.Sprintf("column %s is neither a FOCUS column of this version nor an x_ custom column", h))
		}
	}
	for _, c := range v.Columns {
		if c.Level == "Mandatory" && seen[c.ID] == 0 {
			out = append(out, fmt.Sprintf("mandatory column %s is missing", c.ID))
		}
	}
	for _, g := range v.Groups {
		var have, miss []string
		for _, c := range g.Columns {
			if seen[c] > 0 {
				have = append(have, c)
			} else {
				miss = append(miss, c)
			}
		}
		if len(have) > 0 && len(miss) > 0 {
			out = append(out, fmt.Sprintf("conditional group %q is incomplete: has %v, misses %v", g.Condition, have, miss))
		}
	}
	return out
}

func (r *Rules) checkValue(c Column, val string) string {
	if val == "" {
		if !c.Nullable {
			return "null (empty) but the column does not allow nulls"
		}
		return ""
	}
	switch c.Type {
	case "Decimal", "DateTime":
		if !r.re[c.Type].MatchString(val) {
			return fmt.Sprintf("%q is not in %s format", val, c.Type)
		}
	case "JSON":
		var obj map[string]any
		if err := json.Unmarshal([]byte(val), &obj); err != nil {
			return fmt.Sprintf("%q is not a JSON object: %v", val, err)
		}
	}
	if c.Format != "" && !r.re[c.Format].MatchString(val) {
		return fmt.Sprintf("%q is not in %s format", val, c.Format)
	}
	if c.Allowed != "" && !slices.Contains(r.AllowedValues[c.Allowed], val) {
		return fmt.Sprintf("%q is not an allowed value", val)
	}
	return ""
}
