package gateway

import (
	"context"
	"crypto"
	"crypto/tls"
	"fmt"
	"log/slog"
	"time"

	"github.com/ithc/ithc/gateway/store"
)

// RunOptions are what Run needs beyond the configuration.
type RunOptions struct {
	// OpenStore opens the store the configuration names.
	OpenStore func(ctx context.Context, url string) (store.Store, error)
	// OpenKey opens a private key reference (file path or pkcs11: URI).
	OpenKey func(ref string) (crypto.Signer, error)
	// Logger receives the service's logs.
	Logger *slog.Logger
	// Ready, when set, is called with the bound address once the server
	// listens.
	Ready func(addr string)
	// Now is the gateway's clock; nil means time.Now. (ithc demo runs a
	// gateway whose clock it sets back, to show a rule uploaded days
	// before the check.)
	Now func() time.Time
}

// Run starts the gateway a configuration describes and serves until ctx is
// done: it opens the store (running migrations), seeds the value sets,
// loads the anchor and list signer, listens and shuts down gracefully.
func Run(ctx context.Context, cfg *Config, o RunOptions) error {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	st, err := o.OpenStore(ctx, cfg.StoreURL())
	if err != nil {
		return err
	}
	defer st.Close()
	g, err := FromConfig(cfg, st, o.OpenKey, log)
	if err != nil {
		return err
	}
	if o.Now != nil {
		g.now = o.Now
	}
	if err := g.SeedValueSets(ctx); err != nil {
		return err
	}
	tlsCert, err := tls.LoadX509KeyPair(cfg.Path(cfg.TLSCert), cfg.Path(cfg.TLSKey))
	if err != nil {
		return fmt.Errorf("gateway: TLS certificate: %w", err)
	}
	srv := NewServer(g, cfg, tlsCert, log)
	if err := srv.Listen(); err != nil {
		return err
	}
	log.Info("gateway listening", "addr", srv.Addr(), "anchor", Thumbprint(g.anchor), "list_signer", Thumbprint(g.listCert))
	if o.Ready != nil {
		o.Ready(srv.Addr())
	}
	return srv.Serve(ctx)
}

// FromConfig returns the gateway a configuration describes, on the store
// st: it loads the trust anchor and list signer certificates and opens the
// list signing key with openKey. The server (Run), the static export and
// the tests all build their gateway here.
func FromConfig(cfg *Config, st store.Store, openKey func(ref string) (crypto.Signer, error), log *slog.Logger) (*Gateway, error) {
	anchor, err := LoadCertificate(cfg.Path(cfg.Anchor))
	if err != nil {
		return nil, fmt.Errorf("gateway: anchor: %w", err)
	}
	listCert, err := LoadCertificate(cfg.Path(cfg.ListCert))
	if err != nil {
		return nil, fmt.Errorf("gateway: list_cert: %w", err)
	}
	listKey, err := openKey(cfg.Path(cfg.ListKey))
	if err != nil {
		return nil, fmt.Errorf("gateway: list_key: %w", err)
	}
	return New(Options{Store: st, Anchor: anchor, ListCert: listCert, ListKey: listKey, Logger: log,
		UploadMaxAge: cfg.UploadMaxAge.or(0)})
}
