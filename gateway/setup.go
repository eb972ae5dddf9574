package gateway

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/ithc/ithc/trust"
)

// The files Init writes.
const (
	FileAnchorCert = "anchor.pem"
	FileAnchorKey  = "anchor.key"
	FileListCert   = "list.pem"
	FileListKey    = "list.key"
	FileServerCert = "server.pem"
	FileServerKey  = "server.key"
	FileConfig     = "gateway.json"
)

// InitOptions configure Init.
type InitOptions struct {
	// Name is the operator's name in the certificates; empty means "ITHC
	// Gateway".
	Name string
	// Listen is the address in the configuration; empty means
	// 127.0.0.1:8443.
	Listen string
	// Store is the store URL; empty means sqlite:gateway.db.
	Store string
	// Hosts are the DNS names and IP addresses of the server certificate;
	// empty means localhost and 127.0.0.1.
	Hosts []string
	// Now is the start of validity; zero means time.Now.
	Now time.Time
}

// Init creates a gateway's key material and configuration in dir:
//
//   - the trust anchor (P-256, 10 years, CA): anchor.pem for everybody,
//     anchor.key to be moved offline after setup (onboarding needs it, the
//     server does not);
//   - the list signer (P-256, 2 years, issued by the anchor, extended key
//     usage trust.ListSigningOID): list.pem, list.key;
//   - the HTTPS server certificate (P-256, 1 year, issued by the anchor, so
//     verifiers that trust the anchor can also reach the gateway without a
//     public CA): server.pem, server.key;
//   - gateway.json, a Config naming them.
//
// Existing files are never overwritten.
func Init(dir string, o InitOptions) (*Config, error) {
	if o.Name == "" {
		o.Name = "ITHC Gateway"
	}
	if o.Listen == "" {
		o.Listen = "127.0.0.1:8443"
	}
	if o.Store == "" {
		o.Store = "sqlite:gateway.db"
	}
	if len(o.Hosts) == 0 {
		o.Hosts = []string{"localhost", "127.0.0.1"}
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	start := o.Now.Add(-time.Hour).UTC()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("gateway: init: %w", err)
	}
	for _, f := range []string{FileAnchorKey, FileListKey, FileServerKey, FileConfig} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return nil, fmt.Errorf("gateway: init: %s exists; refusing to overwrite", filepath.Join(dir, f))
		}
	}
	anchorKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	anchor, err := issue(&x509.Certificate{
		Subject:   pkix.Name{Organization: []string{o.Name}, CommonName: o.Name + " Trust Anchor"},
		NotBefore: start, NotAfter: start.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true, IsCA: true, MaxPathLen: 0, MaxPathLenZero: true,
	}, nil, anchorKey.Public(), anchorKey)
	if err != nil {
		return nil, err
	}
	listKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	list, err := issue(&x509.Certificate{
		Subject:   pkix.Name{Organization: []string{o.Name}, CommonName: o.Name + " List Signer"},
		NotBefore: start, NotAfter: start.AddDate(2, 0, 0),
		KeyUsage:           x509.KeyUsageDigitalSignature,
		UnknownExtKeyUsage: []asn1.ObjectIdentifier{trust.ListSigningOID},
	}, anchor, listKey.Public(), anchorKey)
	if err != nil {
		return nil, err
	}
	serverKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		Subject:   pkix.Name{Organization: []string{o.Name}, CommonName: o.Hosts[0]},
		NotBefore: start, NotAfter: start.AddDate(1, 0, 0),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range o.Hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	server, err := issue(tmpl, anchor, serverKey.Public(), anchorKey)
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		cert *x509.Certificate
		key  crypto.Signer
	}{{FileAnchorCert, anchor, nil}, {FileAnchorKey, nil, anchorKey}, {FileListCert, list, nil}, {FileListKey, nil, listKey},
		{FileServerCert, server, nil}, {FileServerKey, nil, serverKey}} {
		var data []byte
		mode := os.FileMode(0o644)
		if f.cert != nil {
			data = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.cert.Raw})
		} else {
			der, err := x509.MarshalPKCS8PrivateKey(f.key)
			if err != nil {
				return nil, err
			}
			data = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
			mode = 0o600
		}
		if err := writeNew(filepath.Join(dir, f.name), data, mode); err != nil {
			return nil, err
		}
	}
	cfg := &Config{Listen: o.Listen, Store: o.Store, TLSCert: FileServerCert, TLSKey: FileServerKey,
		Anchor: FileAnchorCert, ListCert: FileListCert, ListKey: FileListKey, dir: dir}
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := writeNew(filepath.Join(dir, FileConfig), append(data, '\n'), 0o644); err != nil {
		return nil, err
	}
	return cfg, nil
}

func issue(tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial.Add(serial, big.NewInt(1))
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		return nil, fmt.Errorf("gateway: init: %w", err)
	}
	return x509.ParseCertificate(der)
}

func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("gateway: init: %s exists; refusing to overwrite", path)
	}
	if err != nil {
		return fmt.Errorf("gateway: init: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
