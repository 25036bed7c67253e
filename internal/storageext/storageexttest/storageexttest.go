// Package storageexttest starts a real file_storage extension for tests of
// components that keep state across restarts (the extension the shipped
// configs use, not a fake).
package storageexttest // import "github.com/quell-otel/quell/internal/storageext/storageexttest"

import (
	"context"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/extensiontest"
)

// Host is a component.Host holding only extensions.
type Host map[component.ID]component.Component

// GetExtensions returns the host's extensions.
func (h Host) GetExtensions() map[component.ID]component.Component { return h }

// StartFileStorage starts a file_storage extension keeping its files (and
// compaction files) in dir, and returns its ID and a host holding it. It is
// shut down when the test ends; a second extension may be started on the
// same dir once the clients of the first are closed (a restart).
func StartFileStorage(t testing.TB, dir string) (component.ID, Host) {
	t.Helper()
	f := filestorage.NewFactory()
	cfg := f.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory = dir
	cfg.Compaction.Directory = dir
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), Host{}))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	id := component.NewID(f.Type())
	return id, Host{id: ext}
}
