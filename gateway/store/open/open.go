// Package open opens a gateway store named by a URL, so that only the
// programs that choose a store at run time (the ithc command, the gateway's
// acceptance tests) depend on both database drivers:
//
//	sqlite:PATH                      the embedded SQLite store (file PATH)
//	postgres://user@host:port/db?... PostgreSQL (also postgresql://)
package open

import (
	"context"
	"fmt"
	"strings"

	"github.com/ithc/ithc/gateway/store"
	"github.com/ithc/ithc/gateway/store/postgres"
	"github.com/ithc/ithc/gateway/store/sqlite"
)

// Store opens the store url names, running its migrations.
func Store(ctx context.Context, url string) (store.Store, error) {
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(url, "sqlite:")
		if path == "" {
			return nil, fmt.Errorf("store: %q names no SQLite file", url)
		}
		return sqlite.Open(ctx, path)
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return postgres.Open(ctx, url)
	}
	return nil, fmt.Errorf("store: %q is neither sqlite:PATH nor a postgres:// URL", url)
}
