// Package freeport hands out loopback TCP ports for tests that start other
// processes (collectors, Alertmanager) on ports chosen in advance.
//
// A port found free by listening on port 0 is closed again before the other
// process binds it, and the kernel may return the same port to the next
// caller: two ports of one collector (its health check and its OTLP receiver)
// then collide and the collector fails to start. Port never returns a port
// twice in one test binary, so ports handed out here cannot collide with each
// other; a collision with some other socket in the gap remains possible, and
// callers that start processes retry on "address already in use".
package freeport

import (
	"context"
	"net"
	"strconv"
	"sync"
	"testing"
)

var (
	mu     sync.Mutex
	issued = map[int]bool{}
)

// maxTries bounds the search; the ephemeral range holds about 28,000 ports
// and a test binary uses a few hundred, so a fresh one is found within a few.
const maxTries = 100

// Port returns a loopback TCP port that was free a moment ago and that no
// earlier call in this process returned.
func Port(t testing.TB) int {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	var lc net.ListenConfig
	// Listeners stay open until a fresh port is found, so the kernel
	// offers a different port on each try.
	var held []net.Listener
	defer func() {
		for _, l := range held {
			_ = l.Close()
		}
	}()
	for range maxTries {
		l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("finding a free port: %v", err)
		}
		held = append(held, l)
		p := l.Addr().(*net.TCPAddr).Port
		if !issued[p] {
			issued[p] = true
			return p
		}
	}
	t.Fatalf("finding a free port: %d ports offered were all handed out before", maxTries)
	return 0
}

// Addr returns "127.0.0.1:<port>" for a port from Port.
func Addr(t testing.TB) string {
	t.Helper()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(Port(t)))
}
