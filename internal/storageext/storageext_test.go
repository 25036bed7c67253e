package storageext

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

type host map[component.ID]component.Component

func (h host) GetExtensions() map[component.ID]component.Component { return h }

type notStorage struct {
	component.StartFunc
	component.ShutdownFunc
}

type fakeStorage struct {
	component.StartFunc
	component.ShutdownFunc
	gotKind component.Kind
	gotID   component.ID
}

func (f *fakeStorage) GetClient(_ context.Context, kind component.Kind, id component.ID, _ string) (storage.Client, error) {
	f.gotKind, f.gotID = kind, id
	return storage.NewNopClient(), nil
}

func TestClient(t *testing.T) {
	ext := component.MustNewID("file_storage")
	me := component.MustNewID("slo")
	st := &fakeStorage{}
	c, err := Client(context.Background(), host{ext: st}, ext, component.KindConnector, me)
	require.NoError(t, err)
	assert.NotNil(t, c)
	assert.Equal(t, component.KindConnector, st.gotKind)
	assert.Equal(t, me, st.gotID)

	_, err = Client(context.Background(), host{}, ext, component.KindConnector, me)
	assert.EqualError(t, err, `storage: extension "file_storage" not found`)
	_, err = Client(context.Background(), host{ext: notStorage{}}, ext, component.KindConnector, me)
	assert.EqualError(t, err, `storage: extension "file_storage" is not a storage extension`)
}
