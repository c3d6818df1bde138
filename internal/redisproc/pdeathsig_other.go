//go:build !linux

package redisproc

import "os/exec"

func setParentDeathSignal(*exec.Cmd) {}
