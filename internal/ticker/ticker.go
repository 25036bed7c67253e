// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

// Package ticker runs a function at a fixed interval in the background, for
// components' periodic work (deciding due traces, flushing windows, logging
// summaries), started in Start and stopped in Shutdown.
package ticker // import "github.com/quell-otel/quell/internal/ticker"

import (
	"sync"
	"time"
)

// Loop calls a function every interval on its own goroutine.
type Loop struct {
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// Start calls f every interval until Stop. A call of f that takes longer
// than the interval delays the next one (calls never overlap).
func Start(interval time.Duration, f func()) *Loop {
	l := &Loop{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-t.C:
				f()
			}
		}
	}()
	return l
}

// Stop ends the loop and waits for a call of f in progress to return. It
// is idempotent, and a nil Loop (never started) is stopped already.
func (l *Loop) Stop() {
	if l == nil {
		return
	}
	l.stopOnce.Do(func() { close(l.stop) })
	<-l.done
}
