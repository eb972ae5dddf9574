package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ithc/ithc/gateway/store"
)

// Export writes the public signed lists as static files under dir, laid
// out like the API so that a web server or CDN serving dir at URL answers
// verifiers exactly as the gateway would (without incremental sync: a
// static server ignores ?since and serves the full list, which verifiers
// accept):
//
//	dir/v1/trustlist                  all CSCAs, upload certificates and signers
//	dir/v1/valuesets                  value sets
//	dir/v1/countries                  onboarded countries
//	dir/v1/country/CC/trustlist       one country's part of the trust list
//	dir/index.json                    {"version": N, "files": [...]}
//
// Each file is written to a temporary name and renamed, so a server never
// serves a half-written list.
func (g *Gateway) Export(ctx context.Context, dir string) (version int64, files []string, err error) {
	write := func(rel string, q ListQuery) error {
		data, v, err := g.SignedList(ctx, q)
		if err != nil {
			return err
		}
		if v > version {
			version = v
		}
		files = append(files, rel)
		return writeFileAtomic(filepath.Join(dir, filepath.FromSlash(rel)), data)
	}
	trustKinds := TrustListKinds
	if err := write("v1/trustlist", ListQuery{Kinds: trustKinds}); err != nil {
		return 0, nil, err
	}
	if err := write("v1/valuesets", ListQuery{Kinds: []string{store.KindValueSet}}); err != nil {
		return 0, nil, err
	}
	if err := write("v1/countries", ListQuery{Kinds: []string{store.KindCountry}}); err != nil {
		return 0, nil, err
	}
	countries, _, err := g.store.List(ctx, store.Filter{Kinds: []string{store.KindCountry}})
	if err != nil {
		return 0, nil, err
	}
	for _, c := range countries {
		if err := write("v1/country/"+c.ID+"/trustlist", ListQuery{Kinds: trustKinds, Country: c.ID}); err != nil {
			return 0, nil, err
		}
	}
	// Rules, revocation batches and encryption keys add their files.
	for _, part := range []func(context.Context, exportWriter) error{g.exportRules, g.exportRevocation, g.exportEncryption} {
		if err := part(ctx, func(rel string, data []byte) error {
			files = append(files, rel)
			return writeFileAtomic(filepath.Join(dir, filepath.FromSlash(rel)), data)
		}); err != nil {
			return 0, nil, err
		}
	}
	index, err := json.MarshalIndent(map[string]any{"version": version, "files": files}, "", "  ")
	if err != nil {
		return 0, nil, err
	}
	if err := writeFileAtomic(filepath.Join(dir, "index.json"), append(index, '\n')); err != nil {
		return 0, nil, err
	}
	return version, files, nil
}

// exportWriter writes one exported file at a slash-separated path
// relative to the export directory.
type exportWriter func(rel string, data []byte) error

func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("gateway: export: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("gateway: export: %w", err)
	}
	name := tmp.Name()
	_, werr := tmp.Write(data)
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(name, 0o644)
	}
	if werr == nil {
		werr = os.Rename(name, path)
	}
	if werr != nil {
		os.Remove(name)
		return fmt.Errorf("gateway: export %s: %w", path, werr)
	}
	return nil
}
