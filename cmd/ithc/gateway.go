package main

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ithc/ithc/gateway"
	"github.com/ithc/ithc/gateway/client"
	"github.com/ithc/ithc/gateway/store"
	"github.com/ithc/ithc/gateway/store/open"
	"github.com/ithc/ithc/keys"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/verifier"
)

const gatewayUsage = `usage: ithc gateway init|serve|onboard|offboard|audit|export|advance ...

    ithc gateway init --dir DIR [--listen ADDR] [--store URL] [--host NAME ...]
    ithc gateway serve --config FILE
    ithc gateway onboard --config FILE --anchor-key KEY --country CC [--csca F] [--upload F] [--tls F]
    ithc gateway offboard --config FILE --thumbprint HEX
    ithc gateway audit --config FILE [--country CC] [--json]
    ithc gateway export --config FILE DIR
    ithc gateway advance --config FILE --to VERSION [--reason TEXT]   (after restoring a backup)`

// runGateway runs the operator's commands.
func runGateway(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("%s", gatewayUsage)
	}
	switch args[0] {
	case "init":
		return gatewayInit(args[1:], stdout, stderr)
	case "serve":
		return gatewayServe(args[1:], stderr)
	case "onboard":
		return gatewayOnboard(args[1:], stdout, stderr)
	case "offboard":
		return gatewayOffboard(args[1:], stdout, stderr)
	case "audit":
		return gatewayAudit(args[1:], stdout, stderr)
	case "export":
		return gatewayExport(args[1:], stdout, stderr)
	case "advance":
		return gatewayAdvance(args[1:], stdout, stderr)
	}
	return usageError("unknown gateway command %q\n%s", args[0], gatewayUsage)
}

func gatewayInit(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gateway init", "ithc gateway init --dir DIR [--listen ADDR] [--store URL] [--host NAME ...]", stderr)
	dir := fs.String("dir", "", "directory for the keys, certificates and gateway.json (required)")
	listen := fs.String("listen", "127.0.0.1:8443", "address the gateway listens on")
	storeURL := fs.String("store", "sqlite:gateway.db", "store: sqlite:PATH or a postgres:// URL")
	var hosts stringList
	fs.Var(&hosts, "host", "DNS name or IP address of the server certificate (repeatable; default localhost and 127.0.0.1)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *dir == "" {
		return usageError("--dir is required, and no arguments")
	}
	cfg, err := gateway.Init(*dir, gateway.InitOptions{Listen: *listen, Store: *storeURL, Hosts: hosts})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "configuration:  %s/%s (listen %s, store %s)\n", *dir, gateway.FileConfig, cfg.Listen, cfg.Store)
	fmt.Fprintf(stdout, "trust anchor:   %s/%s (give it to every verifier)\n", *dir, gateway.FileAnchorCert)
	fmt.Fprintf(stdout, "anchor key:     %s/%s (onboarding only: move it offline)\n", *dir, gateway.FileAnchorKey)
	return nil
}

// signalContext is done on SIGINT or SIGTERM.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func gatewayServe(args []string, stderr io.Writer) error {
	fs := newFlagSet("gateway serve", "ithc gateway serve --config FILE", stderr)
	config := fs.String("config", "", "gateway configuration file (required; see ithc gateway init)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *config == "" {
		return usageError("--config is required, and no arguments")
	}
	cfg, err := gateway.LoadConfig(*config)
	if err != nil {
		return err
	}
	ctx, cancel := signalContext()
	defer cancel()
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	return gateway.Run(ctx, cfg, gateway.RunOptions{OpenStore: open.Store, OpenKey: openServiceKey, Logger: log})
}

// openConfigStore loads a configuration and opens its store.
func openConfigStore(path string) (*gateway.Config, store.Store, error) {
	cfg, err := gateway.LoadConfig(path)
	if err != nil {
		return nil, nil, err
	}
	st, err := open.Store(context.Background(), cfg.StoreURL())
	if err != nil {
		return nil, nil, err
	}
	return cfg, st, nil
}

func gatewayOnboard(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gateway onboard", "ithc gateway onboard --config FILE --anchor-key KEY --country CC [--csca F] [--upload F] [--tls F]", stderr)
	config := fs.String("config", "", "gateway configuration file (required)")
	anchorKey := fs.String("anchor-key", "", "the trust anchor's private key (required; file or pkcs11: reference)")
	country := fs.String("country", "", "ISO 3166-1 alpha-2 code of the country (required)")
	csca := fs.String("csca", "", "the country signing CA certificate")
	upload := fs.String("upload", "", "the upload certificate")
	tlsCert := fs.String("tls", "", "the TLS client certificate")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *config == "" || *anchorKey == "" || *country == "" || (*csca == "" && *upload == "" && *tlsCert == "") {
		return usageError("--config, --anchor-key, --country and at least one of --csca, --upload, --tls are required")
	}
	cfg, st, err := openConfigStore(*config)
	if err != nil {
		return err
	}
	defer st.Close()
	anchor, err := gateway.LoadCertificate(cfg.Path(cfg.Anchor))
	if err != nil {
		return err
	}
	key, err := openKey(*anchorKey)
	if err != nil {
		return err
	}
	defer key.Close()
	for _, r := range []struct{ role, path string }{{gateway.RoleCSCA, *csca}, {gateway.RoleUpload, *upload}, {gateway.RoleTLS, *tlsCert}} {
		if r.path == "" {
			continue
		}
		cert, err := gateway.LoadCertificate(r.path)
		if err != nil {
			return err
		}
		e, err := gateway.Onboard(context.Background(), st, key, anchor, *country, r.role, cert, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "onboarded %s %-6s %s (seq %d)\n", e.Country, r.role, e.ID, e.Seq)
	}
	return nil
}

func gatewayOffboard(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gateway offboard", "ithc gateway offboard --config FILE --thumbprint HEX", stderr)
	config := fs.String("config", "", "gateway configuration file (required)")
	thumbprint := fs.String("thumbprint", "", "hex SHA-256 of the certificate to withdraw, as onboard printed it (required)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *config == "" || *thumbprint == "" {
		return usageError("--config and --thumbprint are required, and no arguments")
	}
	_, st, err := openConfigStore(*config)
	if err != nil {
		return err
	}
	defer st.Close()
	e, err := gateway.Offboard(context.Background(), st, *thumbprint, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "withdrew %s %s %s (seq %d)\n", e.Country, e.Kind, e.ID, e.Seq)
	return nil
}

// gatewayAdvance raises the store's version after a restore (see
// gateway.Advance and docs/operations.md).
func gatewayAdvance(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gateway advance", "ithc gateway advance --config FILE --to VERSION [--reason TEXT]", stderr)
	config := fs.String("config", "", "gateway configuration file (required)")
	to := fs.Int64("to", 0, "the new version: above the highest version verifiers have seen (required)")
	reason := fs.String("reason", "restored from a backup", "why, for the audit log")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *config == "" || *to <= 0 {
		return usageError("--config and a positive --to are required, and no arguments")
	}
	_, st, err := openConfigStore(*config)
	if err != nil {
		return err
	}
	defer st.Close()
	e, err := gateway.Advance(context.Background(), st, *to, *reason, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "store advanced to version %d; now make again the writes the restore lost, deletions first\n", e.Seq)
	return nil
}

func gatewayAudit(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gateway audit", "ithc gateway audit --config FILE [--country CC] [--since N] [--json]", stderr)
	config := fs.String("config", "", "gateway configuration file (required)")
	country := fs.String("country", "", "only this caller country")
	since := fs.Int64("since", 0, "only records after this audit sequence number")
	asJSON := fs.Bool("json", false, "print JSON lines, with the signed requests in base64")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *config == "" {
		return usageError("--config is required, and no arguments")
	}
	_, st, err := openConfigStore(*config)
	if err != nil {
		return err
	}
	defer st.Close()
	recs, err := st.Audit(context.Background(), store.AuditFilter{Country: strings.ToUpper(*country), Since: *since})
	if err != nil {
		return err
	}
	for _, r := range recs {
		if *asJSON {
			if err := writeJSON(stdout, map[string]any{
				"seq": r.Seq, "time": r.Time.UTC(), "country": r.Country, "caller": hex.EncodeToString(r.Caller),
				"action": r.Action, "kind": r.Kind, "id": r.ID, "entry_seq": r.EntrySeq,
				"request": base64.StdEncoding.EncodeToString(r.Request),
			}, ""); err != nil {
				return err
			}
			continue
		}
		who := r.Country
		if who == "" {
			who = "operator"
		}
		caller := "-"
		if len(r.Caller) > 0 {
			caller = hex.EncodeToString(r.Caller)[:16]
		}
		fmt.Fprintf(stdout, "%6d  %s  %-8s %-16s %-18s %s %s (%d bytes signed)\n", r.Seq, r.Time.UTC().Format(time.RFC3339), who, caller, r.Action, r.Kind, r.ID, len(r.Request))
	}
	return nil
}

func gatewayExport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gateway export", "ithc gateway export --config FILE DIR", stderr)
	config := fs.String("config", "", "gateway configuration file (required)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *config == "" {
		return usageError("--config and one output directory are required")
	}
	cfg, st, err := openConfigStore(*config)
	if err != nil {
		return err
	}
	defer st.Close()
	var listKey keys.Key
	g, err := gateway.FromConfig(cfg, st, func(ref string) (crypto.Signer, error) {
		k, err := openKey(ref)
		listKey = k
		return k, err
	}, nil)
	if listKey != nil {
		defer listKey.Close()
	}
	if err != nil {
		return err
	}
	version, files, err := g.Export(context.Background(), pos[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "exported version %d: %d signed lists under %s\n", version, len(files), pos[0])
	return nil
}

// runSigner runs a country's gateway client commands.
func runSigner(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	const synopsis = "ithc signer upload|delete --gateway URL --tls-cert F --tls-key KEY --upload-cert F --upload-key KEY [--ca F] DSC.pem"
	if len(args) == 0 || (args[0] != "upload" && args[0] != "delete") {
		return usageError("usage: %s", synopsis)
	}
	fs := newFlagSet("signer "+args[0], synopsis, stderr)
	gw := gatewayFlags(fs)
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("usage: %s", synopsis)
	}
	c, _, closeKey, err := gw.client("signer " + args[0])
	if err != nil {
		return err
	}
	defer closeKey()
	dsc, err := gateway.LoadCertificate(pos[0])
	if err != nil {
		return err
	}
	op := c.UploadSigner
	if args[0] == "delete" {
		op = c.DeleteSigner
	}
	w, err := op(context.Background(), dsc)
	if err != nil {
		return err
	}
	verb := "uploaded"
	if w.Deleted {
		verb = "deleted"
	}
	fmt.Fprintf(stdout, "%s signer %s of %s (gateway version %d)\n", verb, w.ID, w.Country, w.Seq)
	return nil
}

// countryGatewayFlags are the flags of a country's gateway client.
type countryGatewayFlags struct {
	url, tlsCert, tlsKey, uploadCert, uploadKey, ca *string
}

func gatewayFlags(fs *flag.FlagSet) *countryGatewayFlags {
	return &countryGatewayFlags{
		url:        fs.String("gateway", "", "the gateway's base URL (required)"),
		tlsCert:    fs.String("tls-cert", "", "the country's onboarded TLS client certificate (required)"),
		tlsKey:     fs.String("tls-key", "", "its private key file (required)"),
		uploadCert: fs.String("upload-cert", "", "the country's onboarded upload certificate (required)"),
		uploadKey:  fs.String("upload-key", "", "its private key (file or pkcs11: reference; required)"),
		ca:         fs.String("ca", "", "certificate(s) to trust for the gateway's server certificate (default: system roots)"),
	}
}

// client opens the keys and returns the client, the country of the
// upload certificate and a function closing the upload key. command names
// the command for the hint of a usage error.
func (f *countryGatewayFlags) client(command string) (*client.Client, string, func(), error) {
	if *f.url == "" || *f.tlsCert == "" || *f.tlsKey == "" || *f.uploadCert == "" || *f.uploadKey == "" {
		return nil, "", nil, withHint(usageError("--gateway, --tls-cert, --tls-key, --upload-cert and --upload-key are required"),
			"run \"ithc %s -h\" for the flags", command)
	}
	pair, err := tls.LoadX509KeyPair(*f.tlsCert, *f.tlsKey)
	if err != nil {
		return nil, "", nil, fmt.Errorf("TLS client certificate: %w", err)
	}
	up, err := gateway.LoadCertificate(*f.uploadCert)
	if err != nil {
		return nil, "", nil, err
	}
	if len(up.Subject.Country) == 0 {
		return nil, "", nil, fmt.Errorf("%s: the upload certificate names no country", *f.uploadCert)
	}
	key, err := openKey(*f.uploadKey)
	if err != nil {
		return nil, "", nil, err
	}
	roots, err := rootPool(*f.ca)
	if err != nil {
		key.Close()
		return nil, "", nil, err
	}
	return client.New(*f.url, pair, roots, up, key), strings.ToUpper(up.Subject.Country[0]), func() { key.Close() }, nil
}

// syncClient loads a gateway's trust anchor and returns it with the HTTP
// client of a verifier's sync: trusting the certificates of caPath, or
// when it is empty the system roots and the anchor (which issues the
// gateway's HTTPS certificate).
func syncClient(anchorPath, caPath string) (*x509.Certificate, *http.Client, error) {
	anchor, err := gateway.LoadCertificate(anchorPath)
	if err != nil {
		return nil, nil, err
	}
	roots, err := rootPool(caPath)
	if err != nil {
		return nil, nil, err
	}
	if roots == nil {
		if roots, err = x509.SystemCertPool(); err != nil || roots == nil {
			roots = x509.NewCertPool()
		}
		roots.AddCert(anchor)
	}
	return anchor, verifierHTTPClient(roots), nil
}

// rootPool reads PEM certificates to trust for TLS; "" means the system
// roots.
func rootPool(path string) (*x509.CertPool, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	certs, err := trust.LoadPEM(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}

// runTrust runs "ithc trust sync".
func runTrust(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	const synopsis = "ithc trust sync --gateway URL --anchor FILE --dir DIR [--ca FILE] [--full]"
	if len(args) == 0 || args[0] != "sync" {
		return usageError("usage: %s", synopsis)
	}
	fs := newFlagSet("trust sync", synopsis, stderr)
	url := fs.String("gateway", "", "the gateway's base URL, or the base URL of a static export (required)")
	anchorPath := fs.String("anchor", "", "the gateway's trust anchor certificate (required)")
	dir := fs.String("dir", "", "directory of the offline copy (required)")
	ca := fs.String("ca", "", "certificate(s) to trust for HTTPS (default: the system roots and the anchor)")
	full := fs.Bool("full", false, "download the whole list instead of the changes")
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 || *url == "" || *anchorPath == "" || *dir == "" {
		return usageError("usage: %s", synopsis)
	}
	anchor, hc, err := syncClient(*anchorPath, *ca)
	if err != nil {
		return err
	}
	res, err := verifier.Sync(context.Background(), verifier.SyncOptions{URL: *url, Anchor: anchor, Dir: *dir, Client: hc, Full: *full})
	if err != nil {
		return err
	}
	switch {
	case !res.Changed:
		fmt.Fprintf(stdout, "trust list unchanged at version %d: %d signers\n", res.Version, res.Signers)
	case res.Incremental:
		fmt.Fprintf(stdout, "trust list updated to version %d (changes only, %d bytes): %d signers\n", res.Version, res.Bytes, res.Signers)
	default:
		fmt.Fprintf(stdout, "trust list synced at version %d (%d bytes): %d signers\n", res.Version, res.Bytes, res.Signers)
	}
	for _, p := range res.Problems {
		fmt.Fprintf(stderr, "ithc: warning: left out %s\n", p)
	}
	return nil
}

// openKey opens a private key reference: a PKCS#8 file (an encrypted one
// takes its passphrase from ITHC_KEY_PASSPHRASE) or a pkcs11: object in a
// token (PIN from the reference or ITHC_PKCS11_PIN). The caller closes it.
func openKey(ref string) (keys.Key, error) {
	return keys.Open(ref, keys.Options{Passphrase: keys.PassphraseFromEnv()})
}

// openServiceKey opens a key for the lifetime of a service process.
func openServiceKey(ref string) (crypto.Signer, error) { return openKey(ref) }

// verifierHTTPClient is an HTTPS client trusting roots.
func verifierHTTPClient(roots *x509.CertPool) *http.Client {
	return &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots},
	}}
}
