package store

import (
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// Migration is one step of a store's schema history.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// ReadMigrations reads the migrations of an implementation from fsys:
// files migrations/NNNN_name.sql, numbered from 0001 without gaps, which
// the implementation applies in order, each once, recording them in its
// schema_migrations table. A migration, once released, is never edited: a
// change is a new file. The error names the file that breaks the rules.
func ReadMigrations(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	var ms []Migration
	for _, p := range names {
		base := strings.TrimPrefix(p, "migrations/")
		num, name, ok := strings.Cut(strings.TrimSuffix(base, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || len(num) != 4 || err != nil || v < 1 || name == "" {
			return nil, fmt.Errorf("store: migration file %s is not named NNNN_name.sql", base)
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("store: migration %s: %w", base, err)
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("store: migration %04d_%s: expected number %04d (no gaps, no duplicates)", m.Version, m.Name, i+1)
		}
	}
	return ms, nil
}
