package vdsnc

import (
	"crypto/x509"
	"fmt"
	"testing"
)

// TestIssuedCacheBound checks that the cache of verified CSCA signatures
// is emptied when full instead of growing.
func TestIssuedCacheBound(t *testing.T) {
	csca := &x509.Certificate{Raw: []byte("csca")}
	first := &x509.Certificate{Raw: []byte("signer 0")}
	rememberIssued(csca, first)
	if !issued(csca, first) {
		t.Fatal("a remembered pair is not found")
	}
	if issued(first, csca) {
		t.Fatal("the pair is found the other way round")
	}
	for i := 1; i <= maxIssuedCache; i++ {
		rememberIssued(csca, &x509.Certificate{Raw: fmt.Appendf(nil, "signer %d", i)})
	}
	issuedMu.Lock()
	n := len(issuedCache)
	issuedMu.Unlock()
	if n > maxIssuedCache || issued(csca, first) {
		t.Errorf("cache holds %d pairs, first still found: %v", n, issued(csca, first))
	}
}
