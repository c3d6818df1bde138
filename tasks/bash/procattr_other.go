//go:build !unix

package bash

import "os/exec"

// groupKill kills only the command itself where process groups do not exist.
func groupKill(*exec.Cmd) {}
