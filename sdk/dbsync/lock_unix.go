//go:build unix

package dbsync

import (
	"errors"
	"os"
	"syscall"
)

type fileHeld struct{ f *os.File }

// fileLock takes an exclusive flock on path: nil, nil when another open
// file holds it (another process, or another run in this one).
func fileLock(path string) (lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, nil
		}
		return nil, err
	}
	return fileHeld{f}, nil
}

func (l fileHeld) release() error {
	return errors.Join(syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN), l.f.Close())
}
