// Package testproc starts the running test binary again as a child
// process, for the tests that need a process of their own: a sync
// killed with SIGKILL, runs that overlap as cron's would, a proxy
// environment, a server whose allocations are not the client's.
package testproc

import (
	"os"
	"os/exec"
	"strings"
)

// exitGrace is how long a child built with the race detector waits at
// exit for late race reports. The runtime's default is a second, which
// the tests that start dozens of children spent asleep; a report a
// child prints still fails its test, through the output or the exit
// status the parent checks.
const exitGrace = "atexit_sleep_ms=50"

// Self returns a command that runs this test binary with args, in this
// process's environment plus env (later entries win, as exec's do).
func Self(args []string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	gorace := strings.TrimSpace(os.Getenv("GORACE") + " " + exitGrace)
	cmd.Env = append(append(os.Environ(), "GORACE="+gorace), env...)
	return cmd
}
