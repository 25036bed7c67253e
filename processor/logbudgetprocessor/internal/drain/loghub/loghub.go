// Package loghub reads loghub's labelled 2k samples (one CSV per dataset,
// gzipped) and scores a template miner on them with loghub's grouping
// accuracy. The processor's TestTemplateAccuracy and the drain package's
// generalization check share it.
package loghub // import "github.com/quell-otel/quell/processor/logbudgetprocessor/internal/drain/loghub"

import (
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
)

// Line is one labelled log line.
type Line struct {
	// Content is the message; Event the true template's ID; Template its text.
	Content, Event, Template string
}

// Load reads the dataset at path (a gzipped loghub *_structured.csv).
func Load(path string) ([]Line, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r := csv.NewReader(zr)
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	var out []Line
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, Line{rec[col["Content"]], rec[col["EventId"]], rec[col["EventTemplate"]]})
	}
}

// GroupingAccuracy is loghub's: the share of lines whose predicted group
// (pred[i] for lines[i]) holds exactly the lines of their true event.
func GroupingAccuracy[K comparable](pred []K, lines []Line) float64 {
	trueSize := map[string]int{}
	for _, l := range lines {
		trueSize[l.Event]++
	}
	type group struct {
		n      int
		event  string
		impure bool
	}
	groups := map[K]*group{}
	for i, id := range pred {
		g := groups[id]
		if g == nil {
			g = &group{event: lines[i].Event}
			groups[id] = g
		}
		g.n++
		g.impure = g.impure || g.event != lines[i].Event
	}
	correct := 0
	for _, g := range groups {
		if !g.impure && trueSize[g.event] == g.n {
			correct += g.n
		}
	}
	return float64(correct) / float64(len(lines))
}
