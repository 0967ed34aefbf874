// Command gen rewrites the configuration table of a README from the Config
// struct tags, between <!-- config-table:start --> and <!-- config-table:end -->.
//
//	go run ./internal/config/gen README.md
package main

import (
	"fmt"
	"os"

	"github.com/gongsync/gongsync/internal/config"
)

func main() {
	path := "README.md"
	if len(os.Args) > 1 {
		path = os.Args[1]
	}
	if err := run(path); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(path string) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	updated, err := config.RewriteREADME(string(old))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if updated == string(old) {
		return nil
	}
	return os.WriteFile(path, []byte(updated), 0o644)
}
