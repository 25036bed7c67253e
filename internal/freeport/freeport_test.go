package freeport

import (
	"net"
	"testing"
)

func TestPortNeverRepeats(t *testing.T) {
	seen := map[int]bool{}
	for range 500 {
		p := Port(t)
		if seen[p] {
			t.Fatalf("port %d returned twice", p)
		}
		seen[p] = true
	}
}

func TestPortIsBindable(t *testing.T) {
	l, err := net.Listen("tcp", Addr(t))
	if err != nil {
		t.Fatalf("listening on a port from Addr: %v", err)
	}
	_ = l.Close()
}
