// Package verifier is the verifying authority's side of ITHC: keeping an
// offline copy of a gateway's signed lists (Sync) and, with the verifier
// service, answering verification requests.
//
// Sync fetches a signed trust list from a gateway or from a static export
// of one (any web server or CDN serving the files `ithc gateway export`
// writes), checks it against the trust anchor, merges it into the local
// copy and replaces that copy atomically. Whatever goes wrong (the gateway
// is unreachable, answers an error, serves a list whose signature or
// content does not verify, or an older version than the local one), the
// last good copy stays in place and the error says what happened.
package verifier

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ithc/ithc/trust"
)

// SyncOptions configure Sync.
type SyncOptions struct {
	// URL is the gateway's base URL (https://host:port) or the base URL of
	// a static export; Sync fetches URL + "/v1/trustlist".
	URL string
	// Anchor is the gateway's trust anchor certificate, obtained out of
	// band.
	Anchor *x509.Certificate
	// Dir is the local directory of the offline copy.
	Dir string
	// Client is the HTTP client; nil means one with a 30-second timeout.
	Client *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Full forces a full download instead of an incremental one.
	Full bool
}

// SyncResult reports what a sync did.
type SyncResult struct {
	// Version is the local copy's version after the sync.
	Version int64
	// Changed is false when the gateway answered 304 Not Modified.
	Changed bool
	// Incremental is true when only the changes were downloaded.
	Incremental bool
	// Bytes is the size of the list downloaded.
	Bytes int
	// Signers is the number of usable document signers.
	Signers int
	// Problems lists entries left out, and why.
	Problems []trust.ListProblem
}

// Sync brings the offline copy in o.Dir up to date. On error the previous
// copy is untouched.
func Sync(ctx context.Context, o SyncOptions) (*SyncResult, error) {
	if o.Anchor == nil || o.Dir == "" || o.URL == "" {
		return nil, errors.New("verifier: sync: URL, Anchor and Dir are required")
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	client := o.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	local := &trust.SyncedList{}
	if !o.Full && trust.IsSyncedDir(o.Dir) {
		// Continue incrementally only from a copy of the same source
		// checked against the same anchor; otherwise start afresh.
		if old, anchor, err := trust.ReadSynced(o.Dir); err == nil && old.Source == o.URL && anchor.Equal(o.Anchor) {
			local = old
		}
	}
	res := &SyncResult{Version: local.List.Version}
	l, data, etag, err := fetchList(ctx, client, o.URL, "/v1/trustlist", local.List.Version, local.ETag, o.Anchor, now(), "sync")
	if err != nil {
		return nil, err
	}
	if l == nil { // not modified
		local.Synced = now().UTC()
		if err := trust.SaveSynced(o.Dir, o.Anchor, local); err != nil {
			return nil, err
		}
		// The copy was checked when it was received.
		res.Signers, res.Problems = len(local.Signers), local.Problems
		return res, nil
	}
	// A static export ignores ?since and serves the full list: Merge
	// handles both.
	next := *local
	next.List.Entries = append([]trust.ListEntry(nil), local.List.Entries...)
	if err := next.Merge(l); errors.Is(err, trust.ErrEpoch) && !o.Full {
		// The gateway was restored from a backup and advanced: only the
		// whole list says what it holds now.
		o.Full = true
		return Sync(ctx, o)
	} else if err != nil {
		return nil, fmt.Errorf("verifier: sync: %w; keeping the local copy", err)
	}
	next.Source = o.URL
	next.Synced = now().UTC()
	next.ETag = etag
	st, problems := trust.BuildStore(&next.List, o.Anchor)
	next.Checked(st, problems)
	if err := trust.SaveSynced(o.Dir, o.Anchor, &next); err != nil {
		return nil, err
	}
	res.Version = next.List.Version
	res.Changed = true
	res.Incremental = l.Since > 0
	res.Bytes = len(data)
	res.Signers = st.Len()
	res.Problems = problems
	return res, nil
}

// fetchList gets and verifies the signed list at base+path: the changes
// since the version since when it is positive (If-None-Match: etag when
// given), else the whole list. A 304 Not Modified to an incremental
// request gives a nil list. It returns the list, its bytes and its ETag;
// what names the sync in errors ("sync", "revocation sync").
func fetchList(ctx context.Context, client *http.Client, base, path string, since int64, etag string,
	anchor *x509.Certificate, now time.Time, what string) (*trust.List, []byte, string, error) {
	u, err := url.Parse(strings.TrimRight(base, "/") + path)
	if err != nil {
		return nil, nil, "", fmt.Errorf("verifier: %s: URL %q: %w", what, base, err)
	}
	if since > 0 {
		q := u.Query()
		q.Set("since", strconv.FormatInt(since, 10))
		u.RawQuery = q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, "", fmt.Errorf("verifier: %s: %w", what, err)
	}
	if since > 0 && etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, "", fmt.Errorf("verifier: %s: gateway unreachable, keeping the local copy: %w", what, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && since > 0:
		return nil, nil, "", nil
	case resp.StatusCode != http.StatusOK:
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return nil, nil, "", fmt.Errorf("verifier: %s: gateway answered %s: %s; keeping the local copy", what, resp.Status, strings.TrimSpace(string(body)))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, trust.MaxListBytes+1))
	if err != nil {
		return nil, nil, "", fmt.Errorf("verifier: %s: reading the list: %w; keeping the local copy", what, err)
	}
	if len(data) > trust.MaxListBytes {
		return nil, nil, "", fmt.Errorf("verifier: %s: the list exceeds %d bytes; keeping the local copy", what, trust.MaxListBytes)
	}
	l, err := trust.VerifyList(data, anchor, now)
	if err != nil {
		return nil, nil, "", fmt.Errorf("verifier: %s: %w; keeping the local copy", what, err)
	}
	return l, data, resp.Header.Get("ETag"), nil
}
