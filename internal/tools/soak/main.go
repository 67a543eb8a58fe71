// Command soak runs the chaos soak of internal/soak, then its paced
// phase, and prints their reports; it exits 1 when a check failed. make
// soak runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/soak"
)

func main() { os.Exit(run()) }

func run() int {
	var cfg soak.Config
	flag.IntVar(&cfg.Workers, "workers", 256, "concurrent calls")
	flag.DurationVar(&cfg.Duration, "duration", time.Minute, "length of the chaos phase")
	flag.DurationVar(&cfg.Outage, "outage", 30*time.Second, "length of the outage (every request 503); negative skips it")
	flag.DurationVar(&cfg.Recovery, "recovery", 2*time.Second, "length of the healthy phase after the outage")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "seed of the faults and the queries")
	flag.Float64Var(&cfg.ChaosRate, "rate", 0.1, "share of requests the fake fails in the chaos phase")
	var paced soak.PacedConfig
	flag.IntVar(&paced.Exports, "paced-exports", 40, "exports of the paced phase, against a fake of 64 requests a window; 0 skips it")
	flag.DurationVar(&paced.Minute, "paced-minute", 500*time.Millisecond, "the paced phase's window: a minute scaled down")
	flag.Parse()
	paced.Seed, paced.Progress = cfg.Seed, os.Stderr
	cfg.Progress = os.Stderr

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := soak.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 2
	}
	_, _ = rep.WriteTo(os.Stdout)
	failed := rep.Err() != nil
	if paced.Exports > 0 && ctx.Err() == nil {
		prep, err := soak.RunPaced(ctx, paced)
		if err != nil {
			fmt.Fprintln(os.Stderr, "soak:", err)
			return 2
		}
		fmt.Println()
		_, _ = prep.WriteTo(os.Stdout)
		failed = failed || prep.Err() != nil
	}
	if failed {
		return 1
	}
	return 0
}
