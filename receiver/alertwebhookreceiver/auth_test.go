package alertwebhookreceiver

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/bearertokenauthextension"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configauth"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/extensiontest"

	"github.com/quell-otel/quell/receiver/alertwebhookreceiver/internal/metadatatest"
)

type extHost struct {
	component.Host
	exts map[component.ID]component.Component
}

func (h extHost) GetExtensions() map[component.ID]component.Component { return h.exts }

// TestAuthExtension: with auth configured, webhooks without the token are
// refused before anything is parsed; Alertmanager's http_config sends it.
func TestAuthExtension(t *testing.T) {
	f := bearertokenauthextension.NewFactory()
	extCfg := f.CreateDefaultConfig().(*bearertokenauthextension.Config)
	extCfg.BearerToken = "am-hook-token"
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), extCfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, ext.Shutdown(context.Background())) }()
	authID := component.MustNewIDWithName("bearertokenauth", "alerts")

	cfg := createDefaultConfig().(*Config)
	cfg.ServerConfig.NetAddr.Endpoint = "127.0.0.1:0"
	cfg.ServerConfig.Auth = configoptional.Some(confighttp.AuthConfig{Config: configauth.Config{AuthenticatorID: authID}})
	sink := new(consumertest.LogsSink)
	r, err := newReceiver(metadatatest.NewSettings(componenttest.NewTelemetry()), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), extHost{exts: map[component.ID]component.Component{authID: ext}}))
	defer func() { require.NoError(t, r.Shutdown(context.Background())) }()
	url := "http://" + r.addr.String() + "/alertmanager"

	send := func(token string) int {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewReader(readFixture(t, "alertmanager-0.25-firing.json")))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		status, _ := do(t, req)
		return status
	}
	assert.Equal(t, http.StatusUnauthorized, send(""))
	assert.Equal(t, http.StatusUnauthorized, send("wrong"))
	assert.Equal(t, 0, sink.LogRecordCount())
	assert.Equal(t, http.StatusOK, send("am-hook-token"))
	assert.Equal(t, 1, sink.LogRecordCount())
}
