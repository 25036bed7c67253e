// Package storageext finds a storage extension (file_storage) by ID and opens
// a component's client on it, with errors that name the extension, so each
// component that keeps state across restarts looks it up the same way.
package storageext // import "github.com/quell-otel/quell/internal/storageext"

import (
	"context"
	"fmt"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// Client opens the storage client of component id (of kind) on the storage
// extension ext. Errors start with "storage:" and name ext.
func Client(ctx context.Context, host component.Host, ext component.ID, kind component.Kind, id component.ID) (storage.Client, error) {
	c, ok := host.GetExtensions()[ext]
	if !ok {
		return nil, fmt.Errorf("storage: extension %q not found", ext.String())
	}
	se, ok := c.(storage.Extension)
	if !ok {
		return nil, fmt.Errorf("storage: extension %q is not a storage extension", ext.String())
	}
	client, err := se.GetClient(ctx, kind, id, "")
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	return client, nil
}
