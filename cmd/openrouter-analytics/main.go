// Command openrouter-analytics queries OpenRouter's analytics API from the
// command line: `meta` prints the catalog, `query` runs a query and prints
// its rows as a table, CSV, JSON or JSON lines, with optional charts.
// With --demo it runs against the embedded fake API, with no key and no
// network; `fake` serves that API for any client until SIGINT or SIGTERM.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv,
		StderrIsTerminal: isTerminal(os.Stderr)})
	stop()
	os.Exit(code)
}

// isTerminal reports whether f is a character device, as a terminal is.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
