package gateway

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/trust"
)

// Config is the gateway's configuration file (JSON). Relative paths are
// relative to the file's directory.
//
//	{
//	  "listen": "127.0.0.1:8443",
//	  "store": "sqlite:gateway.db",            // or "postgres://user@host/db?..."
//	  "tls_cert": "server.pem", "tls_key": "server.key",
//	  "anchor": "anchor.pem",                  // the trust anchor certificate only
//	  "list_cert": "list.pem", "list_key": "list.key",   // key: file path or pkcs11: reference
//	  "read_header_timeout": "5s", "read_timeout": "10s", "write_timeout": "30s", "idle_timeout": "120s",
//	  "upload_max_age": "24h", "shutdown_timeout": "20s"
//	}
type Config struct {
	Listen   string `json:"listen"`
	Store    string `json:"store"`
	TLSCert  string `json:"tls_cert"`
	TLSKey   string `json:"tls_key"`
	Anchor   string `json:"anchor"`
	ListCert string `json:"list_cert"`
	ListKey  string `json:"list_key"`
	// ReadHeaderTimeout bounds the TLS handshake and the request headers
	// (a slowloris client is cut off then); ReadTimeout the whole request.
	ReadHeaderTimeout Duration `json:"read_header_timeout,omitempty"`
	ReadTimeout       Duration `json:"read_timeout,omitempty"`
	WriteTimeout      Duration `json:"write_timeout,omitempty"`
	IdleTimeout       Duration `json:"idle_timeout,omitempty"`
	UploadMaxAge      Duration `json:"upload_max_age,omitempty"`
	ShutdownTimeout   Duration `json:"shutdown_timeout,omitempty"`

	dir string
}

// Duration is a time.Duration written as a Go duration string in JSON.
type Duration time.Duration

// UnmarshalJSON reads "10s", "2m" and the like.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration must be a string such as \"30s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d Duration) or(def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return time.Duration(d)
}

// LoadConfig reads and checks a configuration file.
func LoadConfig(path string) (*Config, error) {
	data, err := limits.ReadFile(path, 1<<20)
	if err != nil {
		return nil, fmt.Errorf("gateway: config: %w", err)
	}
	var c Config
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("gateway: config %s: %w", path, err)
	}
	c.dir = filepath.Dir(path)
	var missing []string
	for name, v := range map[string]string{"listen": c.Listen, "store": c.Store, "tls_cert": c.TLSCert, "tls_key": c.TLSKey,
		"anchor": c.Anchor, "list_cert": c.ListCert, "list_key": c.ListKey} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("gateway: config %s: missing %s", path, strings.Join(missing, ", "))
	}
	return &c, nil
}

// Path resolves a path of the configuration relative to its file.
func (c *Config) Path(p string) string {
	if p == "" || filepath.IsAbs(p) || strings.Contains(p, ":") {
		return p
	}
	return filepath.Join(c.dir, p)
}

// StoreURL returns the store setting with a relative SQLite path resolved.
func (c *Config) StoreURL() string {
	if rest, ok := strings.CutPrefix(c.Store, "sqlite:"); ok {
		if !filepath.IsAbs(rest) {
			rest = filepath.Join(c.dir, rest)
		}
		return "sqlite:" + rest
	}
	return c.Store
}

// Server is a gateway listening for HTTPS.
type Server struct {
	Gateway *Gateway
	srv     *http.Server
	ln      net.Listener
	cfg     *Config
}

// NewServer prepares an HTTPS server for g with mutual TLS (client
// certificates requested, checked per write against the onboarded TLS
// certificates) and the configured timeouts.
func NewServer(g *Gateway, cfg *Config, cert tls.Certificate, log *slog.Logger) *Server {
	tc := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		// Reads are public; writes check the certificate against the
		// onboarded TLS certificates, so any client certificate may be
		// offered at the handshake.
		ClientAuth: tls.RequestClientCert,
	}
	srv := &http.Server{
		Addr:              cfg.Listen,
		Handler:           g.Handler(),
		TLSConfig:         tc,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout.or(5 * time.Second),
		ReadTimeout:       cfg.ReadTimeout.or(10 * time.Second),
		WriteTimeout:      cfg.WriteTimeout.or(30 * time.Second),
		IdleTimeout:       cfg.IdleTimeout.or(120 * time.Second),
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return &Server{Gateway: g, srv: srv, cfg: cfg}
}

// Listen binds the configured address; Addr then reports it (useful with
// port 0).
func (s *Server) Listen() error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("gateway: listen: %w", err)
	}
	s.ln = ln
	return nil
}

// Addr is the bound address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve serves until ctx is done, then shuts down gracefully: no new
// connections, in-flight requests finish within the shutdown timeout.
func (s *Server) Serve(ctx context.Context) error {
	if s.ln == nil {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- s.srv.ServeTLS(s.ln, "", "") }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout.or(20*time.Second))
	defer cancel()
	if err := s.srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("gateway: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// LoadCertificate reads one PEM certificate file.
func LoadCertificate(path string) (*x509.Certificate, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	certs, err := trust.LoadPEM(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(certs) != 1 {
		return nil, fmt.Errorf("%s: %d certificates, want exactly one", path, len(certs))
	}
	return certs[0], nil
}
