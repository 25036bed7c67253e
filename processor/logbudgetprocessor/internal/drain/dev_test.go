package drain

import (
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func devLoad(t *testing.T, name string) (content, event []string) {
	f, err := os.Open(filepath.Join("..", "..", "testdata", "loghub", name+".csv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, _ := gzip.NewReader(f)
	r := csv.NewReader(zr)
	head, _ := r.Read()
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		content = append(content, rec[col["Content"]])
		event = append(event, rec[col["EventId"]])
	}
	return
}

func devGA(pred, ev []string) float64 {
	ts := map[string]int{}
	for _, e := range ev {
		ts[e]++
	}
	type g struct {
		n   int
		e   string
		bad bool
	}
	gs := map[string]*g{}
	for i, p := range pred {
		x := gs[p]
		if x == nil {
			x = &g{e: ev[i]}
			gs[p] = x
		}
		x.n++
		x.bad = x.bad || x.e != ev[i]
	}
	c := 0
	for _, x := range gs {
		if !x.bad && ts[x.e] == x.n {
			c += x.n
		}
	}
	return float64(c) / float64(len(ev))
}

func TestDevLoghub(t *testing.T) {
	if os.Getenv("DEV") == "" {
		t.Skip()
	}
	names := []string{"Android", "BGL", "HPC", "Hadoop", "HealthApp", "Mac", "OpenStack", "Spark", "Thunderbird", "Windows"}
	drain := []float64{0.911, 0.963, 0.887, 0.948, 0.780, 0.787, 0.733, 0.920, 0.955, 0.997}
	var s1, s2 float64
	for i, n := range names {
		content, ev := devLoad(t, n)
		tr := New(Settings{})
		ids := make([]string, len(content))
		cl := make([]*Cluster, len(content))
		var buf []byte
		for k, line := range content {
			var h uint64
			buf, h = tr.AppendShape(buf[:0], line)
			c := tr.AddShaped(line, buf, h)
			ids[k] = c.View().ID
			cl[k] = c
		}
		fin := make([]string, len(content))
		for k, c := range cl {
			fin[k] = fmt.Sprint(c.Seq())
		}
		a, b := devGA(ids, ev), devGA(fin, ev)
		s1 += a
		s2 += b
		fmt.Printf("%-12s stamped %.3f final %.3f drain %.3f clusters %d\n", n, a, b, drain[i], tr.Len())
		if os.Getenv("DEV") == n {
			dump(content, ev, ids)
		}
	}
	fmt.Printf("mean stamped %.3f final %.3f\n", s1/10, s2/10)
}

// dump prints the true events that are split or merged.
func dump(content, ev, ids []string) {
	byEv := map[string]map[string]int{}
	byID := map[string]map[string]int{}
	ex := map[string]string{}
	for i := range ev {
		if byEv[ev[i]] == nil {
			byEv[ev[i]] = map[string]int{}
		}
		byEv[ev[i]][ids[i]]++
		if byID[ids[i]] == nil {
			byID[ids[i]] = map[string]int{}
		}
		byID[ids[i]][ev[i]]++
		if _, ok := ex[ev[i]+ids[i]]; !ok {
			ex[ev[i]+ids[i]] = content[i]
		}
	}
	for e, m := range byEv {
		if len(m) > 1 {
			fmt.Printf("SPLIT %s:\n", e)
			for id, n := range m {
				fmt.Printf("   %d  %s\n", n, ex[e+id])
			}
		}
	}
	for id, m := range byID {
		if len(m) > 1 {
			fmt.Printf("MERGE %s:\n", id)
			for e, n := range m {
				fmt.Printf("   %s %d  %s\n", e, n, ex[e+id])
			}
		}
	}
}
