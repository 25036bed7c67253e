package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// writeAtomic writes data to path through a temporary file in the same
// folder and a rename, so readers see the old file or the new one, never a
// partial one.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// stateStore keeps the ledger state across restarts.
type stateStore interface {
	// load returns nil, nil when nothing was saved.
	load(ctx context.Context) ([]byte, error)
	save(ctx context.Context, data []byte) error
	// discard sets a state that could not be read aside.
	discard(ctx context.Context) error
	close(ctx context.Context) error
	String() string
}

// stateFileName is the ledger state in the report directory.
const stateFileName = ".cost-report-state.json"

type dirStore struct{ path string }

func (d dirStore) load(context.Context) ([]byte, error) {
	b, err := os.ReadFile(d.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

func (d dirStore) save(_ context.Context, data []byte) error { return writeAtomic(d.path, data) }

func (d dirStore) discard(context.Context) error {
	return os.Rename(d.path, d.path+".corrupt")
}

func (dirStore) close(context.Context) error { return nil }

func (d dirStore) String() string { return d.path }

// storageStore keeps the state in a storage extension (e.g. file_storage),
// under one key per report directory.
type storageStore struct {
	client storage.Client
	key    string
	name   string
}

// storageClientID names the client the same whatever instance starts
// first, so a restart finds the state again.
var storageClientID = component.MustNewID("cost_report")

func newStorageStore(ctx context.Context, host component.Host, id component.ID, dir string) (*storageStore, error) {
	ext, ok := host.GetExtensions()[id]
	if !ok {
		return nil, fmt.Errorf("storage: extension %q not found", id)
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return nil, fmt.Errorf("storage: extension %q is not a storage extension", id)
	}
	client, err := se.GetClient(ctx, component.KindExporter, storageClientID, "ledger")
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	return &storageStore{client: client, key: "ledger:" + dir, name: id.String()}, nil
}

func (s *storageStore) load(ctx context.Context) ([]byte, error) { return s.client.Get(ctx, s.key) }

func (s *storageStore) save(ctx context.Context, data []byte) error {
	return s.client.Set(ctx, s.key, data)
}

func (s *storageStore) discard(ctx context.Context) error { return s.client.Delete(ctx, s.key) }

func (s *storageStore) close(ctx context.Context) error { return s.client.Close(ctx) }

func (s *storageStore) String() string { return s.name + " key " + s.key }
