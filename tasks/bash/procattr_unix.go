//go:build unix

package bash

import (
	"os/exec"
	"syscall"
)

// groupKill runs the command in its own process group and makes the
// context's end kill the whole group, so children of the script go too.
func groupKill(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
