// Package client is a country's side of the gateway: uploading and
// deleting document signers as CMS SignedData signed by the country's
// upload certificate, over mutual TLS with its TLS client certificate.
package client

import (
	"bytes"
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/ithc/ithc/internal/cms"
)

// Client talks to one gateway as one country.
type Client struct {
	// URL is the gateway's base URL.
	URL string
	// HTTP is the client, configured for mutual TLS.
	HTTP *http.Client
	// UploadCert and UploadKey sign the requests.
	UploadCert *x509.Certificate
	UploadKey  crypto.Signer
	// Now is the clock of the signing-time attribute; nil means time.Now.
	Now func() time.Time
}

// New returns a client presenting tlsCert to the gateway, trusting roots
// for the gateway's server certificate (nil means the system roots).
func New(url string, tlsCert tls.Certificate, roots *x509.CertPool, uploadCert *x509.Certificate, uploadKey crypto.Signer) *Client {
	tr := &http.Transport{TLSClientConfig: &tls.Config{
		MinVersion: tls.VersionTLS12, RootCAs: roots, Certificates: []tls.Certificate{tlsCert},
	}}
	return &Client{URL: strings.TrimRight(url, "/"), HTTP: &http.Client{Transport: tr, Timeout: 30 * time.Second},
		UploadCert: uploadCert, UploadKey: uploadKey}
}

// Written is the gateway's answer to an accepted write.
type Written struct {
	Kind    string `json:"kind"`
	ID      string `json:"id"`
	Country string `json:"country"`
	Seq     int64  `json:"seq"`
	Deleted bool   `json:"deleted"`
}

// Error is a refusal by the gateway.
type Error struct {
	Status  int
	Code    string `json:"error"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("gateway refused (%d %s): %s", e.Status, e.Code, e.Message)
}

// Sign wraps content in CMS SignedData signed by the upload certificate.
func (c *Client) Sign(content []byte) ([]byte, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	return cms.Sign(content, c.UploadCert, c.UploadKey, &cms.SignOptions{SigningTime: now()})
}

// UploadSigner publishes a document signer.
func (c *Client) UploadSigner(ctx context.Context, dsc *x509.Certificate) (*Written, error) {
	body, err := c.Sign(dsc.Raw)
	if err != nil {
		return nil, err
	}
	return c.Send(ctx, http.MethodPost, "/v1/signers", body)
}

// DeleteSigner removes a document signer (the gateway keeps a tombstone).
func (c *Client) DeleteSigner(ctx context.Context, dsc *x509.Certificate) (*Written, error) {
	body, err := c.Sign(dsc.Raw)
	if err != nil {
		return nil, err
	}
	return c.Send(ctx, http.MethodDelete, "/v1/signers", body)
}

// Send sends a signed body; it is exported for tests and tools that craft
// their own CMS.
func (c *Client) Send(ctx context.Context, method, path string, body []byte) (*Written, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.URL+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/cms")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("gateway client: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("gateway client: reading the answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		e := &Error{Status: resp.StatusCode}
		if json.Unmarshal(data, e) != nil || e.Code == "" {
			e.Code, e.Message = "http", strings.TrimSpace(string(data))
		}
		return nil, e
	}
	var w Written
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("gateway client: answer %q: %w", data, err)
	}
	return &w, nil
}
