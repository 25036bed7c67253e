// Copyright Quell authors
// SPDX-License-Identifier: Apache-2.0

package ticker

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestLoopCallsUntilStopped(t *testing.T) {
	defer goleak.VerifyNone(t)
	var n atomic.Int64
	l := Start(time.Millisecond, func() { n.Add(1) })
	require.Eventually(t, func() bool { return n.Load() >= 3 }, 10*time.Second, time.Millisecond)
	l.Stop()
	after := n.Load()
	time.Sleep(20 * time.Millisecond)
	assert.Equal(t, after, n.Load(), "no call after Stop returned")
	l.Stop() // idempotent
	var none *Loop
	none.Stop()
}
